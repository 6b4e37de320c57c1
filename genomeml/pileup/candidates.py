"""Allele counts over a shard and the candidate sites they imply.

Counting is one ``np.bincount`` over all reads' columns (no per-column Python); only
indel events, which are rare, go through a dict. Overlapping mates count once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from genomeml.pileup.alleles import Allele, indel_allele, rightmost_end
from genomeml.pileup.reads import A, EMPTY, N, T, DecodedRead, ReadBlock

N_CODES = 7


@dataclass
class AlleleCounts:
    """Counts for columns [start, end) of one sample, split by strand (index 0 forward, 1 reverse)."""
    contig: str
    start: int
    end: int
    depth: np.ndarray          # (n,) reads with a base or deletion at the column
    bases: np.ndarray          # (n, 7, 2) reads per base code (A..T need quality >= min_bq) and strand
    indels: dict[Allele, np.ndarray]   # allele -> (forward, reverse) read counts
    _indel_totals: dict[int, int] | None = field(default=None, repr=False, compare=False)

    def column(self, pos: int) -> int:
        return pos - self.start

    def indel_reads_at(self, pos: int) -> int:
        """Reads carrying any indel anchored at ``pos`` (totals built once per sample and shard)."""
        if self._indel_totals is None:
            self._indel_totals = {}
            for allele, strands in self.indels.items():
                self._indel_totals[allele.pos] = self._indel_totals.get(allele.pos, 0) + int(strands.sum())
        return self._indel_totals.get(pos, 0)

    def depth_at(self, pos: int) -> int:
        i = pos - self.start
        return int(self.depth[i]) if 0 <= i < len(self.depth) else 0

    def indel_depth(self, pos: int) -> int:
        """Depth at an indel anchored at ``pos``: the anchor or the column after it, whichever is deeper
        (a deletion's reads count as depth on its deleted columns, an insertion's on its anchor)."""
        return max(self.depth_at(pos), self.depth_at(pos + 1))

    def support(self, allele: Allele) -> tuple[int, int]:
        """(forward, reverse) reads carrying ``allele``."""
        if allele.is_snv:
            i = allele.pos - self.start
            if not 0 <= i < len(self.depth):
                return 0, 0
            code = "ACGT".index(allele.alt) + A
            return int(self.bases[i, code, 0]), int(self.bases[i, code, 1])
        counts = self.indels.get(allele)
        return (int(counts[0]), int(counts[1])) if counts is not None else (0, 0)


def read_indel_alleles(read: DecodedRead, ref_seq: str, contig: str, offset: int) -> list[tuple[int, Allele]]:
    """(raw anchor column, left-aligned allele) of each of a read's indels (cached on the read)."""
    cached = read.extra.get("indel_alleles")
    if cached is None:
        cached = [(i.pos, a) for i, a in ((i, indel_allele(ref_seq, contig, i.pos, i.length, i.inserted, offset))
                                          for i in read.indels) if a is not None]
        read.extra["indel_alleles"] = cached
    return cached


def read_alleles(read: DecodedRead, ref_seq: str, contig: str, offset: int) -> list[Allele]:
    """Left-aligned alleles of a read's indels."""
    return [a for _, a in read_indel_alleles(read, ref_seq, contig, offset)]


def count_alleles(reads: list[DecodedRead] | ReadBlock, contig: str, start: int, end: int, ref_seq: str,
                  offset: int, min_bq: int = 10, chunk: int = 20000, second_mate_indels: bool = False) -> AlleleCounts:
    """Allele counts of ``reads`` over [start, end); ``ref_seq`` starts at contig position ``offset``.

    ``second_mate_indels``: also count an indel the second of two overlapping mates shows where the
    first mate ends too early to show it (see _mate_blind_to); off for models trained without it.

    Works on chunks of reads so the flat per-column arrays stay a few tens of MB.
    """
    block = reads if isinstance(reads, ReadBlock) else ReadBlock(reads)
    n = end - start
    bases = np.zeros(n * N_CODES * 2, dtype=np.int64)
    depth = np.zeros(n, dtype=np.int64)
    for lo in range(0, len(block), chunk):
        hi = min(len(block), lo + chunk)
        lengths = block.lengths[lo:hi]
        first = int(block.offsets[lo]) if hi > lo else 0
        last = int(block.offsets[hi - 1] + lengths[-1]) if hi > lo else 0
        rel = np.arange(last - first, dtype=np.int64) - np.repeat(block.offsets[lo:hi] - first, lengths)
        pos = rel + np.repeat(block.starts[lo:hi] - start, lengths)
        keep = (pos >= 0) & (pos < n) & (rel >= np.repeat(block.count_from[lo:hi] - block.starts[lo:hi], lengths))
        codes = block.bases[first:last]
        low_quality = (block.quals[first:last] < min_bq) & (codes >= A) & (codes <= T)
        codes = np.where(low_quality, N, codes)[keep].astype(np.int64)   # low quality: covers, is no base
        strand = np.repeat(block.reverse[lo:hi], lengths)[keep]
        pos = pos[keep]
        bases += np.bincount((pos * N_CODES + codes) * 2 + strand, minlength=n * N_CODES * 2)
        depth += np.bincount(pos[codes != EMPTY], minlength=n)
    indels: dict[Allele, np.ndarray] = {}
    for read in block.reads:
        if read.indels:
            for anchor, allele in read_indel_alleles(read, ref_seq, contig, offset):
                # the overlapping-mate rule looks at where this read shows the indel, not where
                # left-alignment puts it (which may be inside the part the mate already counted)
                if start <= allele.pos < end and (anchor >= read.count_from - 1 or (
                        second_mate_indels and _mate_blind_to(read, allele, ref_seq, contig, offset))):
                    counts = indels.setdefault(allele, np.zeros(2, dtype=np.int64))
                    counts[int(read.reverse)] += 1
    return AlleleCounts(contig, start, end, depth, bases.reshape(n, N_CODES, 2), indels)


MATE_FLANK = 3   # bases a first mate needs past an indel's rightmost placement to show it is absent


def _mate_blind_to(read: DecodedRead, allele: Allele, ref_seq: str, contig: str, offset: int) -> bool:
    """Whether ``read``'s first mate could not have shown ``allele``, shown by ``read`` where they overlap.

    A first mate ending inside a repeat reads reference up to its end whether or not the
    fragment carries a deletion or insertion there, yet as the mate counted first it used to
    decide the fragment: at HG002's 18 bp TA-repeat deletion (20:10,068,160) the normal's only
    carrier was hidden so, and the tumor's five carriers looked somatic.
    """
    mate = read.mate
    if mate is None or allele in read_alleles(mate, ref_seq, contig, offset):
        return False
    return mate.end < rightmost_end(ref_seq, allele, offset) + MATE_FLANK


@dataclass(frozen=True)
class CandidateThresholds:
    min_alt_reads: int = 2
    min_vaf: float = 0.02
    min_depth: int = 4


def find_candidates(counts: AlleleCounts, ref_seq: str, offset: int,
                    thresholds: CandidateThresholds = CandidateThresholds()) -> list[Allele]:
    """SNV and indel alleles with enough support in this sample, sorted by position."""
    out: list[Allele] = []
    alt_reads = counts.bases[:, A:T + 1, :].sum(axis=2)            # (n, 4)
    depth = np.maximum(counts.depth, 1)
    ref_codes = np.frombuffer(ref_seq[counts.start - offset:counts.end - offset].encode(), dtype=np.uint8)
    ref_index = np.full(len(ref_codes), -1)
    for i, b in enumerate(b"ACGT"):
        ref_index[ref_codes == b] = i
    passing = (alt_reads >= thresholds.min_alt_reads) & (alt_reads / depth[:, None] >= thresholds.min_vaf) \
        & (counts.depth[:, None] >= thresholds.min_depth)
    passing[ref_index >= 0, ref_index[ref_index >= 0]] = False
    passing[ref_index < 0, :] = False
    for col, base in zip(*np.nonzero(passing)):
        pos = counts.start + int(col)
        out.append(Allele(counts.contig, pos, ref_seq[pos - offset], "ACGT"[base]))
    for allele, strands in counts.indels.items():
        total = int(strands.sum())
        d = max(counts.indel_depth(allele.pos), 1)
        if total >= thresholds.min_alt_reads and total / d >= thresholds.min_vaf and d >= thresholds.min_depth:
            out.append(allele)
    out.sort()
    return out
