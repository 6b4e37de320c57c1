"""somatic.postprocess: FILTER/QUAL/GT/GQ/DP/AD/VAF of a record, and a header + records that pysam and
bcftools read."""

from __future__ import annotations

import math

import numpy as np
import pysam
import pysam.bcftools  # the bcftools dispatcher is a submodule that "import pysam" does not load
import pytest

from genomeml.io.vcf import write_vcf
from genomeml.pileup.alleles import Allele
from genomeml.somatic.examples import SiteCounts
from genomeml.somatic.postprocess import CallSettings, header_lines, phred, record_line

CONTIGS = {"chr1": 10_000, "chr2": 5_000}
DEFAULT = CallSettings()


def fields(line: str) -> list[str]:
    return line.split("\t")


def sample(line: str, i: int = 0) -> dict[str, str]:
    f = fields(line)
    return dict(zip(f[8].split(":"), f[9 + i].split(":")))


def info(line: str) -> dict[str, str]:
    return dict(kv.split("=") for kv in fields(line)[7].split(";"))


def test_phred():
    assert phred(0.1) == pytest.approx(10.0)
    assert phred(0.001) == pytest.approx(30.0)
    assert phred(1e-20) == 99.0 and phred(0.0) == 99.0
    assert phred(1e-5, cap=40.0) == 40.0


@pytest.mark.parametrize("probs,threshold,status", [
    ((0.05, 0.05, 0.90), 0.5, "PASS"),
    ((0.30, 0.20, 0.50), 0.5, "PASS"),        # argmax somatic, exactly at the threshold
    ((0.20, 0.20, 0.60), 0.7, "RefCall"),     # most likely somatic but below a stricter threshold
    ((0.10, 0.60, 0.30), 0.5, "GERMLINE"),
    ((0.10, 0.60, 0.30), 0.1, "GERMLINE"),    # the threshold applies to somatic calls only
    ((0.70, 0.10, 0.20), 0.5, "RefCall"),
    ((0.40, 0.35, 0.25), 0.2, "RefCall"),
])
def test_filter_from_probabilities(probs, threshold, status):
    line = record_line(Allele("chr1", 99, "A", "G"), np.array(probs), SiteCounts(40, 30, 10), SiteCounts(30, 30, 0),
                       CallSettings(threshold))
    assert fields(line)[6] == status


@pytest.mark.parametrize("allele,settings,status", [
    (Allele("chr1", 99, "A", "G"), CallSettings(0.75, 0.65), "RefCall"),     # an SNV keeps the SNV threshold
    (Allele("chr1", 99, "A", "AT"), CallSettings(0.75, 0.65), "PASS"),      # an insertion gets the indel one
    (Allele("chr1", 99, "AT", "A"), CallSettings(0.75, 0.65), "PASS"),      # so does a deletion
    (Allele("chr1", 99, "AT", "A"), CallSettings(0.75), "RefCall"),         # no indel threshold: the SNV one
    (Allele("chr1", 99, "A", "G"), CallSettings(0.65, 0.75), "PASS"),
    (Allele("chr1", 99, "A", "AT"), CallSettings(0.65, 0.75), "RefCall"),
])
def test_indels_have_their_own_threshold(allele, settings, status):
    line = record_line(allele, np.array([0.2, 0.1, 0.7]), SiteCounts(40, 30, 10), SiteCounts(30, 30, 0), settings)
    assert fields(line)[6] == status


def test_header_records_both_thresholds():
    def meta(settings: CallSettings) -> list[str]:
        return [line for line in header_lines(CONTIGS, ["T"], "cmd", "chr1:1-10", "m", "1", "ref.fa", settings)
                if line.startswith("##genomeml_min_somatic_probability")]
    assert meta(CallSettings(0.75, 0.65)) == ["##genomeml_min_somatic_probability=0.75",
                                              "##genomeml_min_somatic_probability_indel=0.65"]
    assert meta(CallSettings(0.8)) == ["##genomeml_min_somatic_probability=0.8",
                                       "##genomeml_min_somatic_probability_indel=0.8"]


@pytest.mark.parametrize("p_som,qual", [(0.9, "10.00"), (0.999, "30.00"), (0.5, "3.01"), (0.99999, "50.00"),
                                        (1.0, "99.00"), (1 - 1e-12, "99.00")])
def test_qual_is_phred_of_somatic_probability_capped(p_som, qual):
    probs = np.array([(1 - p_som) / 2, (1 - p_som) / 2, p_som])
    line = record_line(Allele("chr1", 99, "A", "G"), probs, SiteCounts(40, 30, 10), None, DEFAULT)
    assert fields(line)[5] == qual


def test_qual_of_non_somatic_records():
    line = record_line(Allele("chr1", 99, "A", "G"), np.array([0.8, 0.15, 0.05]), SiteCounts(40, 38, 2), None, DEFAULT)
    assert float(fields(line)[5]) == pytest.approx(-10 * math.log10(0.95), abs=0.005)


def test_qual_never_negative_zero():
    line = record_line(Allele("chr1", 99, "A", "G"), np.array([1.0, 0.0, 0.0], dtype=np.float32),
                       SiteCounts(40, 40, 0), None, DEFAULT)
    assert not fields(line)[5].startswith("-")


def test_record_columns_tumor_only():
    line = record_line(Allele("chr2", 1233, "ACT", "A"), np.array([0.02, 0.03, 0.95]), SiteCounts(50, 38, 12), None,
                       DEFAULT)
    f = fields(line)
    assert len(f) == 10
    assert f[:5] == ["chr2", "1234", ".", "ACT", "A"]       # POS 1-based
    assert info(line) == {"PSOM": "0.9500", "PGERM": "0.0300", "PREF": "0.0200"}
    assert f[8] == "GT:GQ:DP:AD:VAF"
    assert sample(line) == {"GT": "0/1", "GQ": "13", "DP": "50", "AD": "38,12", "VAF": "0.2400"}


def test_record_genotypes_and_counts_with_normal():
    a = Allele("chr1", 0, "C", "T")
    # somatic, high VAF tumor: 1/1 in the tumor, 0/0 in the normal
    line = record_line(a, np.array([0.001, 0.001, 0.998]), SiteCounts(40, 2, 38), SiteCounts(30, 30, 0), DEFAULT)
    assert len(fields(line)) == 11 and fields(line)[1] == "1"
    gq = str(int(round(-10 * math.log10(1 - 0.998))))
    assert sample(line, 0) == {"GT": "1/1", "GQ": gq, "DP": "40", "AD": "2,38", "VAF": "0.9500"}
    assert sample(line, 1) == {"GT": "0/0", "GQ": gq, "DP": "30", "AD": "30,0", "VAF": "0.0000"}
    # germline: het in the normal, hom in the normal
    het = record_line(a, np.array([0.05, 0.9, 0.05]), SiteCounts(40, 20, 20), SiteCounts(30, 16, 14), DEFAULT)
    assert sample(het, 0)["GT"] == "0/1" and sample(het, 1)["GT"] == "0/1" and sample(het, 0)["GQ"] == "10"
    hom = record_line(a, np.array([0.05, 0.9, 0.05]), SiteCounts(40, 0, 40), SiteCounts(30, 1, 29), DEFAULT)
    assert sample(hom, 0)["GT"] == "1/1" and sample(hom, 1)["GT"] == "1/1"
    # RefCall: reference genotypes everywhere, counts still reported
    ref = record_line(a, np.array([0.9, 0.05, 0.05]), SiteCounts(40, 37, 3), SiteCounts(30, 29, 1), DEFAULT)
    assert sample(ref, 0) == {"GT": "0/0", "GQ": "10", "DP": "40", "AD": "37,3", "VAF": "0.0750"}
    assert sample(ref, 1) == {"GT": "0/0", "GQ": "10", "DP": "30", "AD": "29,1", "VAF": "0.0333"}
    # zero depth: VAF 0, no division error
    empty = record_line(a, np.array([0.2, 0.1, 0.7]), SiteCounts(0, 0, 0), SiteCounts(0, 0, 0), DEFAULT)
    assert sample(empty, 0)["VAF"] == "0.0000" and sample(empty, 1)["DP"] == "0"


def test_gq_capped():
    line = record_line(Allele("chr1", 5, "A", "C"), np.array([0.0, 0.0, 1.0]), SiteCounts(10, 5, 5), None, DEFAULT)
    assert sample(line)["GQ"] == "99"


# ----------------------------------------------------------------------------- a VCF others can read
RECORDS = [
    (Allele("chr1", 99, "A", "G"), (0.01, 0.01, 0.98), SiteCounts(60, 45, 15), SiteCounts(40, 40, 0)),
    (Allele("chr1", 499, "ACT", "A"), (0.1, 0.8, 0.1), SiteCounts(55, 28, 27), SiteCounts(41, 20, 21)),
    (Allele("chr1", 499, "A", "C"), (0.9, 0.05, 0.05), SiteCounts(55, 52, 2), SiteCounts(41, 41, 0)),
    (Allele("chr1", 9_999, "T", "TGGA"), (0.3, 0.1, 0.6), SiteCounts(12, 9, 3), SiteCounts(0, 0, 0)),
    (Allele("chr2", 0, "G", "A"), (0.0001, 0.0001, 0.9998), SiteCounts(30, 2, 28), SiteCounts(20, 20, 0)),
]


@pytest.fixture(scope="module")
def vcfs(tmp_path_factory):
    out = tmp_path_factory.mktemp("vcf")
    paths = {}
    for mode, samples in (("paired", ["TUMOR", "NORMAL"]), ("tumor_only", ["TUMOR"])):
        header = header_lines(CONTIGS, samples, "genomeml call-somatic --ref ref.fa", "chr1:1-10000,chr2:1-5000",
                              "somatic-tn", "1.0", "ref.fa")
        body = [record_line(a, np.array(p), t, n if mode == "paired" else None, DEFAULT) for a, p, t, n in RECORDS]
        paths[mode] = out / f"{mode}.vcf.gz"
        write_vcf(paths[mode], header, body)
    return paths


@pytest.mark.parametrize("mode", ["paired", "tumor_only"])
def test_pysam_reads_the_records(vcfs, mode):
    with pysam.VariantFile(str(vcfs[mode])) as handle:
        header = handle.header
        assert list(header.samples) == (["TUMOR", "NORMAL"] if mode == "paired" else ["TUMOR"])
        assert set(header.filters) >= {"PASS", "GERMLINE", "RefCall"}
        assert set(header.info) >= {"PSOM", "PGERM", "PREF"}
        assert list(header.formats) == ["GT", "GQ", "DP", "AD", "VAF"]
        assert dict((name, c.length) for name, c in header.contigs.items()) == CONTIGS
        records = list(handle)
    assert [(r.chrom, r.pos - 1, r.ref, r.alts[0]) for r in records] == [(a.contig, a.pos, a.ref, a.alt)
                                                                          for a, *_ in RECORDS]
    assert [list(r.filter.keys())[0] for r in records] == ["PASS", "GERMLINE", "RefCall", "PASS", "PASS"]
    first = records[0]
    assert first.qual == pytest.approx(-10 * math.log10(0.02), abs=0.01)
    assert first.info["PSOM"] == pytest.approx(0.98, abs=1e-4)
    tumor = first.samples["TUMOR"]
    assert tumor["GT"] == (0, 1) and tumor["DP"] == 60 and tumor["AD"] == (45, 15)
    assert tumor["VAF"] == (pytest.approx(0.25, abs=1e-4),)
    assert records[2].samples["TUMOR"]["GT"] == (0, 0)
    if mode == "paired":
        assert first.samples["NORMAL"]["GT"] == (0, 0) and first.samples["NORMAL"]["AD"] == (40, 0)
        assert records[1].samples["NORMAL"]["GT"] == (0, 1)
    # fetch through the tabix index
    with pysam.VariantFile(str(vcfs[mode])) as handle:
        assert [r.pos for r in handle.fetch("chr1", 400, 600)] == [500, 500]
        assert [r.pos for r in handle.fetch("chr2")] == [1]


@pytest.mark.parametrize("mode", ["paired", "tumor_only"])
def test_bcftools_reads_without_complaint(vcfs, mode, capfd):
    capfd.readouterr()
    stats = pysam.bcftools.stats(str(vcfs[mode]))
    numbers = {line.split("\t")[2].rstrip(":"): int(line.split("\t")[3]) for line in stats.splitlines()
               if line.startswith("SN\t")}
    assert numbers["number of records"] == len(RECORDS)
    assert numbers["number of SNPs"] == 3 and numbers["number of indels"] == 2
    assert numbers["number of samples"] == (2 if mode == "paired" else 1)
    # a strict full parse: bcftools view re-encodes every field (it fails on undeclared or malformed ones)
    text = pysam.bcftools.view("-H", str(vcfs[mode]))
    assert len(text.splitlines()) == len(RECORDS)
    header = pysam.bcftools.view("-h", str(vcfs[mode]))
    assert "##fileformat=VCFv4.2" in header and "##genomeml_model=somatic-tn version=1.0" in header
    # htslib writes its warnings (undeclared tags, bad values) straight to file descriptor 2
    assert capfd.readouterr().err == ""


def test_header_records_a_rescaled_mapq_only_where_it_was_rescaled():
    lines = header_lines(CONTIGS, ["T", "N"], "cmd", "chr1:1-10", "m", "1", "ref.fa",
                         mapq_scales={"T": 60 / 42, "N": 1.0})
    assert [line for line in lines if "mapq_scale" in line] == ["##genomeml_mapq_scale=T:1.4286"]
    assert not any("mapq_scale" in line for line in header_lines(CONTIGS, ["T"], "cmd", "chr1:1-10", "m", "1",
                                                                  "ref.fa", mapq_scales={"T": 1.0}))
