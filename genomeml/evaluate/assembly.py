"""Base-level accuracy of an assembly against a truth genome (errors and QV).

Each assembly contig is aligned to the truth with minimap2 (mappy, preset ``asm5``)
and the errors are read off the alignment's ``cs`` tag, which spells out every
difference with its bases, so no reference fetching or CIGAR/MD juggling is needed.

Definitions (chosen so a simulated draft's injected errors are recovered exactly):

* substitution: one ``*xy`` cs event; mismatches where either base is ``N`` are
  not errors (an N is "unknown", not wrong) and are counted as ``ambiguous_mismatches``;
* insertion: bases the assembly has and the truth lacks (cs ``+``), counted as
  events and bases; deletion: truth bases the assembly lacks (cs ``-``), likewise.
  N bases inside them are not errors either (a scaffold gap of the wrong size is
  not a base error) and go to ``ambiguous_indel_bases``; an indel of only Ns is no event;
* ``error_bases`` = substitutions + insertion bases + deletion bases;
* ``aligned_bases``: assembly bases inside the alignments that were used (inserted
  bases included); ``unaligned_bases``: assembly bases outside them, of which
  ``unaligned_n_bases`` are N (minimap2 does not align through long N runs, so
  scaffold gaps land here rather than in the error counts);
* QV = -10 log10(max(error_bases, 1) / aligned_bases). With no errors the QV is
  that of one error (a finite lower bound, which grows with the aligned length)
  and ``qv_capped`` is True; with nothing aligned the QV is None.

Alignments used per contig: minimap2's primary and supplementary hits (secondary
hits, i.e. alternative placements of the same bases, are ignored), longest first.
A hit that overlaps bases already claimed by a longer hit only contributes its
unclaimed part, so no assembly base is counted twice.
"""

from __future__ import annotations

import gzip
import math
import os
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import mappy

from genomeml.errors import GenomemlError

_CS_EVENT = re.compile(r":(\d+)|\*([a-z])([a-z])|([+-])([A-Za-z]+)|~[a-z]{2}(\d+)[a-z]{2}")
_QV_DIGITS = 3

Interval = tuple[int, int]


@dataclass
class ErrorCounts:
    """Error tallies for one contig or a whole assembly."""
    substitutions: int = 0
    insertion_events: int = 0
    insertion_bases: int = 0
    deletion_events: int = 0
    deletion_bases: int = 0
    ambiguous_mismatches: int = 0
    ambiguous_indel_bases: int = 0
    aligned_bases: int = 0
    unaligned_bases: int = 0
    unaligned_n_bases: int = 0
    n_alignments: int = 0

    @property
    def error_events(self) -> int:
        return self.substitutions + self.insertion_events + self.deletion_events

    @property
    def error_bases(self) -> int:
        return self.substitutions + self.insertion_bases + self.deletion_bases

    def add(self, other: "ErrorCounts") -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def as_dict(self) -> dict:
        qv = qv_value(self.error_bases, self.aligned_bases)
        return {**asdict(self), "error_events": self.error_events, "error_bases": self.error_bases,
                "qv": qv, "qv_capped": qv is not None and self.error_bases == 0}


def qv_value(error_bases: int, aligned_bases: int) -> float | None:
    """Phred-scaled accuracy; zero errors count as one so the value stays finite."""
    if aligned_bases <= 0:
        return None
    return round(-10.0 * math.log10(max(error_bases, 1) / aligned_bases), _QV_DIGITS)


# ------------------------------------------------------------------ FASTA input
def _check_fasta(path: str | os.PathLike, role: str) -> Path:
    """Fail early, naming the file, instead of letting minimap2 index garbage or nothing."""
    path = Path(path)
    if not path.exists():
        raise GenomemlError(f"{path}: {role} FASTA not found")
    if path.is_dir():
        raise GenomemlError(f"{path}: {role} FASTA is a directory")
    if path.stat().st_size == 0:
        raise GenomemlError(f"{path}: {role} FASTA is empty")
    try:
        with open(path, "rb") as raw:
            compressed = raw.read(2) == b"\x1f\x8b"
        opener = gzip.open if compressed else open
        with opener(path, "rb") as handle:
            head = handle.read(4096).lstrip()
    except (OSError, EOFError) as exc:
        raise GenomemlError(f"{path}: cannot read {role} FASTA ({exc})") from None
    if not head:
        raise GenomemlError(f"{path}: {role} FASTA is empty")
    if not head.startswith(b">"):
        raise GenomemlError(f"{path}: {role} file is not FASTA (does not start with '>')")
    return path


def read_fasta(path: str | os.PathLike, role: str = "assembly") -> list[tuple[str, str]]:
    """All (name, sequence) records of a plain or gzipped FASTA, validated."""
    path = _check_fasta(path, role)
    records: list[tuple[str, str]] = []
    seen: set[str] = set()
    for name, seq, _ in mappy.fastx_read(str(path), read_comment=False):
        if name in seen:
            raise GenomemlError(f"{path}: {role} FASTA has two sequences named '{name}'")
        seen.add(name)
        records.append((name, seq))
    if not any(seq for _, seq in records):
        raise GenomemlError(f"{path}: {role} FASTA holds no sequence")
    return records


# ------------------------------------------------------------------ alignments
def _free_parts(start: int, end: int, used: Sequence[Interval]) -> list[Interval]:
    """The parts of [start, end) not covered by the sorted, disjoint ``used`` intervals."""
    parts: list[Interval] = []
    cursor = start
    for used_start, used_end in used:
        if used_end <= cursor:
            continue
        if used_start >= end:
            break
        if used_start > cursor:
            parts.append((cursor, used_start))
        cursor = max(cursor, used_end)
    if cursor < end:
        parts.append((cursor, end))
    return parts


def _insert_interval(used: list[Interval], new: Interval) -> None:
    """Add ``new`` to the sorted disjoint list, merging neighbours."""
    merged = sorted([*used, new])
    used.clear()
    for start, end in merged:
        if used and start <= used[-1][1]:
            used[-1] = (used[-1][0], max(used[-1][1], end))
        else:
            used.append((start, end))


def _covered(parts: Sequence[Interval], start: int, end: int) -> int:
    """How many of the query bases [start, end) fall inside ``parts``."""
    return sum(max(0, min(end, e) - max(start, s)) for s, e in parts)


def _n_count(bases: str) -> int:
    return bases.count("n") + bases.count("N")


def count_cs(cs: str, q_start: int, q_end: int, strand: int, parts: Sequence[Interval]) -> ErrorCounts:
    """Tally the events of a short-form cs string, keeping only those on query bases in ``parts``.

    cs walks the truth forward; on the reverse strand that walks the assembly backwards
    from ``q_end``, which is why query coordinates are mirrored for ``strand == -1``.
    A deletion sits between two assembly bases; it is attributed to the next base in
    the walk.
    """
    counts = ErrorCounts()
    offset = 0  # query bases consumed so far, in walk order

    def span(length: int) -> Interval:
        if strand >= 0:
            return q_start + offset, q_start + offset + length
        return q_end - offset - length, q_end - offset

    position = 0
    for match in _CS_EVENT.finditer(cs):
        if match.start() != position:
            raise GenomemlError(f"cannot parse minimap2 cs tag near '{cs[position:position + 20]}'")
        position = match.end()
        run, ref_base, query_base, op, bases, _intron = match.groups()
        if run is not None:
            counts.aligned_bases += _covered(parts, *span(int(run)))
            offset += int(run)
        elif ref_base is not None:
            if _covered(parts, *span(1)):
                counts.aligned_bases += 1
                if "n" in (ref_base, query_base):
                    counts.ambiguous_mismatches += 1
                else:
                    counts.substitutions += 1
            offset += 1
        elif op == "+":
            inside = _covered(parts, *span(len(bases)))
            counts.aligned_bases += inside
            # the rare partly claimed insertion has its N share estimated pro rata
            n_bases = _n_count(bases) * inside // len(bases)
            counts.ambiguous_indel_bases += n_bases
            counts.insertion_bases += inside - n_bases
            counts.insertion_events += inside - n_bases > 0
            offset += len(bases)
        elif op == "-":
            if _covered(parts, *span(1)):
                n_bases = _n_count(bases)
                counts.ambiguous_indel_bases += n_bases
                counts.deletion_bases += len(bases) - n_bases
                counts.deletion_events += len(bases) > n_bases
        # introns ('~') do not occur in assembly-to-genome alignments; they consume no query
    if position != len(cs):
        raise GenomemlError(f"cannot parse minimap2 cs tag near '{cs[position:position + 20]}'")
    return counts


def _score_contig(aligner: mappy.Aligner, seq: str) -> ErrorCounts:
    """Errors of one contig from its primary and supplementary alignments, longest first."""
    hits = [hit for hit in aligner.map(seq, cs=True) if hit.is_primary]
    hits.sort(key=lambda hit: (-hit.blen, hit.q_st, hit.ctg, hit.r_st))
    total = ErrorCounts()
    used: list[Interval] = []
    for hit in hits:
        parts = _free_parts(hit.q_st, hit.q_en, used)
        if not parts:
            continue
        total.add(count_cs(hit.cs, hit.q_st, hit.q_en, hit.strand, parts))
        total.n_alignments += 1
        for part in parts:
            _insert_interval(used, part)
    total.unaligned_bases = len(seq) - sum(end - start for start, end in used)
    total.unaligned_n_bases = sum(seq.count("N", start, end) + seq.count("n", start, end)
                                  for start, end in _free_parts(0, len(seq), used))
    return total


def _load_aligner(truth: Path, threads: int) -> mappy.Aligner:
    aligner = mappy.Aligner(str(truth), preset="asm5", n_threads=max(1, threads))
    if not aligner:
        raise GenomemlError(f"{truth}: minimap2 could not index the truth FASTA")
    if not any(aligner.seq(name, 0, 1) for name in aligner.seq_names):
        raise GenomemlError(f"{truth}: truth FASTA holds no sequence")
    return aligner


def evaluate_assembly(truth_fasta: str | os.PathLike, assembly_fasta: str | os.PathLike,
                      threads: int = 2) -> dict:
    """Align every assembly contig to the truth and return error counts and QV as a JSON-ready dict.

    Top-level keys: substitutions, insertion_events, insertion_bases, deletion_events,
    deletion_bases, error_events, error_bases, ambiguous_mismatches, ambiguous_indel_bases, aligned_bases,
    unaligned_bases, unaligned_n_bases, n_alignments, qv, qv_capped, n_contigs, assembly_bases and
    ``contigs`` ({name: the same per-contig counts plus length}).
    """
    truth = _check_fasta(truth_fasta, "truth")
    records = read_fasta(assembly_fasta, "assembly")
    aligner = _load_aligner(truth, threads)
    sequences = [seq for _, seq in records]
    if threads > 1 and len(records) > 1:
        # mappy releases the GIL while mapping and gives each call its own buffer
        with ThreadPoolExecutor(max_workers=threads) as pool:
            scored = list(pool.map(lambda seq: _score_contig(aligner, seq), sequences))
    else:
        scored = [_score_contig(aligner, seq) for seq in sequences]
    return _summarize(records, scored)


def _summarize(records: Sequence[tuple[str, str]], scored: Iterable[ErrorCounts]) -> dict:
    total = ErrorCounts()
    contigs: dict[str, dict] = {}
    for (name, seq), counts in zip(records, scored):
        total.add(counts)
        contigs[name] = {"length": len(seq), **counts.as_dict()}
    return {**total.as_dict(), "n_contigs": len(records),
            "assembly_bases": sum(len(seq) for _, seq in records), "contigs": contigs}


def format_assembly_report(metrics: Mapping) -> str:
    """Per-contig and total error counts as an aligned text table."""
    header = ["contig", "length", "aligned", "unaligned", "subs", "ins(ev/bp)", "del(ev/bp)", "QV"]
    rows = [[name, m["length"], m["aligned_bases"], m["unaligned_bases"], m["substitutions"],
             f"{m['insertion_events']}/{m['insertion_bases']}", f"{m['deletion_events']}/{m['deletion_bases']}",
             _qv_text(m)] for name, m in metrics["contigs"].items()]
    rows.append(["TOTAL", metrics["assembly_bases"], metrics["aligned_bases"], metrics["unaligned_bases"],
                 metrics["substitutions"], f"{metrics['insertion_events']}/{metrics['insertion_bases']}",
                 f"{metrics['deletion_events']}/{metrics['deletion_bases']}", _qv_text(metrics)])
    cells = [header] + [[str(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(cell.rjust(w) if i else cell.ljust(w) for i, (cell, w) in enumerate(zip(row, widths)))
             for row in cells]
    lines.append("")
    lines.append(f"error bases: {metrics['error_bases']} in {metrics['error_events']} events; "
                 f"QV = -10 log10(max(errors, 1) / aligned bases); '>=' marks a QV with no errors seen")
    if metrics.get("unaligned_n_bases"):
        lines.append(f"unaligned bases that are N: {metrics['unaligned_n_bases']}")
    if metrics.get("ambiguous_mismatches") or metrics.get("ambiguous_indel_bases"):
        lines.append(f"differences involving N (not errors): {metrics['ambiguous_mismatches']} mismatches, "
                     f"{metrics['ambiguous_indel_bases']} inserted/deleted N bases")
    return "\n".join(lines)


def _qv_text(metrics: Mapping) -> str:
    if metrics["qv"] is None:
        return "-"
    return (">=" if metrics["qv_capped"] else "") + f"{metrics['qv']:.2f}"
