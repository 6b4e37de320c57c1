"""Write a synthetic genome unlike human sequence, for a somatic benchmark on "another genome".

The training recipe simulates on human chr20 and on ``genomeml.simulate.genome.synthetic_genome``
(human-like: GC 33-52%, Alu/L1-like families). A user's tumor may come from anything a
reference exists for, so the caller is also scored on two kinds of sequence it never saw,
built here by rules of their own (of the training generator only the i.i.d. base draw is used):

- ``gc-rich``: bacterial-like. Unique sequence in 0.5-2 kb blocks of GC 60-72% (mean ~66%), and
  a few 1.2-kb insertion-sequence-like copies at 0-1% divergence, as rRNA operons and IS
  elements make mapping ambiguous in bacteria.
- ``at-rich``: Plasmodium-like. Blocks of GC 15-30%, poly(A)/poly(T) tracts of 8-35 bp and
  (AT)n repeats of 6-40 copies every few hundred bp: the homopolymer and dinucleotide indel
  contexts that short reads align worst.

    python benchmarks/somatic/make_other_genome.py --kind gc-rich --length 500000 --seed 21 --out gc_rich.fa
    python benchmarks/somatic/make_benchmark.py --out out/bench/gc_rich_60x40x --seed 21 --ref gc_rich.fa
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

# i.i.d. bases of a given GC and reverse complements are plain tools, shared with the simulators;
# the genomes' structure (block GC, IS copies, AT tracts) is this file's own
from genomeml.simulate.genome import BASES, random_bases as _bases
from genomeml.simulate.reads import revcomp_array


def _diverged(rng: np.random.Generator, seq: np.ndarray, rate: float) -> np.ndarray:
    """A copy with substitutions only (indels would shift nothing a short-read test needs)."""
    out = seq.copy()
    hit = np.flatnonzero(rng.random(len(out)) < rate)
    out[hit] = BASES[(np.searchsorted(BASES, out[hit]) + rng.integers(1, 4, size=len(hit))) % 4]
    return out


def gc_rich(length: int, rng: np.random.Generator) -> str:
    element = _bases(rng, 1200, 0.58)
    pieces, total = [], 0
    while total < length:
        if total > 20_000 and rng.random() < 0.02:
            piece = _diverged(rng, element, float(rng.uniform(0.0, 0.01)))
            if rng.random() < 0.5:
                piece = revcomp_array(piece)
        else:
            piece = _bases(rng, int(rng.integers(500, 2000)), float(rng.uniform(0.60, 0.72)))
        pieces.append(piece)
        total += len(piece)
    return np.concatenate(pieces)[:length].tobytes().decode()


def at_rich(length: int, rng: np.random.Generator) -> str:
    pieces, total = [], 0
    while total < length:
        kind = rng.random()
        if kind < 0.6:
            piece = _bases(rng, int(rng.integers(100, 600)), float(rng.uniform(0.15, 0.30)))
        elif kind < 0.85:
            piece = np.full(int(rng.integers(8, 36)), ord("A" if rng.random() < 0.5 else "T"), dtype=np.uint8)
        else:
            piece = np.tile(np.frombuffer(b"AT", dtype=np.uint8), int(rng.integers(6, 41)))
        pieces.append(piece)
        total += len(piece)
    return np.concatenate(pieces)[:length].tobytes().decode()


KINDS = {"gc-rich": gc_rich, "at-rich": at_rich}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", choices=sorted(KINDS), required=True)
    ap.add_argument("--length", type=int, default=500_000)
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--name", default=None, help="contig name (default: the kind)")
    ap.add_argument("--out", required=True, help="FASTA to write (indexed with samtools faidx by make_benchmark)")
    args = ap.parse_args(argv)
    seq = KINDS[args.kind](args.length, np.random.default_rng(args.seed))
    out = Path(args.out)
    tmp = out.with_name(out.name + ".tmp")
    with open(tmp, "w") as fh:
        fh.write(f">{args.name or args.kind.replace('-', '_')}\n")
        for i in range(0, len(seq), 60):
            fh.write(seq[i:i + 60] + "\n")
    tmp.replace(out)


if __name__ == "__main__":
    main()
