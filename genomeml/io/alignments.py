"""Open and validate BAM/CRAM files before any work starts.

Each check turns a failure that would otherwise surface deep inside htslib (or as
silently empty output) into one line naming the file and what is wrong.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable, Mapping

import pysam

from genomeml.errors import GenomemlError


def open_alignments(path: str | os.PathLike, reference: str | os.PathLike | None = None,
                    require_index: bool = True) -> pysam.AlignmentFile:
    """Open a BAM or CRAM for reading, checking existence, format, truncation and index."""
    path = Path(path)
    if not path.exists():
        raise GenomemlError(f"{path}: alignment file not found")
    if path.stat().st_size == 0:
        raise GenomemlError(f"{path}: alignment file is empty")
    is_cram = path.suffix.lower() == ".cram"
    if is_cram and reference is None:
        raise GenomemlError(f"{path}: CRAM input needs the reference it was compressed against (--ref)")
    mode = "rc" if is_cram else "rb"
    try:
        handle = pysam.AlignmentFile(str(path), mode, reference_filename=str(reference) if is_cram else None,
                                     check_sq=False)
    except (ValueError, OSError) as exc:
        raise GenomemlError(f"{path}: not a readable {'CRAM' if is_cram else 'BAM'} file ({exc})") from None
    if not is_cram:
        try:
            # pysam returns None (or True) for an intact BGZF end-of-file marker and raises otherwise
            truncated = handle.check_truncation() is False
        except OSError:
            truncated = True
        except (ValueError, AttributeError):
            truncated = False
        if truncated:
            handle.close()
            raise GenomemlError(f"{path}: BAM file is truncated (no end-of-file marker)")
    if handle.nreferences == 0:
        handle.close()
        raise GenomemlError(f"{path}: header lists no reference contigs (is it unaligned?)")
    if require_index and not handle.has_index():
        handle.close()
        tool = "samtools index"
        raise GenomemlError(f"{path}: index (.bai/.csi/.crai) not found; create it with: {tool} {path}")
    return handle


def filename(handle: pysam.AlignmentFile) -> str:
    name = handle.filename
    return name.decode() if isinstance(name, bytes) else str(name)


def check_contigs(handle: pysam.AlignmentFile, reference_contigs: Mapping[str, int],
                  used: Iterable[str], label: str | None = None) -> None:
    """Require every contig we work on to exist in the alignment header with the reference's length.

    Extra contigs in the BAM header are fine (as with real whole-genome BAMs sliced to
    one chromosome); a contig we need that is missing or has another length means the
    reads were aligned to another reference.
    """
    label = label or filename(handle)
    lengths = dict(zip(handle.references, handle.lengths))
    for contig in used:
        if contig not in lengths:
            raise GenomemlError(f"{label}: contig '{contig}' of the reference is not in the alignment header "
                                f"(reads aligned to another reference?)")
        if lengths[contig] != reference_contigs[contig]:
            raise GenomemlError(f"{label}: contig '{contig}' is {lengths[contig]} bp in the alignment header but "
                                f"{reference_contigs[contig]} bp in the reference (reads aligned to another reference?)")


def sample_name(handle: pysam.AlignmentFile, fallback: str) -> tuple[str, bool]:
    """The SM of the read groups, or ``fallback`` (and False) when there is none."""
    groups = handle.header.to_dict().get("RG", [])
    names = sorted({group["SM"] for group in groups if "SM" in group})
    if not names:
        return fallback, False
    if len(names) > 1:
        raise GenomemlError(f"{filename(handle)}: read groups name several samples ({', '.join(names)}); give one sample per file")
    return names[0], True


MAPQ_SCALE = 60          # the MAPQ of a unique alignment for bwa mem and minimap2, the models' training aligners
MAPQ_SAMPLE = 20_000     # reads from the start of the file that decide an aligner's ceiling


def mapq_ceiling(handle: pysam.AlignmentFile, sample: int = MAPQ_SAMPLE) -> int | None:
    """The highest MAPQ among the first ``sample`` mapped primary reads of the file (255, "not
    available", ignored); None if no read has one.

    Aligners put unique alignments on different scales: bwa mem and minimap2 give 60, bowtie2
    gives 42. The reads are taken from the start of the file, not from the called regions, so
    every shard of a run gets the same answer.
    """
    ceiling, seen = None, 0
    for read in handle.fetch(until_eof=True):
        if read.is_unmapped or read.is_secondary or read.is_supplementary:
            continue
        if read.mapping_quality != 255:
            ceiling = max(ceiling or 0, read.mapping_quality)
        seen += 1
        if seen >= sample:
            break
    return ceiling


def mapq_scale(ceiling: int | None) -> float:
    """The factor that puts an aligner's MAPQ on the 0-60 scale the models were trained on.

    Only ceilings from 20 to 59 are rescaled: a ceiling of 60 or more is the training scale
    already (MAPQ is capped at 60 downstream), and a lower one says more about the reads
    sampled than about the aligner.
    """
    if ceiling is None or not 20 <= ceiling < MAPQ_SCALE:
        return 1.0
    return MAPQ_SCALE / ceiling
