"""io.alignments: opening BAM/CRAM with one-line errors, contig checks against the reference, sample names."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysam
import pytest

from genomeml.errors import GenomemlError
from genomeml.io.alignments import check_contigs, open_alignments, sample_name

REFERENCE = {"chr1": 2000, "chr2": 1000}


@pytest.fixture(scope="module")
def seqs() -> dict[str, str]:
    rng = np.random.default_rng(0)
    return {name: "".join(rng.choice(list("ACGT"), length)) for name, length in REFERENCE.items()}


@pytest.fixture(scope="module")
def ref(tmp_path_factory, seqs) -> Path:
    path = tmp_path_factory.mktemp("ref") / "ref.fa"
    path.write_text("".join(f">{name}\n{seq}\n" for name, seq in seqs.items()))
    pysam.faidx(str(path))
    return path


def make_bam(path: Path, seqs: dict[str, str], contigs: dict[str, int] | None = None,
             read_groups: list[dict] | None = None, index: bool = True) -> Path:
    """A small coordinate-sorted BAM with perfect 50 bp reads every 100 bp on each contig."""
    contigs = REFERENCE if contigs is None else contigs
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": n, "LN": l} for n, l in contigs.items()]}
    if read_groups is not None:
        header["RG"] = read_groups
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for tid, name in enumerate(contigs):
            if name not in seqs:
                continue
            for start in range(0, min(contigs[name], len(seqs[name])) - 50, 100):
                seg = pysam.AlignedSegment(out.header)
                seg.query_name = f"{name}_{start}"
                seg.reference_id, seg.reference_start = tid, start
                seg.cigartuples = [(0, 50)]
                seg.query_sequence = seqs[name][start:start + 50]
                seg.query_qualities = [30] * 50
                seg.mapping_quality = 60
                out.write(seg)
    if index:
        pysam.index(str(path))
    return path


@pytest.fixture()
def bam(tmp_path, seqs) -> Path:
    return make_bam(tmp_path / "reads.bam", seqs, read_groups=[{"ID": "rg1", "SM": "TUMOR"}])


@pytest.fixture()
def cram(tmp_path, bam, ref) -> Path:
    path = tmp_path / "reads.cram"
    pysam.view("-C", "-T", str(ref), "-o", str(path), str(bam), catch_stdout=False)
    pysam.index(str(path))
    return path


def _raw(path: Path) -> pysam.AlignmentFile:
    """Open without open_alignments, to test the checks that take an open handle."""
    return pysam.AlignmentFile(str(path), "rb", check_sq=False)


# ----------------------------------------------------------------------------- open_alignments
def test_missing_file(tmp_path):
    with pytest.raises(GenomemlError, match="nope.bam: alignment file not found"):
        open_alignments(tmp_path / "nope.bam")


def test_empty_file(tmp_path):
    (tmp_path / "empty.bam").write_bytes(b"")
    with pytest.raises(GenomemlError, match="empty.bam: alignment file is empty"):
        open_alignments(tmp_path / "empty.bam")


def test_not_a_bam(tmp_path):
    path = tmp_path / "notes.bam"
    path.write_text("this is not a BAM file\n" * 10)
    with pytest.raises(GenomemlError, match="notes.bam: not a readable BAM"):
        open_alignments(path)


@pytest.mark.parametrize("cut", [28, 400])
def test_truncated_bam(tmp_path, bam, cut):
    data = bam.read_bytes()
    assert len(data) > cut + 100
    truncated = tmp_path / "truncated.bam"
    truncated.write_bytes(data[:-cut])  # 28 bytes: exactly the BGZF end-of-file block
    Path(str(truncated) + ".bai").write_bytes(Path(str(bam) + ".bai").read_bytes())
    with pytest.raises(GenomemlError, match="truncated") as info:
        open_alignments(truncated)
    assert str(info.value).startswith(str(truncated))
    assert "\n" not in str(info.value)


def test_intact_bam_opens(bam):
    with open_alignments(bam) as handle:
        assert handle.references == ("chr1", "chr2")
        assert handle.count("chr1") == 20


def test_intact_bam_without_index_opens_when_index_not_required(tmp_path, seqs):
    path = make_bam(tmp_path / "noindex.bam", seqs, index=False)
    with open_alignments(path, require_index=False) as handle:
        assert len(list(handle.fetch(until_eof=True))) == 30


def test_bam_without_index(tmp_path, seqs):
    path = make_bam(tmp_path / "noindex.bam", seqs, index=False)
    with pytest.raises(GenomemlError, match=r"noindex.bam: index \(.bai/.csi/.crai\) not found.*samtools index"):
        open_alignments(path)


def test_bam_without_contigs(tmp_path, seqs):
    path = make_bam(tmp_path / "unaligned.bam", seqs, contigs={}, index=False)
    with pytest.raises(GenomemlError, match="unaligned.bam: header lists no reference contigs"):
        open_alignments(path, require_index=False)


def test_cram_with_reference(cram, ref):
    with open_alignments(cram, reference=ref) as handle:
        assert handle.is_cram and handle.references == ("chr1", "chr2")
        assert sum(1 for _ in handle.fetch("chr2")) == 10


def test_cram_without_reference(cram):
    with pytest.raises(GenomemlError, match=r"reads.cram: CRAM input needs the reference.*--ref"):
        open_alignments(cram)


def test_cram_without_index(tmp_path, cram, ref):
    bare = tmp_path / "bare.cram"
    bare.write_bytes(cram.read_bytes())
    with pytest.raises(GenomemlError, match=r"bare.cram: index .* not found; create it with: samtools index"):
        open_alignments(bare, reference=ref)
    with open_alignments(bare, reference=ref, require_index=False) as handle:
        assert len(list(handle.fetch(until_eof=True))) == 30


# ----------------------------------------------------------------------------- check_contigs
def test_check_contigs_accepts_extra_contigs(tmp_path, seqs):
    path = make_bam(tmp_path / "wgs.bam", seqs, contigs={"chr1": 2000, "chr2": 1000, "chrM": 16569})
    with _raw(path) as handle:
        check_contigs(handle, REFERENCE, ["chr1", "chr2"])
        check_contigs(handle, REFERENCE, [])


def test_check_contigs_length_mismatch(tmp_path, seqs):
    path = make_bam(tmp_path / "other.bam", seqs, contigs={"chr1": 2500, "chr2": 1000})
    with _raw(path) as handle:
        check_contigs(handle, REFERENCE, ["chr2"])  # the contig we use agrees: fine
        with pytest.raises(GenomemlError, match=r"other.bam: contig 'chr1' is 2500 bp in the alignment header "
                                                r"but 2000 bp in the reference"):
            check_contigs(handle, REFERENCE, ["chr2", "chr1"])


def test_check_contigs_missing_contig(tmp_path, seqs):
    path = make_bam(tmp_path / "partial.bam", seqs, contigs={"chr1": 2000})
    with _raw(path) as handle:
        check_contigs(handle, REFERENCE, ["chr1"])
        with pytest.raises(GenomemlError, match="normal BAM: contig 'chr2' of the reference is not in the alignment"):
            check_contigs(handle, REFERENCE, ["chr1", "chr2"], label="normal BAM")


# ----------------------------------------------------------------------------- sample_name
@pytest.mark.parametrize("groups, expected", [
    ([{"ID": "a", "SM": "TUMOR"}], ("TUMOR", True)),
    ([{"ID": "a", "SM": "S1"}, {"ID": "b", "SM": "S1"}], ("S1", True)),  # two lanes, one sample
    ([{"ID": "a"}], ("fallback", False)),
    (None, ("fallback", False)),
])
def test_sample_name(tmp_path, seqs, groups, expected):
    path = make_bam(tmp_path / "s.bam", seqs, read_groups=groups, index=False)
    with _raw(path) as handle:
        assert sample_name(handle, "fallback") == expected


def test_sample_name_several_samples(tmp_path, seqs):
    path = make_bam(tmp_path / "mixed.bam", seqs, read_groups=[{"ID": "a", "SM": "S2"}, {"ID": "b", "SM": "S1"}],
                    index=False)
    with _raw(path) as handle:
        with pytest.raises(GenomemlError, match=r"mixed.bam: read groups name several samples \(S1, S2\)"):
            sample_name(handle, "fallback")


def test_mapq_ceiling_and_scale(tmp_path):
    from genomeml.io.alignments import mapq_ceiling, mapq_scale
    path = tmp_path / "mq.bam"
    header = {"HD": {"VN": "1.6", "SO": "coordinate"}, "SQ": [{"SN": "c", "LN": 1000}]}
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, mq in enumerate([0, 12, 42, 255, 30]):
            read = pysam.AlignedSegment(out.header)
            read.query_name, read.reference_id, read.reference_start = f"r{i}", 0, 10 * i
            read.cigarstring, read.query_sequence, read.mapping_quality = "4M", "ACGT", mq
            out.write(read)
    with pysam.AlignmentFile(str(path)) as handle:
        assert mapq_ceiling(handle) == 42          # 255 means "not available", not a ceiling
    with pysam.AlignmentFile(str(path)) as handle:
        assert mapq_ceiling(handle, sample=2) == 12
    assert mapq_scale(42) == pytest.approx(60 / 42)
    assert mapq_scale(60) == mapq_scale(70) == mapq_scale(12) == mapq_scale(None) == 1.0
