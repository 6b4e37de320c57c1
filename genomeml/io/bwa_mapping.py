"""bwa mem (through pybwa) hits as BAM records, the same records ``io.mapping`` makes from minimap2.

Why a second aligner: most short-read BAMs users bring (and the real reads in
../shared/data/real) come from bwa mem, whose gap placement, soft clipping and MAPQ
near repeats and indels differ from minimap2's. Training data aligned both ways shows
the model both aligners' artifacts. pybwa runs bwa mem single-end, so mates are
aligned one by one and then paired here the way bwa mem pairs them, in short: when the
two primary hits do not make a proper pair, the mates' alternative hits (XA) are
searched for one that does, and a mate placed by a unique proper pair gets its
mate's mapping quality (no Smith-Waterman mate rescue).
"""

from __future__ import annotations

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Iterator

import pysam

from genomeml.io.mapping import ReadRecord, link_mates, qualities, revcomp, unmapped_segment

_BATCH = 20000   # reads per bwa call: bounded memory, and batch-independent results (single-end)
_MAX_INSERT = 1000   # a proper pair spans less (the simulated fragments are 200-600 bp)


@contextmanager
def bwa_index(reference: str | Path) -> Iterator[str]:
    """A bwa index of ``reference`` in a temporary directory (nothing is written beside the FASTA)."""
    from pybwa import BwaIndex, BwaVerbosity, set_bwa_verbosity
    set_bwa_verbosity(BwaVerbosity.QUIET)
    tmp = Path(tempfile.mkdtemp(prefix="genomeml-bwa-"))
    try:
        fasta = tmp / "ref.fa"
        shutil.copyfile(reference, fasta)
        BwaIndex.index(fasta=fasta)
        yield str(fasta)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@dataclass
class _Hit:
    """One placement of a read: bwa's primary hit or an alternative from its XA tag."""
    reference_name: str
    start: int
    reverse: bool
    cigar: list[tuple[int, int]]
    nm: int
    mapq: int

    @property
    def end(self) -> int:
        return self.start + sum(n for op, n in self.cigar if op in (0, 2, 3, 7, 8))


def _parse_cigar(text: str) -> list[tuple[int, int]]:
    ops, tuples, number = "MIDNSHP=X", [], ""
    for ch in text:
        if ch.isdigit():
            number += ch
        else:
            tuples.append((ops.index(ch), int(number)))
            number = ""
    return tuples


def _query_length(cigar: list[tuple[int, int]]) -> int:
    return sum(n for op, n in cigar if op in (0, 1, 4, 7, 8))


def _hits(segments: list[pysam.AlignedSegment]) -> list[_Hit]:
    """The primary hit, then its XA alternatives (empty when unmapped)."""
    hit = next((h for h in segments if not (h.is_secondary or h.is_supplementary)), None)
    if hit is None or hit.is_unmapped:
        return []
    hits = [_Hit(hit.reference_name, hit.reference_start, hit.is_reverse, hit.cigartuples, hit.get_tag("NM"),
                 hit.mapping_quality)]
    if hit.has_tag("XA"):
        for entry in str(hit.get_tag("XA")).rstrip(";").split(";"):
            name, pos, cigar, nm = entry.split(",")[:4]
            tuples = _parse_cigar(cigar)
            if _query_length(tuples) == hit.query_length:   # XA drops hard clips; such hits are left out
                hits.append(_Hit(name, abs(int(pos)) - 1, pos.startswith("-"), tuples, int(nm), 0))
    return hits


def _proper(a: _Hit, b: _Hit) -> bool:
    """Forward-reverse on one contig, the forward mate not after the reverse one, a plausible span."""
    if a.reference_name != b.reference_name or a.reverse == b.reverse:
        return False
    fwd, rev = (a, b) if not a.reverse else (b, a)
    return fwd.start <= rev.start + 10 and max(a.end, b.end) - min(a.start, b.start) < _MAX_INSERT


def _pair(h1: list[_Hit], h2: list[_Hit]) -> tuple[_Hit | None, _Hit | None]:
    """Each mate's placement: the best proper pair of hits (fewest edits; the primaries if they are one).

    Mapping quality then follows the pair, as in bwa's paired mode: the surer mate's, or
    30 per edit by which the best proper pair beats the next (about bwa's score-gap scale).
    """
    if not h1 or not h2:
        return (h1[0] if h1 else None), (h2[0] if h2 else None)
    proper = sorted(((a, b) for a in h1 for b in h2 if _proper(a, b)), key=lambda ab: ab[0].nm + ab[1].nm)
    if not proper:
        return h1[0], h2[0]
    a, b = (h1[0], h2[0]) if _proper(h1[0], h2[0]) else proper[0]
    edits = a.nm + b.nm
    gap = (proper[1][0].nm + proper[1][1].nm - edits) if len(proper) > 1 else 60
    if gap > 0:
        q = min(60, max(a.mapq, b.mapq, 30 * gap))
        a, b = replace(a, mapq=max(a.mapq, q)), replace(b, mapq=max(b.mapq, q))
    return a, b


def _segment(header: pysam.AlignmentHeader, read: ReadRecord, hit: _Hit | None, rg: str) -> pysam.AlignedSegment:
    """Our record of a read placed at ``hit`` (bwa's own header and flags are not kept)."""
    if hit is None:
        return unmapped_segment(header, read, rg)
    seg = pysam.AlignedSegment(header)
    seg.query_name = read.name
    seg.flag = 16 if hit.reverse else 0
    seg.reference_id = header.get_tid(hit.reference_name)
    seg.reference_start = hit.start
    seg.mapping_quality = hit.mapq
    seg.cigartuples = hit.cigar
    seg.query_sequence = revcomp(read.seq) if hit.reverse else read.seq
    seg.query_qualities = qualities(read.qual, hit.reverse)
    seg.set_tag("NM", hit.nm)
    seg.set_tag("RG", rg)
    return seg


def align_all_bwa(index: str, header: pysam.AlignmentHeader, reads: Iterable[ReadRecord], rg: str,
                  threads: int = 1) -> Iterator[pysam.AlignedSegment]:
    """Records of ``reads`` in input order (pairs when ``read.mate`` is set; duplicates flagged 1024)."""
    from pybwa import BwaMem, BwaMemOptions
    aligner = BwaMem(prefix=index)
    options = BwaMemOptions(threads=max(1, threads))
    batch: list[ReadRecord] = []

    def flush() -> Iterator[pysam.AlignedSegment]:
        queries = [q.seq for r in batch for q in ((r, r.mate) if r.mate is not None else (r,))]
        results = iter(aligner.align(queries, opt=options))
        for read in batch:
            if read.mate is None:
                hits = _hits(next(results))
                yield _segment(header, read, hits[0] if hits else None, rg)
                continue
            h1, h2 = _pair(_hits(next(results)), _hits(next(results)))
            segments = link_mates(_segment(header, read, h1, rg), _segment(header, read.mate, h2, rg))
            if read.duplicate:
                for seg in segments:
                    seg.flag |= 1024
            yield from segments

    for read in reads:
        batch.append(read)
        if len(batch) >= _BATCH:
            yield from flush()
            batch = []
    if batch:
        yield from flush()
