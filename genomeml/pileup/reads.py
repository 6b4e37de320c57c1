"""Decode aligned reads into per-reference-column numpy arrays, once per read.

Everything downstream (allele counts for candidates, somatic tensors, polishing
windows) slices these arrays instead of walking bases in Python. A read becomes:
one base code per reference column it spans (deletions get their own code),
the base quality there, and the length of any insertion that follows the column.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from itertools import chain
from typing import NamedTuple

import numpy as np
import pysam

# base codes laid onto reference columns
EMPTY, A, C, G, T, N, DEL = 0, 1, 2, 3, 4, 5, 6
CODE_OF_ASCII = np.full(256, N, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT", start=1):
    CODE_OF_ASCII[_b] = _i
    CODE_OF_ASCII[_b + 32] = _i
BASE_OF_CODE = np.frombuffer(b".ACGTN*", dtype=np.uint8)

SKIP_FLAGS = 0x4 | 0x100 | 0x200 | 0x400 | 0x800   # unmapped, secondary, QC-fail, duplicate, supplementary


@dataclass
class Indel:
    """An indel in a read: ``pos`` is the reference column of the anchor base before it."""
    pos: int
    length: int          # > 0 insertion, < 0 deletion
    inserted: str = ""   # inserted bases (insertions only)


@dataclass(slots=True)
class DecodedRead:
    name: str
    start: int                  # first reference column covered (0-based)
    bases: np.ndarray           # uint8 code per column in [start, start + len)
    quals: np.ndarray           # uint8 base quality per column (deletions: the lower flanking quality)
    ins_after: np.ndarray       # int16 insertion length after each column
    indels: list[Indel]
    mapq: int
    reverse: bool
    count_from: int             # columns before this are already counted through the overlapping mate
    clip_left: int = 0          # soft-clipped bases before the first aligned column
    clip_right: int = 0         # ... and after the last
    # inserted bases and their qualities, all insertions of the read in column order
    # (the insertion after column c starts at sum(ins_after[:c]))
    ins_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    ins_quals: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    # the whole read as sequenced, soft clips included: what local realignment compares to haplotypes
    query_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    query_quals: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint8))
    extra: dict = field(default_factory=dict)
    # the first mate of an overlapping pair (set on the second): its view of the shared columns wins,
    # except for an indel it cannot tell (see candidates.count_alleles)
    mate: "DecodedRead | None" = field(default=None, repr=False, compare=False)

    @property
    def end(self) -> int:
        return self.start + len(self.bases)


# which CIGAR operations (M I D N S H P = X B) consume query bases and reference columns
_CONSUMES_QUERY = np.array([1, 1, 0, 0, 1, 0, 0, 1, 1, 0], dtype=bool)
_CONSUMES_REF = np.array([1, 0, 1, 1, 0, 0, 0, 1, 1, 0], dtype=bool)
_MATCH_OPS = np.array([1, 0, 0, 0, 0, 0, 0, 1, 1, 0], dtype=bool)
DECODE_CHUNK = 20_000   # reads laid out per batch of array operations: bounds the temporaries


class _Raw(NamedTuple):
    """What decoding needs of one pysam read, taken while the iterator still holds it."""
    name: str
    start: int
    cigar: list[tuple[int, int]]
    seq: str | None
    quals: object          # array.array of phred values, or None
    mapq: int
    reverse: bool


def _raw(read: pysam.AlignedSegment) -> _Raw:
    return _Raw(read.query_name, read.reference_start, read.cigartuples, read.query_sequence,
                read.query_qualities, read.mapping_quality, read.is_reverse)


def _exclusive_cumsum(values: np.ndarray) -> np.ndarray:
    out = np.zeros(len(values), dtype=np.int64)
    np.cumsum(values[:-1], out=out[1:])
    return out


def _decode_batch(raws: list[_Raw], missing_quality: int = 30) -> list[DecodedRead | None]:
    """Lay many reads onto reference columns with whole-array operations, one result per input.

    Per-read Python work is limited to gathering the pysam fields and building the result
    objects (views into the batch's arrays): a CIGAR walk per read in Python cost more than
    everything downstream of it.
    """
    out: list[DecodedRead | None] = [None] * len(raws)
    usable = [i for i, r in enumerate(raws) if r.cigar and r.seq is not None]
    if not usable:
        return out
    reads = [raws[i] for i in usable]
    n = len(reads)
    qlen = np.fromiter((len(r.seq) for r in reads), dtype=np.int64, count=n)
    codes_all = CODE_OF_ASCII[np.frombuffer("".join(r.seq for r in reads).encode(), dtype=np.uint8)]
    missing = bytes([missing_quality])
    quals_all = np.frombuffer(b"".join(r.quals if r.quals is not None else missing * len(r.seq) for r in reads),
                              dtype=np.uint8)
    nops = np.fromiter((len(r.cigar) for r in reads), dtype=np.int64, count=n)
    flat = np.fromiter(chain.from_iterable(chain.from_iterable(r.cigar for r in reads)), dtype=np.int64,
                       count=2 * int(nops.sum()))
    op, length = flat[0::2], flat[1::2]
    read_of_op = np.repeat(np.arange(n), nops)
    first_op = _exclusive_cumsum(nops)
    last_op = first_op + nops - 1
    qcons = np.where(_CONSUMES_QUERY[op], length, 0)
    rcons = np.where(_CONSUMES_REF[op], length, 0)
    qoff = _exclusive_cumsum(qcons)
    qoff -= qoff[first_op][read_of_op]          # query position where each op begins, per read
    roff = _exclusive_cumsum(rcons)
    span = np.add.reduceat(rcons, first_op)
    roff -= roff[first_op][read_of_op]          # reference column (from the read start) of each op
    qbase = _exclusive_cumsum(qlen)             # the read's first base in codes_all / quals_all
    rbase = _exclusive_cumsum(span)             # the read's first column in the batch's column arrays
    total = int(span.sum())

    # columns: ref-consuming ops tile the batch's columns in order; most are matches, read from the query
    qpos = qbase[read_of_op] + qoff          # absolute query index at each op's start
    on_ref = np.flatnonzero(rcons > 0)
    ref_len = length[on_ref]
    col_start = _exclusive_cumsum(ref_len)
    src = np.repeat(qpos[on_ref] - col_start, ref_len) + np.arange(total)
    gap = ~_MATCH_OPS[op[on_ref]]              # D and N: no query base
    gap_ops, gap_len = on_ref[gap], ref_len[gap]
    gap_cols = np.repeat(col_start[gap] - _exclusive_cumsum(gap_len), gap_len) + np.arange(int(gap_len.sum()))
    src[gap_cols] = 0
    bases = codes_all[src]
    bq = quals_all[src]
    # a gap column gets its own code and the lower quality of the bases either side of the gap
    gap_q, gap_read = qpos[gap_ops], read_of_op[gap_ops]
    left = np.where(qoff[gap_ops] > 0, quals_all[np.maximum(gap_q - 1, 0)], 0)
    right = np.where(qoff[gap_ops] < qlen[gap_read], quals_all[np.minimum(gap_q, len(quals_all) - 1)], 0)
    bases[gap_cols] = np.repeat(np.where(op[gap_ops] == 2, DEL, EMPTY).astype(np.uint8), gap_len)
    bq[gap_cols] = np.repeat(np.minimum(left, right).astype(np.uint8), gap_len)

    # insertions after a column (not before the first one) and the indels the read shows
    ins = np.flatnonzero((op == 1) & (roff > 0))
    ins_after = np.zeros(total, dtype=np.int16)
    np.add.at(ins_after, rbase[read_of_op[ins]] + roff[ins] - 1, length[ins].astype(np.int16))
    ins_len = length[ins]
    ins_src = np.repeat(qpos[ins] - _exclusive_cumsum(ins_len), ins_len) + np.arange(int(ins_len.sum()))
    ins_codes, ins_quals = codes_all[ins_src], quals_all[ins_src]
    ins_per_read = np.bincount(read_of_op[ins], weights=ins_len, minlength=n).astype(np.int64)
    ins_base = _exclusive_cumsum(ins_per_read)
    indels: list[list[Indel]] = [[] for _ in range(n)]
    for k in np.flatnonzero(((op == 1) | (op == 2)) & (roff > 0)).tolist():
        r = int(read_of_op[k])
        pos = reads[r].start + int(roff[k]) - 1
        if op[k] == 1:
            q = int(qoff[k])
            indels[r].append(Indel(pos, int(length[k]), reads[r].seq[q:q + int(length[k])]))
        else:
            indels[r].append(Indel(pos, -int(length[k])))
    clip_left = np.where(op[first_op] == 4, length[first_op], 0)
    clip_right = np.where(op[last_op] == 4, length[last_op], 0)

    # plain ints for the per-read loop: numpy scalars cost more to index and convert
    ends, qends, iends = (rbase + span).tolist(), (qbase + qlen).tolist(), (ins_base + ins_per_read).tolist()
    for j, i, raw, c0, c1, q0, q1, i0, i1, cl, cr in zip(range(n), usable, reads, rbase.tolist(), ends,
                                                         qbase.tolist(), qends, ins_base.tolist(), iends,
                                                         clip_left.tolist(), clip_right.tolist()):
        if c1 > c0:
            out[i] = DecodedRead(raw.name, raw.start, bases[c0:c1], bq[c0:c1], ins_after[c0:c1], indels[j],
                                 raw.mapq, raw.reverse, raw.start, cl, cr,
                                 ins_codes[i0:i1], ins_quals[i0:i1], codes_all[q0:q1], quals_all[q0:q1])
    return out


def decode_read(read: pysam.AlignedSegment, missing_quality: int = 30) -> DecodedRead | None:
    """Lay one read onto reference columns; None for reads without aligned bases."""
    return _decode_batch([_raw(read)], missing_quality)[0]


DOWNSAMPLE_WINDOW = 10_000


def downsample_bounds(bam: pysam.AlignmentFile, contig: str, start: int, end: int, max_depth: float | None,
                      read_length: float = 150.0) -> dict[int, int]:
    """Read-name-hash bounds for fixed genome windows deeper than ``max_depth``.

    Windows are DOWNSAMPLE_WINDOW bp, aligned to the contig start, and a read is judged by
    the window of its start, so the same read is kept or dropped whatever the shard.
    Counting is a pass over the window's reads: it starts at the window of the first read
    overlapping [start, end) (the fetch returns it first), where the shard's reads begin.
    """
    if max_depth is None:
        return {}
    bounds = {}
    length = bam.get_reference_length(contig)
    first_read = next(bam.fetch(contig, start, end), None)
    if first_read is None:
        return {}
    first = first_read.reference_start // DOWNSAMPLE_WINDOW
    for w in range(first, end // DOWNSAMPLE_WINDOW + 1):
        lo, hi = w * DOWNSAMPLE_WINDOW, min(length, (w + 1) * DOWNSAMPLE_WINDOW)
        if hi <= lo:
            continue
        depth = bam.count(contig, lo, hi) * read_length / (hi - lo)
        if depth > max_depth:
            bounds[w] = int(max_depth / depth * 2 ** 32)
    return bounds


def _mate_on_other_contig(read: pysam.AlignedSegment) -> bool:
    return read.is_paired and not read.mate_is_unmapped and read.next_reference_id != read.reference_id


def fetch_decoded(bam: pysam.AlignmentFile, contig: str, start: int, end: int,
                  max_depth: float | None = None, read_length: float = 150.0) -> list[DecodedRead]:
    """Decoded usable reads overlapping [start, end), with overlapping mates marked to count once.

    A read whose mate was seen earlier and overlaps it gets ``count_from`` = the mate's
    end and ``mate`` = that mate, so allele counts take the shared columns from the first mate
    only (bar indels the first mate ends too early to show).
    ``max_depth`` downsamples extreme depth by read-name hash (see downsample_bounds).
    A read whose mate is mapped to another contig is skipped, as by Mutect2's default
    MateOnSameContigOrNoMappedMateReadFilter: such a fragment is a chimera or comes from a
    copy the reference places elsewhere, and in real reads a few of them at one column pass
    for a low-fraction allele (reads whose mate is unmapped are kept).
    """
    bounds = downsample_bounds(bam, contig, max(0, start), end, max_depth, read_length)
    out: list[DecodedRead] = []
    open_mates: dict[str, DecodedRead] = {}
    raws: list[_Raw] = []
    mate_starts: list[int] = []   # the mate's start when it is mapped on this contig, else -1

    def flush() -> None:
        for decoded, mate_start in zip(_decode_batch(raws), mate_starts):
            if decoded is None:
                continue
            if mate_start >= 0:
                first = open_mates.pop(decoded.name, None)
                if first is not None:
                    decoded.count_from = max(decoded.start, first.end)
                    decoded.mate = first
                elif decoded.start <= mate_start < decoded.end:
                    open_mates[decoded.name] = decoded
            out.append(decoded)
        raws.clear()
        mate_starts.clear()

    for read in bam.fetch(contig, max(0, start), end):
        if read.flag & SKIP_FLAGS or _mate_on_other_contig(read):
            continue
        if bounds:
            bound = bounds.get(read.reference_start // DOWNSAMPLE_WINDOW)
            if bound is not None and zlib.crc32(read.query_name.encode()) >= bound:
                continue
        raws.append(_raw(read))
        same_contig = read.is_paired and not read.mate_is_unmapped and read.next_reference_id == read.reference_id
        mate_starts.append(read.next_reference_start if same_contig else -1)
        if len(raws) == DECODE_CHUNK:
            flush()
    flush()
    return out


class ReadBlock:
    """Many decoded reads as flat arrays, so counting and tensor filling run as whole-array numpy ops.

    ``offsets[i]`` is where read i's columns begin in the flat ``bases``/``quals``/``ins_after``.
    """

    def __init__(self, reads: list[DecodedRead]):
        self.reads = reads
        n = len(reads)
        self.starts = np.fromiter((r.start for r in reads), dtype=np.int64, count=n)
        self.lengths = np.fromiter((len(r.bases) for r in reads), dtype=np.int64, count=n)
        self.count_from = np.fromiter((r.count_from for r in reads), dtype=np.int64, count=n)
        self.reverse = np.fromiter((r.reverse for r in reads), dtype=bool, count=n)
        self.mapq = np.fromiter((r.mapq for r in reads), dtype=np.int64, count=n)
        self.clip_left = np.fromiter((r.clip_left for r in reads), dtype=np.int64, count=n)
        self.clip_right = np.fromiter((r.clip_right for r in reads), dtype=np.int64, count=n)
        self.offsets = np.zeros(n, dtype=np.int64)
        if n:
            np.cumsum(self.lengths[:-1], out=self.offsets[1:])
            self.bases = np.concatenate([r.bases for r in reads])
            self.quals = np.concatenate([r.quals for r in reads])
            self.ins_after = np.concatenate([r.ins_after for r in reads])
            self.ins_codes = np.concatenate([r.ins_codes for r in reads])
            self.ins_quals = np.concatenate([r.ins_quals for r in reads])
        else:
            self.ins_codes = np.zeros(0, np.uint8)
            self.ins_quals = np.zeros(0, np.uint8)
            self.bases = np.zeros(0, np.uint8)
            self.quals = np.zeros(0, np.uint8)
            self.ins_after = np.zeros(0, np.int16)
        self.ends = self.starts + self.lengths
        self.max_length = int(self.lengths.max()) if n else 0
        self._hashes: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.reads)

    def name_hashes(self, seed: int) -> np.ndarray:
        """A seeded hash of each read name: a downsampling order that ignores file order and sharding."""
        if seed not in self._hashes:
            self._hashes[seed] = np.fromiter((zlib.crc32(r.name.encode(), seed) for r in self.reads),
                                             dtype=np.int64, count=len(self.reads))
        return self._hashes[seed]

    def overlapping(self, start: int, end: int) -> np.ndarray:
        """Indices of reads with a column in [start, end) (reads are sorted by start)."""
        lo = int(np.searchsorted(self.starts, start - self.max_length, side="left"))
        hi = int(np.searchsorted(self.starts, end, side="left"))
        idx = np.arange(lo, hi)
        return idx[self.ends[lo:hi] > start]

    def grid(self, indices: np.ndarray, start: int, width: int) -> tuple[np.ndarray, np.ndarray]:
        """Flat indices (len(indices) x width) of the reads' columns in [start, start+width), and validity."""
        rel = start + np.arange(width)[None, :] - self.starts[indices][:, None]
        valid = (rel >= 0) & (rel < self.lengths[indices][:, None])
        flat = self.offsets[indices][:, None] + np.where(valid, rel, 0)
        return flat, valid
