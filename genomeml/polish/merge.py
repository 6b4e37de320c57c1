"""Merge the shards of one polishing run into what a single ``genomeml polish`` run writes.

A shard's polished FASTA is the whole draft with that shard's edits, so the FASTAs
cannot simply be concatenated; the edits VCFs can. The merge concatenates them
(io.vcf_merge: headers must agree but for the regions line, records in draft order)
and applies the result to the draft with the same code a single run uses.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Sequence

import pysam

from genomeml.errors import GenomemlError
from genomeml.io.reference import Reference
from genomeml.io.vcf_merge import merge_vcfs, read_vcf_text
from genomeml.polish.consensus import apply_edits, write_polished
from genomeml.polish.decode import Edit


def read_edits(path: str | os.PathLike) -> list[Edit]:
    try:
        with pysam.VariantFile(str(path)) as vcf:
            return [Edit(rec.contig, rec.pos - 1, rec.ref, rec.alts[0], float(rec.info.get("PROB", 1.0)))
                    for rec in vcf]
    except (OSError, ValueError) as exc:
        raise GenomemlError(f"{path}: cannot read polishing edits ({exc})") from None


def merge_polished(draft: str | os.PathLike, edits: Sequence[str | os.PathLike], output: str | os.PathLike,
                   edits_output: str | os.PathLike | None = None) -> dict:
    """Merge shard edits VCFs and apply them to ``draft``; writes the FASTA (and the merged VCF)."""
    if not edits:
        raise GenomemlError("merge-polish: no shard edits VCFs given (--edits)")
    with tempfile.TemporaryDirectory(prefix="genomeml-merge-polish-") as tmp:
        merged = Path(tmp) / "merged.vcf.gz"
        merge_vcfs(edits, merged)
        header, _ = read_vcf_text(merged)
        all_edits = read_edits(merged)
    by_contig: dict[str, list[Edit]] = {}
    for edit in all_edits:
        by_contig.setdefault(edit.contig, []).append(edit)
    polished, used = {}, []
    with Reference(draft) as ref:
        unknown = sorted(set(by_contig) - set(ref.contigs))
        if unknown:
            raise GenomemlError(f"{edits[0]}: edits on contig '{unknown[0]}', which is not in the draft {draft}")
        for contig in ref.contigs:
            polished[contig], applied = apply_edits(ref.fetch(contig), by_contig.get(contig, []))
            used += applied
    write_polished(output, edits_output, header, polished, used)
    return {"contigs": len(polished), "edits": len(used)}
