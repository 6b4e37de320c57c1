"""polish.merge: shard outputs (whole contigs) -> one polished FASTA in draft order + one edits VCF."""

from __future__ import annotations

import pytest

from genomeml.errors import GenomemlError
from genomeml.polish.merge import merge_polished


@pytest.fixture
def draft(tmp_path):
    path = tmp_path / "draft.fa"
    path.write_text(">ctgA\nACGTACGT\n>ctgB\nGGGG\n>ctgC\nTTTT\n")
    return path


def test_contigs_in_draft_order_verbatim(tmp_path, draft):
    (tmp_path / "s1.fa").write_text(">ctgC polished\nTTAT\n>ctgA\nACGTA\nCGTT\n")   # line breaks kept as written
    (tmp_path / "s2.fa").write_text(">ctgB\nGGCG")
    merge_polished(draft, [tmp_path / "s1.fa", tmp_path / "s2.fa"], tmp_path / "out.fa")
    assert (tmp_path / "out.fa").read_text() == ">ctgA\nACGTA\nCGTT\n>ctgB\nGGCG\n>ctgC polished\nTTAT\n"


def test_a_contig_polished_twice_is_refused(tmp_path, draft):
    (tmp_path / "s1.fa").write_text(">ctgA\nACGT\n")
    (tmp_path / "s2.fa").write_text(">ctgA\nACGA\n")
    with pytest.raises(GenomemlError, match="s2.fa: contig 'ctgA' was already polished in .*s1.fa"):
        merge_polished(draft, [tmp_path / "s1.fa", tmp_path / "s2.fa"], tmp_path / "out.fa")
    assert not (tmp_path / "out.fa").exists()


def test_a_contig_not_in_the_draft_is_refused(tmp_path, draft):
    (tmp_path / "s1.fa").write_text(">ctgZ\nACGT\n")
    with pytest.raises(GenomemlError, match="contig 'ctgZ' is not in the draft"):
        merge_polished(draft, [tmp_path / "s1.fa"], tmp_path / "out.fa")


def test_edits_need_an_output(tmp_path, draft):
    (tmp_path / "s1.fa").write_text(">ctgA\nACGT\n")
    with pytest.raises(GenomemlError, match="--edits"):
        merge_polished(draft, [tmp_path / "s1.fa"], tmp_path / "out.fa", edits=[tmp_path / "e.vcf.gz"])
