#!/usr/bin/env python
"""Extra validation simulations for comparing somatic models: more of the recipe's plan, never trained on.

``somatic_plan(n_train, n_valid + extra, seed)`` draws the same first 128 + 18 simulations as the
recipe and then ``extra`` more; those are simulated here (BAMs kept) and turned into labeled
examples once per example setting asked for, from the same reads, so a model made with indel
realignment and one made without are scored on the same simulated pairs.

    python benchmarks/somatic/make_validation.py --workdir W [--first 146 --count 36]
        [--flavor plain --flavor realigned] [--threads 2]

Writes W/sims/simNNN/ and W/<flavor>/simNNN.npz.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from genomeml.parallel import run_jobs
from genomeml.train.recipe import example_regions, simulation_config, somatic_plan

FLAVORS = {"plain": False, "realigned": True}
SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "GRCh38_chr20_0_200000.fa"


def _one(args: tuple) -> str:
    plan, workdir, flavors = args
    from genomeml.simulate.somatic import simulate_somatic
    from genomeml.somatic.make_examples import make_examples
    sim = Path(workdir) / "sims" / plan.name
    if not (sim / "normal.bam.bai").exists():
        simulate_somatic(simulation_config(plan, str(sim), str(SOURCE)))
    for flavor in flavors:
        out = Path(workdir) / flavor / f"{plan.name}.npz"
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            make_examples(str(sim / "ref.fa"), str(sim / "tumor.bam"), str(sim / "normal.bam"), out,
                          regions=example_regions(plan), truth_somatic=str(sim / "truth.somatic.vcf.gz"),
                          truth_germline=str(sim / "truth.germline.vcf.gz"), threads=1, seed=plan.seed,
                          realign_indels=FLAVORS[flavor])
    return plan.name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", required=True, type=Path)
    ap.add_argument("--first", type=int, default=146, help="first simulation index (the recipe uses 0-145)")
    ap.add_argument("--count", type=int, default=36)
    ap.add_argument("--seed", type=int, default=2024, help="the recipe's plan seed")
    ap.add_argument("--flavor", action="append", choices=sorted(FLAVORS))
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    train, valid = somatic_plan(128, args.first + args.count - 128, args.seed)
    plans = (train + valid)[args.first:args.first + args.count]
    flavors = args.flavor or sorted(FLAVORS)
    done = run_jobs(_one, [(p, str(args.workdir), flavors) for p in plans], args.threads)
    print(f"{len(done)} simulations in {args.workdir}: {done[0]}..{done[-1]}")


if __name__ == "__main__":
    main()
