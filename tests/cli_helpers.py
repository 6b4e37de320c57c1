"""Helpers for tests that run the genomeml command line."""

from __future__ import annotations

import sys
from pathlib import Path


def genomeml_exe() -> str:
    """The console script of the interpreter running the tests, even when its venv is not activated."""
    candidate = Path(sys.executable).parent / "genomeml"
    return str(candidate) if candidate.exists() else "genomeml"


ROOT = Path(__file__).resolve().parents[1]


def workflow_env() -> dict[str, str]:
    """Environment for a snakemake subprocess: this interpreter's genomeml first on PATH, and this
    checkout's package on PYTHONPATH (so rules run the code under test, not another install)."""
    import os
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = f"{ROOT}{os.pathsep}{env['PYTHONPATH']}" if env.get("PYTHONPATH") else str(ROOT)
    return env


def snakemake_cmd(workdir: Path, *args: str) -> list[str]:
    """``snakemake`` on the repository's Snakefile, run in ``workdir`` (nothing is written into the repo)."""
    return [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile"), "--directory", str(workdir),
            *args]


def workflow_dir(tmp: Path) -> Path:
    """A working directory where the default config's relative paths (testdata/...) resolve."""
    tmp.mkdir(parents=True, exist_ok=True)
    for name in ("testdata", "workflows"):
        (tmp / name).symlink_to(ROOT / name)
    return tmp


def run_shrunk_workflow(tmp: Path, target: str, section: str, settings: dict) -> Path:
    """Run ``target`` with the default config's ``section`` replaced by toy ``settings`` (a training
    recipe shrunk to a few simulations and one epoch); returns the workflow's output directory."""
    import subprocess

    import yaml
    work = workflow_dir(tmp)
    config = yaml.safe_load((work / "workflows" / "config" / "config.yaml").read_text())
    config[section] = settings
    (work / "shrunk.yaml").write_text(yaml.safe_dump(config))
    proc = subprocess.run(snakemake_cmd(work, "--cores", "2", target, "--configfile", str(work / "shrunk.yaml")),
                          env=workflow_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return work / "out" / "workflow"
