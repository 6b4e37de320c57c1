#!/usr/bin/env python
"""The truth indels two genomeml runs disagree on, with each run's P(somatic): is a loss a near miss?

    python benchmarks/somatic/paired_probabilities.py OUT --sets real_spikein_long_s0,... --runs E,G
        --thresholds 0.65,0.7

For each set, truth indels of OUT/sets/<set>/truth.somatic.vcf.gz are looked up by exact allele
(POS, REF, ALT as genomeml writes them) in OUT/<run>/<set>/calls.vcf.gz of both runs; called means
INFO/PSOM >= that run's indel threshold (its card's min_somatic_probability_indel). Prints each indel
called by one run only (length, VAF, both P, the tumor and normal AD of the first run), then counts by
length class. Exact matching misses indels placed elsewhere in a repeat, so counts can fall below
evaluate's; the listing is for the P values.
"""

from __future__ import annotations

import argparse
from collections import Counter

import pysam


def psom_by_allele(path: str) -> dict:
    found = {}
    with pysam.VariantFile(path) as vcf:
        for r in vcf:
            for alt in r.alts:
                found[(r.pos, r.ref, alt)] = (r.info["PSOM"], r.samples[0]["AD"], r.samples[1]["AD"])
    return found


def length_class(length: int) -> str:
    return "1-5" if length < 6 else "6-10" if length <= 10 else "11-16" if length <= 16 else "17-30+"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--sets", required=True)
    ap.add_argument("--runs", required=True, help="two run names, e.g. E,G")
    ap.add_argument("--thresholds", required=True, help="their indel thresholds, e.g. 0.65,0.7")
    args = ap.parse_args()
    runs = args.runs.split(",")
    thresholds = [float(t) for t in args.thresholds.split(",")]
    counts = Counter()
    for name in args.sets.split(","):
        calls = [psom_by_allele(f"{args.out}/{run}/{name}/calls.vcf.gz") for run in runs]
        with pysam.VariantFile(f"{args.out}/sets/{name}/truth.somatic.vcf.gz") as truth:
            for t in truth:
                key = (t.pos, t.ref, t.alts[0])
                if len(t.ref) == len(t.alts[0]):
                    continue
                length = abs(len(t.ref) - len(t.alts[0]))
                hits = [c.get(key, (None, None, None)) for c in calls]
                called = tuple(h[0] is not None and h[0] >= thr for h, thr in zip(hits, thresholds))
                counts[(length_class(length), *called)] += 1
                if called[0] != called[1]:
                    print(name, t.pos, f"{length} bp", f"VAF {t.info.get('VAF'):.3f}",
                          " ".join(f"{run} P {h[0]}" for run, h in zip(runs, hits)),
                          f"tumor AD {hits[0][1]} normal AD {hits[0][2]}")
    for (cls, a, b), n in sorted(counts.items()):
        print(f"{cls} bp: {runs[0]} {'called' if a else 'missed'}, {runs[1]} {'called' if b else 'missed'}: {n}")


if __name__ == "__main__":
    main()
