"""Polishing windows: where the reads disagree with the draft, and the read-by-column arrays there.

Most of a good draft needs no model: a position becomes a *candidate* only when enough
reads disagree with the draft there (a different base, a deletion, or an insertion
after it). Candidates closer than CLUSTER_GAP form a cluster; each cluster's *core*
(cluster +/- CORE_PAD) is the stretch whose edits the model decides, and the window
adds CONTEXT draft positions on each side so the model sees the whole repeat.

Columns are the draft positions of the window plus, after a position where at least
two reads insert bases, as many insertion columns as the second-longest insertion
there (up to MAX_INS). A cell holds the read's base (or a gap) with its quality,
strand and mapping quality, so a model can weigh a long homopolymer's length read by
read instead of taking a majority.

Everything is a function of the reads covering a position, never of how the contig
was cut into chunks or shards: a cluster belongs to the chunk holding its first
candidate, and chunks look PAD bases beyond their ends to see whole clusters.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pysam

from genomeml.pileup.reads import CODE_OF_ASCII, DEL, EMPTY, N, ReadBlock, fetch_decoded

FEATURE_VERSION = "polish-window-v2"
ROWS = 32                 # reads per window
COLUMNS = 96              # draft + insertion columns per window
MAX_INS = 16              # insertion columns after one draft position (a draft missing up to 16 bp)
CONTEXT = 8               # draft positions each side of the core
CORE_PAD = 5              # core = cluster +/- CORE_PAD (CLUSTER_GAP > 2 * CORE_PAD keeps cores apart)
CLUSTER_GAP = 11          # candidates at most this far apart share a window
PAD = 3000                # a chunk looks this far beyond its ends for reads and whole clusters
MAX_QUAL = 60
MAX_MAPQ = 60
CHANNELS = ["base", "base_quality", "strand", "mapping_quality"]
COLUMN_CHANNELS = ["draft_base", "insertion_slot"]
GAP = DEL                 # a gap in a cell: a deletion, or no inserted base in an insertion column


@dataclass(frozen=True)
class CandidateSettings:
    """What counts as reads disagreeing with the draft."""
    min_fraction: float = 0.2     # of the reads covering the position
    min_reads: int = 2
    min_depth: int = 3
    max_depth: float | None = 300.0   # deeper windows are downsampled by read-name hash


@dataclass
class Windows:
    """The windows of one chunk, as stacked arrays (n windows)."""
    contig: str
    spans: np.ndarray        # (n, 2) draft [start, end) of each window
    cores: np.ndarray        # (n, 2) draft [start, end) whose edits the window decides
    reads: np.ndarray        # (n, ROWS, COLUMNS, len(CHANNELS)) uint8
    columns: np.ndarray      # (n, COLUMNS, len(COLUMN_CHANNELS)) uint8
    column_pos: np.ndarray   # (n, COLUMNS) int32 draft position of each column, -1 for padding
    column_slot: np.ndarray  # (n, COLUMNS) int8: 0 a draft column, k the k-th insertion column

    def __len__(self) -> int:
        return len(self.spans)

    @staticmethod
    def empty(contig: str) -> "Windows":
        return Windows(contig, np.zeros((0, 2), np.int64), np.zeros((0, 2), np.int64),
                       np.zeros((0, ROWS, COLUMNS, len(CHANNELS)), np.uint8),
                       np.zeros((0, COLUMNS, len(COLUMN_CHANNELS)), np.uint8),
                       np.zeros((0, COLUMNS), np.int32), np.zeros((0, COLUMNS), np.int8))


def feature_info() -> dict:
    """What a model card must agree with (checked before polishing)."""
    return {"feature_version": FEATURE_VERSION, "rows": ROWS, "columns": COLUMNS, "max_insertion": MAX_INS,
            "channels": CHANNELS, "column_channels": COLUMN_CHANNELS}


def _positions(block: ReadBlock) -> np.ndarray:
    """The draft position of every flat column of the block."""
    if not len(block):
        return np.zeros(0, np.int64)
    return np.repeat(block.starts - block.offsets, block.lengths) + np.arange(len(block.bases), dtype=np.int64)


def candidate_positions(block: ReadBlock, draft_codes: np.ndarray, lo: int,
                        settings: CandidateSettings) -> np.ndarray:
    """Draft positions in [lo, lo + len(draft_codes)) where enough reads disagree with the draft."""
    n = len(draft_codes)
    pos = _positions(block) - lo
    keep = (pos >= 0) & (pos < n) & (block.bases != EMPTY)
    pos = pos[keep]
    bases = block.bases[keep]
    disagree = (bases != draft_codes[pos]) | (block.ins_after[keep] > 0)
    depth = np.bincount(pos, minlength=n)
    against = np.bincount(pos, weights=disagree, minlength=n)
    hit = ((depth >= settings.min_depth) & (against >= settings.min_reads)
           & (against >= settings.min_fraction * np.maximum(depth, 1)) & (draft_codes != N))
    return np.flatnonzero(hit) + lo


def clusters(positions: np.ndarray) -> list[tuple[int, int]]:
    """Runs of candidates at most CLUSTER_GAP apart, as [first, last] positions."""
    if not len(positions):
        return []
    breaks = np.flatnonzero(np.diff(positions) > CLUSTER_GAP)
    firsts = np.concatenate([[0], breaks + 1])
    lasts = np.concatenate([breaks, [len(positions) - 1]])
    return [(int(positions[f]), int(positions[la])) for f, la in zip(firsts, lasts)]


def insertion_slots(block: ReadBlock, idx: np.ndarray, start: int, end: int) -> np.ndarray:
    """Insertion columns after each position of [start, end): the second-longest insertion, capped."""
    width = end - start
    if not len(idx) or width <= 0:
        return np.zeros(max(width, 0), np.int64)
    flat, valid = block.grid(idx, start, width)
    lengths = np.where(valid, block.ins_after[flat], 0).astype(np.int64)
    if len(idx) < 2:
        return np.zeros(width, np.int64)
    second = np.partition(lengths, len(idx) - 2, axis=0)[len(idx) - 2]
    return np.minimum(second, MAX_INS)


def split_core(core: tuple[int, int], slots: np.ndarray, span_start: int, contig_length: int) -> list[tuple[int, int]]:
    """Cut a core into pieces whose windows (core + CONTEXT each side) fit in COLUMNS columns.

    ``slots`` are the insertion columns per position from ``span_start``; a piece keeps
    adding positions while its window still fits.
    """
    cost = 1 + slots

    def window_cost(s: int, e: int) -> int:
        ws, we = max(0, s - CONTEXT), min(contig_length, e + CONTEXT)
        return int(cost[ws - span_start:we - span_start].sum())

    pieces: list[tuple[int, int]] = []
    s = core[0]
    while s < core[1]:
        e = s + 1
        while e < core[1] and window_cost(s, e + 1) <= COLUMNS:
            e += 1
        pieces.append((s, e))
        s = e
    return pieces


def fit_slots(slots: np.ndarray) -> np.ndarray:
    """Fewer insertion columns where even a one-position core's window would not fit (long messy insertions)."""
    while int((1 + slots).sum()) > COLUMNS:
        slots = np.minimum(slots, int(slots.max()) - 1)
    return slots


def _choose_reads(block: ReadBlock, idx: np.ndarray, start: int, end: int, seed: int) -> np.ndarray:
    """At most ROWS reads, those covering more of the window first, then by a name hash."""
    if len(idx) <= ROWS:
        return idx
    covered = np.minimum(block.ends[idx], end) - np.maximum(block.starts[idx], start)
    order = np.lexsort((block.name_hashes(seed)[idx], -covered))
    return np.sort(idx[order[:ROWS]])


def window_arrays(block: ReadBlock, idx: np.ndarray, draft_codes: np.ndarray, lo: int, start: int, end: int,
                  slots: np.ndarray, ins_offsets: np.ndarray):
    """The read x column arrays of one window; ``slots`` are insertion columns per position of [start, end)."""
    width = end - start
    col_of_pos = np.concatenate([[0], np.cumsum(1 + slots)[:-1]]).astype(np.int64)
    n_cols = int(col_of_pos[-1] + 1 + slots[-1])
    assert n_cols <= COLUMNS, (start, end, n_cols)
    reads = np.zeros((ROWS, COLUMNS, len(CHANNELS)), np.uint8)
    columns = np.zeros((COLUMNS, len(COLUMN_CHANNELS)), np.uint8)
    column_pos = np.full(COLUMNS, -1, np.int32)
    column_slot = np.zeros(COLUMNS, np.int8)
    positions = np.arange(start, end)
    column_pos[col_of_pos] = positions
    columns[col_of_pos, 0] = draft_codes[positions - lo]
    for k in range(1, MAX_INS + 1):
        at = np.flatnonzero(slots >= k)
        column_pos[col_of_pos[at] + k] = positions[at]
        column_slot[col_of_pos[at] + k] = k
        columns[col_of_pos[at] + k, 0] = GAP
        columns[col_of_pos[at] + k, 1] = k
    if not len(idx):
        return reads, columns, column_pos, column_slot
    r = len(idx)
    flat, valid = block.grid(idx, start, width)
    bases = np.where(valid, block.bases[flat], EMPTY)
    quals = np.where(valid, np.minimum(block.quals[flat], MAX_QUAL), 0)
    strand = np.where(valid, np.where(block.reverse[idx], 2, 1)[:, None], 0)
    mapq = np.where(valid, np.minimum(block.mapq[idx], MAX_MAPQ)[:, None], 0)
    reads[:r, col_of_pos, 0] = bases
    reads[:r, col_of_pos, 1] = quals
    reads[:r, col_of_pos, 2] = strand
    reads[:r, col_of_pos, 3] = mapq
    # an insertion column is read only where the read spans both sides of the insertion point
    spans_next = valid & (bases != EMPTY) & (block.ends[idx][:, None] > positions[None, :] + 1)
    lengths = np.where(spans_next, block.ins_after[flat], 0)
    first = ins_offsets[flat]
    for k in range(1, MAX_INS + 1):
        at = np.flatnonzero(slots >= k)
        if not len(at):
            break
        has = lengths[:, at] >= k
        source = np.where(has, first[:, at] + k - 1, 0)
        code = np.where(has, block.ins_codes[source] if len(block.ins_codes) else 0, GAP)
        qual = np.where(has, np.minimum(block.ins_quals[source] if len(block.ins_quals) else 0, MAX_QUAL),
                        quals[:, at])
        cols = col_of_pos[at] + k
        inside = spans_next[:, at]
        reads[:r, cols, 0] = np.where(inside, code, EMPTY)
        reads[:r, cols, 1] = np.where(inside, qual, 0)
        reads[:r, cols, 2] = np.where(inside, strand[:, at], 0)
        reads[:r, cols, 3] = np.where(inside, mapq[:, at], 0)
    return reads, columns, column_pos, column_slot


def estimate_read_length(bam: pysam.AlignmentFile, contig: str, sample: int = 200) -> float | None:
    """Mean aligned length of the first reads of a contig (None: no reads): turns read counts into depth."""
    lengths = []
    for read in bam.fetch(contig):
        if read.reference_end is not None and not read.is_secondary and not read.is_supplementary:
            lengths.append(read.reference_end - read.reference_start)
            if len(lengths) >= sample:
                break
    return float(np.mean(lengths)) if lengths else None


def chunk_windows(bam: pysam.AlignmentFile, draft: str, contig: str, start: int, end: int,
                  settings: CandidateSettings = CandidateSettings(), read_length: float = 1000.0,
                  limit: tuple[int, int] | None = None, seed: int = 0) -> Windows:
    """The windows whose cluster starts in [start, end) of ``contig`` (``draft`` is its whole sequence).

    ``limit`` keeps cores inside a user's region.
    """
    length = len(draft)
    lo, hi = max(0, start - PAD), min(length, end + PAD)
    reads = fetch_decoded(bam, contig, lo, hi, settings.max_depth, read_length)
    if not reads:
        return Windows.empty(contig)
    block = ReadBlock(reads)
    draft_codes = CODE_OF_ASCII[np.frombuffer(draft[lo:hi].encode(), dtype=np.uint8)]
    cores: list[tuple[int, int]] = []
    for first, last in clusters(candidate_positions(block, draft_codes, lo, settings)):
        if not start <= first < end:
            continue
        core = (max(0, first - CORE_PAD), min(length, last + 1 + CORE_PAD))
        if limit is not None:
            core = (max(core[0], limit[0]), min(core[1], limit[1]))
        if core[1] > core[0]:
            cores.append(core)
    if not cores:
        return Windows.empty(contig)
    ins_offsets = np.cumsum(block.ins_after, dtype=np.int64) - block.ins_after
    out_spans, out_cores, arrays = [], [], []
    for core in cores:
        span = (max(0, core[0] - CONTEXT), min(length, core[1] + CONTEXT))
        idx = block.overlapping(*span)
        slots = insertion_slots(block, idx, *span)
        pieces = [core] if int((1 + slots).sum()) <= COLUMNS else split_core(core, slots, span[0], length)
        for piece in pieces:
            ws, we = max(0, piece[0] - CONTEXT), min(length, piece[1] + CONTEXT)
            piece_slots = fit_slots(slots[ws - span[0]:we - span[0]])
            chosen = _choose_reads(block, block.overlapping(ws, we), ws, we, seed)
            arrays.append(window_arrays(block, chosen, draft_codes, lo, ws, we, piece_slots, ins_offsets))
            out_spans.append((ws, we))
            out_cores.append(piece)
    return Windows(contig, np.array(out_spans, np.int64), np.array(out_cores, np.int64),
                   np.stack([a[0] for a in arrays]), np.stack([a[1] for a in arrays]),
                   np.stack([a[2] for a in arrays]), np.stack([a[3] for a in arrays]))
