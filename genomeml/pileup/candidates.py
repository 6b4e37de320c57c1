"""Allele counts over a shard and the candidate sites they imply.

Counting is one ``np.bincount`` over all reads' columns (no per-column Python); only
indel events, which are rare, go through a dict. Overlapping mates count once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genomeml.pileup.alleles import Allele, indel_allele
from genomeml.pileup.reads import A, EMPTY, N, T, DecodedRead

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

    def column(self, pos: int) -> int:
        return pos - self.start

    def depth_at(self, pos: int) -> int:
        i = pos - self.start
        return int(self.depth[i]) if 0 <= i < len(self.depth) else 0

    def support(self, allele: Allele, ref_seq: str, offset: int) -> tuple[int, int]:
        """(forward, reverse) reads carrying ``allele``."""
        if allele.is_snv:
            i = allele.pos - self.start
            if not 0 <= i < len(self.depth):
                return 0, 0
            code = "ACGT".index(allele.alt) + A
            return int(self.bases[i, code, 0]), int(self.bases[i, code, 1])
        counts = self.indels.get(allele)
        return (int(counts[0]), int(counts[1])) if counts is not None else (0, 0)


def read_alleles(read: DecodedRead, ref_seq: str, contig: str, offset: int) -> list[Allele]:
    """Left-aligned alleles of a read's indels (cached on the read)."""
    cached = read.extra.get("alleles")
    if cached is None:
        cached = [a for a in (indel_allele(ref_seq, contig, i.pos, i.length, i.inserted, offset)
                              for i in read.indels) if a is not None]
        read.extra["alleles"] = cached
    return cached


def count_alleles(reads: list[DecodedRead], contig: str, start: int, end: int, ref_seq: str, offset: int,
                  min_bq: int = 10) -> AlleleCounts:
    """Allele counts of ``reads`` over [start, end); ``ref_seq`` starts at contig position ``offset``."""
    n = end - start
    pieces_pos, pieces_code, pieces_strand = [], [], []
    indels: dict[Allele, np.ndarray] = {}
    for read in reads:
        lo = max(read.start, read.count_from, start)
        hi = min(read.end, end)
        if hi > lo:
            sl = slice(lo - read.start, hi - read.start)
            codes = read.bases[sl]
            low_quality = (read.quals[sl] < min_bq) & (codes >= A) & (codes <= T)
            pieces_pos.append(np.arange(lo - start, hi - start))
            pieces_code.append(np.where(low_quality, N, codes))  # low quality: covers, not counted as a base
            pieces_strand.append(np.full(hi - lo, int(read.reverse), dtype=np.int64))
        if read.indels:
            for allele in read_alleles(read, ref_seq, contig, offset):
                if start <= allele.pos < end and allele.pos >= read.count_from - 1:
                    counts = indels.setdefault(allele, np.zeros(2, dtype=np.int64))
                    counts[int(read.reverse)] += 1
    bases = np.zeros((n, N_CODES, 2), dtype=np.int64)
    depth = np.zeros(n, dtype=np.int64)
    if pieces_pos:
        pos = np.concatenate(pieces_pos)
        code = np.concatenate(pieces_code).astype(np.int64)
        strand = np.concatenate(pieces_strand)
        bases = np.bincount((pos * N_CODES + code) * 2 + strand, minlength=n * N_CODES * 2).reshape(n, N_CODES, 2)
        depth = np.bincount(pos[code != EMPTY], minlength=n)
    return AlleleCounts(contig, start, end, depth, bases, indels)


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
        d = max(counts.depth_at(allele.pos), counts.depth_at(allele.pos + 1), 1)
        if total >= thresholds.min_alt_reads and total / d >= thresholds.min_vaf and d >= thresholds.min_depth:
            out.append(allele)
    out.sort()
    return out
