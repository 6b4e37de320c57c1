"""Sample sheets of the Snakemake workflow: tumor/normal pairs, and assemblies with their reads.

Tab-separated, one header line, ``#`` comments. A reads column holds either one
alignment file (BAM/CRAM, indexed) or one or two read files (FASTQ/FASTA, optionally
gzipped; two comma-separated files are the R1,R2 mates of paired-end reads) that the
workflow aligns first with ``genomeml align``. Everything is checked when the workflow
starts, so a typo stops it before any job runs, with one line naming the sheet line.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from genomeml.errors import GenomemlError

PAIR_COLUMNS = ("pair", "tumor", "normal")
ASSEMBLY_COLUMNS = ("assembly", "draft", "reads")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")   # names become file names and job wildcards
ALIGNMENT_SUFFIXES = (".bam", ".cram")
READ_SUFFIXES = (".fastq", ".fq", ".fasta", ".fa", ".fna")


@dataclass(frozen=True)
class Reads:
    """One sample's reads: an indexed alignment file, or read files still to align."""
    files: tuple[str, ...]

    @property
    def aligned(self) -> bool:
        return self.files[0].endswith(ALIGNMENT_SUFFIXES)


@dataclass(frozen=True)
class Pair:
    name: str
    tumor: Reads
    normal: Reads


@dataclass(frozen=True)
class Assembly:
    name: str
    draft: str
    reads: Reads


def _rows(path: Path, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    if not path.is_file():
        raise GenomemlError(f"{path}: sample sheet not found")
    rows = []
    header: list[str] | None = None
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if header is None:
            header = fields
            unknown = [c for c in header if c not in columns]
            missing = [c for c in columns if c not in header]
            if unknown or missing:
                raise GenomemlError(f"{path}:{number}: columns must be {', '.join(columns)} (tab-separated)"
                                    + (f"; unknown: {', '.join(unknown)}" if unknown else "")
                                    + (f"; missing: {', '.join(missing)}" if missing else ""))
            continue
        if len(fields) != len(header):
            raise GenomemlError(f"{path}:{number}: {len(fields)} fields, the header has {len(header)} "
                                f"(fields are tab-separated)")
        rows.append((number, dict(zip(header, fields))))
    if not rows:
        raise GenomemlError(f"{path}: sample sheet lists no samples")
    return rows


def _name(path: Path, number: int, name: str, seen: set[str]) -> str:
    if not _NAME.match(name):
        raise GenomemlError(f"{path}:{number}: name '{name}' must be letters, digits, '.', '_' or '-'")
    if name in seen:
        raise GenomemlError(f"{path}:{number}: name '{name}' is listed twice")
    seen.add(name)
    return name


def _existing(path: Path, number: int, file: str) -> str:
    if not file:
        raise GenomemlError(f"{path}:{number}: empty file field")
    if not Path(file).is_file():
        raise GenomemlError(f"{path}:{number}: {file}: file not found")
    return file


def _reads(path: Path, number: int, text: str) -> Reads:
    files = tuple(_existing(path, number, f.strip()) for f in text.split(","))
    stem = [f[:-3] if f.endswith(".gz") else f for f in files]
    if len(files) == 1 and files[0].endswith(ALIGNMENT_SUFFIXES):
        bam = files[0]
        index = [bam + ".bai", bam + ".csi", bam[:-4] + ".bai", bam + ".crai"]
        if not any(os.path.exists(i) for i in index):
            raise GenomemlError(f"{path}:{number}: {bam}: alignment index (.bai/.csi/.crai) not found")
        return Reads(files)
    if len(files) <= 2 and all(s.endswith(READ_SUFFIXES) for s in stem):
        return Reads(files)
    raise GenomemlError(f"{path}:{number}: '{text}' must be one BAM/CRAM, or one or two (R1,R2) FASTQ/FASTA files")


def read_pairs(path: str | os.PathLike) -> list[Pair]:
    """Tumor/normal pairs (columns pair, tumor, normal), every file checked to exist."""
    path = Path(path)
    seen: set[str] = set()
    return [Pair(_name(path, n, row["pair"], seen), _reads(path, n, row["tumor"]), _reads(path, n, row["normal"]))
            for n, row in _rows(path, PAIR_COLUMNS)]


def read_assemblies(path: str | os.PathLike) -> list[Assembly]:
    """Draft assemblies and their reads (columns assembly, draft, reads), every file checked to exist."""
    path = Path(path)
    seen: set[str] = set()
    return [Assembly(_name(path, n, row["assembly"], seen), _existing(path, n, row["draft"]),
                     _reads(path, n, row["reads"]))
            for n, row in _rows(path, ASSEMBLY_COLUMNS)]
