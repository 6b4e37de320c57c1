"""The recipe that rebuilds the shipped HiFi polishing model from scratch: simulate drafts
and reads over a spread of depths, draft error rates and read error profiles, make
labeled windows, train.

Training sequence is chr20:60,001-130,000 of the shared GRCh38 piece (as for the
somatic model) plus synthetic genomes; chr20:130,001-200,000 (testdata) and the hs37d5
sequence (benchmarks) stay unseen.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from genomeml.errors import GenomemlError
from genomeml.parallel import run_jobs
from genomeml.train.recipe import TRAINING_REGION, simulated_examples

log = logging.getLogger(__name__)

SYNTHETIC_LENGTH = 200_000


@dataclass
class AssemblyPlan:
    name: str
    synthetic: int | None
    depth: float
    error_rate: float
    paralogs: float
    shared_errors: float
    seed: int


def polish_plan(n_train: int = 56, n_valid: int = 8, seed: int = 7) -> tuple[list[AssemblyPlan], list[AssemblyPlan]]:
    """Drafts from nearly perfect to rough (1 error per 250 bp), reads from 10x to 60x, some mis-mapped paralogs,
    20-80% of the repeat-length draft errors shared by some of the reads."""
    rng = np.random.default_rng(seed)
    plans = [AssemblyPlan(name=f"asm{i:03d}", synthetic=None if i % 3 == 0 else SYNTHETIC_LENGTH,
                          depth=float(np.round(rng.uniform(10, 60))),
                          error_rate=float(np.round(10 ** rng.uniform(np.log10(1e-4), np.log10(4e-3)), 6)),
                          paralogs=float(rng.choice([0.0, 0.0, 1.0, 3.0, 6.0])),
                          shared_errors=float(np.round(rng.uniform(0.2, 0.8), 3)),
                          seed=int(seed * 1000 + i))
             for i in range(n_train + n_valid)]
    return plans[:n_train], plans[n_train:]


def polish_recipe_data(n_train: int = 56, n_valid: int = 8, seed: int = 7) -> dict:
    """The card's record of the training data (the "data" entry of the card's "training" section)."""
    train_plan, valid_plan = polish_plan(n_train, n_valid, seed)
    return {"recipe": "genomeml.train.polish_recipe.polish_plan", "recipe_seed": seed,
            "training_region": TRAINING_REGION, "synthetic_length": SYNTHETIC_LENGTH,
            "simulations": [asdict(p) for p in train_plan],
            "validation_simulations": [asdict(p) for p in valid_plan]}


def assembly_config(plan: AssemblyPlan, out: str, source: str):
    """The AssemblySimConfig of one planned simulation."""
    from genomeml.simulate.assembly import AssemblySimConfig
    return AssemblySimConfig(out=out, ref=None if plan.synthetic else source, synthetic=plan.synthetic,
                             regions=() if plan.synthetic else (TRAINING_REGION,), platform="hifi",
                             depth=plan.depth, error_rate=plan.error_rate, paralogs=plan.paralogs,
                             shared_errors=plan.shared_errors, seed=plan.seed, threads=1)


def assembly_options(plan: AssemblyPlan, source: str) -> list[str]:
    """``genomeml simulate assembly`` options for :func:`assembly_config` (the train workflow's jobs)."""
    where = ["--synthetic", str(plan.synthetic)] if plan.synthetic else ["--ref", source, "--regions", TRAINING_REGION]
    return where + ["--platform", "hifi", "--depth", repr(plan.depth), "--error-rate", repr(plan.error_rate),
                    "--paralogs", repr(plan.paralogs), "--shared-errors", repr(plan.shared_errors),
                    "--seed", str(plan.seed), "--threads", "1"]


def _simulate_and_examples(args: tuple[AssemblyPlan, str, str]) -> dict:
    plan, workdir, source = args
    from genomeml.polish.examples import make_polish_examples
    from genomeml.simulate.assembly import simulate_assembly
    from genomeml.simulate.common import config_record

    def build(sim_dir: Path, examples: Path) -> dict:
        simulate_assembly(assembly_config(plan, str(sim_dir), source))
        summary = make_polish_examples(str(sim_dir / "draft.fa"), str(sim_dir / "reads.bam"), str(examples),
                                       truth_vcf=str(sim_dir / "draft_errors.vcf.gz"), threads=1)
        return {"windows": summary["windows"], "labeled_windows": summary["labeled_windows"]}
    return simulated_examples(workdir, plan.name, build, ("reads.bam", "reads.bam.bai", "reads.fastq.gz"),
                              config_record(assembly_config(plan, "", source)))


def retrain_polish(workdir: str | os.PathLike, source_fasta: str, models_dir: str | os.PathLike,
                   threads: int = 2, n_train: int = 56, n_valid: int = 8, seed: int = 7, epochs: int = 10) -> dict:
    """Rebuild the shipped polishing model from scratch into ``models_dir``."""
    from genomeml.train.polish import train_polish
    if not Path(source_fasta).exists():
        raise GenomemlError(f"{source_fasta}: training sequence not found (the shared GRCh38 chr20 piece)")
    started = time.time()
    train_plan, valid_plan = polish_plan(n_train, n_valid, seed)
    jobs = [(p, str(workdir), source_fasta) for p in train_plan + valid_plan]
    results = run_jobs(_simulate_and_examples, jobs, threads)
    files = [r["examples"] for r in results]
    extra = {"data": {**polish_recipe_data(n_train, n_valid, seed), "data_seconds": round(time.time() - started, 1)}}
    card = train_polish(files[:n_train], files[n_train:], Path(models_dir) / "polish_hifi.keras",
                        epochs=epochs, seed=seed, threads=threads, extra_card=extra)
    return card["metrics"]
