"""io.vcf_merge: shard VCFs of one run -> the VCF of one run over their union."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from genomeml.errors import GenomemlError
from genomeml.io.vcf import write_vcf
from genomeml.io.vcf_merge import merge_vcfs

CONTIGS = {"chr1": 10_000, "chr2": 5_000}


def header(regions: str, command: str = "genomeml call-somatic --ref ref.fa") -> list[str]:
    return ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=10000>", "##contig=<ID=chr2,length=5000>",
            f"##genomeml_command={command}", f"##genomeml_regions={regions}",
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]


def rec(contig: str, pos: int, alt: str = "G") -> str:
    return f"{contig}\t{pos}\t.\tA\t{alt}\t30\tPASS\t."


def vcf(path: Path, regions: str, records: list[str], **kw) -> Path:
    write_vcf(path, header(regions, **kw), records)
    return path


def text(path: Path) -> str:
    with gzip.open(path, "rt") as handle:
        return handle.read()


def test_merge_equals_the_single_run(tmp_path):
    records = [rec("chr1", 5), rec("chr1", 4000), rec("chr1", 4000, "T"), rec("chr1", 9000), rec("chr2", 1)]
    single = vcf(tmp_path / "single.vcf.gz", "chr1:1-10000,chr2:1-5000", records)
    shards = [vcf(tmp_path / "c.vcf.gz", "chr2:1-5000", records[4:]),            # given out of order
              vcf(tmp_path / "a.vcf.gz", "chr1:1-4000", records[:3]),
              vcf(tmp_path / "b.vcf.gz", "chr1:4001-10000", records[3:4])]
    summary = merge_vcfs(shards, tmp_path / "merged.vcf.gz")
    assert summary == {"shards": 3, "records": 5, "regions": "chr1:1-10000,chr2:1-5000"}
    assert (tmp_path / "merged.vcf.gz").read_bytes() == single.read_bytes()
    assert (tmp_path / "merged.vcf.gz.tbi").read_bytes() == (tmp_path / "single.vcf.gz.tbi").read_bytes()


def test_gaps_between_shards_stay_gaps(tmp_path):
    shards = [vcf(tmp_path / "a.vcf.gz", "chr1:1-100", []), vcf(tmp_path / "b.vcf.gz", "chr1:201-300", [])]
    merge_vcfs(shards, tmp_path / "m.vcf.gz")
    assert "##genomeml_regions=chr1:1-100,chr1:201-300\n" in text(tmp_path / "m.vcf.gz")


def test_headers_of_another_run_are_refused(tmp_path):
    a = vcf(tmp_path / "a.vcf.gz", "chr1:1-100", [])
    b = vcf(tmp_path / "b.vcf.gz", "chr1:101-200", [], command="genomeml call-somatic --ref other.fa")
    with pytest.raises(GenomemlError, match=r"b\.vcf\.gz: header line .*other\.fa.*\(not shards of one run\)"):
        merge_vcfs([a, b], tmp_path / "m.vcf.gz")
    assert not (tmp_path / "m.vcf.gz").exists()


def test_overlapping_shards_are_refused(tmp_path):
    a = vcf(tmp_path / "a.vcf.gz", "chr1:1-100", [])
    b = vcf(tmp_path / "b.vcf.gz", "chr1:100-200", [])
    with pytest.raises(GenomemlError, match="overlap"):
        merge_vcfs([a, b], tmp_path / "m.vcf.gz")


def test_not_a_vcf(tmp_path):
    bad = tmp_path / "bad.vcf.gz"
    bad.write_bytes(b"not gzip at all")
    with pytest.raises(GenomemlError, match="bad.vcf.gz: not a readable VCF"):
        merge_vcfs([bad], tmp_path / "m.vcf.gz")
    with pytest.raises(GenomemlError, match="not found"):
        merge_vcfs([tmp_path / "missing.vcf.gz"], tmp_path / "m.vcf.gz")
