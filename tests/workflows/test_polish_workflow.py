"""The polish workflow on testdata: merged FASTA and edits VCF equal one direct genomeml polish run.

Skipped until ``genomeml polish`` exists (issue 5); the merge itself is tested in tests/polish/test_merge.py.
"""

from __future__ import annotations

import subprocess

import pytest

from cli_helpers import genomeml_exe, snakemake_cmd, workflow_dir, workflow_env


def _polish_available() -> bool:
    proc = subprocess.run([genomeml_exe(), "polish", "--help"], env=workflow_env(), capture_output=True)
    return proc.returncode == 0


pytestmark = pytest.mark.skipif(not _polish_available(), reason="genomeml polish is not available yet (issue 5)")


def test_merged_polish_equals_a_single_run(tmp_path):
    work = workflow_dir(tmp_path / "work")
    env = workflow_env()
    proc = subprocess.run(snakemake_cmd(work, "--cores", "2", "polish", "--config", "polish={'shard_size': 1000}"),
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    direct = subprocess.run([genomeml_exe(), "polish", "--assembly", "testdata/assembly/draft.fa",
                             "--reads", "testdata/assembly/reads.bam", "--threads", "2",
                             "--output", "direct.fa", "--vcf", "direct.vcf.gz"],
                            cwd=work, env=env, capture_output=True, text=True)
    assert direct.returncode == 0, direct.stderr
    out = work / "out" / "workflow" / "polish"
    assert (out / "testdata.fa").read_bytes() == (work / "direct.fa").read_bytes()
    assert (out / "testdata.edits.vcf.gz").read_bytes() == (work / "direct.vcf.gz").read_bytes()
