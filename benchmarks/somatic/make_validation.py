#!/usr/bin/env python
"""Extra validation simulations for comparing somatic models: more of the recipe's plan, never trained on.

``somatic_plan(n_train, n_valid + extra, seed)`` draws the same first 128 + 18 simulations as the
recipe and then ``extra`` more; those are simulated here (BAMs kept) and turned into labeled
examples once per example setting asked for, from the same reads, so a model made with indel
realignment (or second-mate indels) and one made without are scored on the same simulated pairs.

    python benchmarks/somatic/make_validation.py --workdir W [--first 146 --count 36]
        [--flavor plain --flavor realigned --flavor second_mate] [--long-indels] [--flank-indels] [--threads 2]

Writes W/sims/simNNN/ and W/<flavor>/simNNN.npz.

``--configs DIR`` re-simulates the pairs whose simulation.json lie in DIR/sim*/ instead (e.g. an
older recipe's validation sims, whose BAMs the recipe deleted). With ``--stage simulate`` under an
older checkout on PYTHONPATH it rebuilds them with that checkout's simulator; ``--stage examples``
then makes the examples with this one:

    PYTHONPATH=OLD python .../make_validation.py --workdir W --configs DIR --stage simulate
    python .../make_validation.py --workdir W --configs DIR --stage examples
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from genomeml.parallel import run_jobs
from genomeml.train.recipe import simulation_config, somatic_plan

# example options per flavor (make-examples --realign-indels / --second-mate-indels)
FLAVORS = {"plain": {}, "realigned": {"realign_indels": True}, "second_mate": {"second_mate_indels": True}}
SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "GRCh38_chr20_0_200000.fa"


def _config(name: str, source: Path, sim: Path):
    """The SomaticSimConfig of a recipe simulation (a SimPlan) or of a simulation.json's record."""
    from genomeml.simulate.somatic import SomaticSimConfig
    if isinstance(source, Path):
        config = json.loads((source / name / "simulation.json").read_text())["config"]
        if config.get("ref"):
            config["ref"] = str(SOURCE)
        return SomaticSimConfig(out=str(sim), **config)
    return simulation_config(source, str(sim), str(SOURCE))


def _one(args: tuple) -> str:
    name, source, workdir, flavors, stages = args
    sim = Path(workdir) / "sims" / name
    config = _config(name, source, sim)
    if "simulate" in stages and not (sim / "normal.bam.bai").exists():
        from genomeml.simulate.somatic import simulate_somatic
        simulate_somatic(config)
    if "examples" not in stages:
        return name
    from genomeml.somatic.make_examples import make_examples
    for flavor in flavors:
        out = Path(workdir) / flavor / f"{name}.npz"
        if not out.exists():
            out.parent.mkdir(parents=True, exist_ok=True)
            make_examples(str(sim / "ref.fa"), str(sim / "tumor.bam"), str(sim / "normal.bam"), out,
                          regions=list(config.regions), truth_somatic=str(sim / "truth.somatic.vcf.gz"),
                          truth_germline=str(sim / "truth.germline.vcf.gz"), threads=1, seed=config.seed,
                          **FLAVORS[flavor])
    return name


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--workdir", required=True, type=Path)
    ap.add_argument("--first", type=int, default=146, help="first simulation index (the recipe uses 0-145)")
    ap.add_argument("--count", type=int, default=36)
    ap.add_argument("--seed", type=int, default=2024, help="the recipe's plan seed")
    ap.add_argument("--flavor", action="append", choices=sorted(FLAVORS))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--long-indels", action="store_true", help="the plan of train somatic-recipe --long-indels")
    ap.add_argument("--flank-indels", action="store_true", help="the plan of train somatic-recipe --flank-indels")
    ap.add_argument("--configs", type=Path, help="re-simulate DIR/sim*/simulation.json instead of the plan")
    ap.add_argument("--stage", choices=["simulate", "examples", "both"], default="both")
    args = ap.parse_args()
    if args.configs:
        jobs = [(d.name, args.configs) for d in sorted(args.configs.glob("sim*")) if (d / "simulation.json").exists()]
    else:
        train, valid = somatic_plan(128, args.first + args.count - 128, args.seed, args.long_indels,
                                    args.flank_indels)
        jobs = [(p.name, p) for p in (train + valid)[args.first:args.first + args.count]]
    stages = ("simulate", "examples") if args.stage == "both" else (args.stage,)
    flavors = args.flavor or sorted(FLAVORS)
    done = run_jobs(_one, [(name, source, str(args.workdir), flavors, stages) for name, source in jobs],
                    args.threads)
    print(f"{len(done)} simulations in {args.workdir}: {done[0]}..{done[-1]}")


if __name__ == "__main__":
    main()
