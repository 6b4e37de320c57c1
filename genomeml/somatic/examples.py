"""make_examples for somatic calling: candidates from the tumor, a read tensor and count features each.

A tensor is one reference row, then up to TUMOR_ROWS tumor reads, then up to
NORMAL_ROWS normal reads (zeros in tumor-only mode), over WIDTH reference columns
centred on the candidate. The count features carry what downsampling hides: exact
depths and allele counts of both samples.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pysam

from genomeml.io.alignments import MAPQ_SCALE
from genomeml.io.regions import Region
from genomeml.pileup.alleles import Allele, padded_window
from genomeml.pileup.candidates import AlleleCounts, CandidateThresholds, count_alleles, find_candidates
from genomeml.pileup.error_rates import FEATURES as ERROR_RATE_FEATURES, SampleErrorRates
from genomeml.pileup.encode import (CHANNEL_VERSION, CHANNELS, block_support, encode_rows, order_by,
                                    reference_codes, reference_row)
from genomeml.pileup.reads import A, EMPTY, T, ReadBlock, fetch_decoded
from genomeml.pileup.realign import hidden_carriers

log = logging.getLogger(__name__)

HALF_WIDTH = 16
WIDTH = 2 * HALF_WIDTH + 1
TUMOR_ROWS = 80
NORMAL_ROWS = 50
ROWS = 1 + TUMOR_ROWS + NORMAL_ROWS
FEATURES = ("tumor_depth", "tumor_alt", "tumor_vaf", "tumor_alt_forward_fraction", "normal_depth", "normal_alt",
            "normal_vaf", "normal_present", "is_snv", "is_insertion", "is_deletion", "indel_length",
            "homopolymer_length", "tumor_other_alt_fraction", "tumor_alt_mean_bq", "tumor_alt_low_bq_fraction",
            "tumor_alt_mean_mapq", "normal_clipped_fraction", "tumor_alt_adjacent_mismatch_fraction",
            "tumor_ref_adjacent_mismatch_fraction", "tumor_nearby_indel_vaf", "normal_nearby_indel_vaf")
ADJACENT = 3        # columns either side of an allele where a carrier's mismatches hint at another alignment
NEARBY_INDEL = 10   # bp within which another indel allele can be what a few reads really carry
RIVAL_DISTANCE = 20   # bp within which another candidate indel competes for a realigned read
LABELS = ("reference", "germline", "somatic")
FETCH_PAD = 300   # read-fetch margin around a shard, so windows and indels at its edges are complete
COUNT_PAD = 64    # alleles are counted this far beyond a shard: its edge candidates see the same rivals


_NONE = np.zeros(0, dtype=np.int64)


@dataclass
class SiteCounts:
    """What the VCF reports per sample: depth and reads for ref and alt."""
    depth: int
    ref: int
    alt: int


@dataclass
class ExampleBatch:
    alleles: list[Allele]
    tensors: np.ndarray        # (n, ROWS, WIDTH, C) int8
    features: np.ndarray       # (n, F) float32
    tumor: list[SiteCounts]
    normal: list[SiteCounts | None]
    labels: np.ndarray | None = None
    options: dict = field(default_factory=dict)   # the ExampleSettings.options() they were made with

    def __len__(self) -> int:
        return len(self.alleles)


@dataclass
class ExampleSettings:
    thresholds: CandidateThresholds = field(default_factory=CandidateThresholds)
    min_bq: int = 10
    seed: int = 0
    max_depth: float = 1000.0   # deeper 10-kb windows are downsampled by read-name hash
    realign_indels: bool = False   # count reads that carry an indel without showing it (pileup.realign)
    second_mate_indels: bool = False   # count a second mate's indel its overlapping first mate cannot show
    # give every example the run's own error rates (pileup.error_rates) as features: the normal's,
    # in tumor-only mode the tumor's; estimated once per run (shards.iter_examples fills error_rates)
    sample_error_rates: bool = False
    error_rates: SampleErrorRates | None = None

    def options(self) -> dict[str, bool]:
        """How reads were counted, under the keys example_info, example files and model cards use."""
        return {"indel_realignment": self.realign_indels, "second_mate_indels": self.second_mate_indels,
                "sample_error_rates": self.sample_error_rates}

    @classmethod
    def from_options(cls, options: dict) -> "ExampleSettings":
        """Settings from recorded options (a model card, an example_info.json); absent keys are off,
        as they were before the option existed."""
        return cls(realign_indels=bool(options.get("indel_realignment", False)),
                   second_mate_indels=bool(options.get("second_mate_indels", False)),
                   sample_error_rates=bool(options.get("sample_error_rates", False)))

    def feature_names(self) -> list[str]:
        return list(FEATURES) + (list(ERROR_RATE_FEATURES) if self.sample_error_rates else [])


# the ways of counting reads a model learns and call-somatic must repeat: recorded in cards and example files
OPTION_KEYS = tuple(ExampleSettings().options())


def example_info(options: dict | None = None) -> dict:
    """The example_info.json of DeepVariant: what a model trained on these tensors expects."""
    settings = ExampleSettings.from_options(options or {})
    return {"channel_version": CHANNEL_VERSION, "channels": list(CHANNELS), "shape": [ROWS, WIDTH, len(CHANNELS)],
            "features": settings.feature_names(), "labels": list(LABELS), "tumor_rows": TUMOR_ROWS,
            "normal_rows": NORMAL_ROWS, **settings.options()}


def _homopolymer_length(seq: str, i: int) -> int:
    """Length of the homopolymer starting right after position i (where indels land after left-alignment)."""
    j = i + 1
    if j >= len(seq):
        return 0
    base = seq[j]
    k = j
    while k < len(seq) and seq[k] == base and k - j < 30:
        k += 1
    return k - j


def _site_counts(counts: AlleleCounts | None, allele: Allele, ref_seq: str, offset: int) -> tuple[SiteCounts, int, int]:
    """Depth, ref and alt read counts at a candidate, plus alt (forward, reverse)."""
    if counts is None:
        return SiteCounts(0, 0, 0), 0, 0
    fwd, rev = counts.support(allele)
    alt = fwd + rev
    if allele.is_snv:
        i = counts.column(allele.pos)
        depth = int(counts.depth[i])
        ref_code = "ACGT".index(ref_seq[allele.pos - offset]) + 1 if ref_seq[allele.pos - offset] in "ACGT" else None
        ref = int(counts.bases[i, ref_code].sum()) if ref_code else 0
    else:
        depth = counts.indel_depth(allele.pos)
        ref = max(0, depth - counts.indel_reads_at(allele.pos))   # neither this indel nor another one there
    return SiteCounts(depth, ref, alt), fwd, rev


def _add_hidden(counts: SiteCounts, fwd: int, block: ReadBlock, hidden: np.ndarray,
                allele: Allele) -> tuple[SiteCounts, int]:
    """Counts with realigned carriers moved to alt: from ref if they span the anchor, else added to depth."""
    if len(hidden) == 0:
        return counts, fwd
    spanning = int(((block.starts[hidden] <= allele.pos) & (block.ends[hidden] > allele.pos)).sum())
    forward = int((~block.reverse[hidden]).sum())
    return (SiteCounts(counts.depth + len(hidden) - spanning, max(0, counts.ref - spanning),
                       counts.alt + len(hidden)), fwd + forward)


def _features(allele: Allele, tumor: SiteCounts, t_fwd: int, normal: SiteCounts | None, ref_seq: str,
              offset: int, other_alt: int) -> np.ndarray:
    n = normal or SiteCounts(0, 0, 0)
    indel_len = abs(len(allele.alt) - len(allele.ref))
    return np.array([
        np.log1p(tumor.depth) / 5, np.log1p(tumor.alt) / 5, tumor.alt / max(tumor.depth, 1),
        t_fwd / max(tumor.alt, 1), np.log1p(n.depth) / 5, np.log1p(n.alt) / 5, n.alt / max(n.depth, 1),
        1.0 if normal is not None else 0.0, float(allele.is_snv), float(len(allele.alt) > len(allele.ref)),
        float(len(allele.alt) < len(allele.ref)), min(indel_len, 20) / 20,
        min(_homopolymer_length(ref_seq, allele.pos - offset), 20) / 20, other_alt / max(tumor.depth, 1),
    ], dtype=np.float32)


def _evidence_features(tumor: "_Evidence", normal: "_Evidence | None") -> np.ndarray:
    """Quality of the evidence, over all reads (not only those shown): what low-quality errors lack."""
    bq, mq = tumor.carrier_bq, tumor.carrier_mq
    clipped = normal.clipped if normal is not None else 0.0
    return np.array([bq.mean() / 40 if len(bq) else 0.0, (bq < 20).mean() if len(bq) else 0.0,
                     mq.mean() / 60 if len(mq) else 0.0, clipped, tumor.alt_adjacent_mismatch,
                     tumor.ref_adjacent_mismatch], dtype=np.float32)


@dataclass
class _Evidence:
    """What one sample's reads say about a candidate beyond the counts."""
    carrier_bq: np.ndarray        # base qualities of the carriers at the allele's column
    carrier_mq: np.ndarray        # mapping qualities of the carriers
    clipped: float                # fraction of reads soft-clipped inside the window
    alt_adjacent_mismatch: float  # carriers with a substitution within ADJACENT columns of the allele
    ref_adjacent_mismatch: float  # the same for reads spanning the site without the allele


def _adjacent_mismatch(block: ReadBlock, indices: np.ndarray, allele: Allele, w0: int,
                       ref_codes: np.ndarray) -> np.ndarray:
    """Per read: a substitution within ADJACENT columns of the allele (its own SNV column excluded).

    A few reads carrying an indel next to another indel, each with a base error beside it,
    are usually that other allele aligned another way: equal scores, another gap position.
    """
    if len(indices) == 0:
        return np.zeros(0, dtype=bool)
    span = max(0, len(allele.ref) - len(allele.alt))   # a deletion's deleted columns
    lo = max(0, allele.pos - ADJACENT - w0)
    hi = min(len(ref_codes), allele.pos + span + ADJACENT + 1 - w0)
    flat, valid = block.grid(indices, w0 + lo, hi - lo)
    codes = np.where(valid, block.bases[flat], EMPTY)
    sub = (codes >= A) & (codes <= T) & (codes != ref_codes[None, lo:hi])
    if allele.is_snv:
        sub[:, allele.pos - w0 - lo] = False
    return sub.any(axis=1)


class _NearbyIndels:
    """A sample's indel alleles by position, for the largest VAF of another indel near a candidate."""

    def __init__(self, counts: AlleleCounts):
        items = sorted(((a.pos, a.ref, a.alt, int(c.sum())) for a, c in counts.indels.items()))
        self.pos = np.array([i[0] for i in items], dtype=np.int64)
        self.keys = [(i[0], i[1], i[2]) for i in items]
        self.reads = np.array([i[3] for i in items], dtype=np.int64)
        self.counts = counts

    def max_vaf(self, allele: Allele) -> float:
        lo, hi = np.searchsorted(self.pos, [allele.pos - NEARBY_INDEL, allele.pos + NEARBY_INDEL + 1])
        best = 0.0
        for k in range(lo, hi):
            if self.keys[k] == (allele.pos, allele.ref, allele.alt):
                continue
            depth = max(self.counts.indel_depth(int(self.pos[k])), 1)
            best = max(best, min(1.0, self.reads[k] / depth))
        return best


class _Sample:
    """One sample's reads (as a ReadBlock) and allele counts over a shard."""

    def __init__(self, bam: pysam.AlignmentFile, region: Region, ref_seq: str, offset: int,
                 settings: ExampleSettings, mapq_scale: float = 1.0):
        reads = fetch_decoded(bam, region.contig, region.start - FETCH_PAD, region.end + FETCH_PAD,
                              settings.max_depth)
        self.block = ReadBlock(reads)
        if mapq_scale != 1.0:   # the aligner's MAPQ on the models' scale (io.alignments.mapq_scale)
            self.block.mapq = np.minimum(np.rint(self.block.mapq * mapq_scale), MAPQ_SCALE).astype(np.int64)
        self.counts = count_alleles(self.block, region.contig, max(offset, region.start - COUNT_PAD),
                                    min(offset + len(ref_seq), region.end + COUNT_PAD), ref_seq, offset,
                                    settings.min_bq, second_mate_indels=settings.second_mate_indels)
        self.nearby = _NearbyIndels(self.counts)

    def fill_rows(self, allele: Allele, w0: int, ref_codes: np.ndarray, ref_seq: str, offset: int,
                  max_rows: int, sample_value: int, seed: int, out: np.ndarray, hidden: np.ndarray) -> _Evidence:
        """Fill the sample's rows; return the evidence over all reads of the window, not only those shown.

        ``hidden``: reads that realignment found to carry the allele; they show as carriers.
        """
        block = self.block
        idx = block.overlapping(w0, w0 + len(ref_codes))
        support = block_support(block, idx, allele, ref_seq, offset)
        if len(hidden):
            support[np.isin(idx, hidden)] = 1
        order = order_by(support, block.name_hashes(seed)[idx], block.starts[idx], max_rows)
        encode_rows(block, idx[order], support[order], w0, ref_codes, sample_value, out)
        carriers = idx[support > 0]
        column = allele.pos - block.starts[carriers]
        inside = (column >= 0) & (column < block.lengths[carriers])
        bq = block.quals[block.offsets[carriers[inside]] + column[inside]].astype(np.float32)
        mq = np.minimum(block.mapq[carriers], 60).astype(np.float32)
        end = w0 + len(ref_codes)
        clipped = (((block.clip_left[idx] > 0) & (block.starts[idx] >= w0))
                   | ((block.clip_right[idx] > 0) & (block.ends[idx] <= end)))
        alt_adj = _adjacent_mismatch(block, carriers, allele, w0, ref_codes)
        ref_adj = _adjacent_mismatch(block, idx[support < 0], allele, w0, ref_codes)
        return _Evidence(bq, mq, float(clipped.mean()) if len(idx) else 0.0,
                         float(alt_adj.mean()) if len(alt_adj) else 0.0,
                         float(ref_adj.mean()) if len(ref_adj) else 0.0)


def _rivals(indels: list[Allele], positions: np.ndarray, allele: Allele) -> list[Allele]:
    """Candidate indels of the tumor (sorted, with their ``positions``) that a hidden carrier of
    ``allele`` could carry instead. Reach stays inside the counted margin, so a candidate near
    a shard edge has the same rivals whatever the sharding."""
    reach = min(RIVAL_DISTANCE + abs(len(allele.alt) - len(allele.ref)), COUNT_PAD - 2)
    lo, hi = np.searchsorted(positions, [allele.pos - reach, allele.pos + reach + 1])
    return [a for a in indels[lo:hi] if a != allele]


def make_shard_examples(tumor_bam: pysam.AlignmentFile, normal_bam: pysam.AlignmentFile | None,
                        ref_seq: str, offset: int, region: Region, settings: ExampleSettings,
                        mapq_scales: tuple[float, float] = (1.0, 1.0)) -> ExampleBatch:
    """All candidate examples whose position lies in ``region``.

    ``ref_seq`` covers ``region`` plus FETCH_PAD on each side, from ``offset``, clipped to the
    contig (which must end at ``offset + len(ref_seq)`` when the shard reaches its end).
    """
    if settings.sample_error_rates and settings.error_rates is None:
        raise ValueError("sample_error_rates is on but the run's error rates were not estimated")
    run_features = settings.error_rates.features() if settings.sample_error_rates else np.zeros(0, np.float32)
    tumor = _Sample(tumor_bam, region, ref_seq, offset, settings, mapq_scales[0])
    normal = _Sample(normal_bam, region, ref_seq, offset, settings, mapq_scales[1]) if normal_bam is not None else None
    found = find_candidates(tumor.counts, ref_seq, offset, settings.thresholds)
    candidates = [a for a in found if region.start <= a.pos < region.end]
    n = len(candidates)
    tensors = np.zeros((n, ROWS, WIDTH, len(CHANNELS)), dtype=np.int8)
    features = np.zeros((n, len(settings.feature_names())), dtype=np.float32)
    tumor_counts: list[SiteCounts] = []
    normal_counts: list[SiteCounts | None] = []
    alleles_at = Counter(a.pos for a in candidates)
    indels = [a for a in found if a.is_indel]
    indel_positions = np.array([a.pos for a in indels], dtype=np.int64)
    for k, allele in enumerate(candidates):
        w0 = allele.pos - HALF_WIDTH
        ref_codes = reference_codes(padded_window(ref_seq, w0 - offset, WIDTH))
        tensors[k, 0] = reference_row(ref_codes)
        realign = settings.realign_indels and allele.is_indel
        rivals = _rivals(indels, indel_positions, allele) if realign else []
        t_hidden = hidden_carriers(tumor.block, allele, ref_seq, offset, rivals) if realign else _NONE
        n_hidden = hidden_carriers(normal.block, allele, ref_seq, offset, rivals) if realign and normal else _NONE
        t_evidence = tumor.fill_rows(allele, w0, ref_codes, ref_seq, offset, TUMOR_ROWS, 100, settings.seed,
                                     tensors[k, 1:1 + TUMOR_ROWS], t_hidden)
        n_evidence = None
        if normal is not None:
            n_evidence = normal.fill_rows(allele, w0, ref_codes, ref_seq, offset, NORMAL_ROWS, -100,
                                          settings.seed, tensors[k, 1 + TUMOR_ROWS:], n_hidden)
        t_counts, t_fwd, _ = _site_counts(tumor.counts, allele, ref_seq, offset)
        t_counts, t_fwd = _add_hidden(t_counts, t_fwd, tumor.block, t_hidden, allele)
        n_counts = None
        if normal is not None:
            n_counts = _add_hidden(*_site_counts(normal.counts, allele, ref_seq, offset)[:2], normal.block,
                                   n_hidden, allele)[0]
        other = alleles_at[allele.pos] - 1
        nearby = [tumor.nearby.max_vaf(allele), normal.nearby.max_vaf(allele) if normal is not None else 0.0]
        features[k] = np.concatenate([_features(allele, t_counts, t_fwd, n_counts, ref_seq, offset, other),
                                      _evidence_features(t_evidence, n_evidence), np.array(nearby, np.float32),
                                      run_features])
        tumor_counts.append(t_counts)
        normal_counts.append(n_counts)
    return ExampleBatch(candidates, tensors, features, tumor_counts, normal_counts, options=settings.options())
