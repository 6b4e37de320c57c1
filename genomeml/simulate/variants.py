"""Germline and somatic variants placed on a sequence, with the contexts that fool callers.

Indels prefer homopolymers and tandem repeats (as real ones do); some somatic
mutations sit a few bases from a germline variant. Variants never overlap, and
each is written left-aligned with a VCF anchor base, so the truth VCF needs no
later rewriting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from genomeml.pileup.alleles import left_align
from genomeml.simulate.genome import BASES, RepeatTract, find_tracts

_OTHER = {b: [c for c in "ACGT" if c != b] for b in "ACGT"}
# transitions are about twice as common as transversions in both germline and somatic spectra
_TS = {"A": "G", "G": "A", "C": "T", "T": "C"}


@dataclass(frozen=True)
class Variant:
    contig: str
    pos: int          # 0-based position of the first REF base
    ref: str
    alt: str
    haplotypes: tuple[int, ...]   # which of the two haplotypes carry it
    vaf: float = 1.0              # somatic: expected fraction of tumor reads carrying it
    context: str = "other"        # homopolymer / str / homopolymer_flank / near_germline / other
    info: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def end(self) -> int:
        return self.pos + len(self.ref)

    @property
    def is_snv(self) -> bool:
        return len(self.ref) == 1 and len(self.alt) == 1

    @property
    def genotype(self) -> str:
        return "1|1" if len(self.haplotypes) == 2 else ("1|0" if self.haplotypes == (0,) else "0|1")


class _Occupancy:
    """Marks bases already used by a variant (plus padding) so that no two variants overlap."""

    def __init__(self, seq: str, allowed: list[tuple[int, int]], margin: int):
        self.free = np.zeros(len(seq), dtype=bool)
        for start, end in allowed:
            self.free[start + margin:max(start + margin, end - margin)] = True
        self.free &= np.frombuffer(seq.encode(), dtype=np.uint8) != ord("N")

    def take(self, start: int, end: int, pad: int = 1) -> bool:
        lo, hi = max(0, start - pad), min(len(self.free), end + pad)
        if start < 0 or end > len(self.free) or not self.free[lo:hi].all():
            return False
        self.free[lo:hi] = False
        return True


def _snv(seq: str, pos: int, rng: np.random.Generator) -> tuple[str, str]:
    ref = seq[pos]
    alt = _TS[ref] if rng.random() < 0.66 else _OTHER[ref][rng.integers(3)]
    return ref, alt


LONG_INDEL_MIN = 6   # a long indel (see ``long_share``) is 6 bp to max_indel, uniformly


def _long(rng: np.random.Generator, long_share: float) -> bool:
    """Whether this indel comes from the long tail; draws nothing when there is none, so
    simulations without it keep their random streams (and reads) as they were."""
    return long_share > 0 and rng.random() < long_share


def _indel_length(rng: np.random.Generator, max_len: int, long_share: float = 0.0) -> int:
    if _long(rng, long_share) and max_len >= LONG_INDEL_MIN:
        return int(rng.integers(LONG_INDEL_MIN, max_len + 1))
    return int(min(max_len, rng.geometric(0.45)))


def _tract_indel(seq: str, tract: RepeatTract, rng: np.random.Generator, long_share: float = 0.0,
                 max_len: int = 20) -> tuple[int, str, str]:
    """A unit-multiple insertion or deletion of a repeat tract, anchored on the base before it."""
    unit = seq[tract.start:tract.start + tract.period]
    most = max(1, tract.length // tract.period - 1)
    if _long(rng, long_share):
        copies = int(rng.integers(1, max(1, min(most, max_len // tract.period)) + 1))
    else:
        copies = int(min(rng.geometric(0.6), most))
    anchor = tract.start - 1
    if rng.random() < 0.5:
        return anchor, seq[anchor:tract.start + copies * tract.period], seq[anchor]
    return anchor, seq[anchor], seq[anchor] + unit * copies


def _random_indel(seq: str, pos: int, rng: np.random.Generator, max_len: int,
                  long_share: float = 0.0) -> tuple[int, str, str]:
    length = _indel_length(rng, max_len, long_share)
    if rng.random() < 0.5:
        return pos, seq[pos:pos + 1 + length], seq[pos]
    inserted = BASES[rng.integers(0, 4, size=length)].tobytes().decode()
    return pos, seq[pos], seq[pos] + inserted


def _flank_indel(seq: str, tract: RepeatTract, rng: np.random.Generator) -> tuple[int, str, str, int]:
    """A 1-bp indel of a base beside a homopolymer (pos, ref, alt, end of the span it touches).

    Random placement puts about 1% of germline indels there, so a model rarely sees what they do:
    a read that ends inside the run aligns it better with one mismatch than with a gap. Such reads
    look like an SNV at the indel, and where every normal read shows a homozygous indel, that SNV
    has no normal base at all.
    """
    before = rng.random() < 0.5
    if rng.random() < 0.5:   # deletion of the flanking base
        flank = tract.start - 1 if before else tract.end
        return flank - 1, seq[flank - 1:flank + 1], seq[flank - 1], tract.end + 1
    inserted = _OTHER[seq[tract.start]][rng.integers(3)]
    anchor = tract.start - 1 if before else tract.end - 1
    return anchor, seq[anchor], seq[anchor] + inserted, tract.end + 1


def _draw(seq: str, contig: str, rng: np.random.Generator, occupancy: _Occupancy, tracts: list[RepeatTract],
          indel_fraction: float, repeat_indel_fraction: float, max_indel: int,
          candidate_positions: np.ndarray | None = None, long_share: float = 0.0,
          flank_share: float = 0.0, runs: Sequence[RepeatTract] = ()) -> tuple[int, str, str, str] | None:
    """One variant (pos, ref, alt, context) at a free place, or None if the draw collided.

    ``flank_share``: share of indels put beside one of the homopolymers ``runs`` (``_flank_indel``);
    draws nothing without runs, so simulations without it keep their random streams."""
    if rng.random() < indel_fraction:
        if runs and rng.random() < flank_share:
            tract = runs[rng.integers(len(runs))]
            if tract.end + 1 >= len(seq):
                return None
            pos, ref, alt, span_end = _flank_indel(seq, tract, rng)
            pos, ref, alt = left_align(seq, pos, ref, alt)
            if "N" in ref or "N" in alt or not occupancy.take(pos, max(span_end, pos + len(ref)), pad=2):
                return None
            return pos, ref, alt, "homopolymer_flank"
        if tracts and rng.random() < repeat_indel_fraction:
            tract = tracts[rng.integers(len(tracts))]
            if tract.start < 1:
                return None
            pos, ref, alt = _tract_indel(seq, tract, rng, long_share, max_indel)
            context = "homopolymer" if tract.period == 1 else "str"
            span_end = tract.end
        else:
            pos = int(rng.choice(candidate_positions)) if candidate_positions is not None \
                else int(rng.integers(1, len(seq) - max_indel - 2))
            pos, ref, alt = _random_indel(seq, pos, rng, max_indel, long_share)
            pos, ref, alt = left_align(seq, pos, ref, alt)
            context = "other"
            span_end = pos + len(ref) + max(len(alt), len(ref))
        if "N" in ref or "N" in alt:
            return None
        if not occupancy.take(pos, max(span_end, pos + len(ref)), pad=2):
            return None
        return pos, ref, alt, context
    pos = int(rng.choice(candidate_positions)) if candidate_positions is not None else int(rng.integers(0, len(seq)))
    if seq[pos] not in "ACGT" or not occupancy.take(pos, pos + 1, pad=1):
        return None
    ref, alt = _snv(seq, pos, rng)
    return pos, ref, alt, "other"


def place_germline(seq: str, contig: str, allowed: list[tuple[int, int]], rate: float,
                   rng: np.random.Generator, excluded: Sequence[tuple[int, int]] = (),
                   max_indel: int = 20, long_indels: float = 0.0,
                   flank_indels: float = 0.0) -> tuple[list[Variant], _Occupancy]:
    """Heterozygous (60%) and homozygous germline SNVs and 1-20 bp indels (15%).

    ``long_indels``: share of indels drawn from a flat long tail (6 bp to ``max_indel``, or as
    many repeat units) instead of the steep short-indel distribution, which leaves few over 8 bp.
    ``flank_indels``: share of indels that delete or insert one base beside a homopolymer.

    ``excluded`` spans get no variant, here nor from place_somatic on the returned occupancy
    (e.g. VNTR arrays, whose own alleles are placed apart)."""
    occupancy = _Occupancy(seq, allowed, margin=300)
    for start, end in excluded:
        occupancy.free[max(0, start):max(0, end)] = False
    tracts = [t for t in find_tracts(seq) if occupancy.free[t.start - 1:t.end + 1].all()] if len(seq) > 2 else []
    runs = [t for t in tracts if t.period == 1 and t.start >= 2] if flank_indels > 0 else []
    n_target = rng.poisson(rate * int(occupancy.free.sum()))
    variants: list[Variant] = []
    for _ in range(n_target * 4):
        if len(variants) >= n_target:
            break
        drawn = _draw(seq, contig, rng, occupancy, tracts, 0.15, 0.5, max_indel, long_share=long_indels,
                      flank_share=flank_indels, runs=runs)
        if drawn is None:
            continue
        pos, ref, alt, context = drawn
        haps = (0, 1) if rng.random() < 0.4 else ((0,) if rng.random() < 0.5 else (1,))
        variants.append(Variant(contig, pos, ref, alt, haps, 1.0, context))
    variants.sort(key=lambda v: v.pos)
    return variants, occupancy


def draw_vaf(rng: np.random.Generator, purity: float, min_vaf: float) -> float:
    """Clonal (35%: VAF = purity/2) or subclonal (log-uniform from ``min_vaf`` up to purity/2)."""
    top = purity / 2
    if rng.random() < 0.35 or top <= min_vaf:
        return round(top, 4)
    return round(float(np.exp(rng.uniform(np.log(min_vaf), np.log(top)))), 4)


def place_somatic(seq: str, contig: str, rate: float, rng: np.random.Generator, occupancy: _Occupancy,
                  germline: list[Variant], purity: float, min_vaf: float,
                  max_indel: int = 20, long_indels: float = 0.0) -> list[Variant]:
    """Somatic SNVs and indels (25%), a share in repeats and a share within 2-10 bp of germline variants
    (``long_indels`` as in place_germline)."""
    tracts = [t for t in find_tracts(seq) if t.start > 0 and occupancy.free[t.start - 2:t.end + 2].all()]
    n_target = rng.poisson(rate * int(occupancy.free.sum()))
    near = np.array(sorted({g.pos + d for g in germline for d in (-10, -6, -4, -3, 3, 4, 6, 10)
                            if 0 <= g.pos + d < len(seq) - max_indel - 2}), dtype=np.int64)
    variants: list[Variant] = []
    for _ in range(n_target * 4):
        if len(variants) >= n_target:
            break
        use_near = len(near) > 0 and rng.random() < 0.15
        drawn = _draw(seq, contig, rng, occupancy, tracts, 0.25, 0.6, max_indel,
                      candidate_positions=near if use_near else None, long_share=long_indels)
        if drawn is None:
            continue
        pos, ref, alt, context = drawn
        if use_near and context == "other":
            context = "near_germline"
        hap = (int(rng.integers(2)),)
        variants.append(Variant(contig, pos, ref, alt, hap, draw_vaf(rng, purity, min_vaf), context))
    variants.sort(key=lambda v: v.pos)
    return variants
