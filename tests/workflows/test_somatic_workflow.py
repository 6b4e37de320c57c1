"""The somatic workflow on testdata: a run killed half-way resumes with --rerun-incomplete, and the
merged VCF is byte-identical to one direct call-somatic run over the same region."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from cli_helpers import genomeml_exe, snakemake_cmd, workflow_dir, workflow_env

PAIR_VCF = Path("out/workflow/somatic/testdata.vcf.gz")
SHARDS = Path("out/workflow/somatic/testdata/shards")


def _shard_vcfs(work: Path) -> list[Path]:
    folder = work / SHARDS
    return sorted(folder.glob("*.vcf.gz"), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []


def _wait_for_shards(work: Path, n: int, proc: subprocess.Popen, timeout: float = 120) -> list[Path]:
    deadline = time.time() + timeout
    while len(found := _shard_vcfs(work)) < n:
        if proc.poll() is not None or time.time() > deadline:
            raise AssertionError(f"{n} shard VCFs never appeared (snakemake exit {proc.returncode})")
        time.sleep(0.1)
    return found


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> dict:
    """Kill a one-core run while its last shard runs, then resume it with two cores.

    With one core the jobs run one after another, so once a second shard's output appears the
    first shard's job has finished (the second's may not have: its file can exist before
    snakemake records the job as complete, and such a job is rerun)."""
    work = workflow_dir(tmp_path_factory.mktemp("somatic_wf") / "work")
    env = workflow_env()
    proc = subprocess.Popen(snakemake_cmd(work, "--cores", "1"), env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    first = _wait_for_shards(work, 2, proc)[0]
    os.killpg(proc.pid, signal.SIGKILL)                # as a lost node or an OOM kill would: no clean-up
    proc.wait()
    killed_with = [p.name for p in _shard_vcfs(work)]
    first_shard_mtime = first.stat().st_mtime_ns
    assert not (work / PAIR_VCF).exists(), "the run finished before it could be killed"
    subprocess.run(snakemake_cmd(work, "--unlock"), env=env, capture_output=True, check=True)
    resumed = subprocess.run(snakemake_cmd(work, "--cores", "2", "--rerun-incomplete"), env=env,
                             capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    direct = subprocess.run([genomeml_exe(), "call-somatic", "--ref", "testdata/somatic/ref.fa",
                             "--tumor", "testdata/somatic/tumor.bam", "--normal", "testdata/somatic/normal.bam",
                             "--regions", "chr20:100001-130000", "--threads", "2", "--output", "direct.vcf.gz"],
                            cwd=work, env=env, capture_output=True, text=True)
    assert direct.returncode == 0, direct.stderr
    return {"work": work, "killed_with": killed_with, "first_shard": first, "first_shard_mtime": first_shard_mtime,
            "log": resumed.stderr}


def test_merged_vcf_is_byte_identical_to_a_single_run(run):
    work = run["work"]
    assert (work / PAIR_VCF).read_bytes() == (work / "direct.vcf.gz").read_bytes()
    assert (work / f"{PAIR_VCF}.tbi").read_bytes() == (work / "direct.vcf.gz.tbi").read_bytes()
    assert len(list((work / SHARDS).glob("*.vcf.gz"))) == 3     # 30 kb in 10-kb shards


def test_resume_keeps_finished_shards_and_leaves_no_partial_files(run):
    work = run["work"]
    assert len(run["killed_with"]) == 2
    assert run["first_shard"].stat().st_mtime_ns == run["first_shard_mtime"]   # finished: not redone
    leftovers = [p for p in (work / "out").rglob("*") if p.name.startswith(".genomeml-") or ".tmp" in p.name]
    assert leftovers == [] or all(p.parent == work / SHARDS for p in leftovers)   # only the killed job's temp


def test_every_job_wrote_a_log_and_a_benchmark(run):
    work = run["work"] / "out" / "workflow"
    for shard in ("0000", "0001", "0002"):
        assert (work / "logs" / "call_somatic" / "testdata" / f"{shard}.log").exists()
        assert (work / "benchmarks" / "call_somatic" / "testdata" / f"{shard}.tsv").exists()
    assert (work / "benchmarks" / "merge_somatic" / "testdata.tsv").exists()
