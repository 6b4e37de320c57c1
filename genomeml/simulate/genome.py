"""Sequence to simulate on: real FASTA pieces or synthetic genomes with realistic repeats.

Repeats are what make calling and polishing hard (homopolymer and STR length errors,
ambiguous mapping of interspersed and duplicated copies), so the synthetic genome is
mostly built from them rather than from uniform random bases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from genomeml.io.mapping import revcomp  # noqa: F401  (re-exported: the simulators use it from here)

BASES = np.frombuffer(b"ACGT", dtype=np.uint8)


def random_bases(rng: np.random.Generator, n: int, gc: float = 0.41) -> np.ndarray:
    at, cg = (1 - gc) / 2, gc / 2
    return BASES[rng.choice(4, size=n, p=[at, cg, cg, at])]


def mutate(rng: np.random.Generator, seq: np.ndarray, divergence: float) -> np.ndarray:
    """Copy of ``seq`` with substitutions and small indels at rate ``divergence`` (repeat family ageing)."""
    seq = seq.copy()
    n_sub = rng.binomial(len(seq), divergence * 0.85)
    idx = rng.choice(len(seq), size=n_sub, replace=False)
    seq[idx] = BASES[(np.searchsorted(BASES, seq[idx]) + rng.integers(1, 4, size=n_sub)) % 4]
    n_indel = rng.binomial(len(seq), divergence * 0.15)
    for pos in np.sort(rng.choice(len(seq), size=n_indel, replace=False))[::-1]:
        if rng.random() < 0.5:
            seq = np.delete(seq, pos)
        else:
            seq = np.insert(seq, pos, BASES[rng.integers(4)])
    return seq


def synthetic_genome(length: int, rng: np.random.Generator) -> str:
    """A genome of ``length`` bp that mixes unique sequence with human-like repeats.

    Pieces: unique background (GC 35-50%), homopolymers (up to ~25 bp), short tandem
    repeats (units 2-6, 3-25 copies), copies of a few interspersed families (300 bp
    "SINE" at 8-15% divergence, 2-6 kb "LINE" at 2-5%), and segmental duplications
    (1-2% divergence) that make mapping ambiguous.
    """
    sine = [random_bases(rng, int(rng.integers(250, 320)), 0.55) for _ in range(3)]
    line = [random_bases(rng, int(rng.integers(2000, 6000)), 0.38) for _ in range(2)]
    pieces: list[np.ndarray] = []
    total = 0
    gc = 0.41
    while total < length:
        kind = rng.random()
        if kind < 0.45:
            gc = float(np.clip(gc + rng.normal(0, 0.03), 0.33, 0.52))
            piece = random_bases(rng, int(rng.integers(100, 1500)), gc)
        elif kind < 0.65:
            piece = np.full(int(min(rng.geometric(0.18) + 4, 30)), BASES[rng.integers(4)], dtype=np.uint8)
        elif kind < 0.85:
            unit = random_bases(rng, int(rng.integers(2, 7)))
            copies = int(rng.integers(3, 26))
            piece = np.tile(unit, copies)
            if rng.random() < 0.3:
                piece = mutate(rng, piece, 0.03)
        elif kind < 0.95:
            piece = mutate(rng, sine[rng.integers(len(sine))], float(rng.uniform(0.08, 0.15)))
            if rng.random() < 0.5:
                piece = np.concatenate([piece, np.full(int(rng.integers(8, 25)), ord("A"), dtype=np.uint8)])
        elif kind < 0.985:
            family = line[rng.integers(len(line))]
            start = int(rng.integers(0, len(family) // 2))
            piece = mutate(rng, family[start:], float(rng.uniform(0.02, 0.05)))
        elif total > 5000:
            span = int(rng.integers(1000, 4000))
            flat = np.concatenate(pieces)
            start = int(rng.integers(0, max(1, len(flat) - span)))
            piece = mutate(rng, flat[start:start + span], float(rng.uniform(0.01, 0.02)))
        else:
            continue
        if rng.random() < 0.5 and kind >= 0.85:
            piece = np.frombuffer(revcomp(piece.tobytes().decode()).encode(), dtype=np.uint8)
        pieces.append(piece)
        total += len(piece)
    return np.concatenate(pieces)[:length].tobytes().decode()


@dataclass(frozen=True)
class RepeatTract:
    """A homopolymer (period 1) or STR (period 2-6) tract: [start, end) with its unit."""
    start: int
    end: int
    period: int

    @property
    def length(self) -> int:
        return self.end - self.start


def find_tracts(seq: str, min_homopolymer: int = 4, max_period: int = 6, min_str_length: int = 8) -> list[RepeatTract]:
    """Homopolymers and short tandem repeats found with one vectorized pass per period.

    For period k, positions where ``s[i] == s[i+k]`` in a run of L form a tract of
    length L + k; the run-length scan keeps this O(n) per period in numpy.
    """
    arr = np.frombuffer(seq.encode(), dtype=np.uint8)
    tracts: list[RepeatTract] = []
    for period in range(1, max_period + 1):
        if len(arr) <= period:
            break
        same = (arr[period:] == arr[:-period]) & (arr[period:] != ord("N"))
        padded = np.concatenate([[False], same, [False]])
        edges = np.flatnonzero(np.diff(padded.astype(np.int8)))
        starts, ends = edges[0::2], edges[1::2] + period
        lengths = ends - starts
        minimum = min_homopolymer if period == 1 else max(min_str_length, 2 * period + 1)
        keep = lengths >= minimum
        tracts.extend(RepeatTract(int(s), int(e), period) for s, e in zip(starts[keep], ends[keep]))
    tracts.sort(key=lambda t: (t.start, t.period))
    return tracts


def n_free_intervals(seq: str, min_length: int = 1) -> list[tuple[int, int]]:
    """Maximal [start, end) stretches without N."""
    arr = np.frombuffer(seq.encode(), dtype=np.uint8)
    good = np.concatenate([[False], arr != ord("N"), [False]])
    edges = np.flatnonzero(np.diff(good.astype(np.int8)))
    return [(int(s), int(e)) for s, e in zip(edges[0::2], edges[1::2]) if e - s >= min_length]
