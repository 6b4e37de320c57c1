#!/usr/bin/env python
"""The run error rates (genomeml.pileup.error_rates) of each benchmark set's normal, next to the range
the training simulations span: whether a model given these rates meets benchmark runs inside what it saw.

    python benchmarks/somatic/sample_error_rates.py OUT [--sets a,b] [--examples 'W/examples/*.npz']

OUT is run_all.sh's directory (OUT/sets/<set>). ``--examples``: example files made with
--sample-error-rates (the recipe's workdir): their rate features, turned back into rates, give
the training range (min / median / max over the files).
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run_genomeml import SETS  # noqa: E402

from genomeml.io.alignments import open_alignments  # noqa: E402
from genomeml.io.reference import Reference  # noqa: E402
from genomeml.pileup.error_rates import LOG_RANGES, estimate_error_rates  # noqa: E402

NAMES = ("homopolymer_indel", "dinucleotide_indel", "other_indel", "mismatch")


def set_rates(set_dir: Path) -> dict:
    with Reference(set_dir / "ref.fa") as ref, open_alignments(set_dir / "normal.bam", set_dir / "ref.fa") as bam:
        return estimate_error_rates(bam, ref).as_dict()


def training_range(pattern: str) -> dict[str, tuple[float, float, float]]:
    """Rates of the example files' runs (the last len(LOG_RANGES) features of their first example)."""
    rows = []
    for path in sorted(glob.glob(pattern)):
        with np.load(path) as data:
            if len(data["features"]):
                rows.append(data["features"][0, -len(LOG_RANGES):])
    if not rows:
        raise SystemExit(f"{pattern}: no example files with examples")
    values = np.array(rows)
    out = {}
    for k, (name, (low, high)) in enumerate(LOG_RANGES.items()):
        rates = 10 ** (low + values[:, k] * (high - low))
        out[name] = (float(rates.min()), float(np.median(rates)), float(rates.max()))
    out["runs"] = len(rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--examples", help="glob of example files made with --sample-error-rates")
    args = parser.parse_args()
    print("| set | reads | homopolymer (per 4-bp span) | dinucleotide (per 4-unit span) | other (per base) "
          "| Q30+ mismatch |")
    print("|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        set_dir = args.out / "sets" / name
        if not (set_dir / "normal.bam").exists():
            continue
        r = set_rates(set_dir)
        print(f"| {name} | {r['reads']} | " + " | ".join(f"{r[k]:.2g}" for k in NAMES) + " |")
    if args.examples:
        span = training_range(args.examples)
        print(f"| training runs (min / median / max of {span['runs']}) | | "
              + " | ".join("{:.2g} / {:.2g} / {:.2g}".format(*span[k]) for k in LOG_RANGES) + " | |")


if __name__ == "__main__":
    main()
