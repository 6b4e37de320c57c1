"""Align simulated reads with minimap2 (mappy) or bwa mem (pybwa) and write coordinate-sorted, indexed BAMs.

The hit-to-record conversion is genomeml.io.mapping's, shared with ``genomeml align``;
bwa mem (short reads only) is there so training data carries both aligners' habits.
Records are sorted in memory and written once, so no temporary files or samtools
@PG lines with machine-specific paths end up in the output: same seed, same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pysam

from genomeml import __version__
from genomeml.errors import GenomemlError
from genomeml.io.bwa_mapping import align_all_bwa, bwa_index
from genomeml.io.mapping import ReadRecord, align_all, bam_header as _bam_header, open_aligner

SimRead = ReadRecord   # the simulators' name for a read (with mate and duplicate flag)

PRESETS = {"illumina": "sr", "hifi": "map-hifi", "ont": "map-ont"}
ALIGNERS = ("minimap2", "bwa")


def bam_header(contigs: dict[str, int], sample: str, platform: str) -> dict:
    pl = {"illumina": "ILLUMINA", "hifi": "PACBIO", "ont": "ONT"}[platform]
    return _bam_header(contigs, {"ID": sample, "SM": sample, "PL": pl, "LB": f"{sample}-lib1"},
                       {"ID": "genomeml-simulate", "PN": "genomeml", "VN": __version__})


def align_reads(reads: Iterable[SimRead], reference: str | os.PathLike, contigs: dict[str, int],
                out_bam: str | os.PathLike, sample: str, platform: str, threads: int = 1,
                aligner: str = "minimap2") -> int:
    """Align reads (pairs when ``read.mate`` is set) and write a sorted, indexed BAM. Returns records written."""
    if aligner not in ALIGNERS:
        raise GenomemlError(f"unknown aligner '{aligner}' (use {', '.join(ALIGNERS)})")
    if aligner == "bwa" and platform != "illumina":
        raise GenomemlError("bwa mem is offered for Illumina reads only; long reads use minimap2")
    header = pysam.AlignmentHeader.from_dict(bam_header(contigs, sample, platform))
    if aligner == "bwa":
        with bwa_index(reference) as index:
            records = _sorted(align_all_bwa(index, header, reads, sample, threads), len(contigs))
    else:
        records = _sorted(align_all(open_aligner(str(reference), PRESETS[platform], threads), header, reads,
                                    sample), len(contigs))
    out_bam = Path(out_bam)
    with pysam.AlignmentFile(str(out_bam), "wb", header=header, threads=max(1, threads)) as out:
        for seg in records:
            out.write(seg)
    pysam.index(str(out_bam))
    return len(records)


def _sorted(segments: Iterable[pysam.AlignedSegment], n_contigs: int) -> list[pysam.AlignedSegment]:
    """Coordinate order, unmapped pairs last, ties in input order (so the same seed gives the same bytes)."""
    keyed = [((seg.reference_id if seg.reference_id >= 0 else n_contigs), seg.reference_start, order, seg)
             for order, seg in enumerate(segments)]
    keyed.sort(key=lambda r: (r[0], r[1], r[2]))
    return [r[3] for r in keyed]
