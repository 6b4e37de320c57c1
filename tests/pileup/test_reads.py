"""pileup.reads: one read laid onto reference columns (bases, qualities, insertions, indel records) and
the read filters / overlapping-mate marking of fetch_decoded."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pysam
import pytest

from genomeml.pileup.reads import (A, BASE_OF_CODE, C, DEL, EMPTY, G, N, T, Indel, ReadBlock, _decode_batch, _raw,
                                   decode_read, downsample_bounds, fetch_decoded)

CONTIG = "chr1"
LENGTH = 2000
REF = "".join(np.random.default_rng(1).choice(list("ACGT"), LENGTH))
HEADER = pysam.AlignmentHeader.from_dict({"HD": {"VN": "1.6", "SO": "coordinate"},
                                          "SQ": [{"SN": CONTIG, "LN": LENGTH}, {"SN": "chr2", "LN": LENGTH}]})
CODE = {"A": A, "C": C, "G": G, "T": T, "N": N}


def cigar_ops(cigar: str) -> list[tuple[str, int]]:
    return [(op, int(n)) for n, op in re.findall(r"(\d+)([MIDNSH=X])", cigar)]


def query_for(start: int, cigar: str, inserted: str = "") -> str:
    """The read sequence implied by ``cigar`` at ``start``: reference bases on M, ``inserted`` on I, G on S."""
    out, r, ins = [], start, iter(inserted)
    for op, n in cigar_ops(cigar):
        if op in "M=X":
            out.append(REF[r:r + n])
            r += n
        elif op == "I":
            out.append("".join(next(ins, "T") for _ in range(n)))
        elif op == "S":
            out.append("G" * n)
        elif op in "DN":
            r += n
    return "".join(out)


def segment(name: str, start: int, cigar: str, seq: str | None = None, quals: list[int] | None = None,
            reverse: bool = False, mapq: int = 60, flag: int = 0, inserted: str = "",
            header: pysam.AlignmentHeader = HEADER) -> pysam.AlignedSegment:
    seq = query_for(start, cigar, inserted) if seq is None else seq
    seg = pysam.AlignedSegment(header)
    seg.query_name = name
    seg.flag = flag | (0x10 if reverse else 0)
    seg.reference_id = 0
    seg.reference_start = start
    seg.cigarstring = cigar
    seg.query_sequence = seq
    if quals is not None:
        seg.query_qualities = pysam.qualitystring_to_array("".join(chr(q + 33) for q in quals))
    seg.mapping_quality = mapq
    return seg


def ref_codes(start: int, end: int) -> np.ndarray:
    return np.array([CODE[b] for b in REF[start:end]], dtype=np.uint8)


# ----------------------------------------------------------------------------- decode_read
def test_plain_match():
    quals = list(range(5, 25))
    d = decode_read(segment("r", 100, "20M", quals=quals, mapq=37))
    assert d.name == "r" and d.start == 100 and d.end == 120 and len(d.bases) == 20
    assert d.bases.tolist() == ref_codes(100, 120).tolist()
    assert d.quals.tolist() == quals
    assert not d.ins_after.any() and d.indels == []
    assert d.mapq == 37 and d.reverse is False and d.count_from == 100


def test_mismatch_and_n_bases_get_their_codes():
    seq = list(query_for(50, "10M"))
    seq[3] = "ACGT"[("ACGT".index(seq[3]) + 1) % 4]
    seq[7] = "N"
    d = decode_read(segment("r", 50, "10M", seq="".join(seq), quals=[30] * 10))
    assert d.bases.tolist() == [CODE[b] for b in seq]
    assert BASE_OF_CODE[d.bases].tobytes().decode() == "".join(seq)


def test_insertion_10M2I10M():
    quals = list(range(10, 32))   # one distinct quality per query base
    d = decode_read(segment("r", 200, "10M2I10M", quals=quals, inserted="CA"))
    assert d.start == 200 and d.end == 220
    assert d.bases.tolist() == ref_codes(200, 220).tolist()
    # the inserted bases' qualities belong to no reference column
    assert d.quals.tolist() == quals[:10] + quals[12:]
    assert np.nonzero(d.ins_after)[0].tolist() == [9] and d.ins_after[9] == 2
    assert d.indels == [Indel(209, 2, "CA")]


def test_softclip_deletion_5S10M3D10M():
    quals = list(range(10, 35))   # 25 query bases
    d = decode_read(segment("r", 300, "5S10M3D10M", quals=quals))
    assert d.start == 300 and d.end == 323          # soft clip covers no column, the deletion does
    assert d.bases[:10].tolist() == ref_codes(300, 310).tolist()
    assert d.bases[10:13].tolist() == [DEL] * 3
    assert d.bases[13:].tolist() == ref_codes(313, 323).tolist()
    assert d.quals[:10].tolist() == quals[5:15]     # clipped bases' qualities skipped
    assert d.quals[10:13].tolist() == [min(quals[14], quals[15])] * 3   # lower flanking quality
    assert d.quals[13:].tolist() == quals[15:]
    assert d.indels == [Indel(309, -3)]
    assert not d.ins_after.any()


def test_refskip_10M1N5M_is_empty_not_a_deletion():
    d = decode_read(segment("r", 400, "10M1N5M", quals=[30] * 15))
    assert d.start == 400 and d.end == 416
    assert d.bases[10] == EMPTY
    assert d.bases[:10].tolist() == ref_codes(400, 410).tolist()
    assert d.bases[11:].tolist() == ref_codes(411, 416).tolist()
    assert d.indels == []


def test_reverse_strand_keeps_reference_orientation():
    fwd = decode_read(segment("f", 500, "8M1D8M", quals=list(range(20, 36))))
    rev = decode_read(segment("r", 500, "8M1D8M", quals=list(range(20, 36)), reverse=True))
    assert rev.reverse is True and fwd.reverse is False
    assert rev.bases.tolist() == fwd.bases.tolist() and rev.quals.tolist() == fwd.quals.tolist()
    assert rev.indels == fwd.indels == [Indel(507, -1)]


def test_combined_cigar_matches_a_walk_of_aligned_pairs():
    """A long mixed CIGAR, checked column by column against pysam's aligned pairs."""
    cigar = "3S12M2I7M4D9M1N6M1I5M2S"
    seq = query_for(700, cigar, inserted="GGA")
    quals = [int(q) for q in np.random.default_rng(3).integers(2, 42, len(seq))]
    seg = segment("r", 700, cigar, seq=seq, quals=quals, reverse=True)
    d = decode_read(seg)
    assert d.start == seg.reference_start and d.end == seg.reference_end
    expected = {}
    for qpos, rpos in seg.get_aligned_pairs(matches_only=True):
        expected[rpos] = (CODE[seq[qpos]], quals[qpos])
    for rpos in range(d.start, d.end):
        if rpos in expected:
            assert (d.bases[rpos - d.start], d.quals[rpos - d.start]) == expected[rpos], rpos
        else:
            assert d.bases[rpos - d.start] == (EMPTY if rpos == 732 else DEL), rpos
    assert [c for c in range(d.start, d.end) if d.bases[c - d.start] == DEL] == [719, 720, 721, 722]
    assert [(i.pos, i.length, i.inserted) for i in d.indels] == [(711, 2, "GG"), (718, -4, ""), (738, 1, "A")]
    assert {int(k) + d.start: int(v) for k, v in zip(np.nonzero(d.ins_after)[0], d.ins_after[d.ins_after > 0])} \
        == {711: 2, 738: 1}


def test_read_without_qualities_gets_default_quality():
    seg = segment("r", 100, "10M2D10M")
    assert seg.query_qualities is None
    d = decode_read(seg)
    assert d.quals.tolist() == [30] * 22          # deletion columns too
    assert decode_read(seg, missing_quality=17).quals.tolist() == [17] * 22


def test_read_without_alignment_is_none():
    seg = pysam.AlignedSegment(HEADER)
    seg.query_name = "u"
    seg.flag = 0x4
    seg.query_sequence = "ACGT"
    assert decode_read(seg) is None


def test_a_batch_decodes_each_read_as_it_would_alone():
    """fetch_decoded lays reads out many at a time in shared arrays: no read may see its neighbours'."""
    rng = np.random.default_rng(7)
    cigars = ["20M", "2I18M", "3S12M2I7M4D9M1N6M1I5M2S", "5S10M3D10M", "1D15M", "10M1N5M", "30M5S", "8M2D8M"]
    segs = []
    for k in range(40):
        cigar = cigars[k % len(cigars)]
        start = 100 + 17 * k
        n = len(query_for(start, cigar, inserted="AC"))
        quals = [int(q) for q in rng.integers(2, 42, n)] if k % 5 else None   # some reads lack qualities
        segs.append(segment(f"r{k}", start, cigar, quals=quals, reverse=bool(k % 2), mapq=k, inserted="AC"))
    unaligned = pysam.AlignedSegment(HEADER)
    unaligned.query_name, unaligned.flag, unaligned.query_sequence = "u", 0x4, "ACGT"
    segs.insert(11, unaligned)
    batch = _decode_batch([_raw(s) for s in segs])
    assert batch[11] is None and sum(d is None for d in batch) == 1
    fields = ("name", "start", "mapq", "reverse", "count_from", "clip_left", "clip_right", "indels")
    arrays = ("bases", "quals", "ins_after", "ins_codes", "ins_quals", "query_codes", "query_quals")
    for seg, got in zip(segs, batch):
        alone = decode_read(seg)
        if alone is None:
            continue
        assert [getattr(got, f) for f in fields] == [getattr(alone, f) for f in fields], seg.query_name
        for a in arrays:
            assert getattr(got, a).tolist() == getattr(alone, a).tolist(), (seg.query_name, a)
    # and the batch's layout agrees with pysam's own aligned pairs, read by read
    for seg, got in zip(segs, batch):
        if got is None:
            continue
        for qpos, rpos in seg.get_aligned_pairs(matches_only=True):
            assert got.bases[rpos - got.start] == CODE[seg.query_sequence[qpos]]


# ----------------------------------------------------------------------------- fetch_decoded
def _pair(name: str, start1: int, cigar1: str, start2: int, cigar2: str, flag_extra: int = 0,
          mate_contig: int = 0) -> list[pysam.AlignedSegment]:
    r1 = segment(name, start1, cigar1, quals=[30] * len(query_for(start1, cigar1)),
                 flag=0x1 | 0x2 | 0x20 | 0x40 | flag_extra)
    r2 = segment(name, start2, cigar2, quals=[30] * len(query_for(start2, cigar2)), reverse=True,
                 flag=0x1 | 0x2 | 0x80 | flag_extra)
    r1.next_reference_id, r1.next_reference_start = mate_contig, start2
    r2.next_reference_id, r2.next_reference_start = 0, start1
    if mate_contig != 0:   # the mate of r1 lives on another contig: r2 is not written
        return [r1]
    return [r1, r2]


@pytest.fixture(scope="module")
def bam(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("reads") / "reads.bam"
    segs = [
        segment("plain", 100, "50M", quals=[30] * 50),
        segment("dup", 100, "50M", quals=[30] * 50, flag=0x400),
        segment("secondary", 100, "50M", quals=[30] * 50, flag=0x100),
        segment("supplementary", 100, "50M", quals=[30] * 50, flag=0x800),
        segment("qcfail", 100, "50M", quals=[30] * 50, flag=0x200),
        *_pair("overlap", 110, "50M", 140, "50M"),           # mate 2 starts inside mate 1
        *_pair("same_start", 120, "40M", 120, "30M"),         # both mates at one position
        *_pair("apart", 300, "50M", 400, "50M"),              # no overlap
        *_pair("touching", 500, "50M", 550, "50M"),           # mate 2 starts at mate 1's end
        *_pair("deleting", 600, "20M5D20M", 630, "40M"),     # mate 1 span includes its deletion
        *_pair("dups", 700, "50M", 720, "50M", flag_extra=0x400),   # duplicate pair: both skipped
        *_pair("other_contig", 800, "50M", 810, "50M", mate_contig=1),   # a chimera: skipped
        *_pair("mate_unmapped", 850, "50M", 860, "50M", flag_extra=0x8)[:1],   # kept: no mate elsewhere
    ]
    unmapped = segment("unmapped", 900, "50M", quals=[30] * 50, flag=0x4)
    unmapped.cigarstring = None
    segs.append(unmapped)
    segs.sort(key=lambda s: s.reference_start)
    with pysam.AlignmentFile(str(path), "wb", header=HEADER) as out:
        for seg in segs:
            out.write(seg)
    pysam.index(str(path))
    return path


@pytest.fixture(scope="module")
def decoded(bam) -> list:
    with pysam.AlignmentFile(str(bam)) as handle:
        return fetch_decoded(handle, CONTIG, 0, LENGTH)


def test_fetch_skips_unusable_reads(decoded):
    names = [d.name for d in decoded]
    for skipped in ("dup", "secondary", "supplementary", "qcfail", "unmapped", "dups", "other_contig"):
        assert skipped not in names
    assert names.count("plain") == 1 and names.count("overlap") == 2 and names.count("mate_unmapped") == 1
    assert [d.start for d in decoded] == sorted(d.start for d in decoded)


def _mates(decoded, name):
    return [d for d in decoded if d.name == name]


def test_second_overlapping_mate_counts_from_first_mates_end(decoded):
    first, second = _mates(decoded, "overlap")
    assert (first.start, first.end, first.count_from) == (110, 160, 110)
    assert (second.start, second.count_from) == (140, 160)
    first, second = _mates(decoded, "same_start")
    assert first.count_from == 120
    assert second.count_from == 160 and second.count_from >= second.end   # fully covered by its mate
    first, second = _mates(decoded, "deleting")
    assert first.end == 645 and second.count_from == 645


def test_non_overlapping_mates_count_everything(decoded):
    for name in ("apart", "touching", "plain", "mate_unmapped"):
        for d in _mates(decoded, name):
            assert d.count_from == d.start, name


def test_fetch_window_returns_overlapping_reads_only(bam):
    with pysam.AlignmentFile(str(bam)) as handle:
        names = sorted({d.name for d in fetch_decoded(handle, CONTIG, 395, 420)})
        assert names == ["apart"]
        second = [d for d in fetch_decoded(handle, CONTIG, 150, 155) if d.name == "overlap"]
    # both mates overlap [150, 155): the second is still marked relative to the first
    assert [d.count_from for d in second] == [110, 160]


# ----------------------------------------------------------------------------- ReadBlock
def test_read_block_flat_arrays(decoded):
    block = ReadBlock(decoded)
    assert len(block) == len(decoded)
    for i, d in enumerate(decoded):
        o = block.offsets[i]
        assert block.starts[i] == d.start and block.ends[i] == d.end and block.lengths[i] == len(d.bases)
        assert block.bases[o:o + len(d.bases)].tolist() == d.bases.tolist()
        assert block.quals[o:o + len(d.bases)].tolist() == d.quals.tolist()
        assert block.ins_after[o:o + len(d.bases)].tolist() == d.ins_after.tolist()
        assert (block.count_from[i], block.reverse[i], block.mapq[i]) == (d.count_from, d.reverse, d.mapq)
    assert block.max_length == max(len(d.bases) for d in decoded)


def test_read_block_overlapping_and_grid(decoded):
    block = ReadBlock(decoded)
    for start, end in [(0, 50), (95, 100), (100, 101), (149, 160), (159, 161), (300, 301), (349, 351),
                       (545, 560), (1000, 1100)]:
        expected = [i for i, d in enumerate(decoded) if d.start < end and d.end > start]
        assert block.overlapping(start, end).tolist() == expected, (start, end)
    idx = block.overlapping(130, 163)
    flat, valid = block.grid(idx, 130, 33)
    assert flat.shape == valid.shape == (len(idx), 33)
    for row, i in enumerate(idx):
        d = decoded[i]
        for c in range(33):
            col = 130 + c
            assert valid[row, c] == (d.start <= col < d.end)
            if valid[row, c]:
                assert block.bases[flat[row, c]] == d.bases[col - d.start]


def test_read_block_name_hashes():
    reads = [decode_read(segment(name, 100 + k, "10M")) for k, name in enumerate(["a", "b", "a", "c"])]
    block = ReadBlock(reads)
    h0, h1 = block.name_hashes(0), block.name_hashes(1)
    assert h0[0] == h0[2] and h0[0] != h0[1]                # mates share their hash
    assert h0.tolist() != h1.tolist()
    assert ReadBlock(reads[::-1]).name_hashes(0).tolist() == h0.tolist()[::-1]   # a function of the name only


def test_empty_read_block():
    block = ReadBlock([])
    assert len(block) == 0 and block.max_length == 0 and block.overlapping(0, 100).tolist() == []


# ----------------------------------------------------------------------------- downsampling bounds
def test_downsample_bounds_count_from_the_first_overlapping_reads_window(tmp_path):
    """A read is judged by the window of its start, however far before the shard that lies: a 30-kb
    read overlapping [30,000, 31,000) gets its window 0 counted, which a fixed two-window margin missed."""
    length = 50_000
    header = pysam.AlignmentHeader.from_dict({"HD": {"VN": "1.6", "SO": "coordinate"},
                                              "SQ": [{"SN": CONTIG, "LN": length}]})
    reads = [("long", 5_000, 30_000)] + [(f"r{k}", 20_000 + 100 * k, 100) for k in range(5)] + \
            [(f"s{k}", 30_200 + 50 * k, 100) for k in range(20)]
    path = tmp_path / "long.bam"
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for name, start, n in reads:
            out.write(segment(name, start, f"{n}M", seq="A" * n, quals=[30] * n, header=header))
    pysam.index(str(path))
    with pysam.AlignmentFile(str(path)) as handle:
        bounds = downsample_bounds(handle, CONTIG, 30_000, 31_000, max_depth=0.01)
        assert sorted(bounds) == [0, 1, 2, 3]   # window 0 holds only the long read's start
        assert downsample_bounds(handle, CONTIG, 30_000, 31_000, max_depth=None) == {}
        assert downsample_bounds(handle, CONTIG, 45_000, 46_000, max_depth=0.01) == {}   # no read there
        # 20 short reads + the long one over window 3: depth (21 x 150 / 10,000) is above 0.01x, so a bound
        assert 0 < bounds[3] < 2 ** 32
