"""Cut read templates out of a diploid (tumor or normal) genome without building it.

Each fragment picks a haplotype, takes that haplotype's germline variants, and each
somatic variant on it with its own probability; so a somatic variant with VAF v is
carried by a fraction v of all tumor fragments, exactly as the truth VCF states.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

from genomeml.simulate.variants import Variant


@dataclass
class _HapVariants:
    starts: list[int]
    variants: list[Variant]


class DiploidGenome:
    """A contig's reference sequence plus germline and somatic variants per haplotype."""

    def __init__(self, seq: str, germline: list[Variant], somatic: list[Variant],
                 dropout: dict[int, float] | None = None):
        """``dropout`` maps id(germline variant) to the chance that a read of its haplotype shows the
        reference instead: allele-specific capture and mapping bias, as real het sites show."""
        self.seq = seq
        self._dropout = dropout or {}
        self.haps = []
        for hap in (0, 1):
            chosen = sorted([v for v in germline + somatic if hap in v.haplotypes], key=lambda v: v.pos)
            self.haps.append(_HapVariants([v.pos for v in chosen], chosen))
        self._somatic = {id(v) for v in somatic}
        # how far back a variant can start and still overlap a fragment start
        self._lookback = max([len(v.ref) for v in germline + somatic] + [1])

    def fragment(self, hap: int, start: int, length: int, somatic_scale: float,
                 rng: np.random.Generator, slack: int = 64) -> str:
        """The haplotype sequence beginning at reference ``start``, about ``length`` + ``slack`` long.

        ``somatic_scale`` multiplies each somatic variant's VAF into the probability that
        this fragment carries it (2 for tumor reads of a diploid genome, less for a
        contaminated normal, 0 for a clean normal).
        """
        hv = self.haps[hap]
        stop = min(len(self.seq), start + length + slack)
        lo = bisect.bisect_left(hv.starts, start - self._lookback)
        hi = bisect.bisect_left(hv.starts, stop)
        chosen = []
        for variant in hv.variants[lo:hi]:
            if variant.end <= start and variant.pos < start:
                continue
            if id(variant) in self._somatic and rng.random() >= variant.vaf * somatic_scale:
                continue
            if self._dropout and rng.random() < self._dropout.get(id(variant), 0.0):
                continue
            chosen.append(variant)
        # only the first chosen variant can start before ``start`` (variants never overlap):
        # the fragment then begins right after its allele, as a read cannot start inside it
        begin, offset = start, 0
        if chosen and chosen[0].pos < start:
            begin, offset = chosen[0].pos, len(chosen[0].alt)
        pieces, cursor = [], begin
        for variant in chosen:
            pieces.append(self.seq[cursor:variant.pos])
            pieces.append(variant.alt)
            cursor = variant.end
        pieces.append(self.seq[cursor:stop])
        return "".join(pieces)[offset:]
