"""minimap2 (mappy) hits as BAM records: what ``genomeml align`` and the simulators share.

Only each read's primary alignment is kept (no secondary or supplementary records);
unmapped reads are kept, unmapped mates placed at their mate's position as aligners do.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator

import mappy
import numpy as np
import pysam

from genomeml.errors import GenomemlError

# minimap2 preset -> read-group platform (@RG PL)
PLATFORMS = {"sr": "ILLUMINA", "map-hifi": "PACBIO", "map-ont": "ONT"}

_COMPLEMENT = str.maketrans("ACGTNacgtn", "TGCANtgcan")


def revcomp(seq: str) -> str:
    return seq.translate(_COMPLEMENT)[::-1]


@dataclass
class ReadRecord:
    """One read (with its mate for paired-end reads); ``qual`` is None for FASTA input."""
    name: str
    seq: str
    qual: np.ndarray | None          # Phred scores, uint8
    mate: "ReadRecord | None" = None
    duplicate: bool = False


def bam_header(contigs: dict[str, int], read_group: dict[str, str], program: dict[str, str]) -> dict:
    """A coordinate-sorted BAM header with one read group and one @PG line (no command line: no paths)."""
    return {
        "HD": {"VN": "1.6", "SO": "coordinate"},
        "SQ": [{"SN": name, "LN": length} for name, length in contigs.items()],
        "RG": [read_group],
        "PG": [program],
    }


def open_aligner(reference: str, preset: str, threads: int = 1) -> mappy.Aligner:
    if preset not in PLATFORMS:
        raise GenomemlError(f"unknown minimap2 preset '{preset}' (use {', '.join(PLATFORMS)})")
    aligner = mappy.Aligner(str(reference), preset=preset, n_threads=max(1, threads))
    if not aligner:
        raise GenomemlError(f"{reference}: minimap2 cannot index this reference (not a FASTA?)")
    return aligner


def qualities(qual: np.ndarray | None, reverse: bool) -> list[int] | None:
    """A read's Phred scores as a BAM record stores them (reversed for reverse-strand alignments)."""
    if qual is None:
        return None
    return (qual[::-1] if reverse else qual).tolist()


def unmapped_segment(header: pysam.AlignmentHeader, read: ReadRecord, rg: str) -> pysam.AlignedSegment:
    """The record of a read no aligner placed (kept, as aligners keep them)."""
    seg = pysam.AlignedSegment(header)
    seg.query_name = read.name
    seg.flag = 4
    seg.query_sequence = read.seq
    seg.query_qualities = qualities(read.qual, False)
    seg.set_tag("RG", rg)
    return seg


def hit_to_segment(header: pysam.AlignmentHeader, read: ReadRecord, hit, rg: str,
                   mirrored: bool = False) -> pysam.AlignedSegment:
    """One BAM record from a mappy hit (None: unmapped).

    In paired mode minimap2 reports read 2's query coordinates on its reverse
    complement (``mirrored``), although the strand refers to the read as given.
    """
    if hit is None:
        return unmapped_segment(header, read, rg)
    seg = pysam.AlignedSegment(header)
    seg.query_name = read.name
    n = len(read.seq)
    reverse = hit.strand < 0
    seq = revcomp(read.seq) if reverse else read.seq
    q_st, q_en = (n - hit.q_en, n - hit.q_st) if mirrored else (hit.q_st, hit.q_en)
    left, right = (n - q_en, q_st) if reverse else (q_st, n - q_en)
    cigar = ([(4, left)] if left else []) + [(op, length) for length, op in hit.cigar] + ([(4, right)] if right else [])
    seg.flag = 16 if reverse else 0
    seg.reference_id = header.get_tid(hit.ctg)
    seg.reference_start = hit.r_st
    seg.mapping_quality = hit.mapq
    seg.cigartuples = cigar
    seg.query_sequence = seq
    seg.query_qualities = qualities(read.qual, reverse)
    seg.set_tag("NM", hit.NM)
    seg.set_tag("RG", rg)
    return seg


def primary_hit(hits: list, read_num: int | None = None):
    for hit in hits:
        if hit.is_primary and (read_num is None or hit.read_num == read_num):
            return hit
    return None


def pair_segments(header, r1: ReadRecord, r2: ReadRecord, hits: list, rg: str) -> list[pysam.AlignedSegment]:
    """Both mates' records from minimap2's paired hits."""
    h1, h2 = primary_hit(hits, 1), primary_hit(hits, 2)
    return link_mates(hit_to_segment(header, r1, h1, rg), hit_to_segment(header, r2, h2, rg, mirrored=True))


def link_mates(s1: pysam.AlignedSegment, s2: pysam.AlignedSegment) -> list[pysam.AlignedSegment]:
    """Both mates' records with flags, mate fields, TLEN and MC set as bwa/minimap2 set them."""
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


def align_read(aligner: mappy.Aligner, header: pysam.AlignmentHeader, read: ReadRecord, rg: str,
               buffer: mappy.ThreadBuffer) -> list[pysam.AlignedSegment]:
    """The BAM records of one read (or pair, when ``read.mate`` is set); duplicates flagged 1024."""
    if read.mate is not None:
        hits = list(aligner.map(read.seq, read.mate.seq, buf=buffer))
        segments = pair_segments(header, read, read.mate, hits, rg)
        if read.duplicate:
            for seg in segments:
                seg.flag |= 1024
        return segments
    return [hit_to_segment(header, read, primary_hit(list(aligner.map(read.seq, buf=buffer))), rg)]


def align_all(aligner: mappy.Aligner, header: pysam.AlignmentHeader, reads: Iterable[ReadRecord],
              rg: str) -> Iterator[pysam.AlignedSegment]:
    """Records of ``reads`` in input order, on the calling thread."""
    buffer = mappy.ThreadBuffer()
    for read in reads:
        yield from align_read(aligner, header, read, rg, buffer)
