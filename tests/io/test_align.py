"""io.align (genomeml align): reads in FASTQ/FASTA land where they came from, in a sorted, indexed BAM."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pysam
import pytest

from cli_helpers import genomeml_exe
from genomeml.errors import GenomemlError
from genomeml.io.align import align_files
from genomeml.io.mapping import revcomp

ROOT = Path(__file__).resolve().parents[2]
SOMATIC = ROOT / "testdata" / "somatic"
N_PAIRS = 600


@pytest.fixture(scope="module")
def paired_fastq(tmp_path_factory) -> tuple[Path, Path, dict]:
    """R1/R2 FASTQ of the first proper pairs of the tumor BAM, with where each read was aligned."""
    out = tmp_path_factory.mktemp("fastq")
    mates: dict[str, dict] = {}
    with pysam.AlignmentFile(str(SOMATIC / "tumor.bam")) as bam:
        for read in bam.fetch("chr20", 110_000, 120_000):
            if read.is_proper_pair and not read.is_secondary and not read.is_supplementary and not read.is_duplicate:
                mates.setdefault(read.query_name, {})[1 if read.is_read1 else 2] = read
    pairs = [(name, m) for name, m in mates.items() if len(m) == 2][:N_PAIRS]
    truth = {}
    with gzip.open(out / "r1.fq.gz", "wt") as f1, gzip.open(out / "r2.fq.gz", "wt") as f2:
        for name, m in pairs:
            for number, handle in ((1, f1), (2, f2)):
                read = m[number]
                seq, qual = read.query_sequence, "".join(chr(q + 33) for q in read.query_qualities)
                if read.is_reverse:   # back to the orientation it was sequenced in
                    seq, qual = revcomp(seq), qual[::-1]
                handle.write(f"@{name}/{number}\n{seq}\n+\n{qual}\n")
            truth[name] = {1: m[1].reference_start, 2: m[2].reference_start}
    return out / "r1.fq.gz", out / "r2.fq.gz", truth


def test_paired_reads_go_back_where_they_came_from(paired_fastq, tmp_path):
    r1, r2, truth = paired_fastq
    out = tmp_path / "sub" / "aligned.bam"
    written = align_files(str(SOMATIC / "ref.fa"), [str(r1), str(r2)], out, "T1", "sr", threads=2)
    assert written == 2 * len(truth)
    with pysam.AlignmentFile(str(out)) as bam:
        header = bam.header.to_dict()
        assert header["HD"]["SO"] == "coordinate"
        assert header["RG"] == [{"ID": "T1", "SM": "T1", "PL": "ILLUMINA", "LB": "T1-lib1"}]
        records = list(bam.fetch())   # needs the index
    starts = [r.reference_start for r in records]
    assert starts == sorted(starts)
    same = sum(r.reference_start == truth[r.query_name][1 if r.is_read1 else 2] for r in records)
    assert same >= 0.95 * len(records)
    assert sum(r.is_proper_pair for r in records) >= 0.95 * len(records)
    assert all(r.get_tag("RG") == "T1" for r in records)


def test_same_bytes_whatever_the_thread_count(paired_fastq, tmp_path):
    r1, r2, _ = paired_fastq
    for threads in (1, 2):
        align_files(str(SOMATIC / "ref.fa"), [str(r1), str(r2)], tmp_path / f"t{threads}.bam", "T", "sr",
                    threads=threads)
    assert (tmp_path / "t1.bam").read_bytes() == (tmp_path / "t2.bam").read_bytes()


def test_fasta_reads_have_no_qualities(tmp_path):
    with pysam.FastxFile(str(SOMATIC / "ref.fa")) as ref:
        seq = next(iter(ref)).sequence
    (tmp_path / "reads.fa").write_text(f">a\n{seq[100_500:102_500]}\n>b\n{revcomp(seq[120_000:122_000])}\n")
    align_files(str(SOMATIC / "ref.fa"), [str(tmp_path / "reads.fa")], tmp_path / "x.bam", "S", "map-hifi")
    with pysam.AlignmentFile(str(tmp_path / "x.bam")) as bam:
        records = {r.query_name: r for r in bam}
    assert records["a"].reference_start == 100_500 and not records["a"].is_reverse
    assert records["b"].reference_start == 120_000 and records["b"].is_reverse
    assert records["a"].query_qualities is None


def test_mates_out_of_step(paired_fastq, tmp_path):
    r1, _, _ = paired_fastq
    (tmp_path / "r2.fq").write_text("@other/2\nACGT\n+\nIIII\n")
    with pytest.raises(GenomemlError, match="out of step"):
        align_files(str(SOMATIC / "ref.fa"), [str(r1), str(tmp_path / "r2.fq")], tmp_path / "x.bam", "S")
    assert not (tmp_path / "x.bam").exists()


def test_cli_error_is_one_line(tmp_path):
    proc = subprocess.run([genomeml_exe(), "align", "--ref", str(SOMATIC / "ref.fa"), "--reads",
                           str(tmp_path / "none.fq"), "--sample", "S", "--output", str(tmp_path / "x.bam")],
                          capture_output=True, text=True)
    assert proc.returncode == 1
    assert proc.stderr.strip() == f"genomeml: error: {tmp_path / 'none.fq'}: read file not found"
    assert not (tmp_path / "x.bam").exists()
