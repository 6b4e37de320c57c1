"""The reference FASTA: opened once, validated, fetched upper-case."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pyfaidx

from genomeml.errors import GenomemlError


@dataclass(frozen=True)
class Contig:
    name: str
    length: int


class Reference:
    """A FASTA reference (plain or bgzipped) with a .fai index.

    pyfaidx builds a missing .fai itself; a bgzipped FASTA without its .gzi, or a file
    that is not FASTA at all, becomes a one-line GenomemlError naming the file.
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if not self.path.exists():
            raise GenomemlError(f"{self.path}: reference FASTA not found")
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(2)
        except OSError as exc:
            raise GenomemlError(f"{self.path}: cannot read reference: {exc.strerror}") from None
        if not head:
            raise GenomemlError(f"{self.path}: reference FASTA is empty")
        if head == b"\x1f\x8b" and not Path(str(self.path) + ".gzi").exists():
            raise GenomemlError(
                f"{self.path}: compressed reference needs bgzip compression and a .gzi index "
                f"(run: samtools faidx {self.path})")
        try:
            self._fasta = pyfaidx.Fasta(str(self.path), as_raw=True, sequence_always_upper=True,
                                        rebuild=False, build_index=True)
        except Exception as exc:  # pyfaidx raises a zoo of types for bad files
            raise GenomemlError(f"{self.path}: not a valid indexed FASTA ({exc})") from None
        if len(self._fasta.keys()) == 0:
            raise GenomemlError(f"{self.path}: reference FASTA holds no sequences")
        self.contigs: dict[str, int] = {name: len(self._fasta[name]) for name in self._fasta.keys()}

    def __contains__(self, contig: str) -> bool:
        return contig in self.contigs

    def length(self, contig: str) -> int:
        try:
            return self.contigs[contig]
        except KeyError:
            raise GenomemlError(f"{self.path}: contig '{contig}' not in reference") from None

    def fetch(self, contig: str, start: int = 0, end: int | None = None) -> str:
        """Upper-case sequence of ``contig[start:end]`` (0-based, half-open)."""
        length = self.length(contig)
        end = length if end is None else min(end, length)
        start = max(0, start)
        if start >= end:
            return ""
        return self._fasta[contig][start:end]

    def close(self) -> None:
        self._fasta.close()

    def __enter__(self) -> "Reference":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_fasta(path: str | os.PathLike, seqs: dict[str, str], width: int = 60) -> None:
    """Sequences in order, ``width`` bases a line, and the .fai index beside them."""
    import pysam
    with open(path, "w") as handle:
        for name, seq in seqs.items():
            handle.write(f">{name}\n")
            for i in range(0, len(seq), width):
                handle.write(seq[i:i + width] + "\n")
    pysam.faidx(str(path))
