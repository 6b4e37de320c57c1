"""Hand-built aligned reads for the pileup tests: a read follows a CIGAR on a given reference."""

from __future__ import annotations

import pysam


def make_segment(header: pysam.AlignmentHeader, ref: str, name: str, start: int, cigar: list[tuple[int, int]],
                 inserted: str = "", reverse: bool = False, quals: list[int] | None = None,
                 mutate: dict[int, str] | None = None, mapq: int = 60, flag: int = 0,
                 fill: str | None = None) -> pysam.AlignedSegment:
    """A read following ``cigar`` on ``ref``; ``mutate`` replaces the read base at a reference column.

    Inserted bases come from ``inserted``; when it runs out they are ``fill`` (None: it must not run out).
    Soft-clipped bases are G.
    """
    seq, r, ins = [], start, iter(inserted)
    mutate = mutate or {}
    for op, length in cigar:
        if op == 0:
            seq.extend(mutate.get(c, ref[c]) for c in range(r, r + length))
            r += length
        elif op == 1:
            seq.extend((next(ins) if fill is None else next(ins, fill)) for _ in range(length))
        elif op == 4:
            seq.extend("G" * length)
        elif op in (2, 3):
            r += length
    seg = pysam.AlignedSegment(header)
    seg.query_name = name
    seg.flag = flag | (0x10 if reverse else 0)
    seg.reference_id, seg.reference_start = 0, start
    seg.cigartuples = cigar
    seg.query_sequence = "".join(seq)
    seg.query_qualities = pysam.qualitystring_to_array("".join(chr(33 + q) for q in (quals or [30] * len(seq))))
    seg.mapping_quality = mapq
    return seg
