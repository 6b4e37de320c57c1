"""Dry runs resolve with each cluster profile: every target's DAG builds, every job has its resources."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from cli_helpers import ROOT, snakemake_cmd, workflow_dir, workflow_env

PROFILES = {"slurm": "snakemake_executor_plugin_slurm", "kubernetes": "snakemake_executor_plugin_kubernetes"}


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return workflow_dir(tmp_path_factory.mktemp("profiles") / "work")


def dry_run(work: Path, profile: str | None, *args: str) -> dict[str, int]:
    """Job counts of a dry run (``snakemake -n``), by rule."""
    extra = []
    if profile is not None:
        pytest.importorskip(PROFILES[profile])
        extra = ["--profile", str(ROOT / "workflows" / "profiles" / profile)]
        if profile == "kubernetes":   # the fs storage plugin's prefix: here, the working directory
            pytest.importorskip("snakemake_storage_plugin_fs")
            extra += ["--default-storage-prefix", str(work)]
    proc = subprocess.run(snakemake_cmd(work, "-n", *extra, *args), env=workflow_env(), capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    text = proc.stdout + proc.stderr
    assert "This was a dry-run" in text
    stats = text.split("Job stats:", 1)[1]
    return {rule: int(n) for rule, n in re.findall(r"^(\w+)\s+(\d+)$", stats, flags=re.M) if rule != "total"}


@pytest.mark.parametrize("profile", [None, "slurm", "kubernetes"])
def test_default_target(work, profile):
    jobs = dry_run(work, profile)
    assert jobs == {"call_somatic_shard": 3, "merge_somatic": 1, "polish_shard": 1, "merge_polish": 1, "all": 1}


@pytest.mark.parametrize("profile", ["slurm", "kubernetes"])
def test_polish_target(work, profile):
    jobs = dry_run(work, profile, "polish")
    assert jobs == {"polish_shard": 1, "merge_polish": 1, "polish": 1}


@pytest.mark.parametrize("profile", ["slurm", "kubernetes"])
def test_train_target_is_the_shipped_recipe(work, profile):
    source = "testdata/somatic/ref.fa"   # stands in for the shared chr20 piece (relative: storage prefixes it)
    jobs = dry_run(work, profile, "train_somatic", "--config", f"train={{'source': '{source}'}}")
    assert jobs == {"train_plan": 1, "train_simulate": 146, "train_examples": 146, "train_member": 2, "train_model": 1,
                    "train_evaluate": 18, "train_card": 1, "train_somatic": 1}


@pytest.mark.parametrize("profile", ["slurm", "kubernetes"])
def test_train_polish_target_is_the_shipped_recipe(work, profile):
    source = "testdata/somatic/ref.fa"   # stands in for the shared chr20 piece (relative: storage prefixes it)
    jobs = dry_run(work, profile, "train_polish", "--config", f"train_polish={{'source': '{source}'}}")
    assert jobs == {"train_polish_plan": 1, "train_polish_simulate": 64, "train_polish_examples": 64,
                    "train_polish_model": 1, "train_polish_evaluate": 8, "train_polish_card": 1, "train_polish": 1}


def test_fastq_pairs_are_aligned_first(work, tmp_path):
    sheet = tmp_path / "pairs.tsv"
    fastq = ROOT / "testdata" / "assembly" / "reads.fastq.gz"   # any reads: the DAG is what is tested
    sheet.write_text(f"pair\ttumor\tnormal\np1\t{fastq}\t{ROOT / 'testdata/somatic/normal.bam'}\n")
    jobs = dry_run(work, None, "--config", f"somatic={{'samples': '{sheet}'}}")
    assert jobs == {"align_tumor_normal": 1, "call_somatic_shard": 3, "merge_somatic": 1, "polish_shard": 1,
                    "merge_polish": 1, "all": 1}


def test_a_configfile_replaces_the_default_config(work):
    """Keys a user's config leaves out take the schema's defaults, never the testdata config's values."""
    (work / "mine.yaml").write_text("outdir: out/mine\nsomatic:\n  samples: workflows/config/pairs.tsv\n"
                                    "  ref: testdata/somatic/ref.fa\n  shard_size: 150000\n")
    jobs = dry_run(work, None, "--configfile", str(work / "mine.yaml"))
    assert jobs == {"call_somatic_shard": 2, "merge_somatic": 1, "all": 1}   # the whole 200-kb reference
