"""Low-complexity VNTR arrays whose copy number differs between the individual and the reference.

Real genomes hold AT-rich minisatellites hundreds of bp long, built from degenerate
copies of a 6-40 bp unit, and their copy number is polymorphic. Short reads cannot span
them: the aligner places reads of a longer or shorter allele with scattered indels and
mismatches at low mapping quality, and each sample shows its own random subset of these
alignments. On real reads that is where most false somatic indels come from, so the
training genomes need such arrays with such alleles.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genomeml.pileup.alleles import left_align
from genomeml.simulate.genome import mutate, random_bases
from genomeml.simulate.variants import Variant


@dataclass(frozen=True)
class VntrArray:
    start: int
    end: int


def vntr_array(rng: np.random.Generator) -> np.ndarray:
    """Degenerate copies of one AT-rich unit (each copy mutated on its own), 250-1200 bp."""
    unit = random_bases(rng, int(rng.integers(6, 41)), float(rng.uniform(0.1, 0.45)))
    divergence = float(rng.uniform(0.0, 0.12))
    target = int(rng.integers(250, 1201))
    copies, total = [], 0
    while total < target:
        copy = mutate(rng, unit, divergence) if divergence > 0 else unit
        if rng.random() < 0.15:   # short STR stretches inside, as in real minisatellites
            copy = np.concatenate([copy, np.tile(random_bases(rng, 2, 0.2), int(rng.integers(2, 6)))])
        copies.append(copy)
        total += len(copy)
    return np.concatenate(copies)


def splice_vntrs(seq: str, per_100kb: float, rng: np.random.Generator,
                 margin: int = 1000) -> tuple[str, list[VntrArray]]:
    """``seq`` with arrays inserted at random places at least ``margin`` from the ends and each other."""
    n = int(rng.poisson(per_100kb * len(seq) / 100_000)) if per_100kb > 0 else 0
    if n == 0 or len(seq) < 4 * margin:
        return seq, []
    slots = np.arange(margin, len(seq) - margin, margin)
    cuts = np.sort(rng.choice(slots, size=min(n, (len(seq) - 2 * margin) // margin), replace=False))
    pieces, arrays, cursor, shift = [], [], 0, 0
    for cut in cuts:
        array = vntr_array(rng).tobytes().decode()
        pieces += [seq[cursor:cut], array]
        start = int(cut) + shift
        arrays.append(VntrArray(start, start + len(array)))
        shift += len(array)
        cursor = int(cut)
    pieces.append(seq[cursor:])
    return "".join(pieces), arrays


def vntr_alleles(seq: str, contig: str, arrays: list[VntrArray], rng: np.random.Generator,
                 share: float = 0.85) -> list[Variant]:
    """For a ``share`` of the arrays, a germline allele that loses or gains 15-250 bp of the array
    (whole stretches of it, the way unequal crossing-over changes copy number); 40% homozygous."""
    variants = []
    for array in arrays:
        if rng.random() >= share:
            continue
        length = int(min(array.end - array.start - 20, rng.integers(15, 251)))
        if length < 5:
            continue
        pos = int(rng.integers(array.start + 5, array.end - length - 5))
        if rng.random() < 0.5:
            ref, alt = seq[pos:pos + length + 1], seq[pos]
        else:
            ref, alt = seq[pos], seq[pos] + seq[pos + 1:pos + 1 + length]
        pos, ref, alt = left_align(seq, pos, ref, alt)
        haps = (0, 1) if rng.random() < 0.4 else ((int(rng.integers(2)),))
        variants.append(Variant(contig, pos, ref, alt, haps, 1.0, "vntr"))
    return variants
