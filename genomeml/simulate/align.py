"""Align simulated reads with minimap2 (mappy) and write coordinate-sorted, indexed BAMs.

Records are sorted in memory and written once, so no temporary files or samtools
@PG lines with machine-specific paths end up in the output: same seed, same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

import mappy
import numpy as np
import pysam

from genomeml import __version__
from genomeml.simulate.genome import revcomp


@dataclass
class SimRead:
    name: str
    seq: str
    qual: np.ndarray          # Phred scores, uint8
    mate: "SimRead | None" = None
    duplicate: bool = False


PRESETS = {"illumina": "sr", "hifi": "map-hifi", "ont": "map-ont"}


def bam_header(contigs: dict[str, int], sample: str, platform: str) -> dict:
    pl = {"illumina": "ILLUMINA", "hifi": "PACBIO", "ont": "ONT"}[platform]
    return {
        "HD": {"VN": "1.6", "SO": "coordinate"},
        "SQ": [{"SN": name, "LN": length} for name, length in contigs.items()],
        "RG": [{"ID": sample, "SM": sample, "PL": pl, "LB": f"{sample}-lib1"}],
        "PG": [{"ID": "genomeml-simulate", "PN": "genomeml", "VN": __version__}],
    }


def _hit_to_segment(header: pysam.AlignmentHeader, read: SimRead, hit, rg: str,
                    mirrored: bool = False) -> pysam.AlignedSegment:
    """One BAM record from a mappy hit.

    In paired mode minimap2 reports read 2's query coordinates on its reverse
    complement (``mirrored``), although the strand refers to the read as given.
    """
    seg = pysam.AlignedSegment(header)
    seg.query_name = read.name
    n = len(read.seq)
    if hit is None:
        seg.flag = 4
        seg.query_sequence = read.seq
        seg.query_qualities = read.qual.tolist()
        seg.set_tag("RG", rg)
        return seg
    reverse = hit.strand < 0
    seq = revcomp(read.seq) if reverse else read.seq
    qual = read.qual[::-1] if reverse else read.qual
    q_st, q_en = (n - hit.q_en, n - hit.q_st) if mirrored else (hit.q_st, hit.q_en)
    left, right = (n - q_en, q_st) if reverse else (q_st, n - q_en)
    cigar = ([(4, left)] if left else []) + [(op, length) for length, op in hit.cigar] + ([(4, right)] if right else [])
    seg.flag = 16 if reverse else 0
    seg.reference_id = header.get_tid(hit.ctg)
    seg.reference_start = hit.r_st
    seg.mapping_quality = hit.mapq
    seg.cigartuples = cigar
    seg.query_sequence = seq
    seg.query_qualities = qual.tolist()
    seg.set_tag("NM", hit.NM)
    seg.set_tag("RG", rg)
    return seg


def _primary(hits: list, read_num: int | None = None):
    for hit in hits:
        if hit.is_primary and (read_num is None or hit.read_num == read_num):
            return hit
    return None


def _pair_segments(header, r1: SimRead, r2: SimRead, hits: list, rg: str) -> list[pysam.AlignedSegment]:
    h1, h2 = _primary(hits, 1), _primary(hits, 2)
    s1, s2 = _hit_to_segment(header, r1, h1, rg), _hit_to_segment(header, r2, h2, rg, mirrored=True)
    for seg, mate, first in ((s1, s2, True), (s2, s1, False)):
        flag = seg.flag | 1 | (64 if first else 128)
        if mate.is_unmapped:
            flag |= 8
        if mate.is_reverse:
            flag |= 32
        seg.flag = flag
    # unmapped reads sit at their mate's position, as aligners place them
    for seg, mate in ((s1, s2), (s2, s1)):
        if seg.is_unmapped and not mate.is_unmapped:
            seg.reference_id, seg.reference_start = mate.reference_id, mate.reference_start
    for seg, mate in ((s1, s2), (s2, s1)):
        seg.next_reference_id = mate.reference_id
        seg.next_reference_start = mate.reference_start
    if not s1.is_unmapped and not s2.is_unmapped and s1.reference_id == s2.reference_id:
        left = min(s1.reference_start, s2.reference_start)
        right = max(s1.reference_end, s2.reference_end)
        span = right - left
        leftmost = s1 if s1.reference_start <= s2.reference_start else s2
        for seg in (s1, s2):
            seg.template_length = span if seg is leftmost else -span
        proper = s1.is_reverse != s2.is_reverse and span < 2000
        fwd, rev = (s1, s2) if not s1.is_reverse else (s2, s1)
        if proper and fwd.reference_start <= rev.reference_start + 10:
            s1.flag |= 2
            s2.flag |= 2
    for seg, mate in ((s1, s2), (s2, s1)):
        if not mate.is_unmapped:
            seg.set_tag("MC", mate.cigarstring)
    return [s1, s2]


def align_reads(reads: Iterable[SimRead], reference: str | os.PathLike, contigs: dict[str, int],
                out_bam: str | os.PathLike, sample: str, platform: str, threads: int = 1) -> int:
    """Align reads (pairs when ``read.mate`` is set) and write a sorted, indexed BAM. Returns records written."""
    aligner = mappy.Aligner(str(reference), preset=PRESETS[platform], n_threads=max(1, threads))
    if not aligner:
        raise RuntimeError(f"mappy could not index {reference}")
    header = pysam.AlignmentHeader.from_dict(bam_header(contigs, sample, platform))
    records: list[tuple[int, int, int, pysam.AlignedSegment]] = []
    buffer = mappy.ThreadBuffer()
    order = 0
    unmapped_tid = len(contigs)
    for read in reads:
        if read.mate is not None:
            hits = list(aligner.map(read.seq, read.mate.seq, buf=buffer))
            segments = _pair_segments(header, read, read.mate, hits, sample)
            if read.duplicate:
                for seg in segments:
                    seg.flag |= 1024
        else:
            seg = _hit_to_segment(header, read, _primary(list(aligner.map(read.seq, buf=buffer))), sample)
            segments = [seg]
        for seg in segments:
            tid = seg.reference_id if seg.reference_id >= 0 else unmapped_tid
            records.append((tid, seg.reference_start, order, seg))
            order += 1
    records.sort(key=lambda r: (r[0], r[1], r[2]))
    out_bam = Path(out_bam)
    with pysam.AlignmentFile(str(out_bam), "wb", header=header, threads=max(1, threads)) as out:
        for _, _, _, seg in records:
            out.write(seg)
    pysam.index(str(out_bam))
    return len(records)
