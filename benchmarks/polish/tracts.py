"""Sequence helpers of the polishing benchmark: homopolymer / short-tandem-repeat tracts, FASTA I/O.

Written for the benchmark on purpose (not imported from ``genomeml.simulate``), so the data
the polisher is measured on does not share code with the data it is trained on.

A *tract* is a homopolymer (period 1, any length >= 2) or a short tandem repeat of a
primitive, non-homopolymer unit of 2-6 bp with at least 3 whole copies and at least 10 bp
in whole copies. ``end`` covers whole copies only; STRs never overlap each other (longest
first) and never overlap a homopolymer of 6 bp or more.
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np

COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")
MAX_PERIOD = 6
MIN_STR_COPIES = 3
MIN_STR_BASES = 10
LONG_HOMOPOLYMER = 6


@dataclass(frozen=True)
class Tract:
    start: int   # 0-based
    end: int     # exclusive, whole copies of ``unit`` only
    unit: str

    @property
    def period(self) -> int:
        return len(self.unit)

    @property
    def length(self) -> int:
        return self.end - self.start

    @property
    def copies(self) -> int:
        return self.length // self.period

    @property
    def kind(self) -> str:
        return "homopolymer" if self.period == 1 else "str"


def revcomp(seq: str) -> str:
    return seq.translate(COMPLEMENT)[::-1]


def _primitive(unit: str) -> bool:
    p = len(unit)
    return not any(p % d == 0 and unit == unit[:d] * (p // d) for d in range(1, p))


def _true_runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of every run of True in a boolean array."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return edges[0::2], edges[1::2] - edges[0::2]


def homopolymers(seq: str, min_length: int = 2) -> list[Tract]:
    a = np.frombuffer(seq.encode(), dtype=np.uint8)
    if len(a) == 0:
        return []
    change = np.flatnonzero(a[1:] != a[:-1]) + 1
    starts = np.concatenate(([0], change))
    ends = np.concatenate((change, [len(a)]))
    keep = (ends - starts) >= min_length
    return [Tract(int(s), int(e), seq[s]) for s, e in zip(starts[keep], ends[keep]) if seq[s] in "ACGT"]


def short_tandem_repeats(seq: str, blocked: np.ndarray | None = None) -> list[Tract]:
    """STRs of period 2-6 (see the module docstring), longest first, then sorted by position."""
    a = np.frombuffer(seq.encode(), dtype=np.uint8)
    found: list[Tract] = []
    for p in range(2, MAX_PERIOD + 1):
        if len(a) <= p:
            break
        starts, lengths = _true_runs(a[p:] == a[:-p])
        for s, run in zip(starts, lengths):
            copies = (run + p) // p
            if copies < MIN_STR_COPIES or copies * p < MIN_STR_BASES:
                continue
            unit = seq[s:s + p]
            if "N" in unit or not _primitive(unit):
                continue
            found.append(Tract(int(s), int(s + copies * p), unit))
    taken = np.zeros(len(a), dtype=bool) if blocked is None else blocked.copy()
    chosen = []
    for t in sorted(found, key=lambda t: (-t.length, t.start, t.period)):
        if not taken[t.start:t.end].any():
            taken[t.start:t.end] = True
            chosen.append(t)
    return sorted(chosen, key=lambda t: t.start)


def find_tracts(seq: str, min_homopolymer: int = 2) -> tuple[list[Tract], list[Tract]]:
    """(homopolymers of at least ``min_homopolymer`` bp, STRs clear of homopolymers >= 6 bp)."""
    hps = homopolymers(seq, min_homopolymer)
    blocked = np.zeros(len(seq), dtype=bool)
    for t in hps:
        if t.length >= LONG_HOMOPOLYMER:
            blocked[t.start:t.end] = True
    return hps, short_tandem_repeats(seq, blocked)


def write_fasta(path: Path, records: dict[str, str], width: int = 80) -> None:
    with open(path, "w") as handle:
        for name, seq in records.items():
            handle.write(f">{name}\n")
            for i in range(0, len(seq), width):
                handle.write(seq[i:i + width] + "\n")


def read_fasta(path: Path) -> dict[str, str]:
    opener = gzip.open if str(path).endswith(".gz") else open
    records: dict[str, list[str]] = {}
    name = None
    with opener(path, "rt") as handle:
        for line in handle:
            line = line.strip()
            if line.startswith(">"):
                name = line[1:].split()[0]
                records[name] = []
            elif name is not None:
                records[name].append(line)
    return {k: "".join(v) for k, v in records.items()}
