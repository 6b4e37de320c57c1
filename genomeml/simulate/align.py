"""Align simulated reads with minimap2 (mappy) and write coordinate-sorted, indexed BAMs.

The hit-to-record conversion is genomeml.io.mapping's, shared with ``genomeml align``.
Records are sorted in memory and written once, so no temporary files or samtools
@PG lines with machine-specific paths end up in the output: same seed, same bytes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import pysam

from genomeml import __version__
from genomeml.io.mapping import ReadRecord, align_all, bam_header as _bam_header, open_aligner

SimRead = ReadRecord   # the simulators' name for a read (with mate and duplicate flag)

PRESETS = {"illumina": "sr", "hifi": "map-hifi", "ont": "map-ont"}


def bam_header(contigs: dict[str, int], sample: str, platform: str) -> dict:
    pl = {"illumina": "ILLUMINA", "hifi": "PACBIO", "ont": "ONT"}[platform]
    return _bam_header(contigs, {"ID": sample, "SM": sample, "PL": pl, "LB": f"{sample}-lib1"},
                       {"ID": "genomeml-simulate", "PN": "genomeml", "VN": __version__})


def align_reads(reads: Iterable[SimRead], reference: str | os.PathLike, contigs: dict[str, int],
                out_bam: str | os.PathLike, sample: str, platform: str, threads: int = 1) -> int:
    """Align reads (pairs when ``read.mate`` is set) and write a sorted, indexed BAM. Returns records written."""
    aligner = open_aligner(str(reference), PRESETS[platform], threads)
    header = pysam.AlignmentHeader.from_dict(bam_header(contigs, sample, platform))
    records: list[tuple[int, int, int, pysam.AlignedSegment]] = []
    unmapped_tid = len(contigs)
    for order, seg in enumerate(align_all(aligner, header, reads, sample)):
        tid = seg.reference_id if seg.reference_id >= 0 else unmapped_tid
        records.append((tid, seg.reference_start, order, seg))
    records.sort(key=lambda r: (r[0], r[1], r[2]))
    out_bam = Path(out_bam)
    with pysam.AlignmentFile(str(out_bam), "wb", header=header, threads=max(1, threads)) as out:
        for _, _, _, seg in records:
            out.write(seg)
    pysam.index(str(out_bam))
    return len(records)
