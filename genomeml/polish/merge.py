"""Merge the outputs of a polishing run's shards (groups of whole contigs) into what one
``genomeml polish`` run over the whole assembly writes: the polished FASTA with the
contigs in draft order, each record copied verbatim from its shard, and the edits VCFs
concatenated (io.vcf_merge: headers must agree, records in reference order)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

from genomeml.errors import GenomemlError
from genomeml.io.atomic import atomic_file
from genomeml.io.reference import Reference
from genomeml.io.vcf_merge import merge_vcfs


def fasta_records(path: str | os.PathLike) -> list[tuple[str, str]]:
    """(name, record text including its '>' line) per sequence, exactly as written."""
    path = Path(path)
    if not path.is_file():
        raise GenomemlError(f"{path}: FASTA file not found")
    text = path.read_text()
    if text and not text.startswith(">"):
        raise GenomemlError(f"{path}: not a FASTA file (does not start with '>')")
    records = []
    for chunk in text.split("\n>"):
        if not chunk:
            continue
        chunk = chunk if chunk.startswith(">") else ">" + chunk
        name = chunk[1:].split(None, 1)[0] if chunk[1:].strip() else ""
        if not name:
            raise GenomemlError(f"{path}: a FASTA record without a name")
        records.append((name, chunk if chunk.endswith("\n") else chunk + "\n"))
    return records


def merge_fasta(pieces: Sequence[str | os.PathLike], draft: str | os.PathLike, output: str | os.PathLike) -> int:
    """Concatenate the shards' polished contigs in the draft's contig order; returns contigs written.

    A contig polished by two shards, or not in the draft, is an error: the shards are
    not one run's.
    """
    with Reference(draft) as ref:
        order = {name: i for i, name in enumerate(ref.contigs)}
    found: dict[str, tuple[str, Path]] = {}
    for piece in pieces:
        for name, record in fasta_records(piece):
            if name not in order:
                raise GenomemlError(f"{piece}: contig '{name}' is not in the draft {draft}")
            if name in found:
                raise GenomemlError(f"{piece}: contig '{name}' was already polished in {found[name][1]}")
            found[name] = (record, Path(piece))
    with atomic_file(output) as tmp:
        with open(tmp, "w") as handle:
            for name in sorted(found, key=order.get):
                handle.write(found[name][0])
    return len(found)


def merge_polished(draft: str | os.PathLike, fastas: Sequence[str | os.PathLike], output: str | os.PathLike,
                   edits: Sequence[str | os.PathLike] = (), edits_output: str | os.PathLike | None = None) -> dict:
    """Merge shard FASTAs (and edits VCFs when given) of one polishing run."""
    if not fastas:
        raise GenomemlError("merge-polish: no shard FASTA files given")
    if bool(edits) != (edits_output is not None):
        raise GenomemlError("merge-polish: give the shards' edits VCFs (--edits) together with --vcf")
    summary = {"contigs": merge_fasta(fastas, draft, output)}
    if edits_output is not None:
        summary["edits"] = merge_vcfs(edits, edits_output)["records"]
    return summary
