"""pileup.candidates: vectorized allele counts against a slow per-base reference count, candidate thresholds,
and candidate recall of the truth on the bundled tumor."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pysam
import pytest

from genomeml.io.reference import Reference
from genomeml.pileup.alleles import Allele
from genomeml.pileup.candidates import AlleleCounts, CandidateThresholds, count_alleles, find_candidates
from genomeml.pileup.reads import A, DEL, N, T, ReadBlock, decode_read, fetch_decoded
from genomeml.somatic.labels import truth_keys

from . import segments

DATA = Path(__file__).resolve().parents[2] / "testdata" / "somatic"
CONTIG = "chr1"
CODE = {"A": 1, "C": 2, "G": 3, "T": 4}


def _reference() -> str:
    rng = np.random.default_rng(5)
    rand = lambda n: "".join(rng.choice(list("ACGT"), n))  # noqa: E731
    # a homopolymer (A x 8 at 300..307) and a short tandem repeat ((CA) x 5 at 400..409)
    seq = rand(299) + "C" + "A" * 8 + "G" + rand(90) + "G" + "CA" * 5 + "T" + rand(189)
    assert seq[300:308] == "A" * 8 and seq[400:410] == "CA" * 5 and len(seq) == 600
    return seq


REF = _reference()
HEADER = pysam.AlignmentHeader.from_dict({"HD": {"VN": "1.6", "SO": "coordinate"},
                                          "SQ": [{"SN": CONTIG, "LN": len(REF)}]})


# ----------------------------------------------------------------------------- slow reference implementation
def naive_left_align(ref: str, anchor: int, length: int, inserted: str) -> tuple[str, int, str, str]:
    """Leftmost equivalent placement by brute force over the haplotype (no N in these references)."""
    if length < 0:
        target = ref[:anchor + 1] + ref[anchor + 1 - length:]
        q = anchor
        while q > 0 and ref[:q] + ref[q - length:] == target:
            q -= 1
        return (CONTIG, q, ref[q:q + 1 - length], ref[q])
    target = ref[:anchor + 1] + inserted + ref[anchor + 1:]
    q = anchor
    while q > 0 and target[:q] == ref[:q] and target[q + length:] == ref[q:]:
        q -= 1
    return (CONTIG, q, ref[q], target[q:q + 1 + length])


def naive_count(segments: list[tuple[pysam.AlignedSegment, int]], ref: str, start: int, end: int,
                min_bq: int = 10, with_indels: bool = True):
    """Per-base Python walk of the CIGARs: depth, (column, base code, strand) counts and indel keys.

    ``segments`` pairs each read with the first column it may count (after an overlapping mate).
    """
    n = end - start
    depth = np.zeros(n, dtype=np.int64)
    bases = np.zeros((n, 7, 2), dtype=np.int64)
    indels: dict = {}
    for seg, first in segments:
        strand = int(seg.is_reverse)
        seq, quals = seg.query_sequence, seg.query_qualities
        q, r = 0, seg.reference_start
        for op, length in seg.cigartuples:
            if op in (0, 7, 8):
                for k in range(length):
                    if first <= r + k and start <= r + k < end:
                        base, qual = seq[q + k], quals[q + k] if quals is not None else 30
                        code = CODE.get(base, N) if qual >= min_bq else N
                        depth[r + k - start] += 1
                        bases[r + k - start, code, strand] += 1
                q += length
                r += length
            elif op == 1:
                if with_indels:
                    key = naive_left_align(ref, r - 1, length, seq[q:q + length])
                    if start <= key[1] < end and key[1] >= first - 1:
                        indels.setdefault(key, [0, 0])[strand] += 1
                q += length
            elif op == 2:
                for k in range(length):
                    if first <= r + k and start <= r + k < end:
                        depth[r + k - start] += 1
                        bases[r + k - start, DEL, strand] += 1
                if with_indels:
                    key = naive_left_align(ref, r - 1, -length, "")
                    if start <= key[1] < end and key[1] >= first - 1:
                        indels.setdefault(key, [0, 0])[strand] += 1
                r += length
            elif op == 3:
                r += length
            elif op == 4:
                q += length
    return depth, bases, indels


def as_keys(counts: AlleleCounts) -> dict:
    return {(a.contig, a.pos, a.ref, a.alt): [int(c[0]), int(c[1])] for a, c in counts.indels.items()}


# ----------------------------------------------------------------------------- reads
def make_segment(name: str, start: int, cigar: list[tuple[int, int]], *args, **kwargs) -> pysam.AlignedSegment:
    """A read following ``cigar`` on this module's REF (see segments.make_segment)."""
    return segments.make_segment(HEADER, REF, name, start, cigar, *args, **kwargs)


def random_reads(seed: int, count: int = 120) -> list[pysam.AlignedSegment]:
    """Reads with mismatches, N, low qualities, soft clips, a homopolymer deletion and an STR insertion
    placed at varying columns; indels only in reads spanning the whole repeat."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(count):
        length = int(rng.integers(40, 90))
        start = int(rng.integers(0, len(REF) - length - 10))
        clip = int(rng.integers(0, 4)) if rng.random() < 0.2 else 0
        cigar: list[tuple[int, int]] = [(4, clip)] if clip else []
        inserted = ""
        end = start + length
        if start < 295 and end > 315 and rng.random() < 0.5:       # delete one A of the A run, anywhere in it
            col = int(rng.integers(300, 308))
            cigar += [(0, col - start), (2, 1), (0, end - col - 1)]
        elif start < 395 and end > 415 and rng.random() < 0.5:     # insert one CA unit somewhere in the STR
            anchor = int(rng.choice([399, 401, 403, 405, 407, 409]))
            cigar += [(0, anchor + 1 - start), (1, 2), (0, end - anchor - 1)]
            inserted = "CA"
        elif rng.random() < 0.15:                                   # a random non-repeat deletion
            col = start + int(rng.integers(5, length - 8))
            cigar += [(0, col - start), (2, 2), (0, end - col - 2)]
        else:
            cigar += [(0, length)]
        mutate = {int(c): str(rng.choice([b for b in "ACGTN" if b != REF[c]]))
                  for c in rng.integers(start, end, size=int(rng.integers(0, 4)))}
        n_query = sum(l for op, l in cigar if op in (0, 1, 4))
        quals = [int(q) for q in rng.integers(2, 41, n_query)]
        out.append(make_segment(f"r{k}", start, cigar, inserted, bool(rng.random() < 0.5), quals, mutate))
    return out


@pytest.mark.parametrize("seed,window,min_bq", [(1, (0, 600), 10), (2, (120, 470), 10), (3, (290, 420), 20),
                                                (4, (0, 600), 0)])
def test_counts_match_per_base_reference(seed, window, min_bq):
    segs = random_reads(seed)
    reads = [decode_read(s) for s in segs]
    start, end = window
    counts = count_alleles(reads, CONTIG, start, end, REF, 0, min_bq=min_bq)
    depth, bases, indels = naive_count([(s, s.reference_start) for s in segs], REF, start, end, min_bq)
    assert (counts.contig, counts.start, counts.end) == (CONTIG, start, end)
    assert counts.depth.tolist() == depth.tolist()
    assert counts.bases[:, A:].tolist() == bases[:, A:].tolist()      # A, C, G, T, N, DEL by strand
    assert as_keys(counts) == indels
    assert depth.max() > 10 and len(indels) >= 2


@pytest.mark.parametrize("chunk", [1, 7, 50, 20000])
def test_chunked_block_counts_equal_list_counts(chunk):
    segs = random_reads(12)
    reads = [decode_read(s) for s in segs]
    reads.sort(key=lambda r: r.start)
    reads[5].count_from = reads[5].start + 10            # an overlapping-mate mark inside a chunk
    listed = count_alleles(reads, CONTIG, 30, 570, REF, 0)
    chunked = count_alleles(ReadBlock(reads), CONTIG, 30, 570, REF, 0, chunk=chunk)
    assert chunked.depth.tolist() == listed.depth.tolist() and chunked.bases.tolist() == listed.bases.tolist()
    assert as_keys(chunked) == as_keys(listed)
    plan = [(s, s.reference_start) for s in segs]
    depth, _, _ = naive_count(plan, REF, 30, 570, with_indels=False)
    skipped = reads[5]
    for c in range(max(skipped.start, 30), min(skipped.count_from, 570)):
        if skipped.bases[c - skipped.start] != 0:
            depth[c - 30] -= 1
    assert chunked.depth.tolist() == depth.tolist()


def test_no_reads_no_counts():
    counts = count_alleles([], CONTIG, 10, 60, REF, 0)
    assert counts.depth.shape == (50,) and not counts.depth.any() and not counts.bases.any()
    assert counts.bases.shape == (50, 7, 2) and counts.indels == {}
    assert find_candidates(counts, REF, 0) == []


def test_counts_with_offset_reference():
    """ref_seq holding only part of the contig, addressed in contig coordinates."""
    segs = [s for s in random_reads(6) if s.reference_start >= 250]
    reads = [decode_read(s) for s in segs]
    whole = count_alleles(reads, CONTIG, 280, 500, REF, 0)
    part = count_alleles(reads, CONTIG, 280, 500, REF[250:], 250)
    assert part.depth.tolist() == whole.depth.tolist() and part.bases.tolist() == whole.bases.tolist()
    assert as_keys(part) == as_keys(whole)


def test_low_quality_base_covers_but_is_not_a_base():
    col = 50
    alt = "ACGT"[("ACGT".index(REF[col]) + 1) % 4]
    quals = {"low": 9, "edge": 10, "high": 30}
    segs = [make_segment(name, 40, [(0, 30)], quals=[30] * 10 + [q] + [30] * 19, mutate={col: alt}, reverse=True)
            for name, q in quals.items()]
    counts = count_alleles([decode_read(s) for s in segs], CONTIG, 0, 100, REF, 0, min_bq=10)
    i = col - counts.start
    assert counts.depth[i] == 3 and counts.depth_at(col) == 3
    assert counts.bases[i, CODE[alt]].tolist() == [0, 2]      # q=10 and q=30, reverse strand
    assert counts.bases[i, N].tolist() == [0, 1]              # q=9: covers, no base
    assert counts.support(Allele(CONTIG, col, REF[col], alt)) == (0, 2)


def test_same_deletion_at_different_columns_merges_into_one_key():
    segs = [make_segment(f"d{col}", 280, [(0, col - 280), (2, 1), (0, 329 - col)], reverse=col % 2 == 1)
            for col in range(300, 308)]
    reads = [decode_read(s) for s in segs]
    assert len({r.indels[0].pos for r in reads}) == 8            # eight different raw anchors
    counts = count_alleles(reads, CONTIG, 250, 350, REF, 0)
    key = Allele(CONTIG, 299, "CA", "C")
    assert list(counts.indels) == [key]
    assert counts.indels[key].tolist() == [4, 4]
    assert counts.support(key) == (4, 4)
    assert counts.support(Allele(CONTIG, 299, "CAA", "C")) == (0, 0)
    # every column of the run shows the deletion once
    assert counts.bases[300 - 250:308 - 250, DEL].sum() == 8


def test_str_insertion_written_at_unit_boundaries_merges():
    segs = [make_segment(f"i{a}", 380, [(0, a + 1 - 380), (1, 2), (0, 440 - a - 1)], inserted="CA")
            for a in (399, 401, 403, 405, 407, 409)]
    segs.append(make_segment("i_ac", 380, [(0, 400 + 1 - 380), (1, 2), (0, 440 - 401)], inserted="AC"))
    counts = count_alleles([decode_read(s) for s in segs], CONTIG, 350, 450, REF, 0)
    assert as_keys(counts) == {(CONTIG, 399, "G", "GCA"): [7, 0]}


def test_indel_outside_window_not_counted():
    seg = make_segment("d", 280, [(0, 25), (2, 1), (0, 24)])    # deletion anchored at 304 -> left-aligned 299
    counts = count_alleles([decode_read(seg)], CONTIG, 300, 340, REF, 0)
    assert counts.indels == {}
    counts = count_alleles([decode_read(seg)], CONTIG, 299, 340, REF, 0)
    assert as_keys(counts) == {(CONTIG, 299, "CA", "C"): [1, 0]}


# ----------------------------------------------------------------------------- overlapping mates
def _pair(name: str, s1: int, cigar1, s2: int, cigar2, mutate=None, inserted1="", inserted2="",
          quals1=None, quals2=None) -> list[pysam.AlignedSegment]:
    r1 = make_segment(name, s1, cigar1, inserted1, False, quals1, mutate, flag=0x1 | 0x2 | 0x20 | 0x40)
    r2 = make_segment(name, s2, cigar2, inserted2, True, quals2, mutate, flag=0x1 | 0x2 | 0x80)
    r1.next_reference_id, r1.next_reference_start = 0, s2
    r2.next_reference_id, r2.next_reference_start = 0, s1
    return [r1, r2]


def write_bam(path: Path, segs: list[pysam.AlignedSegment]) -> Path:
    segs = sorted(segs, key=lambda s: s.reference_start)
    with pysam.AlignmentFile(str(path), "wb", header=HEADER) as out:
        for seg in segs:
            out.write(seg)
    pysam.index(str(path))
    return path


def fetch(path: Path, start: int = 0, end: int = len(REF)):
    with pysam.AlignmentFile(str(path)) as handle:
        return fetch_decoded(handle, CONTIG, start, end)


def test_overlapping_mates_count_once(tmp_path):
    col = 130
    alt = "ACGT"[("ACGT".index(REF[col]) + 2) % 4]
    bam = write_bam(tmp_path / "pair.bam", _pair("p", 100, [(0, 50)], 120, [(0, 50)], mutate={col: alt}))
    reads = fetch(bam)
    counts = count_alleles(reads, CONTIG, 0, 300, REF, 0)
    assert counts.depth[95:175].tolist() == [0] * 5 + [1] * 70 + [0] * 5
    assert counts.bases[col, CODE[alt]].tolist() == [1, 0]    # from the forward first mate only
    for r in reads:                                            # ignoring count_from: counted twice
        r.count_from = r.start
    assert count_alleles(reads, CONTIG, 0, 300, REF, 0).depth[col] == 2


def test_random_pairs_count_fragments_once(tmp_path):
    rng = np.random.default_rng(11)
    segs = []
    for k in range(60):
        s1 = int(rng.integers(0, 450))
        l1, l2 = int(rng.integers(30, 70)), int(rng.integers(30, 70))
        s2 = min(s1 + int(rng.integers(0, 120)), len(REF) - l2)
        s2 = max(s2, s1)
        mutate = {int(c): str(rng.choice([b for b in "ACGT" if b != REF[c]]))
                  for c in rng.integers(s1, s2 + l2, size=3)}
        segs += _pair(f"p{k}", s1, [(0, l1)], s2, [(0, l2)], mutate=mutate,
                      quals1=[int(q) for q in rng.integers(2, 41, l1)],
                      quals2=[int(q) for q in rng.integers(2, 41, l2)])
    bam = write_bam(tmp_path / "pairs.bam", segs)
    reads = fetch(bam)
    counts = count_alleles(reads, CONTIG, 0, len(REF), REF, 0)
    # slow reference: mates in file order; the second skips the columns the first covers
    with pysam.AlignmentFile(str(bam)) as handle:
        ordered = list(handle.fetch(CONTIG, 0, len(REF)))
    first_end: dict[str, int] = {}
    plan = []
    for seg in ordered:
        if seg.query_name in first_end:
            plan.append((seg, max(seg.reference_start, first_end[seg.query_name])))
        else:
            first_end[seg.query_name] = seg.reference_end
            plan.append((seg, seg.reference_start))
    depth, bases, _ = naive_count(plan, REF, 0, len(REF), with_indels=False)
    assert counts.depth.tolist() == depth.tolist()
    assert counts.bases[:, A:].tolist() == bases[:, A:].tolist()
    assert sum(1 for seg, first in plan if first > seg.reference_start) > 20   # overlaps did occur


def test_indel_in_the_overlap_counted_once(tmp_path):
    # both mates carry a 2 bp deletion at 150 (non-repeat); mate 2 starts inside mate 1
    d1 = [(0, 51), (2, 2), (0, 30)]         # 100..150, del 151-152, 153..182
    d2 = [(0, 31), (2, 2), (0, 40)]         # 120..150, del 151-152, 153..192
    bam = write_bam(tmp_path / "pair.bam", _pair("p", 100, d1, 120, d2))
    counts = count_alleles(fetch(bam), CONTIG, 0, 300, REF, 0)
    key = naive_left_align(REF, 150, -2, "")
    assert as_keys(counts) == {key: [1, 0]}


def test_indel_after_the_overlap_counted_for_second_mate(tmp_path):
    d2 = [(0, 50), (2, 2), (0, 30)]         # 140..189, deletion anchored at 189, after mate 1 (100..159)
    bam = write_bam(tmp_path / "pair.bam", _pair("p", 100, [(0, 60)], 140, d2))
    counts = count_alleles(fetch(bam), CONTIG, 0, 300, REF, 0)
    key = naive_left_align(REF, 189, -2, "")
    assert key[1] >= 160 - 1
    assert as_keys(counts) == {key: [0, 1]}


def test_second_mate_indel_left_aligned_into_overlap_still_counted(tmp_path):
    # A run at 300..307. Mate 1 (270..303) ends inside the run and shows only A's.
    # Mate 2 (285..344) spans the run and lacks one A, written at column 306 (raw anchor 305 >= mate 1's end).
    mate2 = [(0, 306 - 285), (2, 1), (0, 345 - 307)]
    bam = write_bam(tmp_path / "pair.bam", _pair("p", 270, [(0, 34)], 285, mate2))
    reads = fetch(bam)
    assert reads[1].count_from == 304 and reads[1].indels[0].pos == 305
    counts = count_alleles(reads, CONTIG, 200, 400, REF, 0)
    assert counts.bases[306 - 200, DEL].tolist() == [0, 1]      # the deleted column is counted for mate 2 ...
    assert as_keys(counts) == {(CONTIG, 299, "CA", "C"): [0, 1]}   # ... so must the deletion be


def test_second_mate_indel_counted_when_the_first_mate_ends_inside_the_repeat(tmp_path):
    # The (CA) x 5 repeat at 400..409. Mate 1 (350..405) ends inside it reading reference, which it
    # would do whether or not the fragment lacks a CA. Mate 2 (380..459) spans the repeat and lacks
    # the CA written at its start (raw anchor 399 < mate 1's end): the fragment carries the deletion.
    mate2 = [(0, 400 - 380), (2, 2), (0, 460 - 402)]
    bam = write_bam(tmp_path / "pair.bam", _pair("p", 350, [(0, 56)], 380, mate2))
    reads = fetch(bam)
    assert reads[1].count_from == 406 and reads[1].indels[0].pos == 399 and reads[1].mate is reads[0]
    counts = count_alleles(reads, CONTIG, 300, 500, REF, 0, second_mate_indels=True)
    assert as_keys(counts) == {(CONTIG, 399, "GCA", "G"): [0, 1]}
    assert as_keys(count_alleles(reads, CONTIG, 300, 500, REF, 0)) == {}   # the first mate decides (older models)


def test_second_mate_indel_not_counted_when_the_first_mate_spans_the_repeat(tmp_path):
    # Mate 1 (350..419) reads the whole repeat and past it as reference: its view of the fragment wins.
    mate2 = [(0, 400 - 380), (2, 2), (0, 460 - 402)]
    bam = write_bam(tmp_path / "pair.bam", _pair("p", 350, [(0, 70)], 380, mate2))
    counts = count_alleles(fetch(bam), CONTIG, 300, 500, REF, 0, second_mate_indels=True)
    assert as_keys(counts) == {}


# ----------------------------------------------------------------------------- find_candidates
def counts_from(depth: list[int], alt_col: dict, ref: str, start: int = 0, indels=None) -> AlleleCounts:
    """Hand-made counts: ``alt_col`` maps (column, base) to (forward, reverse) reads."""
    n = len(depth)
    bases = np.zeros((n, 7, 2), dtype=np.int64)
    for (col, base), (f, r) in alt_col.items():
        bases[col - start, CODE[base]] = (f, r)
    return AlleleCounts(CONTIG, start, start + n, np.array(depth, dtype=np.int64), bases,
                        {a: np.array(c) for a, c in (indels or {}).items()})


def test_thresholds_on_hand_counts():
    ref = "ACGTACGTACGTACGTACGT"
    other = lambda i: "ACGT"[("ACGT".index(ref[i]) + 1) % 4]  # noqa: E731
    depth = [10] * 20
    depth[5] = 3           # too shallow
    depth[7] = 200         # VAF 2/200 = 0.01
    alts = {(1, other(1)): (1, 1),      # 2 reads, 0.2: candidate
            (2, other(2)): (1, 0),      # 1 read: no
            (5, other(5)): (2, 1),      # depth 3 < 4: no
            (7, other(7)): (1, 1),      # VAF 0.01 < 0.02: no
            (9, ref[9]): (5, 5),        # the reference base: never
            (11, other(11)): (0, 4), (11, "ACGT"[("ACGT".index(ref[11]) + 2) % 4]): (2, 0)}  # two alts
    counts = counts_from(depth, alts, ref)
    got = find_candidates(counts, ref, 0)
    assert got == sorted([Allele(CONTIG, 1, ref[1], other(1)), Allele(CONTIG, 11, ref[11], other(11)),
                          Allele(CONTIG, 11, ref[11], "ACGT"[("ACGT".index(ref[11]) + 2) % 4])])
    loose = find_candidates(counts, ref, 0, CandidateThresholds(min_alt_reads=1, min_vaf=0.005, min_depth=3))
    assert {(a.pos, a.alt) for a in loose} >= {(2, other(2)), (5, other(5)), (7, other(7))}
    assert all(a.alt != a.ref for a in loose) and 9 not in {a.pos for a in loose}
    strict = find_candidates(counts, ref, 0, CandidateThresholds(min_alt_reads=4, min_vaf=0.3, min_depth=10))
    assert strict == [Allele(CONTIG, 11, ref[11], other(11))]


def test_no_snv_candidate_at_reference_n():
    ref = "ACGTNACGT"
    counts = counts_from([20] * 9, {(4, "A"): (10, 10), (3, "A"): (10, 10)}, ref)
    assert find_candidates(counts, ref, 0) == [Allele(CONTIG, 3, "T", "A")]


def test_indel_thresholds_use_depth_at_anchor_or_next_column():
    ref = "ACGTACGTACGTACGTACGT"
    depth = [2] * 20
    depth[6] = 50
    ins = Allele(CONTIG, 5, "C", "CA")      # depth max(2, 50) = 50
    dele = Allele(CONTIG, 12, "AC", "A")    # depth 2 < 4
    low = Allele(CONTIG, 5, "C", "CT")      # 1 read
    counts = counts_from(depth, {}, ref, indels={ins: [1, 1], dele: [3, 0], low: [1, 0]})
    assert find_candidates(counts, ref, 0) == [ins]
    assert find_candidates(counts, ref, 0, CandidateThresholds(min_alt_reads=2, min_vaf=0.02, min_depth=2)) \
        == [ins, dele]
    assert find_candidates(counts, ref, 0, CandidateThresholds(min_alt_reads=2, min_vaf=0.02, min_depth=60)) == []


@pytest.mark.parametrize("thresholds", [CandidateThresholds(), CandidateThresholds(3, 0.1, 8),
                                        CandidateThresholds(1, 0.0, 0)])
def test_thresholds_on_random_counts_match_a_slow_filter(thresholds):
    rng = np.random.default_rng(9)
    offset, start, n = 1000, 1030, 300
    ref = "".join(rng.choice(list("ACGTN"), n + 60, p=[0.24, 0.24, 0.24, 0.24, 0.04]))
    depth = rng.integers(0, 40, n)
    bases = np.zeros((n, 7, 2), dtype=np.int64)
    bases[:, A:T + 1] = rng.poisson(0.6, (n, 4, 2))
    indels = {}
    for k in range(40):
        pos = start + int(rng.integers(0, n - 1))
        indels[Allele(CONTIG, pos, ref[pos - offset], ref[pos - offset] + "A" * (k % 3 + 1))] = \
            rng.poisson(1.5, 2)
    counts = AlleleCounts(CONTIG, start, start + n, depth, bases, indels)
    got = find_candidates(counts, ref, offset, thresholds)
    expected = []
    for i in range(n):
        r = ref[start - offset + i]
        for b in "ACGT":
            alt = int(bases[i, CODE[b]].sum())
            if r in "ACGT" and b != r and alt >= thresholds.min_alt_reads and depth[i] >= thresholds.min_depth \
                    and alt / max(depth[i], 1) >= thresholds.min_vaf:
                expected.append(Allele(CONTIG, start + i, r, b))
    for allele, c in indels.items():
        i = allele.pos - start
        d = max(int(depth[i]), int(depth[i + 1]) if i + 1 < n else 0, 1)
        if c.sum() >= thresholds.min_alt_reads and c.sum() / d >= thresholds.min_vaf and d >= thresholds.min_depth:
            expected.append(allele)
    assert got == sorted(expected)
    assert len(got) > 5


# ----------------------------------------------------------------------------- bundled tumor
REGION = ("chr20", 100000, 130000)


@pytest.fixture(scope="module")
def tumor_counts():
    contig, start, end = REGION
    with Reference(DATA / "ref.fa") as ref:
        offset = start - 300
        seq = ref.fetch(contig, offset, end + 300)
    with pysam.AlignmentFile(str(DATA / "tumor.bam")) as bam:
        reads = fetch_decoded(bam, contig, start - 300, end + 300)
    counts = count_alleles(reads, contig, start, end, seq, offset)
    return counts, seq, offset, reads


def _supporting_fragments(bam: pysam.AlignmentFile, contig: str, pos: int, ref: str, alt: str) -> int:
    """Fragments with the allele (0-based pos): the alt base, or a CIGAR indel of the same size nearby."""
    names = set()
    for seg in bam.fetch(contig, pos - 30, pos + 30):
        if seg.flag & 0xF04:
            continue
        if len(ref) == len(alt) == 1:
            for q, r in seg.get_aligned_pairs(matches_only=True):
                if r == pos and seg.query_sequence[q] == alt:
                    names.add(seg.query_name)
            continue
        size = len(alt) - len(ref)
        r = seg.reference_start
        for op, length in seg.cigartuples:
            if op == 1 and size > 0 and length == size and abs(r - pos) <= 30:
                names.add(seg.query_name)
            if op == 2 and size < 0 and length == -size and abs(r - pos) <= 30:
                names.add(seg.query_name)
            if op in (0, 2, 3, 7, 8):
                r += length
    return len(names)


def test_truth_variants_are_candidates(tumor_counts):
    counts, seq, offset, _ = tumor_counts
    candidates = find_candidates(counts, seq, offset)
    keys = {(a.contig, a.pos, a.ref, a.alt) for a in candidates}
    somatic = truth_keys(DATA / "truth.somatic.vcf.gz", DATA / "ref.fa")
    germline = truth_keys(DATA / "truth.germline.vcf.gz", DATA / "ref.fa")
    with pysam.AlignmentFile(str(DATA / "tumor.bam")) as bam:
        supported = {k for k in somatic if _supporting_fragments(bam, k[0], k[1], k[2], k[3]) >= 3}
    assert len(supported) >= 20 and len(germline) >= 30
    assert supported - keys == set()
    assert germline - keys == set()
    # every candidate is a well-formed allele on the reference
    for a in candidates:
        assert seq[a.pos - offset:a.pos - offset + len(a.ref)] == a.ref and a.ref != a.alt
        assert a.ref[0] == a.alt[0] or a.is_snv
    assert len(candidates) < 2000


def test_bundled_tumor_counts_match_reference_count(tumor_counts):
    """Depth and base counts on real reads (overlapping mates, duplicates, indels) in a 3 kb stretch."""
    _, seq, offset, _ = tumor_counts
    start, end = 117000, 120000
    with pysam.AlignmentFile(str(DATA / "tumor.bam")) as bam:
        reads = fetch_decoded(bam, "chr20", start, end)
        counts = count_alleles(reads, "chr20", start, end, seq, offset)
        first_end: dict[str, int] = {}
        plan = []
        for seg in bam.fetch("chr20", start, end):
            if seg.flag & 0xF04:
                continue
            if seg.is_paired and seg.query_name in first_end and seg.reference_start < first_end[seg.query_name]:
                plan.append((seg, first_end.pop(seg.query_name)))
            else:
                first_end[seg.query_name] = seg.reference_end
                plan.append((seg, seg.reference_start))
    depth, bases, _ = naive_count(plan, "", start, end, with_indels=False)
    assert counts.depth.tolist() == depth.tolist()
    assert counts.bases[:, A:].tolist() == bases[:, A:].tolist()
    assert 30 < np.median(depth) < 90
