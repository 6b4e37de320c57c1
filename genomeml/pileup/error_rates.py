"""A sample's own sequencing error rates, estimated once per alignment file from a fixed set of its reads.

Why: whether two or three reads carrying an indel in a homopolymer are a mutation or noise
depends on how often this run's reads show indels where the sample has none, and real runs
differ by an order of magnitude and more (PCR or PCR-free library, instrument, chemistry):
the real HG002 reads show 5-35 times the repeat indel errors of art_illumina's. A model given
these rates as features can weigh low support by the run's own noise, as Strelka2 does with
its per-sample indel error model, instead of by the average run of its training data.

The reads used are fixed by the reference and the alignment file alone (windows at fixed
fractions of the longest contigs), never by the regions called, so every shard, job and
region split of one run sees the same rates and makes the same calls.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np
import pysam

from genomeml.io.reference import Reference
from genomeml.pileup.encode import reference_codes
from genomeml.pileup.reads import A, T, ReadBlock, fetch_decoded
from genomeml.simulate.genome import find_tracts

log = logging.getLogger(__name__)

CONTIGS = 8                # the longest contigs sampled (chrM, decoys and alts stay out)
WINDOWS_PER_CONTIG = 8     # windows at fractions (k + 0.5) / 8 of each: clear of most centromeres
WINDOW = 10_000
MIN_READS = 5_000          # fewer reads in the fixed windows (targeted data): use the first covered windows
MAX_READS = 100_000        # enough to tell a 2e-5 homopolymer error rate from 1e-4; stop sampling after it
MIN_MAPQ = 20
FLANK = 2                  # a read spans a repeat only with this many bases of each flank
MIN_SPANS = 8              # repeats and columns with fewer reads are left out
VARIANT_FRACTION = 0.2     # more events than this share of the reads there: the sample's own variant
HIGH_QUALITY = 30          # the mismatch rate is over bases at least this good
# rates grow with repeat length; events are weighed against these curves so that genomes with
# longer repeats (AT-rich ones) do not read as noisier runs: rates are "at a 4-bp homopolymer"
# and "at a 4-unit dinucleotide repeat". Longer repeats are left out: their errors stop growing
# log-linearly, and a few of them would outweigh thousands of short ones.
HOMOPOLYMER_GROWTH, HOMOPOLYMER_LENGTHS = 0.5, (4, 10)
DINUCLEOTIDE_GROWTH, DINUCLEOTIDE_UNITS = 0.2, (4, 10)
# what a sample with no usable reads is taken to have (typical real Illumina runs), and the
# weight of that guess: half an event
PRIORS = {"homopolymer_indel": 1e-4, "dinucleotide_indel": 1e-3, "other_indel": 1e-5, "mismatch": 1e-3}
PRIOR_EVENTS = 0.5
# the rates a model is given, and the log10 ranges they map onto [0, 1] (clipped a quarter beyond).
# The mismatch rate is only reported: the simulator's high-quality bases err 2-9 times more often
# than the real HG002 run's, so a model would meet real runs outside everything it saw.
LOG_RANGES = {"homopolymer_indel": (-6, -2), "dinucleotide_indel": (-5, -1), "other_indel": (-7, -3)}
FEATURES = tuple(f"sample_{name}_rate" for name in LOG_RANGES)


@dataclass
class ErrorCounts:
    """Events and opportunities (read spans or read bases, weighed by the length curves)."""
    homopolymer_indel: tuple[float, float] = (0.0, 0.0)
    dinucleotide_indel: tuple[float, float] = (0.0, 0.0)
    other_indel: tuple[float, float] = (0.0, 0.0)
    mismatch: tuple[float, float] = (0.0, 0.0)

    def __add__(self, other: "ErrorCounts") -> "ErrorCounts":
        return ErrorCounts(*(tuple(a + b for a, b in zip(getattr(self, k), getattr(other, k))) for k in PRIORS))


@dataclass(frozen=True)
class SampleErrorRates:
    homopolymer_indel: float    # indels per read spanning a 4-bp homopolymer (length-adjusted)
    dinucleotide_indel: float   # indels per read spanning a 4-unit dinucleotide repeat (length-adjusted)
    other_indel: float          # indels per read base away from repeats
    mismatch: float             # mismatches per base of quality >= HIGH_QUALITY, off the sample's variants
    reads: int                  # reads the estimate used

    @classmethod
    def from_counts(cls, counts: ErrorCounts, reads: int) -> "SampleErrorRates":
        """Rates shrunk towards PRIORS by PRIOR_EVENTS: a run with few reads reads as typical."""
        rates = {}
        for name, prior in PRIORS.items():
            events, chances = getattr(counts, name)
            rates[name] = (events + PRIOR_EVENTS) / (chances + PRIOR_EVENTS / prior)
        return cls(**rates, reads=reads)

    def features(self) -> np.ndarray:
        """log10 rates scaled to about [0, 1], in FEATURES order."""
        out = []
        for name, (low, high) in LOG_RANGES.items():
            value = (np.log10(getattr(self, name)) - low) / (high - low)
            out.append(min(1.25, max(-0.25, value)))
        return np.array(out, dtype=np.float32)

    def as_dict(self) -> dict:
        return {k: (float(f"{v:.4g}") if isinstance(v, float) else v) for k, v in asdict(self).items()}

    def describe(self) -> str:
        return (f"indel errors {self.homopolymer_indel:.2g} per 4-bp homopolymer, {self.dinucleotide_indel:.2g} "
                f"per 4-unit dinucleotide repeat, {self.other_indel:.2g} per base elsewhere; "
                f"{self.mismatch:.2g} mismatches per Q{HIGH_QUALITY}+ base ({self.reads} reads)")


def sample_windows(contigs: dict[str, int]) -> list[tuple[str, int, int]]:
    """The fixed windows: WINDOWS_PER_CONTIG at even fractions of each of the CONTIGS longest
    contigs (reference order among equals), or the whole contig when it is short."""
    longest = sorted(contigs, key=lambda c: -contigs[c])[:CONTIGS]
    windows = []
    for contig in sorted(longest, key=list(contigs).index):
        length = contigs[contig]
        if length <= 2 * WINDOWS_PER_CONTIG * WINDOW:
            windows += [(contig, s, min(length, s + WINDOW)) for s in range(0, length, WINDOW)]
            continue
        for k in range(WINDOWS_PER_CONTIG):
            start = int((k + 0.5) * length / WINDOWS_PER_CONTIG) - WINDOW // 2
            windows.append((contig, start, start + WINDOW))
    return windows


def _first_covered_windows(bam: pysam.AlignmentFile, contigs: dict[str, int]) -> list[tuple[str, int, int]]:
    """Windows from the first mapped read of each contig (all in the file) on: where targeted or
    cut-down data has reads."""
    windows = []
    for contig in contigs:
        first = next(bam.fetch(contig), None)
        if first is None:
            continue
        start = first.reference_start
        windows += [(contig, s, min(contigs[contig], s + WINDOW))
                    for s in range(start, min(contigs[contig], start + CONTIGS * WINDOWS_PER_CONTIG * WINDOW), WINDOW)]
    return windows


def _usable(reads: list) -> list:
    return [r for r in reads if r.mapq >= MIN_MAPQ]


def _classes(seq: str) -> tuple[list, list, np.ndarray]:
    """Homopolymers (>= 4 bp), dinucleotide repeats (>= 4 units, two different bases) and a mask of
    every repeat base (any period up to 6, FLANK widened) in ``seq``."""
    tracts = find_tracts(seq)
    homopolymers = [t for t in tracts if t.period == 1]
    dinucleotides, last = [], -1
    for t in tracts:
        if t.period == 2 and seq[t.start] != seq[t.start + 1] and t.start >= last:
            dinucleotides.append(t)
            last = t.end
    in_repeat = np.zeros(len(seq) + 1, dtype=np.int64)
    for t in tracts:
        in_repeat[max(0, t.start - FLANK)] += 1
        in_repeat[min(len(seq), t.end + FLANK)] -= 1
    return homopolymers, dinucleotides, np.cumsum(in_repeat)[:len(seq)] > 0


def _tract_counts(tracts: list, starts: np.ndarray, ends: np.ndarray, events: np.ndarray, event_reads: np.ndarray,
                  growth: float, units_range: tuple[int, int], period: int) -> tuple[float, float]:
    """Indel events in repeats without a variant of the sample, over read spans weighed by length.

    Only reads spanning a repeat (FLANK bases each side) count, for its events as for its spans:
    a read ending inside a repeat shows a clip or a misplaced indel there more often than an error.
    """
    if not tracts:
        return 0.0, 0.0
    t_start = np.array([t.start for t in tracts], dtype=np.int64)
    t_end = np.array([t.end for t in tracts], dtype=np.int64)
    units = (t_end - t_start) // period
    # reads spanning each repeat: a read spans a contiguous index range of non-overlapping repeats
    lo = np.searchsorted(t_start, starts + FLANK, side="left")
    hi = np.searchsorted(t_end, ends - FLANK, side="right")
    diff = np.zeros(len(tracts) + 1, dtype=np.int64)
    ok = hi > lo
    np.add.at(diff, lo[ok], 1)
    np.add.at(diff, hi[ok], -1)
    spans = np.cumsum(diff)[:len(tracts)]
    idx = np.searchsorted(t_start, events, side="right") - 1
    safe = np.clip(idx, 0, None)
    inside = ((idx >= 0) & (events < t_end[safe]) & (starts[event_reads] + FLANK <= t_start[safe])
              & (ends[event_reads] - FLANK >= t_end[safe]))
    hits = np.bincount(idx[inside], minlength=len(tracts))[:len(tracts)]
    kept = ((spans >= MIN_SPANS) & ~((hits >= 2) & (hits > VARIANT_FRACTION * spans))
            & (units >= units_range[0]) & (units <= units_range[1]))
    weight = np.exp(growth * (units - 4))
    return float(hits[kept].sum()), float((spans[kept] * weight[kept]).sum())


def window_counts(reads: list, ref_seq: str, offset: int) -> ErrorCounts:
    """Error events and chances of ``reads`` (those to count: _usable ones) over the columns of
    ``ref_seq`` (from ``offset``)."""
    width = len(ref_seq)
    if not reads or width == 0:
        return ErrorCounts()
    block = ReadBlock(reads)
    starts, ends = block.starts - offset, block.ends - offset
    # an indel sits at the first reference base after its anchor (an insertion before it, a
    # deletion from it): a left-aligned indel in a repeat then falls inside the repeat
    pairs = sorted((ind.pos + 1 - offset, i) for i, r in enumerate(reads) for ind in r.indels)
    located = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    located = located[(located[:, 0] >= 0) & (located[:, 0] < width)]
    events, event_reads = located[:, 0], located[:, 1]
    homopolymers, dinucleotides, in_repeat = _classes(ref_seq)
    homopolymer = _tract_counts(homopolymers, starts, ends, events, event_reads, HOMOPOLYMER_GROWTH, HOMOPOLYMER_LENGTHS, 1)
    dinucleotide = _tract_counts(dinucleotides, starts, ends, events, event_reads, DINUCLEOTIDE_GROWTH, DINUCLEOTIDE_UNITS, 2)
    # read depth per column of the window, from the reads' spans
    cover = np.zeros(width + 1, dtype=np.int64)
    np.add.at(cover, np.clip(starts, 0, width), 1)
    np.add.at(cover, np.clip(ends, 0, width), -1)
    depth = np.cumsum(cover)[:width]
    other = events[~in_repeat[events]]
    per_column = np.bincount(other, minlength=width)
    variant = (per_column >= 2) & (per_column > VARIANT_FRACTION * depth)
    usable_column = ~in_repeat & (depth >= MIN_SPANS) & ~variant
    other_indel = (float(per_column[usable_column].sum()), float(depth[usable_column].sum()))
    return ErrorCounts(homopolymer, dinucleotide, other_indel, _mismatch_counts(block, ref_seq, offset))


def _mismatch_counts(block: ReadBlock, ref_seq: str, offset: int) -> tuple[float, float]:
    """High-quality mismatches per high-quality base, at columns that are not the sample's variants."""
    width = len(ref_seq)
    column = np.repeat(block.starts - offset - block.offsets, block.lengths) + np.arange(len(block.bases))
    ref = reference_codes(ref_seq)
    good = ((column >= 0) & (column < width) & (block.quals >= HIGH_QUALITY)
            & (block.bases >= A) & (block.bases <= T))
    column = column[good]
    ref_at = ref[column]
    good_ref = (ref_at >= A) & (ref_at <= T)
    column = column[good_ref]
    mismatch = block.bases[good][good_ref] != ref_at[good_ref]
    depth = np.bincount(column, minlength=width)
    wrong = np.bincount(column[mismatch], minlength=width)
    kept = (depth >= MIN_SPANS) & ~((wrong >= 2) & (wrong > VARIANT_FRACTION * depth))
    return float(wrong[kept].sum()), float(depth[kept].sum())


def estimate_error_rates(bam: pysam.AlignmentFile, reference: Reference) -> SampleErrorRates:
    """The sample's rates from its reads in the fixed windows (sample_windows), or, when those hold
    fewer than MIN_READS usable reads, in the windows from each contig's first read on."""
    in_bam = set(bam.references)
    contigs = {c: n for c, n in reference.contigs.items() if c in in_bam}
    counts, reads = _count_windows(bam, reference, sample_windows(contigs))
    if reads < MIN_READS:
        counts, reads = _count_windows(bam, reference, _first_covered_windows(bam, contigs))
    return SampleErrorRates.from_counts(counts, reads)


def _count_windows(bam: pysam.AlignmentFile, reference: Reference,
                   windows: list[tuple[str, int, int]]) -> tuple[ErrorCounts, int]:
    total, reads = ErrorCounts(), 0
    for contig, start, end in windows:
        usable = _usable(fetch_decoded(bam, contig, start, end))
        total = total + window_counts(usable, reference.fetch(contig, start, end), start)
        reads += len(usable)
        if reads >= MAX_READS:
            break
    return total, reads
