"""pileup.encode: reference row, the int8 channels of a read row, allele support and the row order."""

from __future__ import annotations

import numpy as np
import pysam
import pytest

from genomeml.pileup.alleles import Allele
from genomeml.pileup.encode import (CHANNEL_VERSION, CHANNELS, allele_support, block_support, encode_reads,
                                    encode_rows, order_by, order_rows, reference_codes, reference_row)
from genomeml.pileup.reads import DecodedRead, ReadBlock, decode_read

from . import segments

CONTIG = "chr1"
BASE_VALUE = {"A": 25, "C": 50, "G": 75, "T": 100, "N": 10}
CH = {name: i for i, name in enumerate(CHANNELS)}


def _reference() -> str:
    rng = np.random.default_rng(21)
    rand = lambda n: "".join(rng.choice(list("ACGT"), n))  # noqa: E731
    seq = rand(299) + "C" + "A" * 8 + "G" + rand(90) + "G" + "CA" * 5 + "T" + rand(189)
    assert seq[300:308] == "A" * 8 and seq[400:410] == "CA" * 5
    return seq


REF = _reference()
HEADER = pysam.AlignmentHeader.from_dict({"SQ": [{"SN": CONTIG, "LN": len(REF)}]})


def make_segment(name: str, start: int, cigar: list[tuple[int, int]], *args, **kwargs) -> pysam.AlignedSegment:
    """A read following ``cigar`` on this module's REF (see segments.make_segment)."""
    kwargs.setdefault("fill", "T")
    return segments.make_segment(HEADER, REF, name, start, cigar, *args, **kwargs)


def expected_row(seg: pysam.AlignedSegment, w0: int, width: int, support: int, sample: int) -> np.ndarray:
    """The row spelled out column by column from the CIGAR (independent of decode_read)."""
    out = np.zeros((width, len(CHANNELS)), dtype=np.int64)
    seq, quals = seg.query_sequence, list(seg.query_qualities)
    strand = -100 if seg.is_reverse else 100
    mapq = min(seg.mapping_quality, 60) * 100 // 60
    q, r = 0, seg.reference_start
    covered = lambda c: w0 <= c < w0 + width  # noqa: E731
    for op, length in seg.cigartuples:
        if op == 0:
            for k in range(length):
                c = r + k
                if covered(c):
                    b = seq[q + k]
                    out[c - w0, :] = [BASE_VALUE[b], min(quals[q + k], 50) * 2, mapq, strand,
                                      100 if b != "N" and b != REF[c] else 0, support * 100, 0, sample, 0]
            q += length
            r += length
        elif op == 1:
            if covered(r - 1):
                out[r - 1 - w0, CH["insertion_after"]] = min(length, 10) * 10
            q += length
        elif op == 2:
            flank = min(quals[q - 1], quals[q]) * 2
            for c in range(r, r + length):
                if covered(c):
                    out[c - w0, :] = [-100, min(flank, 100), mapq, strand, 100, support * 100, 0, sample, 0]
            r += length
        elif op == 3:
            r += length
        elif op == 4:
            q += length
    cigar = seg.cigartuples
    for op_len, column in ((cigar[0], seg.reference_start), (cigar[-1], seg.reference_end - 1)):
        if op_len[0] == 4 and covered(column):      # soft clip marked on the adjacent aligned column
            out[column - w0, CH["soft_clip"]] = min(op_len[1], 20) * 5
    return out


def test_channel_list():
    assert CHANNELS == ("base", "base_quality", "mapping_quality", "strand", "mismatch", "supports_allele",
                        "insertion_after", "sample", "soft_clip")
    assert CHANNEL_VERSION == "somatic-pileup-v2"


def test_reference_row():
    codes = reference_codes("ACGTNA")
    row = reference_row(codes)
    assert row.dtype == np.int8 and row.shape == (6, len(CHANNELS))
    assert row[:, 0].tolist() == [25, 50, 75, 100, 10, 25]
    assert not row[:, 1:].any()


# ----------------------------------------------------------------------------- encode_reads
W0, WIDTH = 100, 33


@pytest.fixture(scope="module")
def hand_reads():
    mixed_cigar = [(0, 10), (2, 2), (0, 6), (1, 12), (0, 5), (3, 1), (0, 4), (1, 3), (0, 20)]
    n_query = 10 + 6 + 12 + 5 + 4 + 3 + 20
    quals = [int(q) for q in np.random.default_rng(4).integers(2, 61, n_query)]   # some above 50
    alt = "ACGT"[("ACGT".index(REF[108]) + 1) % 4]
    segs = [
        (make_segment("mixed", 95, mixed_cigar, inserted="ACGTACGTACGTGGA", reverse=True, quals=quals,
                      mutate={108: alt, 110: "N"}, mapq=30), 1, 100),
        (make_segment("plain", 110, [(0, 60)], mapq=60), -1, -100),
        (make_segment("far", 300, [(0, 50)], mapq=60), -1, 100),                   # does not reach the window
        (make_segment("mapq0", 80, [(0, 30)], mapq=0, quals=[45] * 30), 0, 100),   # ends inside the window
        (make_segment("mapq255", 120, [(0, 40)], mapq=255, quals=[12] * 40), 1, 100),
    ]
    return segs


def test_encode_reads_channels(hand_reads):
    ref_codes = reference_codes(REF[W0:W0 + WIDTH])
    out = np.zeros((len(hand_reads), WIDTH, len(CHANNELS)), dtype=np.int8)
    reads = [decode_read(seg) for seg, _, _ in hand_reads]
    for i, (seg, support, sample) in enumerate(hand_reads):
        encode_reads([reads[i]], np.array([support], dtype=np.int8), W0, ref_codes, sample, out[i:i + 1])
        expected = expected_row(seg, W0, WIDTH, support, sample)
        assert out[i].astype(np.int64).tolist() == expected.tolist(), seg.query_name
    # all at once gives the same rows
    together = np.zeros_like(out)
    encode_reads(reads, np.array([s for _, s, _ in hand_reads], dtype=np.int8), W0, ref_codes, 0, together)
    assert together[:, :, :CH["sample"]].tolist() == out[:, :, :CH["sample"]].tolist()


def test_encode_reads_hand_checked_columns(hand_reads):
    """A few values written out by hand, so the column walk above is not the only witness."""
    ref_codes = reference_codes(REF[W0:W0 + WIDTH])
    out = np.zeros((2, WIDTH, len(CHANNELS)), dtype=np.int8)
    (mixed, _, _), (plain, _, _) = hand_reads[:2]
    encode_reads([decode_read(mixed), decode_read(plain)], np.array([1, -1], dtype=np.int8), W0, ref_codes, 100, out)
    m, p = out[0], out[1]
    col = lambda c: c - W0  # noqa: E731
    # mixed: 95..104 M, 105-106 deleted, 107..112 M, 12 bp insertion after 112, 113..117 M, 118 skipped
    assert m[col(105), CH["base"]] == m[col(106), CH["base"]] == -100
    assert m[col(105), CH["mismatch"]] == 100
    assert m[col(112), CH["insertion_after"]] == 100          # 12 bp capped at 10 -> 100
    assert m[col(122), CH["insertion_after"]] == 30
    assert m[:, CH["insertion_after"]].astype(int).sum() == 130
    assert not m[col(118)].any()                               # intron column: nothing at all
    assert m[col(108), CH["mismatch"]] == 100 and m[col(108), CH["base"]] != reference_row(ref_codes)[col(108), 0]
    assert m[col(110), CH["base"]] == 10 and m[col(110), CH["mismatch"]] == 0   # N: not a mismatch
    assert set(m[m[:, 0] != 0, CH["strand"]].tolist()) == {-100}
    assert set(m[m[:, 0] != 0, CH["mapping_quality"]].tolist()) == {50}          # 30 * 100 // 60
    assert set(m[m[:, 0] != 0, CH["supports_allele"]].tolist()) == {100}
    assert m[:, CH["base_quality"]].max() <= 100
    # plain: forward, MAPQ 60, reference bases, starts at 110
    assert not p[:col(110)].any()
    assert set(p[col(110):, CH["mapping_quality"]].tolist()) == {100}
    assert set(p[col(110):, CH["strand"]].tolist()) == {100}
    assert set(p[col(110):, CH["supports_allele"]].tolist()) == {-100}
    assert not p[:, CH["mismatch"]].any()
    assert p[col(110):, CH["base"]].tolist() == reference_row(ref_codes)[col(110):, 0].tolist()


def test_base_values():
    seq = "ACGTN"
    seg = make_segment("b", W0, [(0, 5)], mutate={W0 + i: b for i, b in enumerate(seq)}, quals=[70, 50, 49, 1, 0])
    ref_codes = reference_codes(REF[W0:W0 + WIDTH])
    out = np.zeros((1, WIDTH, len(CHANNELS)), dtype=np.int8)
    encode_reads([decode_read(seg)], np.array([0], dtype=np.int8), W0, ref_codes, -100, out)
    assert out[0, :5, CH["base"]].tolist() == [25, 50, 75, 100, 10]
    assert out[0, :5, CH["base_quality"]].tolist() == [100, 100, 98, 2, 0]
    assert out[0, :5, CH["sample"]].tolist() == [-100] * 5 and not out[0, 5:].any()
    assert out[0, :5, CH["supports_allele"]].tolist() == [0] * 5


# ----------------------------------------------------------------------------- allele_support
def test_allele_support_snv():
    alt = "ACGT"[("ACGT".index(REF[150]) + 1) % 4]
    snv = Allele(CONTIG, 150, REF[150], alt)
    carrier = decode_read(make_segment("c", 120, [(0, 50)], mutate={150: alt}))
    other = decode_read(make_segment("o", 120, [(0, 50)], mutate={150: "ACGT"[("ACGT".index(alt) + 1) % 4]}))
    plain = decode_read(make_segment("p", 120, [(0, 50)]))
    deleted = decode_read(make_segment("d", 120, [(0, 30), (2, 1), (0, 19)]))
    before = decode_read(make_segment("b", 100, [(0, 50)]))          # 100..149
    after = decode_read(make_segment("a", 151, [(0, 50)]))
    got = [allele_support(r, snv, REF, 0) for r in (carrier, other, plain, deleted, before, after)]
    assert got == [1, -1, -1, -1, 0, 0]


def test_allele_support_indels_by_left_aligned_allele():
    deletion = Allele(CONTIG, 299, "CA", "C")
    reads = [decode_read(make_segment(f"d{c}", 280, [(0, c - 280), (2, 1), (0, 329 - c)])) for c in (300, 304, 307)]
    assert [allele_support(r, deletion, REF, 0) for r in reads] == [1, 1, 1]
    two = decode_read(make_segment("d2", 280, [(0, 22), (2, 2), (0, 26)]))
    plain = decode_read(make_segment("p", 280, [(0, 50)]))
    away = decode_read(make_segment("x", 320, [(0, 50)]))
    assert [allele_support(r, deletion, REF, 0) for r in (two, plain, away)] == [-1, -1, 0]
    # with an offset reference
    assert allele_support(reads[1], deletion, REF[250:], 250) == 1
    insertion = Allele(CONTIG, 399, "G", "GCA")
    ins = decode_read(make_segment("i", 380, [(0, 28), (1, 2), (0, 32)], inserted="CA"))   # after 407
    assert allele_support(ins, insertion, REF, 0) == 1
    assert allele_support(ins, Allele(CONTIG, 399, "G", "GCACA"), REF, 0) == -1


# ----------------------------------------------------------------------------- order_rows
def _reads(n: int, seed: int) -> tuple[list[DecodedRead], np.ndarray]:
    rng = np.random.default_rng(seed)
    reads = []
    for k in range(n):
        start = int(rng.integers(0, 100))
        bases = np.ones(50, dtype=np.uint8)
        reads.append(DecodedRead(f"read{k}:{rng.integers(1 << 30)}", start, bases, bases * 30,
                                 np.zeros(50, np.int16), [], 60, bool(k % 2), start))
    support = rng.choice(np.array([1, -1, 0], dtype=np.int8), n, p=[0.2, 0.6, 0.2])
    return reads, support


def test_order_rows_without_cap_sorts_carriers_first_then_by_start():
    reads, support = _reads(40, 1)
    order = order_rows(reads, support, 100, seed=0)
    assert sorted(order) == list(range(40))
    classes = [0 if support[i] > 0 else 1 if support[i] < 0 else 2 for i in order]
    assert classes == sorted(classes)
    for c in (0, 1, 2):
        starts = [reads[i].start for i, k in zip(order, classes) if k == c]
        assert starts == sorted(starts)


def test_order_rows_cap_keeps_carriers():
    reads, support = _reads(60, 2)
    n_carriers = int((support > 0).sum())
    assert 5 <= n_carriers < 20
    order = order_rows(reads, support, 20, seed=0)
    assert len(order) == len(set(order)) == 20
    assert {i for i in range(60) if support[i] > 0} <= set(order)
    assert all(support[i] != 0 for i in order)          # spanning non-carriers before reads not reaching the site
    few = order_rows(reads, support, 3, seed=0)
    assert len(few) == 3 and all(support[i] > 0 for i in few)


def test_order_rows_deterministic_and_independent_of_input_order():
    reads, support = _reads(80, 3)
    a = order_rows(reads, support, 25, seed=7)
    assert a == order_rows(reads, support, 25, seed=7)
    names = [reads[i].name for i in a]
    for perm_seed in range(5):
        perm = np.random.default_rng(perm_seed).permutation(80)
        shuffled = [reads[i] for i in perm]
        b = order_rows(shuffled, support[perm], 25, seed=7)
        assert [shuffled[i].name for i in b] == names
    # another seed picks another downsample of the non-carriers
    other = {reads[i].name for i in order_rows(reads, support, 25, seed=8)}
    assert other != set(names)
    carriers = {r.name for r, s in zip(reads, support) if s > 0}
    assert carriers <= other and carriers <= set(names)


# ----------------------------------------------------------------------------- block versions
def _random_block_reads(seed: int) -> list[DecodedRead]:
    rng = np.random.default_rng(seed)
    reads = []
    for k in range(150):
        start = int(rng.integers(250, 420))
        kind = rng.random()
        if kind < 0.25 and start < 299:                     # homopolymer deletion at a random column
            col = int(rng.integers(300, 308))
            cigar = [(0, col - start), (2, 1), (0, 60 - (col - start))]
        elif kind < 0.45 and 350 < start < 399:             # STR insertion at a unit boundary
            a = int(rng.choice([399, 401, 403, 405, 407, 409]))
            cigar = [(0, a + 1 - start), (1, 2), (0, 60 - (a + 1 - start))]
        elif kind < 0.55:
            cigar = [(0, 20), (3, 5), (0, 40)]
        else:
            cigar = [(0, 60)]
        mutate = {c: "ACGT"[("ACGT".index(REF[c]) + 1) % 4] for c in (310, 350) if rng.random() < 0.3}
        reads.append(decode_read(make_segment(f"q{k}", start, cigar, inserted="CA", reverse=bool(k % 3 == 0),
                                              mutate=mutate, mapq=int(rng.integers(0, 61)))))
    reads.sort(key=lambda r: r.start)
    return reads


ALLELES = [Allele(CONTIG, 299, "CA", "C"), Allele(CONTIG, 399, "G", "GCA"), Allele(CONTIG, 299, "CAA", "C"),
           Allele(CONTIG, 310, REF[310], "ACGT"[("ACGT".index(REF[310]) + 1) % 4]),
           Allele(CONTIG, 350, REF[350], "ACGT"[("ACGT".index(REF[350]) + 1) % 4]),
           Allele(CONTIG, 350, REF[350], "ACGT"[("ACGT".index(REF[350]) + 2) % 4])]


@pytest.mark.parametrize("allele", ALLELES, ids=lambda a: f"{a.pos}{a.ref}>{a.alt}")
def test_block_support_equals_per_read_support(allele):
    reads = _random_block_reads(1)
    block = ReadBlock(reads)
    idx = block.overlapping(allele.pos - 16, allele.pos + 17)
    got = block_support(block, idx, allele, REF, 0)
    assert got.tolist() == [allele_support(reads[i], allele, REF, 0) for i in idx]
    carried = allele not in (ALLELES[2], ALLELES[5])      # no read carries these two
    assert ((got == 1).sum() > 3) == carried and (got == -1).sum() > 10


def test_order_by_equals_order_rows_and_encode_rows_equals_encode_reads():
    reads = _random_block_reads(2)
    block = ReadBlock(reads)
    allele = ALLELES[0]
    w0 = allele.pos - 16
    ref_codes = reference_codes(REF[w0:w0 + 33])
    idx = block.overlapping(w0, w0 + 33)
    support = block_support(block, idx, allele, REF, 0)
    window_reads = [reads[i] for i in idx]
    for max_rows in (10, 40, 500):
        order = order_by(support, block.name_hashes(3)[idx], block.starts[idx], max_rows)
        assert order.tolist() == order_rows(window_reads, support, max_rows, seed=3)
        a = np.zeros((max_rows, 33, len(CHANNELS)), dtype=np.int8)
        b = np.zeros_like(a)
        encode_rows(block, idx[order], support[order], w0, ref_codes, 100, a)
        encode_reads([window_reads[i] for i in order], support[order], w0, ref_codes, 100, b)
        assert np.array_equal(a, b)
        assert not a[len(order):].any()
        for row, i in enumerate(order):      # each row is its read's own channels
            seg_row = np.zeros((1, 33, len(CHANNELS)), dtype=np.int8)
            encode_reads([window_reads[i]], support[i:i + 1], w0, ref_codes, 100, seg_row)
            assert np.array_equal(a[row], seg_row[0])
