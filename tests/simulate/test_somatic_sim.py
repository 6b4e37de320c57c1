"""simulate somatic: determinism, truth carried by the reads, valid left-normalized VCFs, BAM properties, CLI."""

from __future__ import annotations

import json
import subprocess
from collections import defaultdict
from pathlib import Path

import numpy as np
import pysam
import pysam.bcftools  # the bcftools dispatcher is a submodule that "import pysam" does not load
import pytest

from cli_helpers import genomeml_exe
from genomeml.errors import GenomemlError
from genomeml.simulate.haplotypes import DiploidGenome
from genomeml.simulate.somatic import SomaticSimConfig, simulate_somatic
from genomeml.simulate.variants import Variant

OUTPUTS = ["ref.fa", "ref.fa.fai", "tumor.bam", "tumor.bam.bai", "normal.bam", "normal.bam.bai",
           "truth.somatic.vcf.gz", "truth.somatic.vcf.gz.tbi", "truth.germline.vcf.gz",
           "truth.germline.vcf.gz.tbi", "confident.bed", "simulation.json"]

# one 40 kb tumor/normal pair with a raised somatic rate (about 50 mutations) serves most tests
MAIN = dict(synthetic=40_000, tumor_depth=60, normal_depth=40, somatic_rate=1e-3, seed=7, threads=2)
SMALL = dict(synthetic=20_000, tumor_depth=20, normal_depth=20, somatic_rate=1e-3, threads=2)




def _simulate(out: Path, **kwargs) -> dict:
    return simulate_somatic(SomaticSimConfig(out=str(out), **kwargs))


@pytest.fixture(scope="module")
def sim(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("somatic") / "sim"
    _simulate(out, **MAIN)
    return out


@pytest.fixture(scope="module")
def contaminated(tmp_path_factory) -> Path:
    """Same genome and mutations as ``sim`` (same seed), 20% tumor cells in the normal, deep normal."""
    out = tmp_path_factory.mktemp("somatic_contaminated") / "sim"
    _simulate(out, **{**MAIN, "tumor_depth": 10, "normal_depth": 60, "contamination": 0.2})
    return out


def _records(path: Path) -> list[pysam.VariantRecord]:
    with pysam.VariantFile(str(path)) as handle:
        return list(handle)


def allele_support(bam: Path, contig: str, pos: int, ref: str, alt: str, min_mapq: int = 0) -> tuple[int, int]:
    """(reads carrying ALT, reads covering) at a 1-based VCF position.

    SNV: the read's base at POS; indel: a pileup indel of len(ALT) - len(REF) right after
    the anchor base. Duplicate, secondary, supplementary, unmapped and (with ``min_mapq``)
    ambiguously mapped reads are skipped.
    """
    carrying = depth = 0
    with pysam.AlignmentFile(str(bam)) as handle:
        for column in handle.pileup(contig, pos - 1, pos, truncate=True, stepper="nofilter", min_base_quality=0,
                                    ignore_overlaps=False, ignore_orphans=False, max_depth=100_000):
            for read in column.pileups:
                aln = read.alignment
                if aln.is_duplicate or aln.is_secondary or aln.is_supplementary or aln.is_unmapped \
                        or aln.mapping_quality < min_mapq:
                    continue
                depth += 1
                if len(ref) == 1 and len(alt) == 1:
                    carrying += (not read.is_del and not read.is_refskip
                                 and aln.query_sequence[read.query_position] == alt)
                else:
                    carrying += read.indel == len(alt) - len(ref)
    return carrying, depth


def _support_table(sim_dir: Path, vcf: str, min_mapq: int = 0) -> list[tuple[pysam.VariantRecord, tuple[int, int],
                                                                             tuple[int, int]]]:
    """Per truth record: (record, tumor support, normal support)."""
    return [(rec, allele_support(sim_dir / "tumor.bam", rec.chrom, rec.pos, rec.ref, rec.alts[0], min_mapq),
             allele_support(sim_dir / "normal.bam", rec.chrom, rec.pos, rec.ref, rec.alts[0], min_mapq))
            for rec in _records(sim_dir / vcf)]


@pytest.fixture(scope="module")
def somatic_support(sim):
    return _support_table(sim, "truth.somatic.vcf.gz")


# ----------------------------------------------------------------------------- determinism
def test_same_seed_same_bytes_other_seed_other_reads(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    _simulate(a, seed=3, **SMALL)
    _simulate(b, seed=3, **SMALL)
    _simulate(c, seed=4, **SMALL)
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(OUTPUTS) == sorted(p.name for p in b.iterdir())
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), f"{name} differs between two runs with one seed"
    for name in ("tumor.bam", "normal.bam", "truth.somatic.vcf.gz", "ref.fa"):
        assert (a / name).read_bytes() != (c / name).read_bytes(), f"{name} is the same for seeds 3 and 4"


def test_thread_count_does_not_change_outputs(tmp_path):
    _simulate(tmp_path / "t1", seed=5, **{**SMALL, "threads": 1})
    _simulate(tmp_path / "t2", seed=5, **{**SMALL, "threads": 2})
    for name in OUTPUTS:
        if name != "simulation.json":  # records the thread count
            assert (tmp_path / "t1" / name).read_bytes() == (tmp_path / "t2" / name).read_bytes(), name


# ----------------------------------------------------------------------------- truth is in the reads
def test_somatic_alleles_at_truth_vaf_in_tumor(sim, somatic_support):
    summary = json.loads((sim / "simulation.json").read_text())
    assert len(somatic_support) == summary["somatic_variants"] >= 20
    expected = np.array([rec.info["VAF"] for rec, _, _ in somatic_support])
    alt = np.array([t[0] for _, t, _ in somatic_support])
    depth = np.array([t[1] for _, t, _ in somatic_support])
    assert depth.min() >= 30  # 60x requested
    observed = alt / depth
    weighted_expected = float((expected * depth).sum() / depth.sum())
    assert alt.sum() / depth.sum() == pytest.approx(weighted_expected, rel=0.2)
    assert np.corrcoef(expected, observed)[0, 1] > 0.7
    clonal = expected >= 0.35
    assert observed[clonal].mean() == pytest.approx(0.4, abs=0.08)  # purity 0.8: clonal VAF 0.4
    # SNVs and indels separately: an allele written wrongly (e.g. indel off by one) would show up here
    for kind in ("SNV", "INDEL"):
        chosen = np.array([rec.info["TYPE"] == kind for rec, _, _ in somatic_support])
        assert chosen.sum() >= 3
        expect = (expected[chosen] * depth[chosen]).sum() / depth[chosen].sum()
        assert alt[chosen].sum() / depth[chosen].sum() == pytest.approx(expect, rel=0.3), kind


def test_clean_normal_has_no_somatic_support(somatic_support):
    alt = sum(n[0] for _, _, n in somatic_support)
    depth = sum(n[1] for _, _, n in somatic_support)
    assert depth > 20 * len(somatic_support)
    assert alt <= 0.01 * depth  # only sequencing errors
    assert all(rec.info["NVAF"] == 0 for rec, _, _ in somatic_support)


def test_contaminated_normal_supports_somatic_alleles(contaminated):
    table = _support_table(contaminated, "truth.somatic.vcf.gz")
    for rec, _, _ in table:
        assert rec.info["NVAF"] == pytest.approx(rec.info["VAF"] * 0.2 / 0.8, abs=1e-4)
    nvaf = np.array([rec.info["NVAF"] for rec, _, _ in table])
    alt = np.array([n[0] for _, _, n in table])
    depth = np.array([n[1] for _, _, n in table])
    expected = float((nvaf * depth).sum() / depth.sum())
    assert expected > 0.03
    assert alt.sum() / depth.sum() == pytest.approx(expected, rel=0.3)
    assert (alt > 0).mean() > 0.5


def test_same_seed_places_same_mutations_whatever_the_contamination(sim, contaminated):
    key = lambda r: (r.chrom, r.pos, r.ref, r.alts, round(r.info["VAF"], 4))  # noqa: E731
    assert [key(r) for r in _records(sim / "truth.somatic.vcf.gz")] == \
        [key(r) for r in _records(contaminated / "truth.somatic.vcf.gz")]


def test_germline_alleles_het_half_hom_all(sim):
    table = _support_table(sim, "truth.germline.vcf.gz")
    genotypes = {rec.samples[0]["GT"] for rec, _, _ in table}
    assert genotypes <= {(0, 1), (1, 0), (1, 1)} and all(rec.samples[0].phased for rec, _, _ in table)
    for sample in (1, 2):  # tumor, normal: no LOH is simulated, so both agree
        het = [row[sample] for row in table if row[0].samples[0]["GT"] != (1, 1)]
        hom = [row[sample] for row in table if row[0].samples[0]["GT"] == (1, 1)]
        assert len(het) >= 5 and len(hom) >= 5
        het_fraction = sum(a for a, _ in het) / sum(d for _, d in het)
        hom_fraction = sum(a for a, _ in hom) / sum(d for _, d in hom)
        assert het_fraction == pytest.approx(0.5, abs=0.08)
        assert hom_fraction > 0.9
    # per variant only for SNVs (reads ending inside a repeat cannot show an indel in it) and only
    # uniquely mapped reads (the synthetic genome has segmental duplications: paralogs mis-map)
    unique = _support_table(sim, "truth.germline.vcf.gz", min_mapq=20)
    for rec, *support in unique:
        if len(rec.ref) != 1 or len(rec.alts[0]) != 1:
            continue
        for alt, depth in support:
            if depth < 10:
                continue
            if rec.samples[0]["GT"] == (1, 1):
                assert alt / depth > 0.85, rec
            else:
                assert 0.15 < alt / depth < 0.85, rec


# ----------------------------------------------------------------------------- VCFs
def _norm_keys(vcf: Path, ref: Path) -> list[tuple]:
    text = pysam.bcftools.norm("-f", str(ref), "-c", "e", str(vcf))
    rows = [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]
    return [(r[0], int(r[1]), r[3], r[4]) for r in rows]


@pytest.mark.parametrize("name", ["truth.somatic.vcf.gz", "truth.germline.vcf.gz"])
def test_truth_vcfs_are_left_normalized_and_match_reference(sim, name):
    records = _records(sim / name)
    assert records
    keys = [(r.chrom, r.pos, r.ref, ",".join(r.alts)) for r in records]
    assert _norm_keys(sim / name, sim / "ref.fa") == keys  # bcftools norm -c e: REF checked, nothing moved
    assert keys == sorted(keys, key=lambda k: (k[0], k[1]))
    assert all(len(r.alts) == 1 and r.ref != r.alts[0] for r in records)
    with pysam.VariantFile(str(sim / name)) as handle:  # tabix index usable
        assert len(list(handle.fetch("synthetic", 0, 40_000))) == len(records)
        assert dict(handle.header.contigs.items())["synthetic"].length == 40_000
    indels = [r for r in records if len(r.ref) != len(r.alts[0])]
    assert all(r.ref[0] == r.alts[0][0] for r in indels)  # VCF anchor base


def test_somatic_info_fields(sim):
    records = _records(sim / "truth.somatic.vcf.gz")
    for rec in records:
        vaf = rec.info["VAF"]  # read back as a 32-bit float
        assert 0.02 - 1e-6 <= vaf <= 0.5
        assert vaf <= 0.8 / 2 + 1e-6  # purity / 2
        snv = len(rec.ref) == 1 and len(rec.alts[0]) == 1
        assert rec.info["TYPE"] == ("SNV" if snv else "INDEL")
        assert rec.info["CONTEXT"] in {"homopolymer", "str", "near_germline", "other"}
        assert rec.info["HAP"] in (0, 1)
        assert list(rec.filter.keys()) == ["PASS"]
    vafs = np.array([r.info["VAF"] for r in records])
    assert (np.abs(vafs - 0.4) < 1e-4).sum() >= 5 and (vafs < 0.2).sum() >= 5  # clonal and subclonal


def test_variants_never_overlap(sim):
    variants = sorted((r.pos, r.pos + len(r.ref)) for name in ("truth.somatic.vcf.gz", "truth.germline.vcf.gz")
                      for r in _records(sim / name))
    for (_, end), (start, _) in zip(variants, variants[1:]):
        assert start >= end


def test_summary_counts_match_outputs(sim):
    summary = json.loads((sim / "simulation.json").read_text())
    somatic = _records(sim / "truth.somatic.vcf.gz")
    assert summary["somatic_variants"] == len(somatic)
    assert summary["somatic_snvs"] == sum(r.info["TYPE"] == "SNV" for r in somatic)
    assert summary["germline_variants"] == len(_records(sim / "truth.germline.vcf.gz"))
    for sample in ("tumor", "normal"):
        with pysam.AlignmentFile(str(sim / f"{sample}.bam")) as handle:
            assert summary["records"][sample] == sum(1 for _ in handle.fetch(until_eof=True))
    assert summary["contigs"] == {"synthetic": 40_000} and summary["confident_bases"] == 40_000
    assert (sim / "confident.bed").read_text() == "synthetic\t0\t40000\n"


def _random_seq(rng: np.random.Generator, n: int) -> str:
    return "".join(rng.choice(list("ACGT"), n))


def test_n_runs_are_not_confident_and_hold_no_variant(tmp_path):
    rng = np.random.default_rng(5)
    chr_a = _random_seq(rng, 12_000) + "N" * 1500 + _random_seq(rng, 6500) + "N" + _random_seq(rng, 10_000)
    chr_b = "N" * 500 + _random_seq(rng, 3000).lower() + _random_seq(rng, 5000) + "N" * 100
    ref = tmp_path / "nref.fa"
    ref.write_text(f">chrA\n{chr_a}\n>chrB\n{chr_b}\n")
    out = tmp_path / "sim"
    _simulate(out, ref=str(ref), tumor_depth=15, normal_depth=15, somatic_rate=3e-3, germline_rate=3e-3, seed=11)
    seqs = {"chrA": chr_a, "chrB": chr_b.upper()}
    with pysam.FastaFile(str(out / "ref.fa")) as fasta:  # the reference written out, upper-cased
        assert {name: fasta.fetch(name) for name in fasta.references} == seqs
    bed = [line.split("\t") for line in (out / "confident.bed").read_text().splitlines()]
    intervals = [(c, int(s), int(e)) for c, s, e in bed]
    assert intervals == [("chrA", 0, 12_000), ("chrA", 13_500, 20_000), ("chrA", 20_001, 30_001),
                         ("chrB", 500, 8500)]
    for contig, start, end in intervals:
        assert "N" not in seqs[contig][start:end]
    variants = _records(out / "truth.somatic.vcf.gz") + _records(out / "truth.germline.vcf.gz")
    assert len(variants) > 50
    for rec in variants:
        assert "N" not in seqs[rec.chrom][rec.pos - 1:rec.pos - 1 + len(rec.ref)]
        assert any(c == rec.chrom and s < rec.pos and rec.pos - 1 + len(rec.ref) <= e for c, s, e in intervals)
    for name in ("truth.somatic.vcf.gz", "truth.germline.vcf.gz"):
        keys = [(r.chrom, r.pos, r.ref, r.alts[0]) for r in _records(out / name)]
        assert _norm_keys(out / name, out / "ref.fa") == keys


def test_regions_restrict_truth_and_reads(tmp_path):
    rng = np.random.default_rng(8)
    ref = tmp_path / "ref.fa"
    ref.write_text(f">chr1\n{_random_seq(rng, 30_000)}\n>chr2\n{_random_seq(rng, 10_000)}\n")
    out = tmp_path / "sim"
    _simulate(out, ref=str(ref), regions=("chr1:10001-20000",), tumor_depth=15, normal_depth=15,
              somatic_rate=3e-3, seed=2)
    assert (out / "confident.bed").read_text() == "chr1\t10000\t20000\n"
    assert list(pysam.FastaFile(str(out / "ref.fa")).references) == ["chr1"]
    for rec in _records(out / "truth.somatic.vcf.gz") + _records(out / "truth.germline.vcf.gz"):
        assert 10_000 < rec.pos <= 20_000
    with pysam.AlignmentFile(str(out / "tumor.bam")) as handle:
        starts = [a.reference_start for a in handle if not a.is_unmapped]
    assert min(starts) > 9_000 and max(starts) < 21_000  # fragments may hang over the ends


def test_region_that_is_all_n_is_an_error(tmp_path):
    ref = tmp_path / "ref.fa"
    ref.write_text(">chr1\n" + _random_seq(np.random.default_rng(1), 6000) + "N" * 2000 + "\n")
    with pytest.raises(GenomemlError, match="without N"):
        _simulate(tmp_path / "sim", ref=str(ref), regions=("chr1:6001-8000",), seed=1)
    assert not (tmp_path / "sim").exists()


# ----------------------------------------------------------------------------- BAMs
@pytest.mark.parametrize("sample", ["tumor", "normal"])
def test_bam_sorted_indexed_read_groups(sim, sample):
    path = sim / f"{sample}.bam"
    assert Path(str(path) + ".bai").exists()
    with pysam.AlignmentFile(str(path)) as handle:
        header = handle.header.to_dict()
        assert header["HD"]["SO"] == "coordinate"
        assert header["SQ"] == [{"SN": "synthetic", "LN": 40_000}]
        assert [(g["ID"], g["SM"], g["PL"]) for g in header["RG"]] == [(sample.upper(), sample.upper(), "ILLUMINA")]
        assert handle.has_index() and handle.count("synthetic", 10_000, 10_100) > 0
        reads = list(handle.fetch(until_eof=True))
    keys = [(a.reference_id if a.reference_id >= 0 else 1 << 30, a.reference_start) for a in reads]
    assert keys == sorted(keys)
    assert all(a.get_tag("RG") == sample.upper() for a in reads)
    assert all(a.query_qualities is not None and len(a.query_qualities) == a.query_length == 150 for a in reads)
    assert np.mean([np.mean(a.query_qualities) for a in reads[:2000]]) > 20
    assert not any(a.is_secondary or a.is_supplementary for a in reads)


@pytest.mark.parametrize("sample", ["tumor", "normal"])
def test_pairs_mates_and_duplicates(sim, sample):
    with pysam.AlignmentFile(str(sim / f"{sample}.bam")) as handle:
        reads = list(handle.fetch(until_eof=True))
    by_name: dict[str, list[pysam.AlignedSegment]] = defaultdict(list)
    for aln in reads:
        by_name[aln.query_name].append(aln)
    assert all(len(pair) == 2 for pair in by_name.values())
    proper = 0
    for first, second in by_name.values():
        assert first.is_paired and second.is_paired and first.is_read1 != second.is_read1
        assert first.is_duplicate == second.is_duplicate
        for aln, mate in ((first, second), (second, first)):
            assert aln.mate_is_unmapped == mate.is_unmapped
            assert aln.next_reference_id == mate.reference_id
            assert aln.next_reference_start == mate.reference_start
            if aln.is_proper_pair:
                assert mate.is_proper_pair and aln.mate_is_reverse == mate.is_reverse != aln.is_reverse
                assert aln.template_length == -mate.template_length != 0
                assert aln.get_tag("MC") == mate.cigarstring
        proper += first.is_proper_pair
    assert proper >= 0.95 * len(by_name)
    duplicates = sum(a.is_duplicate for a in reads)
    assert 0 < duplicates < 0.1 * len(reads)
    insert = np.median([abs(a.template_length) for a in reads if a.is_proper_pair])
    profile = json.loads((sim / "simulation.json").read_text())["read_profile"]
    assert insert == pytest.approx(profile["insert_mean"], rel=0.15)


@pytest.mark.parametrize("sample, depth", [("tumor", 60), ("normal", 40)])
def test_reads_align_where_they_came_from(sim, sample, depth):
    """Mismatches recounted from SEQ, CIGAR and the reference agree with NM and stay at the error rate;
    a wrong soft clip or strand on either mate would show up as a wall of mismatches."""
    seq = pysam.FastaFile(str(sim / "ref.fa")).fetch("synthetic")
    nm_total = aligned = covered = 0
    with pysam.AlignmentFile(str(sim / f"{sample}.bam")) as handle:
        for aln in handle:
            if aln.is_unmapped:
                continue
            query = aln.query_sequence
            mismatches = sum(query[q] != seq[r] for q, r in aln.get_aligned_pairs(matches_only=True))
            gaps = sum(length for op, length in aln.cigartuples if op in (1, 2))
            assert aln.get_tag("NM") == mismatches + gaps, aln.query_name
            nm_total += aln.get_tag("NM")
            aligned += aln.query_alignment_length
            covered += 0 if aln.is_duplicate else aln.reference_length
    assert nm_total / aligned < 0.02
    assert covered / len(seq) == pytest.approx(depth, rel=0.1)


@pytest.mark.parametrize("platform, max_error, pl", [("hifi", 0.01, "PACBIO"), ("ont", 0.08, "ONT")])
def test_long_read_simulation(tmp_path, platform, max_error, pl):
    out = tmp_path / platform
    summary = _simulate(out, synthetic=30_000, tumor_depth=10, normal_depth=10, platform=platform, seed=3)
    assert summary["read_profile"]["platform"] == platform
    for sample in ("tumor", "normal"):
        with pysam.AlignmentFile(str(out / f"{sample}.bam")) as handle:
            assert handle.header.to_dict()["RG"][0]["PL"] == pl
            reads = list(handle.fetch(until_eof=True))
        assert reads and not any(a.is_paired for a in reads)
        assert np.mean([a.query_length for a in reads]) > 5000
        mapped = [a for a in reads if not a.is_unmapped]
        assert len(mapped) >= 0.9 * len(reads)
        assert sum(a.get_tag("NM") for a in mapped) / sum(a.query_alignment_length for a in mapped) < max_error
        assert sum(a.reference_length for a in mapped) / 30_000 == pytest.approx(10, rel=0.35)


def test_nonpositive_depth_is_an_error(tmp_path):
    with pytest.raises(GenomemlError, match="positive"):
        _simulate(tmp_path / "sim", synthetic=20_000, tumor_depth=0)
    assert not (tmp_path / "sim").exists()


def test_fragment_starting_inside_a_long_deletion_skips_it():
    seq = _random_seq(np.random.default_rng(0), 400)
    deletion = Variant("c", 100, seq[100:141], seq[100], (0,))  # a 40 bp deletion (e.g. of STR copies)
    genome = DiploidGenome(seq, [deletion], [])
    rng = np.random.default_rng(1)
    assert genome.fragment(0, 110, 50, 2.0, rng, slack=0).startswith(seq[141:155])  # 10 bp into it: works
    assert genome.fragment(0, 130, 50, 2.0, rng, slack=0).startswith(seq[141:155])  # 30 bp into it: fails


# ----------------------------------------------------------------------------- CLI
def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([genomeml_exe(), *args], capture_output=True, text=True)


def test_cli_end_to_end(tmp_path):
    out = tmp_path / "D"
    proc = _run("simulate", "somatic", "--synthetic", "20000", "--out", str(out), "--seed", "2",
                "--tumor-depth", "20", "--normal-depth", "20")
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUTS)
    summary = json.loads(proc.stdout)
    assert summary["config"]["seed"] == 2 and summary["contigs"] == {"synthetic": 20_000}
    assert json.loads((out / "simulation.json").read_text())["somatic_variants"] == summary["somatic_variants"]
    assert not [p for p in tmp_path.iterdir() if p.name != "D"]  # no temporary directory left behind


@pytest.fixture()
def small_ref(tmp_path) -> Path:
    path = tmp_path / "small.fa"
    path.write_text(">chr1\n" + _random_seq(np.random.default_rng(3), 8000) + "\n")
    return path


def _assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode != 0
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("genomeml: error:")
    for needle in needles:
        assert needle in lines[0]


def test_cli_missing_reference(tmp_path):
    out = tmp_path / "out"
    proc = _run("simulate", "somatic", "--ref", str(tmp_path / "missing.fa"), "--out", str(out))
    _assert_one_line_error(proc, "missing.fa")
    assert not out.exists()


def test_cli_region_not_in_reference(tmp_path, small_ref):
    out = tmp_path / "out"
    proc = _run("simulate", "somatic", "--ref", str(small_ref), "--regions", "chrX:1-100", "--out", str(out))
    _assert_one_line_error(proc, "chrX")
    assert not out.exists()


def test_cli_region_beyond_contig_end(tmp_path, small_ref):
    out = tmp_path / "out"
    proc = _run("simulate", "somatic", "--ref", str(small_ref), "--regions", "chr1:9001-9500", "--out", str(out))
    _assert_one_line_error(proc, "chr1:9001-9500")
    assert not out.exists()


@pytest.mark.parametrize("args", [["--synthetic", "20000"], []], ids=["ref-and-synthetic", "neither"])
def test_cli_needs_exactly_one_of_ref_and_synthetic(tmp_path, small_ref, args):
    out = tmp_path / "out"
    ref = ["--ref", str(small_ref)] if args else []
    proc = _run("simulate", "somatic", *ref, *args, "--out", str(out))
    assert proc.returncode != 0
    assert "--ref" in proc.stderr and "--synthetic" in proc.stderr
    assert not out.exists()


def test_cli_too_short_synthetic_genome(tmp_path):
    out = tmp_path / "out"
    proc = _run("simulate", "somatic", "--synthetic", "100", "--out", str(out))
    assert not out.exists()
    _assert_one_line_error(proc, "5000")


def test_long_indel_share_adds_long_indels_and_none_leaves_draws_unchanged():
    from genomeml.simulate.variants import place_germline, place_somatic
    seq = "".join(np.random.default_rng(1).choice(list("ACGT"), 200_000))

    def draw(**kwargs) -> list[Variant]:
        rng = np.random.default_rng(5)
        germline, occupancy = place_germline(seq, "c", [(0, len(seq))], 1e-3, rng, **kwargs)
        return germline + place_somatic(seq, "c", 1e-3, rng, occupancy, germline, 0.8, 0.02, **kwargs)

    def long(variants: list[Variant]) -> int:
        return sum(abs(len(v.alt) - len(v.ref)) >= 6 for v in variants)

    default = draw()
    assert draw(long_indels=0.0) == default                     # no tail: the same random stream
    with_tail = draw(long_indels=0.5)
    assert long(with_tail) > long(default) + 5
    assert max(abs(len(v.alt) - len(v.ref)) for v in with_tail) <= 20


def test_flank_indel_share_puts_germline_indels_beside_homopolymers():
    """Each flank indel deletes or inserts one base beside a run of 4+ of another base, written
    left-aligned (which can move it back along a short run of its own base); without the option
    the random stream, and so every variant, is unchanged."""
    from genomeml.pileup.alleles import left_align
    from genomeml.simulate.genome import find_tracts
    from genomeml.simulate.variants import place_germline
    seq = "".join(np.random.default_rng(2).choice(list("ACGT"), 200_000))
    runs = [t for t in find_tracts(seq) if t.period == 1]
    run_starts = {t.start: seq[t.start] for t in runs}
    run_ends = {t.end: seq[t.start] for t in runs}

    def draw(**kwargs) -> list[Variant]:
        return place_germline(seq, "c", [(0, len(seq))], 2e-3, np.random.default_rng(5), **kwargs)[0]

    default = draw()
    assert draw(flank_indels=0.0) == default
    flanked = [v for v in draw(flank_indels=1.0) if v.context == "homopolymer_flank"]
    assert len(flanked) > 20 and not any(v.context == "homopolymer_flank" for v in default)
    kinds = set()
    for v in flanked:
        assert abs(len(v.ref) - len(v.alt)) == 1 and v.ref[0] == v.alt[0]
        assert (v.pos, v.ref, v.alt) == left_align(seq, v.pos, v.ref, v.alt)
        event = v.ref[1] if len(v.ref) == 2 else v.alt[1]
        own = 0   # bases of the event's own kind after it, which left-alignment moved it past
        while seq[v.pos + len(v.ref) + own] == event:
            own += 1
        after = run_starts.get(v.pos + len(v.ref) + own)
        before = run_ends.get(v.pos + 1)
        assert (after is not None and after != event) or (before is not None and before != event), v
        kinds.add("deletion" if len(v.ref) == 2 else "insertion")
    assert kinds == {"deletion", "insertion"}


def test_indel_error_scale_scales_the_runs_indel_errors_as_the_reads_show_them(tmp_path):
    """The scale multiplies the drawn run's indel error and stutter rates (the rest of the run is the
    same draw), and pileup.error_rates sees the difference in the reads."""
    from genomeml.io.reference import Reference
    from genomeml.pileup.error_rates import estimate_error_rates
    rates, profiles = {}, {}
    for scale in (0.05, 5.0):
        out = tmp_path / f"s{scale}"
        summary = _simulate(out, **{**SMALL, "seed": 3, "indel_error_scale": scale})
        profiles[scale] = summary["read_profile"]
        with Reference(out / "ref.fa") as ref, pysam.AlignmentFile(str(out / "normal.bam")) as bam:
            rates[scale] = estimate_error_rates(bam, ref)
    low, high = profiles[0.05], profiles[5.0]
    for key in ("hp_indel_base", "random_indel_rate", "stutter_base"):
        assert high[key] == pytest.approx(100 * low[key], rel=1e-3)
    assert {k: v for k, v in low.items() if k not in ("hp_indel_base", "random_indel_rate", "stutter_base")} == \
        {k: v for k, v in high.items() if k not in ("hp_indel_base", "random_indel_rate", "stutter_base")}
    assert rates[5.0].homopolymer_indel > 10 * rates[0.05].homopolymer_indel
    assert rates[5.0].other_indel > 10 * rates[0.05].other_indel
    with pytest.raises(GenomemlError, match="indel-error-scale"):
        _simulate(tmp_path / "bad", **{**SMALL, "indel_error_scale": 0.0})
