"""The polish workflow on testdata: merged FASTA and edits VCF equal one direct genomeml polish run.

The merge itself is tested in tests/polish/test_merge.py.
"""

from __future__ import annotations

import subprocess

import yaml

from cli_helpers import genomeml_exe, snakemake_cmd, workflow_dir, workflow_env


def test_merged_polish_equals_a_single_run(tmp_path):
    work = workflow_dir(tmp_path / "work")
    env = workflow_env()
    config = yaml.safe_load((work / "workflows" / "config" / "config.yaml").read_text())
    config["polish"].update(shard_size=10_000, threads=1)      # the ~30 kb draft becomes 3-4 shards
    (work / "small_shards.yaml").write_text(yaml.safe_dump(config))
    proc = subprocess.run(snakemake_cmd(work, "--cores", "2", "polish", "--configfile", str(work / "small_shards.yaml")),
                          env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    direct = subprocess.run([genomeml_exe(), "polish", "--assembly", "testdata/assembly/draft.fa",
                             "--reads", "testdata/assembly/reads.bam", "--threads", "2",
                             "--output", "direct.fa", "--vcf", "direct.vcf.gz"],
                            cwd=work, env=env, capture_output=True, text=True)
    assert direct.returncode == 0, direct.stderr
    out = work / "out" / "workflow" / "polish"
    shards = list((out / "testdata" / "shards").glob("*.edits.vcf.gz"))
    draft_length = int((work / "testdata" / "assembly" / "draft.fa.fai").read_text().split("\t")[1])
    assert len(shards) == -(-draft_length // 10_000) >= 3     # the ~30 kb draft really was cut
    assert (out / "testdata.fa").read_bytes() == (work / "direct.fa").read_bytes()
    assert (out / "testdata.fa.fai").read_bytes() == (work / "direct.fa.fai").read_bytes()
    assert (out / "testdata.edits.vcf.gz").read_bytes() == (work / "direct.vcf.gz").read_bytes()
