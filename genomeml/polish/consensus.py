"""Apply edits to the draft, and write the polished FASTA and the edits VCF.

The VCF is left-aligned with bcftools norm against the draft and the FASTA is made
from exactly the records in it, so `bcftools consensus` on the draft with that VCF
gives the same polished sequence.
"""

from __future__ import annotations

import logging
import os
import tempfile
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pysam

from genomeml import __version__
from genomeml.io.atomic import atomic_file
from genomeml.io.reference import write_fasta
from genomeml.io.vcf import normalize_vcf, vcf_header, write_vcf
from genomeml.polish.decode import Edit

log = logging.getLogger(__name__)

FASTA_WIDTH = 60
VCF_META = [
    '##INFO=<ID=PROB,Number=1,Type=Float,Description="Model probability of the least certain changed column">',
]


def apply_edits(draft: str, edits: Sequence[Edit]) -> tuple[str, list[Edit]]:
    """The edited sequence and the edits used; an edit overlapping an earlier one is dropped."""
    pieces, cursor, used = [], 0, []
    for edit in sorted(edits, key=lambda e: e.pos):
        if edit.pos < cursor or draft[edit.pos:edit.pos + len(edit.ref)] != edit.ref:
            log.warning("%s:%d: edit %s>%s overlaps another or disagrees with the draft; skipped",
                        edit.contig, edit.pos + 1, edit.ref, edit.alt)
            continue
        pieces.append(draft[cursor:edit.pos])
        pieces.append(edit.alt)
        cursor = edit.pos + len(edit.ref)
        used.append(edit)
    pieces.append(draft[cursor:])
    return "".join(pieces), used


def vcf_lines(edits: Iterable[Edit]) -> list[str]:
    return [f"{e.contig}\t{e.pos + 1}\t.\t{e.ref}\t{e.alt}\t{e.qual}\tPASS\tPROB={e.probability:.4f}" for e in edits]


def normalized_edits(edits: Sequence[Edit], draft_path: str | os.PathLike, contigs: Mapping[str, int],
                     meta: Sequence[str]) -> tuple[list[str], list[Edit]]:
    """Left-align the edits against the draft (bcftools norm); returns the header and the edits."""
    header = vcf_header(f"genomeml-polish-{__version__}", dict(contigs), [*VCF_META, *meta])
    if not edits:
        return header, []
    order = {name: i for i, name in enumerate(contigs)}
    with tempfile.TemporaryDirectory(prefix="genomeml-polish-") as tmp:
        raw, norm = Path(tmp) / "raw.vcf", Path(tmp) / "norm.vcf"
        body = vcf_lines(sorted(edits, key=lambda e: (order[e.contig], e.pos)))
        raw.write_text("\n".join(header + body) + "\n")
        normalize_vcf(raw, draft_path, norm)
        out = []
        with pysam.VariantFile(str(norm)) as vcf:
            for rec in vcf:
                out.append(Edit(rec.contig, rec.pos - 1, rec.ref, rec.alts[0], float(rec.info["PROB"])))
    out.sort(key=lambda e: (order[e.contig], e.pos))
    return header, out


def write_polished(fasta: str | os.PathLike, vcf: str | os.PathLike | None, header: Sequence[str],
                   polished: Mapping[str, str], edits: Sequence[Edit]) -> None:
    """Both outputs; the FASTA is renamed into place only after the VCF is complete."""
    with atomic_file(fasta, companions=(".fai",)) as tmp:
        write_fasta(tmp, dict(polished), FASTA_WIDTH)
        if vcf is not None:
            write_vcf(vcf, header, vcf_lines(edits))
