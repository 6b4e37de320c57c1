"""End-to-end call-somatic on the bundled testdata with the shipped tumor-normal model."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import pysam
import pysam.bcftools  # the dispatcher is a submodule "import pysam" does not load
import pytest

from cli_helpers import genomeml_exe
from genomeml.evaluate.somatic import evaluate_somatic

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "testdata" / "somatic"
EXE = genomeml_exe()
REGION = "chr20:100001-130000"


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([EXE, *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


def call(out: Path, *extra: str, tumor: Path = DATA / "tumor.bam", normal: Path | None = DATA / "normal.bam",
         check: bool = True) -> subprocess.CompletedProcess:
    args = ["call-somatic", "--ref", str(DATA / "ref.fa"), "--tumor", str(tumor), "--output", str(out),
            "--regions", REGION, *extra]
    if normal is not None:
        args += ["--normal", str(normal)]
    return run(*args, check=check)


@pytest.fixture(scope="module")
def calls(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("call") / "calls.vcf.gz"
    call(out, "--threads", "1")
    return out


def test_recalls_known_somatic_variants(calls):
    metrics = evaluate_somatic(DATA / "truth.somatic.vcf.gz", calls, DATA / "ref.fa", min_vaf=0.1,
                               germline=DATA / "truth.germline.vcf.gz")
    assert metrics["snv"]["recall"] >= 0.8, metrics["snv"]
    assert metrics["indel"]["recall"] >= 0.6, metrics["indel"]
    assert metrics["snv"]["precision"] >= 0.8 and metrics["indel"]["precision"] >= 0.6
    assert metrics["germline_fp"] == 0


def test_germline_variants_marked_germline(calls):
    germline = {(r.chrom, r.pos, r.ref, r.alts[0]) for r in pysam.VariantFile(str(DATA / "truth.germline.vcf.gz"))}
    status = {(r.chrom, r.pos, r.ref, r.alts[0]): list(r.filter.keys())[0]
              for r in pysam.VariantFile(str(calls))}
    found = [status[k] for k in germline if k in status]
    assert len(found) >= 0.9 * len(germline)
    assert sum(s == "GERMLINE" for s in found) >= 0.9 * len(found)


def test_vcf_header_and_samples(calls):
    with pysam.VariantFile(str(calls)) as vcf:
        header = str(vcf.header)
        assert list(vcf.header.samples) == ["TUMOR", "NORMAL"]
        for key in ("GT", "GQ", "DP", "AD", "VAF"):
            assert key in vcf.header.formats
        assert {"PASS", "GERMLINE", "RefCall"} <= set(vcf.header.filters.keys())
        records = list(vcf)
    assert "##genomeml_command=" in header and "##genomeml_model=somatic-illumina-tn" in header
    assert records, "no records"
    assert all(len(r.filter.keys()) == 1 for r in records)
    stats = pysam.bcftools.stats(str(calls))
    assert "number of records:\t" in stats


def test_same_input_same_output(calls, tmp_path):
    """Other output name, other thread count: the same bytes (the header records neither)."""
    again = tmp_path / "again.vcf.gz"
    call(again, "--threads", "2")                     # other thread count, other shard scheduling
    assert again.read_bytes() == calls.read_bytes()
    with gzip.open(again, "rt") as handle:
        meta = [line for line in handle if line.startswith("##genomeml_")]
    assert f"##genomeml_regions={REGION}\n" in meta
    command = [line for line in meta if line.startswith("##genomeml_command=")][0]
    assert "--tumor" in command and "--output" not in command and "--threads" not in command


def test_same_command_same_bytes(tmp_path):
    """The identical command (relative output name) run in two directories writes identical files."""
    outputs = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        proc = subprocess.run([EXE, "call-somatic", "--ref", str(DATA / "ref.fa"), "--tumor", str(DATA / "tumor.bam"),
                               "--normal", str(DATA / "normal.bam"), "--output", "calls.vcf.gz", "--regions",
                               "chr20:100001-110000", "--threads", "2"], cwd=tmp_path / name, capture_output=True,
                              text=True)
        assert proc.returncode == 0, proc.stderr
        outputs.append((tmp_path / name / "calls.vcf.gz").read_bytes())
    assert outputs[0] == outputs[1] and len(outputs[0]) > 100


def test_tumor_only_not_available_yet(tmp_path):
    out = tmp_path / "x.vcf.gz"
    proc = call(out, normal=None, check=False)
    assert proc.returncode != 0 and "tumor-only" in proc.stderr
    assert not out.exists()


def _error(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode != 0
    lines = [l for l in proc.stderr.splitlines() if l.strip()]
    assert len(lines) == 1 and lines[0].startswith("genomeml: error:"), proc.stderr
    return lines[0]


def test_missing_index(tmp_path):
    bam = tmp_path / "t.bam"
    shutil.copy(DATA / "tumor.bam", bam)
    out = tmp_path / "x.vcf.gz"
    assert "index" in _error(call(out, tumor=bam, check=False))
    assert not out.exists()


def test_contig_mismatch(tmp_path):
    ref = tmp_path / "other.fa"
    ref.write_text(">chr20\n" + "ACGT" * 1000 + "\n")
    out = tmp_path / "x.vcf.gz"
    proc = run("call-somatic", "--ref", str(ref), "--tumor", str(DATA / "tumor.bam"), "--normal",
               str(DATA / "normal.bam"), "--output", str(out), check=False)
    assert "another reference" in _error(proc)
    assert not out.exists()


def test_region_outside_reference(tmp_path):
    out = tmp_path / "x.vcf.gz"
    proc = run("call-somatic", "--ref", str(DATA / "ref.fa"), "--tumor", str(DATA / "tumor.bam"), "--normal",
               str(DATA / "normal.bam"), "--output", str(out), "--regions", "chr20:300001-300100", check=False)
    assert "beyond the end" in _error(proc)


def test_empty_region_gives_valid_empty_vcf(tmp_path):
    out = tmp_path / "x.vcf.gz"
    run("call-somatic", "--ref", str(DATA / "ref.fa"), "--tumor", str(DATA / "tumor.bam"), "--normal",
        str(DATA / "normal.bam"), "--output", str(out), "--regions", "chr20:1-50000")
    with pysam.VariantFile(str(out)) as vcf:
        assert list(vcf) == []


def test_no_read_groups_falls_back_to_file_names(tmp_path):
    bams = {}
    for name in ("tumor", "normal"):
        with pysam.AlignmentFile(str(DATA / f"{name}.bam")) as src:
            header = src.header.to_dict()
            header.pop("RG", None)
            path = tmp_path / f"{name}sample.bam"
            with pysam.AlignmentFile(str(path), "wb", header=header) as dst:
                for read in src.fetch("chr20", 100000, 105000):
                    read.set_tag("RG", None)
                    dst.write(read)
        pysam.index(str(path))
        bams[name] = path
    out = tmp_path / "x.vcf.gz"
    proc = call(out, tumor=bams["tumor"], normal=bams["normal"])
    assert "no read group" in proc.stderr
    with pysam.VariantFile(str(out)) as vcf:
        assert list(vcf.header.samples) == ["tumorsample", "normalsample"]
