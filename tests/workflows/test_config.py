"""A bad workflow config stops at validation, before any job, with one genomeml-style line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from cli_helpers import snakemake_cmd, workflow_dir, workflow_env


@pytest.fixture
def work(tmp_path) -> Path:
    return workflow_dir(tmp_path / "work")


def _fails(work: Path, *args: str) -> str:
    proc = subprocess.run(snakemake_cmd(work, "-n", *args), env=workflow_env(), capture_output=True, text=True)
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("genomeml: error: "), proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    assert not (work / "out").exists()
    return last


def _config(work: Path, text: str) -> str:
    path = work / "my.yaml"
    path.write_text(text)
    return str(path)


def test_unknown_top_level_key(work):
    line = _fails(work, "--config", "outdri=x")
    assert "outdri" in line and "not allowed" in line


def test_unknown_nested_key_names_its_section(work):
    config = _config(work, "outdir: out\nsomatic:\n  samples: workflows/config/pairs.tsv\n  ref: testdata/somatic/ref.fa\n"
                           "  shard_sise: 5000\n")
    line = _fails(work, "--configfile", config)
    assert "my.yaml: somatic:" in line and "shard_sise" in line


def test_wrong_type(work):
    config = _config(work, "outdir: out\nsomatic:\n  samples: workflows/config/pairs.tsv\n  ref: testdata/somatic/ref.fa\n"
                           "  shard_size: lots\n")
    line = _fails(work, "--configfile", config)
    assert "somatic.shard_size" in line and "'lots'" in line


def test_missing_sample_sheet(work):
    line = _fails(work, "--config", "somatic={'samples': 'nope.tsv'}")
    assert line == "genomeml: error: nope.tsv: sample sheet not found"


def test_sample_sheet_naming_a_missing_bam(work):
    (work / "pairs.tsv").write_text("pair\ttumor\tnormal\np1\ttestdata/somatic/tumor.bam\tmissing/normal.bam\n")
    line = _fails(work, "--config", "somatic={'samples': 'pairs.tsv'}")
    assert line == "genomeml: error: pairs.tsv:2: missing/normal.bam: file not found"


def test_region_outside_the_reference(work):
    line = _fails(work, "--config", "somatic={'regions': ['chr20:300001-300100']}")
    assert "beyond the end" in line
