"""Indel error rate of reads per repeat length: how often a read that spans a homopolymer or a
short tandem repeat shows an indel inside it, where the sample itself has none.

Why: the somatic model learns from simulated reads how much a few indel-carrying reads in a
repeat mean. If our simulator stutters more (or less) than real Illumina runs, the model
doubts (or trusts) low-support repeat indels for the wrong reason. Running this on the real
HG002 reads of ``../shared/data/real`` and on simulated normals puts the two side by side.

A repeat counts only where the reads that span it (by at least 2 bases each side) mostly
agree with the reference: where more than ``--max-fraction`` of them carry an indel, the
sample has a germline indel there and the repeat is left out.

Usage:
    python benchmarks/somatic/indel_error_profile.py --ref REF.fa --region 20:10000000-10100000 \
        --label real HG002.bam [--label sim SIM.bam ...] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass

import numpy as np
import pysam

from genomeml.io.regions import parse_region
from genomeml.simulate.genome import find_tracts

FLANK = 2          # a read must cover this many reference bases on each side of the repeat
MIN_MAPQ = 20
SKIP_FLAGS = 0x4 | 0x100 | 0x200 | 0x400 | 0x800
CLASSES = {"homopolymer": (1, 1), "dinucleotide": (2, 2), "period 3-6": (3, 6)}


@dataclass
class Tracts:
    """Non-overlapping repeats of one period class, sorted, in reference coordinates."""
    starts: np.ndarray
    ends: np.ndarray
    units: np.ndarray      # repeat length in units (bases for homopolymers)


def region_tracts(seq: str, offset: int) -> dict[str, Tracts]:
    """The repeats of each class in ``seq`` (which starts at reference position ``offset``)."""
    tracts = find_tracts(seq.upper())
    out = {}
    for name, (low, high) in CLASSES.items():
        chosen, last_end = [], -1
        for t in tracts:
            if low <= t.period <= high and t.start >= last_end:
                chosen.append(t)
                last_end = t.end
        out[name] = Tracts(np.array([t.start + offset for t in chosen], dtype=np.int64),
                           np.array([t.end + offset for t in chosen], dtype=np.int64),
                           np.array([t.length // t.period for t in chosen], dtype=np.int64))
    return out


def read_indels(bam_path: str, contig: str, start: int, end: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference start/end of each usable read and the reference positions of its indels.

    An insertion sits at the reference base after it, a deletion at its first deleted base:
    an aligner's left-aligned indel in a repeat then falls inside the repeat's span.
    """
    starts, ends, events = [], [], []
    with pysam.AlignmentFile(bam_path) as bam:
        for read in bam.fetch(contig, start, end):
            if read.flag & SKIP_FLAGS or read.mapping_quality < MIN_MAPQ:
                continue
            starts.append(read.reference_start)
            ends.append(read.reference_end)
            pos = read.reference_start
            for op, length in read.cigartuples:
                if op in (1, 2):
                    events.append(pos)
                if op in (0, 2, 3, 7, 8):
                    pos += length
    return np.array(starts, np.int64), np.array(ends, np.int64), np.array(events, np.int64)


def tract_of(tracts: Tracts, events: np.ndarray, pad: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Index of the repeat each event falls in (widened by ``pad`` each side) and whether it does."""
    idx = np.searchsorted(tracts.starts - pad, events, side="right") - 1
    inside = (idx >= 0) & (events <= tracts.ends[np.clip(idx, 0, None)] + pad)
    return idx, inside


def per_tract_counts(tracts: Tracts, starts: np.ndarray, ends: np.ndarray,
                     events: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Reads spanning each repeat and indel events inside each repeat.

    Tracts of one class neither overlap nor nest, so the repeats a read spans are one
    contiguous index range: a difference array counts them without a loop over reads.
    """
    n = len(tracts.starts)
    lo = np.searchsorted(tracts.starts, starts + FLANK, side="left")
    hi = np.searchsorted(tracts.ends, ends - FLANK, side="right")
    diff = np.zeros(n + 1, np.int64)
    ok = hi > lo
    np.add.at(diff, lo[ok], 1)
    np.add.at(diff, hi[ok], -1)
    spans = np.cumsum(diff)[:n]
    idx, inside = tract_of(tracts, events)
    hits = np.bincount(idx[inside], minlength=n)[:n]
    return spans, hits


def outside_rate(tracts: dict[str, Tracts], starts: np.ndarray, ends: np.ndarray, events: np.ndarray) -> dict:
    """Indels per read base away from every repeat (and 2 bases from its edges): the
    instrument's background indel rate, which repeat-free sequence shows."""
    inside = np.zeros(len(events), bool)
    for t in tracts.values():
        inside |= tract_of(t, events, FLANK)[1]
    # a germline indel shows in many reads at one position: keep positions with at most 2
    _, counts = np.unique(events[~inside], return_counts=True)
    errors = int(counts[counts <= 2].sum())
    bases = int((ends - starts).sum())
    return {"indels": errors, "read_bases": bases, "rate": errors / max(bases, 1)}


def profile(bam_path: str, ref_path: str, region: str, max_fraction: float) -> dict:
    """Per class and repeat length: repeats used, read spans, indel events and their rate."""
    with pysam.FastaFile(ref_path) as fasta:
        where = parse_region(region, dict(zip(fasta.references, fasta.lengths)))
        seq = fasta.fetch(where.contig, where.start, where.end)
    starts, ends, events = read_indels(bam_path, where.contig, where.start, where.end)
    tracts_by_class = region_tracts(seq, where.start)
    result = {}
    for name, tracts in tracts_by_class.items():
        spans, hits = per_tract_counts(tracts, starts, ends, events)
        covered = spans >= 5
        germline = covered & (hits > max_fraction * spans)
        cap = 14 if name == "homopolymer" else 10
        binned = np.minimum(tracts.units, cap)
        rows = {}
        for units in range(int(tracts.units.min(initial=0)), cap + 1):
            chosen = covered & ~germline & (binned == units)
            if not chosen.any():
                continue
            s, h = int(spans[chosen].sum()), int(hits[chosen].sum())
            rows[f"{units}+" if units == cap else str(units)] = {
                "repeats": int(chosen.sum()), "germline_excluded": int((germline & (binned == units)).sum()),
                "read_spans": s, "indels": h, "rate": h / s}
        result[name] = rows
    result["reads"] = int(len(starts))
    result["outside_repeats"] = outside_rate(tracts_by_class, starts, ends, events)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", required=True)
    parser.add_argument("--region", required=True, help="contig or contig:start-end (1-based)")
    parser.add_argument("--label", nargs=2, action="append", metavar=("NAME", "BAM"), required=True)
    parser.add_argument("--max-fraction", type=float, default=0.15)
    parser.add_argument("--json", help="also write the profiles here")
    args = parser.parse_args(argv)
    profiles = {name: profile(bam, args.ref, args.region, args.max_fraction) for name, bam in args.label}
    for cls in CLASSES:
        print(f"\n{cls}: indels per read span (repeats used)")
        keys = sorted({k for p in profiles.values() for k in p[cls]}, key=lambda k: int(k.rstrip("+")))
        print("units  " + "  ".join(f"{n:>20}" for n in profiles))
        for k in keys:
            cells = []
            for p in profiles.values():
                row = p[cls].get(k)
                cells.append(f"{row['rate']:.5f} ({row['repeats']:>4})" if row else " " * 20)
            print(f"{k:>5}  " + "  ".join(f"{c:>20}" for c in cells))
    print("\nall repeats pooled: indels per read span (indels / spans)")
    for name, p in profiles.items():
        rows = [row for cls in CLASSES for row in p[cls].values()]
        spans, indels = sum(r["read_spans"] for r in rows), sum(r["indels"] for r in rows)
        print(f"{name:>8}  {indels / max(spans, 1):.2e}  ({indels} / {spans})")
    print("\noutside repeats: indels per read base (positions with at most 2 indel reads)")
    for name, p in profiles.items():
        print(f"{name:>8}  {p['outside_repeats']['rate']:.2e}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(profiles, fh, indent=1, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
