"""Genomic regions: parse ``chr:start-end`` strings and BED files, check them, shard them.

Internally every region is 0-based and half-open, as in BED and pysam.
"""

from __future__ import annotations

import gzip
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

from genomeml.errors import GenomemlError

_SPAN = re.compile(r"^(?P<start>[\d,]+)(?:-(?P<end>[\d,]+))?$")
_BRACED = re.compile(r"^\{(?P<contig>[^}]+)\}(?::(?P<start>[\d,]+)(?:-(?P<end>[\d,]+))?)?$")


@dataclass(frozen=True, order=True)
class Region:
    contig: str
    start: int
    end: int

    def __len__(self) -> int:
        return self.end - self.start

    def __str__(self) -> str:
        return f"{self.contig}:{self.start + 1}-{self.end}"


def parse_region(text: str, contigs: Mapping[str, int]) -> Region:
    """Parse a samtools-style 1-based inclusive region against known contig lengths."""
    text = text.strip()
    if text in contigs:  # a whole contig, whatever characters its name holds
        return Region(text, 0, contigs[text])
    braced = _BRACED.match(text)
    if braced:  # {name}:start-end, samtools' way of quoting names with ':'
        contig, start_text, end_text = braced["contig"], braced["start"], braced["end"]
    else:
        contig, _, span = text.rpartition(":")
        numbers = _SPAN.match(span)
        if not contig or numbers is None:
            raise GenomemlError(f"region '{text}': contig '{text}' is not in the reference")
        start_text, end_text = numbers["start"], numbers["end"]
    if contig not in contigs:
        raise GenomemlError(f"region '{text}': contig '{contig}' is not in the reference")
    length = contigs[contig]
    start = int(start_text.replace(",", "")) - 1 if start_text else 0
    end = int(end_text.replace(",", "")) if end_text else length
    if start < 0 or start >= end:
        raise GenomemlError(f"region '{text}': start must be >= 1 and not after the end")
    if start >= length:
        raise GenomemlError(f"region '{text}': starts beyond the end of {contig} ({length} bp)")
    return Region(contig, start, min(end, length))


def read_bed(path: str | os.PathLike, contigs: Mapping[str, int]) -> list[Region]:
    """Read a BED file's first three columns, checking each line against the reference."""
    path = Path(path)
    if not path.exists():
        raise GenomemlError(f"{path}: BED file not found")
    regions = []
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip() or line.startswith(("#", "track", "browser")):
                continue
            fields = line.rstrip("\n").split("\t")
            try:
                contig, start, end = fields[0], int(fields[1]), int(fields[2])
            except (IndexError, ValueError):
                raise GenomemlError(f"{path}:{number}: not a BED line (need contig, start, end)") from None
            if contig not in contigs:
                raise GenomemlError(f"{path}:{number}: contig '{contig}' is not in the reference")
            if start < 0 or end <= start or end > contigs[contig]:
                raise GenomemlError(f"{path}:{number}: interval {start}-{end} is outside {contig} "
                                    f"(0-{contigs[contig]}) or empty")
            regions.append(Region(contig, start, end))
    return merge_regions(regions)


def resolve_regions(specs: Iterable[str] | None, contigs: Mapping[str, int]) -> list[Region]:
    """Turn CLI ``--regions`` values (regions or BED paths) into merged regions; none means all contigs."""
    specs = list(specs or [])
    if not specs:
        return [Region(name, 0, length) for name, length in contigs.items()]
    regions: list[Region] = []
    for spec in specs:
        if spec.endswith((".bed", ".bed.gz")) or (Path(spec).is_file() and ":" not in spec):
            regions.extend(read_bed(spec, contigs))
        else:
            regions.append(parse_region(spec, contigs))
    return merge_regions(regions)


def merge_regions(regions: Iterable[Region]) -> list[Region]:
    """Sort and merge overlapping or touching regions, keeping contig order of first appearance."""
    regions = list(regions)
    order: dict[str, int] = {}
    for region in regions:
        order.setdefault(region.contig, len(order))
    merged: list[Region] = []
    for region in sorted(regions, key=lambda r: (order[r.contig], r.start, r.end)):
        if merged and merged[-1].contig == region.contig and region.start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = Region(last.contig, last.start, max(last.end, region.end))
        else:
            merged.append(region)
    return merged


def shard_regions(regions: Iterable[Region], size: int) -> list[Region]:
    """Cut regions into consecutive pieces of at most ``size`` bp."""
    if size <= 0:
        raise GenomemlError(f"shard size must be positive, got {size}")
    shards = []
    for region in regions:
        for start in range(region.start, region.end, size):
            shards.append(Region(region.contig, start, min(start + size, region.end)))
    return shards


def write_bed(path: str | os.PathLike, regions: Iterable[Region]) -> None:
    with open(path, "w") as handle:
        for region in regions:
            handle.write(f"{region.contig}\t{region.start}\t{region.end}\n")


def sort_regions(regions: Iterable[Region], contigs: Mapping[str, int]) -> list[Region]:
    """Merged regions in reference order (contig order of the FASTA, then start): the order calls come out in."""
    order = {name: i for i, name in enumerate(contigs)}
    return sorted(merge_regions(regions), key=lambda r: (order[r.contig], r.start))


# A run's regions are recorded in its outputs (e.g. the ##genomeml_regions VCF header line) as a list
# while that stays readable; beyond this many intervals (exome BEDs) as a digest of the list.
MAX_LISTED_REGIONS = 1000


def describe_regions(regions: Iterable[Region], contigs: Mapping[str, int]) -> str:
    """A canonical one-line text for a set of regions: merged, in reference order.

    It depends only on the bases covered, never on how they were written or sharded
    (``chr1:1-10`` plus ``chr1:11-20`` reads the same as ``chr1:1-20``), so a merged
    sharded run and a single run over the same bases describe their regions identically.
    """
    ordered = sort_regions(regions, contigs)
    listed = ",".join(str(r) for r in ordered)
    if len(ordered) <= MAX_LISTED_REGIONS:
        return listed
    import hashlib
    digest = hashlib.sha256(listed.encode()).hexdigest()[:16]
    return f"{len(ordered)} intervals, {sum(len(r) for r in ordered)} bp, sha256:{digest}"


def parse_region_description(text: str, contigs: Mapping[str, int], source: str) -> list[Region]:
    """The regions of a :func:`describe_regions` list (not of its digest form); ``source`` names the file."""
    if " intervals, " in text and "sha256:" in text:
        raise GenomemlError(f"{source}: regions are recorded only as a digest ({text}); "
                            f"shards must hold at most {MAX_LISTED_REGIONS} intervals each")
    regions = []
    for item in text.split(","):
        try:
            regions.append(parse_region(item, contigs))
        except GenomemlError as exc:
            raise GenomemlError(f"{source}: bad recorded region ({exc})") from None
    return regions


def plan_shards(regions: Iterable[Region], size: int,
                max_regions: int = MAX_LISTED_REGIONS) -> list[list[Region]]:
    """Cut regions into shards of at most ``size`` bp for parallel jobs, in the given order.

    Long regions are cut into ``size`` pieces (as :func:`shard_regions`); short ones are
    grouped, up to ``size`` bp and ``max_regions`` intervals per shard, so an exome BED
    does not become hundreds of thousands of jobs. Every base lands in exactly one shard.
    """
    shards: list[list[Region]] = []
    current: list[Region] = []
    filled = 0
    for piece in shard_regions(regions, size):
        if current and (filled + len(piece) > size or len(current) >= max_regions):
            shards.append(current)
            current, filled = [], 0
        current.append(piece)
        filled += len(piece)
    if current:
        shards.append(current)
    return shards
