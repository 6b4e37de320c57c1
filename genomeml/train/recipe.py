"""The recipe that rebuilds the shipped somatic models from scratch: simulate a spread of
tumor/normal pairs, make labeled examples, train the tumor-normal and tumor-only CNNs.

Training sequence is the real chr20 stretch 60,001-130,000 of the shared GRCh38 piece
plus synthetic genomes; chr20:130,001-200,000 and the hs37d5 sequence stay unseen for
benchmarks.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from genomeml.errors import GenomemlError
from genomeml.parallel import run_jobs

log = logging.getLogger(__name__)

TRAINING_REGION = "chr20:60001-130000"
MEMBERS = 2   # CNNs averaged into each shipped somatic model
REALIGN_INDELS = False   # the shipped model's examples count only the indels alignments show
SECOND_MATE_INDELS = True   # ... but, where mates overlap, also the indels only the second mate shows
LONG_INDELS = True   # the shipped model's simulations add a share of 6-20 bp indels to the 1-5 bp ones
LONG_INDEL_SHARES = (0.0, 0.1, 0.2, 0.3)   # per simulation, with LONG_INDELS: share drawn from the 6-20 bp tail
FLANK_INDELS = True   # ... and place a share of germline indels beside homopolymers (by chance only ~1%)
FLANK_INDEL_SHARES = (0.0, 0.1, 0.2, 0.3)   # per simulation, with FLANK_INDELS: share of germline indels there
# examples carry each run's own error rates (pileup.error_rates), and a simulated run's indel error
# and stutter rates are scaled by 10 ** U(INDEL_ERROR_SCALE_LOG10): down to art_illumina's clean runs.
# A share of the runs keeps the real-like rates unscaled (candidate H): G scaled every run and lost real
# long indels, so H keeps the real reads' noisy regime in half of its training.
SAMPLE_ERROR_RATES = False
INDEL_ERROR_SCALE_LOG10 = (-1.3, 0.0)
UNSCALED_SHARE = 0.5


@dataclass
class SimPlan:
    name: str
    synthetic: int | None
    tumor_depth: float
    normal_depth: float
    purity: float
    contamination: float
    germline_rate: float
    somatic_rate: float
    paralogs: float
    allelic_bias: float
    seed: int
    vntrs: float = 0.0
    aligner: str = "minimap2"
    long_indels: float = 0.0
    flank_indels: float = 0.0
    indel_error_scale: float = 1.0


def somatic_plan(n_train: int = 128, n_valid: int = 18, seed: int = 2024, long_indels: bool = LONG_INDELS,
                 flank_indels: bool = FLANK_INDELS,
                 sample_error_rates: bool = SAMPLE_ERROR_RATES) -> tuple[list[SimPlan], list[SimPlan]]:
    """Simulation settings spread over depths, purities, contamination and sequence sources.

    ``long_indels`` gives each simulation a share of 6-20 bp indels, ``flank_indels`` a share of
    germline indels beside homopolymers, each from its own random stream, so every other setting
    is the same with and without them.
    """
    rng = np.random.default_rng(seed)
    vntr_rng = np.random.default_rng([seed, 1])   # own streams: the other draws stay as they were
    rate_rng = np.random.default_rng([seed, 2])
    aligner_rng = np.random.default_rng([seed, 3])
    long_rng = np.random.default_rng([seed, 4])
    flank_rng = np.random.default_rng([seed, 5])
    scale_rng = np.random.default_rng([seed, 6])
    unscaled_rng = np.random.default_rng([seed, 7])   # so the scaled runs keep candidate G's scales
    plans = []
    for i in range(n_train + n_valid):
        scale = 1.0
        if sample_error_rates:
            drawn = float(f"{10 ** scale_rng.uniform(*INDEL_ERROR_SCALE_LOG10):.4g}")   # every run: G's scales
            scale = 1.0 if unscaled_rng.uniform() < UNSCALED_SHARE else drawn
        plans.append(SimPlan(
            name=f"sim{i:03d}",
            synthetic=None if i % 2 == 0 else 100_000,
            tumor_depth=float(np.round(rng.uniform(12, 110))),
            normal_depth=float(np.round(rng.uniform(10, 60))),
            purity=float(np.round(rng.uniform(0.3, 1.0), 2)),
            contamination=float(rng.choice([0.0, 0.0, 0.0, 0.0, 0.01, 0.03, 0.05])),
            germline_rate=float(np.round(rng.uniform(0.6e-3, 1.5e-3), 5)),
            # log-uniform 1e-4..1e-3: still far above real tumors (1e-6..1e-5), but a low-evidence
            # candidate is no longer somatic as often as at a flat 1e-3
            somatic_rate=float(np.round(10 ** rate_rng.uniform(-4, -3), 6)),
            paralogs=float(rng.choice([0.0, 2.0, 4.0, 8.0])),
            allelic_bias=float(rng.choice([0.0, 0.1, 0.2, 0.3])),
            seed=int(seed * 1000 + i),
            vntrs=0.0 if i % 2 == 0 else float(vntr_rng.choice([0.0, 2.0, 4.0, 8.0])),
            # half the pairs through bwa mem, what most users' BAMs come from: its gap placement next
            # to other indels and its soft clips are artifacts the model must have seen
            aligner=str(aligner_rng.choice(["minimap2", "bwa"])),
            long_indels=float(long_rng.choice(LONG_INDEL_SHARES)) if long_indels else 0.0,
            flank_indels=float(flank_rng.choice(FLANK_INDEL_SHARES)) if flank_indels else 0.0,
            indel_error_scale=scale,
        ))
    return plans[:n_train], plans[n_train:]


def recipe_data(n_train: int = 128, n_valid: int = 18, seed: int = 2024, long_indels: bool = LONG_INDELS,
                flank_indels: bool = FLANK_INDELS, sample_error_rates: bool = SAMPLE_ERROR_RATES) -> dict:
    """The card's record of the training data (the "data" entry of the card's "training" section)."""
    train_plan, valid_plan = somatic_plan(n_train, n_valid, seed, long_indels, flank_indels, sample_error_rates)
    return {"recipe": "genomeml.train.recipe.somatic_plan", "recipe_seed": seed,
            "training_region": TRAINING_REGION, "synthetic_length": 100_000,
            "simulations": [plan_record(p) for p in train_plan],
            "validation_simulations": [plan_record(p) for p in valid_plan]}


def plan_record(plan: SimPlan) -> dict:
    """A plan as cards record it; an unscaled run's indel_error_scale is left out, as cards from
    before the setting have it."""
    record = asdict(plan)
    if record["indel_error_scale"] == 1.0:
        del record["indel_error_scale"]
    return record


def simulation_config(plan: SimPlan, out: str, source: str):
    """The SomaticSimConfig of one planned simulation."""
    from genomeml.simulate.somatic import SomaticSimConfig
    return SomaticSimConfig(out=out, ref=None if plan.synthetic else source, synthetic=plan.synthetic,
                            regions=() if plan.synthetic else (TRAINING_REGION,), tumor_depth=plan.tumor_depth,
                            normal_depth=plan.normal_depth, purity=plan.purity, contamination=plan.contamination,
                            somatic_rate=plan.somatic_rate, germline_rate=plan.germline_rate, seed=plan.seed,
                            threads=1, paralogs=plan.paralogs, allelic_bias=plan.allelic_bias,
                            vntrs=plan.vntrs, aligner=plan.aligner, long_indels=plan.long_indels,
                            flank_indels=plan.flank_indels, indel_error_scale=plan.indel_error_scale)


def simulation_options(plan: SimPlan, source: str) -> list[str]:
    """``genomeml simulate somatic`` options for :func:`simulation_config` (the train workflow's jobs)."""
    where = ["--synthetic", str(plan.synthetic)] if plan.synthetic else ["--ref", source, "--regions", TRAINING_REGION]
    return where + ["--tumor-depth", repr(plan.tumor_depth), "--normal-depth", repr(plan.normal_depth),
                    "--purity", repr(plan.purity), "--contamination", repr(plan.contamination),
                    "--somatic-rate", repr(plan.somatic_rate), "--germline-rate", repr(plan.germline_rate),
                    "--paralogs", repr(plan.paralogs), "--allelic-bias", repr(plan.allelic_bias),
                    "--vntrs", repr(plan.vntrs), "--aligner", plan.aligner, "--long-indels", repr(plan.long_indels),
                    "--flank-indels", repr(plan.flank_indels), "--indel-error-scale", repr(plan.indel_error_scale),
                    "--seed", str(plan.seed), "--threads", "1"]


def example_regions(plan: SimPlan) -> list[str]:
    """The regions the recipe makes examples in (all of a synthetic genome, else the training stretch)."""
    return [] if plan.synthetic else [TRAINING_REGION]


def simulated_examples(workdir: str | os.PathLike, name: str, build: Callable[[Path, Path], dict],
                       scratch: Sequence[str], config: dict, options: dict | None = None) -> dict:
    """One recipe job: ``build(sim_dir, examples)`` simulates and writes the examples, then the
    ``scratch`` files (reads, BAMs) go: the examples hold what training needs.

    Examples already there are kept only if their simulation had this ``config`` (the
    config_record in its simulation.json) and they were made with these example ``options``
    (their example_info.json): a rerun with other settings in the same workdir must rebuild
    them, not train on the old ones.
    """
    sim_dir = Path(workdir) / "sims" / name
    examples = Path(workdir) / "examples" / f"{name}.npz"
    if examples.exists():
        if _made_as(sim_dir, examples, config, options or {}):
            return {"name": name, "examples": str(examples), "cached": True}
        log.info("%s: made with other settings, rebuilt", examples)
    started = time.time()
    summary = build(sim_dir, examples)
    for file in scratch:
        (sim_dir / file).unlink()
    return {"name": name, "seconds": round(time.time() - started, 1), **summary, "examples": str(examples)}


def _made_as(sim_dir: Path, examples: Path, config: dict, options: dict) -> bool:
    from genomeml.somatic.dataset import example_options
    try:
        simulated = json.loads((sim_dir / "simulation.json").read_text())["config"]
        made = example_options([examples])
    except (OSError, ValueError, KeyError):
        return False
    return (simulated == json.loads(json.dumps(config))
            and all(made.get(key, False) == bool(on) for key, on in options.items()))


def _simulate_and_examples(args: tuple[SimPlan, str, str, dict]) -> dict:
    plan, workdir, source, options = args
    from genomeml.simulate.common import config_record
    from genomeml.simulate.somatic import simulate_somatic
    from genomeml.somatic.make_examples import make_examples

    def build(sim_dir: Path, examples: Path) -> dict:
        simulate_somatic(simulation_config(plan, str(sim_dir), source))
        return make_examples(str(sim_dir / "ref.fa"), str(sim_dir / "tumor.bam"), str(sim_dir / "normal.bam"),
                             examples, regions=example_regions(plan),
                             truth_somatic=str(sim_dir / "truth.somatic.vcf.gz"),
                             truth_germline=str(sim_dir / "truth.germline.vcf.gz"), threads=1, seed=plan.seed,
                             realign_indels=options["indel_realignment"],
                             second_mate_indels=options["second_mate_indels"],
                             sample_error_rates=options["sample_error_rates"])
    # keep truth and config only
    return simulated_examples(workdir, plan.name, build, ("tumor.bam", "tumor.bam.bai", "normal.bam", "normal.bam.bai"),
                              config_record(simulation_config(plan, "", source)), options)


def build_somatic_examples(workdir: str | os.PathLike, source_fasta: str, threads: int = 2,
                           n_train: int = 128, n_valid: int = 18, seed: int = 2024,
                           realign_indels: bool = REALIGN_INDELS,
                           long_indels: bool = LONG_INDELS,
                           flank_indels: bool = FLANK_INDELS,
                           second_mate_indels: bool = SECOND_MATE_INDELS,
                           sample_error_rates: bool = SAMPLE_ERROR_RATES) -> tuple[list[str], list[str], list[dict]]:
    from genomeml.somatic.examples import ExampleSettings
    if not Path(source_fasta).exists():
        raise GenomemlError(f"{source_fasta}: training sequence not found (the shared GRCh38 chr20 piece)")
    train, valid = somatic_plan(n_train, n_valid, seed, long_indels, flank_indels, sample_error_rates)
    options = ExampleSettings(realign_indels=realign_indels, second_mate_indels=second_mate_indels,
                              sample_error_rates=sample_error_rates).options()
    jobs = [(p, str(workdir), source_fasta, options) for p in train + valid]
    results = run_jobs(_simulate_and_examples, jobs, threads)
    files = [r["examples"] for r in results]
    return files[:len(train)], files[len(train):], results


def retrain_somatic(workdir: str | os.PathLike, source_fasta: str, models_dir: str | os.PathLike,
                    threads: int = 2, n_train: int = 128, n_valid: int = 18, seed: int = 2024,
                    epochs: int = 15, tumor_only_too: bool = False, members: int = MEMBERS,
                    realign_indels: bool = REALIGN_INDELS, long_indels: bool = LONG_INDELS,
                    flank_indels: bool = FLANK_INDELS, second_mate_indels: bool = SECOND_MATE_INDELS,
                    sample_error_rates: bool = SAMPLE_ERROR_RATES) -> dict:
    """Rebuild the shipped somatic model(s) from scratch into ``models_dir``.

    Each model is the mean of ``members`` CNNs trained from seeds ``seed``, ``seed + 1``, ...
    (kept in ``workdir/members``), its threshold chosen for the mean, as the train workflow does.
    """
    from genomeml.train.somatic import ensemble_somatic, train_somatic
    started = time.time()
    train_files, valid_files, results = build_somatic_examples(workdir, source_fasta, threads, n_train, n_valid, seed,
                                                               realign_indels, long_indels, flank_indels,
                                                               second_mate_indels, sample_error_rates)
    data_seconds = round(time.time() - started, 1)
    extra = {"data": {**recipe_data(n_train, n_valid, seed, long_indels, flank_indels, sample_error_rates),
                      "data_seconds": data_seconds}}
    cards = {}
    wanted = [("somatic_illumina_tn", False)] + ([("somatic_illumina_to", True)] if tumor_only_too else [])
    for name, tumor_only in wanted:
        seeds = member_seeds(seed, members)
        paths = [member_path(workdir, name, s) for s in seeds]
        for path, member_seed in zip(paths, seeds):
            if finished_member(path, train_files, valid_files, member_seed, epochs, tumor_only, extra["data"]):
                log.info("%s: kept, trained earlier on the same examples, seed and epochs", path)
                continue
            train_somatic(train_files, valid_files, path, tumor_only=tumor_only, epochs=epochs, seed=member_seed,
                          threads=threads, extra_card=extra)
        cards[name] = ensemble_somatic(paths, valid_files, Path(models_dir) / f"{name}.keras", threads, extra)
    return {name: card["metrics"] for name, card in cards.items()}


def finished_member(path: Path, train_files: Sequence[str], valid_files: Sequence[str], seed: int, epochs: int,
                    tumor_only: bool, data: dict) -> bool:
    """Whether ``path`` already holds this member, so an interrupted recipe resumes instead of
    spending another hour retraining it. Its card must name the same simulations, example files,
    seed and epochs; anything else (an older recipe, other options) is retrained."""
    card_path = path.with_suffix(".json")
    if not (path.exists() and card_path.exists()):
        return False
    try:
        card = json.loads(card_path.read_text())
        training = card["training"]
        return (training["seed"] == seed and training["epochs"] == epochs and card["tumor_only"] == tumor_only
                and training["train_files"] == [Path(f).name for f in train_files]
                and training["validation_files"] == [Path(f).name for f in valid_files]
                and training["data"]["simulations"] == json.loads(json.dumps(data["simulations"]))
                and training["data"]["validation_simulations"]
                == json.loads(json.dumps(data["validation_simulations"])))
    except (ValueError, KeyError, TypeError):
        return False


def member_seeds(seed: int, members: int = MEMBERS) -> list[int]:
    """The training seeds of a shipped model's members (the recipe's and the train workflow's)."""
    return [seed + k for k in range(members)]


def member_path(workdir: str | os.PathLike, name: str, seed: int | str) -> Path:
    """Where the recipe, and the train workflow (``seed`` = "{seed}", its wildcard), keep one member."""
    return Path(workdir) / "members" / f"{name}.seed{seed}.keras"
