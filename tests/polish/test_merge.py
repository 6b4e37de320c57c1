"""merge-polish: shards' edits, concatenated and applied, equal one polish run."""

from __future__ import annotations

from pathlib import Path

import pytest

from genomeml.errors import GenomemlError
from genomeml.io.regions import Region, describe_regions
from genomeml.io.vcf import REGIONS_KEY
from genomeml.polish.consensus import normalized_edits, write_polished
from genomeml.polish.decode import Edit
from genomeml.polish.merge import merge_polished, read_edits

DRAFT = {"a": "ACGTACGTTTTTACGTACGT", "b": "GGGGCCCCAAAATTTT"}


def write_draft(path: Path) -> Path:
    path.write_text("".join(f">{n}\n{s}\n" for n, s in DRAFT.items()))
    return path


def shard(tmp: Path, name: str, draft: Path, edits: list[Edit], regions: list[Region], command="genomeml polish x"):
    meta = [f"##genomeml_command={command}", f"##{REGIONS_KEY}={describe_regions(regions, {n: len(s) for n, s in DRAFT.items()})}"]
    header, normalized = normalized_edits(edits, draft, {n: len(s) for n, s in DRAFT.items()}, meta)
    polished = {n: s for n, s in DRAFT.items()}
    write_polished(tmp / f"{name}.fa", tmp / f"{name}.vcf.gz", header, polished, normalized)
    return tmp / f"{name}.vcf.gz"


def test_merged_shards_equal_one_run(tmp_path):
    draft = write_draft(tmp_path / "draft.fa")
    e1, e2 = Edit("a", 3, "T", "C", 0.99), Edit("b", 8, "AAAA", "AAA", 0.98)
    s1 = shard(tmp_path, "s1", draft, [e1], [Region("a", 0, 20)])
    s2 = shard(tmp_path, "s2", draft, [e2], [Region("b", 0, 16)])
    whole = shard(tmp_path, "whole", draft, [e1, e2], [Region("a", 0, 20), Region("b", 0, 16)])
    summary = merge_polished(draft, [s1, s2], tmp_path / "merged.fa", tmp_path / "merged.vcf.gz")
    assert summary == {"contigs": 2, "edits": 2}
    assert (tmp_path / "merged.vcf.gz").read_bytes() == whole.read_bytes()
    text = (tmp_path / "merged.fa").read_text()
    assert text == ">a\nACGCACGTTTTTACGTACGT\n>b\nGGGGCCCCAAATTTT\n"
    assert (tmp_path / "merged.fa.fai").exists()
    assert [(e.contig, e.pos, e.ref, e.alt) for e in read_edits(tmp_path / "merged.vcf.gz")] == \
        [("a", 3, "T", "C"), ("b", 7, "CA", "C")]


def test_shards_of_different_runs_are_refused(tmp_path):
    draft = write_draft(tmp_path / "draft.fa")
    s1 = shard(tmp_path, "s1", draft, [], [Region("a", 0, 20)])
    s2 = shard(tmp_path, "s2", draft, [], [Region("b", 0, 16)], command="genomeml polish other")
    with pytest.raises(GenomemlError):
        merge_polished(draft, [s1, s2], tmp_path / "merged.fa")
    assert not (tmp_path / "merged.fa").exists()


def test_no_shards_is_an_error(tmp_path):
    with pytest.raises(GenomemlError, match="no shard"):
        merge_polished(write_draft(tmp_path / "draft.fa"), [], tmp_path / "merged.fa")
