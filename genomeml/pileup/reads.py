"""Decode aligned reads into per-reference-column numpy arrays, once per read.

Everything downstream (allele counts for candidates, somatic tensors, polishing
windows) slices these arrays instead of walking bases in Python. A read becomes:
one base code per reference column it spans (deletions get their own code),
the base quality there, and the length of any insertion that follows the column.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

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


@dataclass
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


def decode_read(read: pysam.AlignedSegment, missing_quality: int = 30) -> DecodedRead | None:
    """Lay one read onto reference columns; None for reads without aligned bases."""
    cigar = read.cigartuples
    seq = read.query_sequence
    if not cigar or seq is None:
        return None
    codes = CODE_OF_ASCII[np.frombuffer(seq.encode(), dtype=np.uint8)]
    raw_quals = read.query_qualities
    quals = (np.frombuffer(raw_quals, dtype=np.uint8) if raw_quals is not None
             else np.full(len(codes), missing_quality, dtype=np.uint8))
    span = read.reference_end - read.reference_start
    if span <= 0:
        return None
    bases = np.empty(span, dtype=np.uint8)
    bq = np.empty(span, dtype=np.uint8)
    ins_after = np.zeros(span, dtype=np.int16)
    indels: list[Indel] = []
    ins_pieces: list[slice] = []
    qpos = 0
    rpos = 0
    for op, length in cigar:
        if op in (0, 7, 8):          # M, =, X
            bases[rpos:rpos + length] = codes[qpos:qpos + length]
            bq[rpos:rpos + length] = quals[qpos:qpos + length]
            qpos += length
            rpos += length
        elif op == 1:                # I
            if rpos > 0:
                ins_after[rpos - 1] += length
                indels.append(Indel(read.reference_start + rpos - 1, length, seq[qpos:qpos + length]))
                ins_pieces.append(slice(qpos, qpos + length))
            qpos += length
        elif op in (2, 3):           # D, N
            bases[rpos:rpos + length] = DEL if op == 2 else EMPTY
            flank = min(int(quals[qpos - 1]) if qpos > 0 else 0, int(quals[qpos]) if qpos < len(quals) else 0)
            bq[rpos:rpos + length] = flank
            if op == 2 and rpos > 0:
                indels.append(Indel(read.reference_start + rpos - 1, -length))
            rpos += length
        elif op == 4:                # S
            qpos += length
    clip_left = cigar[0][1] if cigar[0][0] == 4 else 0
    clip_right = cigar[-1][1] if cigar[-1][0] == 4 else 0
    if ins_pieces:
        ins_codes = np.concatenate([codes[s] for s in ins_pieces])
        ins_quals = np.concatenate([quals[s] for s in ins_pieces])
    else:
        ins_codes = ins_quals = np.zeros(0, np.uint8)
    return DecodedRead(read.query_name, read.reference_start, bases, bq, ins_after, indels,
                       read.mapping_quality, read.is_reverse, read.reference_start, clip_left, clip_right,
                       ins_codes, ins_quals, codes, quals)


DOWNSAMPLE_WINDOW = 10_000


def downsample_bounds(bam: pysam.AlignmentFile, contig: str, start: int, end: int, max_depth: float | None,
                      read_length: float = 150.0) -> dict[int, int]:
    """Read-name-hash bounds for fixed genome windows deeper than ``max_depth``.

    Windows are DOWNSAMPLE_WINDOW bp, aligned to the contig start, and a read is judged by
    the window of its start, so the same read is kept or dropped whatever the shard.
    """
    if max_depth is None:
        return {}
    bounds = {}
    length = bam.get_reference_length(contig)
    first = max(0, start - 2 * DOWNSAMPLE_WINDOW) // DOWNSAMPLE_WINDOW
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
    for read in bam.fetch(contig, max(0, start), end):
        if read.flag & SKIP_FLAGS or _mate_on_other_contig(read):
            continue
        if bounds:
            bound = bounds.get(read.reference_start // DOWNSAMPLE_WINDOW)
            if bound is not None and zlib.crc32(read.query_name.encode()) >= bound:
                continue
        decoded = decode_read(read)
        if decoded is None:
            continue
        if read.is_paired and not read.mate_is_unmapped and read.next_reference_id == read.reference_id:
            first = open_mates.pop(read.query_name, None)
            if first is not None:
                decoded.count_from = max(decoded.start, first.end)
                decoded.mate = first
            elif read.next_reference_start >= read.reference_start and read.next_reference_start < decoded.end:
                open_mates[read.query_name] = decoded
        out.append(decoded)
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
