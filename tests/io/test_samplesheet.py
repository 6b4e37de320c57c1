"""io.samplesheet: the workflow's sample sheets are checked line by line before any job runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from genomeml.errors import GenomemlError
from genomeml.io.samplesheet import read_assemblies, read_pairs

ROOT = Path(__file__).resolve().parents[2]
TUMOR, NORMAL = ROOT / "testdata/somatic/tumor.bam", ROOT / "testdata/somatic/normal.bam"
FASTQ = ROOT / "testdata/assembly/reads.fastq.gz"


def sheet(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "sheet.tsv"
    path.write_text(text)
    return path


def test_pairs_of_bams_and_fastqs(tmp_path):
    path = sheet(tmp_path, f"# comment\npair\ttumor\tnormal\np1\t{TUMOR}\t{NORMAL}\n\np2\t{FASTQ},{FASTQ}\t{NORMAL}\n")
    pairs = read_pairs(path)
    assert [p.name for p in pairs] == ["p1", "p2"]
    assert pairs[0].tumor.aligned and pairs[0].tumor.files == (str(TUMOR),)
    assert not pairs[1].tumor.aligned and pairs[1].tumor.files == (str(FASTQ), str(FASTQ))


@pytest.mark.parametrize("body, message", [
    ("pair\ttumor\n", "sheet.tsv:1: columns must be pair, tumor, normal.*missing: normal"),
    ("pair\ttumor\tnormal\tsex\n", "unknown: sex"),
    ("pair\ttumor\tnormal\n", "lists no samples"),
    (f"pair\ttumor\tnormal\np1\t{TUMOR}\n", "sheet.tsv:2: 2 fields, the header has 3"),
    (f"pair\ttumor\tnormal\np 1\t{TUMOR}\t{NORMAL}\n", "sheet.tsv:2: name 'p 1'"),
    (f"pair\ttumor\tnormal\np1\t{TUMOR}\t{NORMAL}\np1\t{TUMOR}\t{NORMAL}\n", "sheet.tsv:3: name 'p1' is listed twice"),
    (f"pair\ttumor\tnormal\np1\t{TUMOR}\tnope.bam\n", "sheet.tsv:2: nope.bam: file not found"),
    (f"pair\ttumor\tnormal\np1\t{TUMOR}\t{ROOT / 'testdata/somatic/ref.fa.fai'}\n", "must be one BAM/CRAM"),
])
def test_bad_pair_sheets(tmp_path, body, message):
    with pytest.raises(GenomemlError, match=message):
        read_pairs(sheet(tmp_path, body))


def test_bam_without_index(tmp_path):
    bam = tmp_path / "t.bam"
    bam.write_bytes(TUMOR.read_bytes())
    with pytest.raises(GenomemlError, match="t.bam: alignment index"):
        read_pairs(sheet(tmp_path, f"pair\ttumor\tnormal\np1\t{bam}\t{NORMAL}\n"))


def test_missing_sheet(tmp_path):
    with pytest.raises(GenomemlError, match="nope.tsv: sample sheet not found"):
        read_pairs(tmp_path / "nope.tsv")


def test_assemblies(tmp_path):
    draft = ROOT / "testdata/assembly/draft.fa"
    assemblies = read_assemblies(sheet(tmp_path, f"assembly\tdraft\treads\nasm1\t{draft}\t{FASTQ}\n"))
    assert assemblies[0].draft == str(draft) and not assemblies[0].reads.aligned
