"""End-to-end genomeml polish on the bundled HiFi draft with the shipped model."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pysam
import pysam.bcftools  # the dispatcher is a submodule "import pysam" does not load
import pytest

from cli_helpers import genomeml_exe
from genomeml.evaluate.assembly import evaluate_assembly

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "testdata" / "assembly"
EXE = genomeml_exe()


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([EXE, *args], capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(proc.stderr)
    return proc


def polish(out_dir: Path, draft: Path = DATA / "draft.fa", reads: Path = DATA / "reads.bam", *extra: str,
           check: bool = True) -> subprocess.CompletedProcess:
    return run("polish", "--assembly", str(draft), "--reads", str(reads), "--output", str(out_dir / "polished.fa"),
               "--vcf", str(out_dir / "edits.vcf.gz"), *extra, check=check)


def read_fasta(path: Path) -> dict[str, str]:
    with pysam.FastxFile(str(path)) as handle:
        return {rec.name: rec.sequence for rec in handle}


@pytest.fixture(scope="module")
def polished(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("polish")
    polish(out)
    return out


def test_fixes_most_draft_errors(polished):
    before = evaluate_assembly(DATA / "truth.fa", DATA / "draft.fa")
    after = evaluate_assembly(DATA / "truth.fa", polished / "polished.fa")
    assert before["error_events"] >= 10
    assert after["error_events"] <= 0.3 * before["error_events"], (before, after)
    assert after["qv"] > before["qv"]


def test_keeps_contig_names_and_order(polished):
    assert list(read_fasta(polished / "polished.fa")) == list(read_fasta(DATA / "draft.fa"))
    assert (polished / "polished.fa.fai").exists()


def test_edits_vcf_reproduces_the_polished_fasta(polished, tmp_path):
    vcf = polished / "edits.vcf.gz"
    assert Path(str(vcf) + ".tbi").exists()
    records = list(pysam.VariantFile(str(vcf)))
    assert records and all(r.filter.keys() == ["PASS"] for r in records)
    consensus = tmp_path / "consensus.fa"
    pysam.bcftools.consensus("-f", str(DATA / "draft.fa"), "-o", str(consensus), str(vcf), catch_stdout=False)
    assert read_fasta(consensus) == read_fasta(polished / "polished.fa")
    header = str(pysam.VariantFile(str(vcf)).header)
    assert "##genomeml_model=polish-hifi" in header and "##contig=<ID=" in header


def test_same_input_same_bytes(polished, tmp_path):
    polish(tmp_path, DATA / "draft.fa", DATA / "reads.bam", "--threads", "2")
    assert (tmp_path / "polished.fa").read_bytes() == (polished / "polished.fa").read_bytes()
    header_free = [[line for line in pysam.VariantFile(str(d / "edits.vcf.gz")).fetch()] for d in (tmp_path, polished)]
    assert [str(r) for r in header_free[0]] == [str(r) for r in header_free[1]]


def test_perfect_draft_is_left_alone(tmp_path):
    sim = tmp_path / "perfect"
    run("simulate", "assembly", "--ref", str(DATA / "truth.fa"), "--depth", "30", "--error-rate", "0",
        "--seed", "21", "--out", str(sim))
    assert read_fasta(sim / "draft.fa") == read_fasta(sim / "truth.fa")
    polish(tmp_path, sim / "draft.fa", sim / "reads.bam")
    draft, out = read_fasta(sim / "draft.fa"), read_fasta(tmp_path / "polished.fa")
    changed = sum(1 for r in pysam.VariantFile(str(tmp_path / "edits.vcf.gz")))
    assert changed <= 1, changed
    assert len(out) == len(draft)


def test_reads_aligned_to_another_assembly(tmp_path):
    proc = polish(tmp_path, DATA / "draft.fa", ROOT / "testdata" / "somatic" / "tumor.bam", check=False)
    assert proc.returncode == 1
    assert "tumor.bam" in proc.stderr and "another reference" in proc.stderr
    assert not (tmp_path / "polished.fa").exists() and not (tmp_path / "edits.vcf.gz").exists()


def test_unsorted_or_unindexed_reads(tmp_path):
    unindexed = tmp_path / "unindexed.bam"
    shutil.copy(DATA / "reads.bam", unindexed)
    proc = polish(tmp_path, DATA / "draft.fa", unindexed, check=False)
    assert proc.returncode == 1 and "index" in proc.stderr
    unsorted = tmp_path / "unsorted.bam"
    pysam.samtools.sort("-n", "-o", str(unsorted), str(DATA / "reads.bam"), catch_stdout=False)
    proc = polish(tmp_path, DATA / "draft.fa", unsorted, check=False)
    assert proc.returncode == 1 and "not by coordinate" in proc.stderr
    assert not (tmp_path / "polished.fa").exists()


def test_empty_reads_give_the_draft_back(tmp_path):
    empty = tmp_path / "empty.bam"
    with pysam.AlignmentFile(str(DATA / "reads.bam")) as src, pysam.AlignmentFile(str(empty), "wb", template=src):
        pass
    pysam.index(str(empty))
    proc = polish(tmp_path, DATA / "draft.fa", empty)
    assert read_fasta(tmp_path / "polished.fa") == read_fasta(DATA / "draft.fa")
    assert "no reads" in proc.stderr
    assert sum(1 for _ in pysam.VariantFile(str(tmp_path / "edits.vcf.gz"))) == 0


def test_fastq_reads_are_aligned_first(polished, tmp_path):
    polish(tmp_path, DATA / "draft.fa", DATA / "reads.fastq.gz")
    before = evaluate_assembly(DATA / "truth.fa", DATA / "draft.fa")
    after = evaluate_assembly(DATA / "truth.fa", tmp_path / "polished.fa")
    assert after["error_events"] <= 0.3 * before["error_events"], after
    header = str(pysam.VariantFile(str(tmp_path / "edits.vcf.gz")).header)
    assert "reads.fastq.gz" in header
