"""Merge the VCFs of a run's shards into the VCF one run over their union writes, byte for byte.

The workflow calls each shard of the genome as its own job. A shard's VCF differs from
its siblings' only in the ``##genomeml_regions`` header line (io.vcf.REGIONS_KEY) and
its records, so the merge:

1. refuses shards whose headers disagree anywhere else (another reference, model,
   threshold, sample or input file: the shards are not one run);
2. refuses shards whose regions overlap (a candidate would be reported twice);
3. writes the first shard's header with the regions line replaced by the union, and
   every record, in reference order.

Lines are copied verbatim, never re-formatted by a VCF library, so the result is the
same bytes as a single run's.
"""

from __future__ import annotations

import gzip
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from genomeml.errors import GenomemlError
from genomeml.io.regions import Region, describe_regions, parse_region_description
from genomeml.io.vcf import REGIONS_KEY, write_vcf

_CONTIG = re.compile(r"^##contig=<ID=([^,>]+),length=(\d+)")


@dataclass
class ShardVcf:
    path: Path
    header: list[str]
    body: list[str]
    regions: list[Region] | None = None


def read_vcf_text(path: str | os.PathLike) -> tuple[list[str], list[str]]:
    """Header and body lines (without newlines) of a plain or bgzipped VCF."""
    path = Path(path)
    if not path.exists():
        raise GenomemlError(f"{path}: VCF file not found")
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rt") as handle:
            lines = handle.read().splitlines()
    except (OSError, EOFError, UnicodeDecodeError, zlib.error) as exc:
        raise GenomemlError(f"{path}: not a readable VCF ({exc})") from None
    n_header = 0
    while n_header < len(lines) and lines[n_header].startswith("#"):
        n_header += 1
    if not lines or not lines[0].startswith("##fileformat=VCF") or not lines[n_header - 1].startswith("#CHROM"):
        raise GenomemlError(f"{path}: not a VCF (no ##fileformat line or no #CHROM line)")
    return lines[:n_header], lines[n_header:]


def header_contigs(header: Sequence[str]) -> dict[str, int]:
    contigs = {}
    for line in header:
        match = _CONTIG.match(line)
        if match:
            contigs[match[1]] = int(match[2])
    return contigs


def _regions_index(header: Sequence[str]) -> int | None:
    prefix = f"##{REGIONS_KEY}="
    found = [i for i, line in enumerate(header) if line.startswith(prefix)]
    return found[0] if found else None


def _check_same_header(first: ShardVcf, shard: ShardVcf, skip: int | None) -> None:
    ours = [line for i, line in enumerate(shard.header) if i != skip]
    theirs = [line for i, line in enumerate(first.header) if i != skip]
    if len(ours) != len(theirs) or (skip is not None and _regions_index(shard.header) != skip):
        raise GenomemlError(f"{shard.path}: header differs from {first.path}'s (not shards of one run)")
    for mine, other in zip(ours, theirs):
        if mine != other:
            raise GenomemlError(f"{shard.path}: header line '{mine[:120]}' differs from {first.path}'s "
                                f"'{other[:120]}' (not shards of one run)")


def _check_disjoint(shards: Sequence[ShardVcf], order: dict[str, int]) -> None:
    spans = sorted(((order[r.contig], r.start, r.end, s.path) for s in shards for r in s.regions or []))
    for (c1, _, e1, p1), (c2, s2, _, p2) in zip(spans, spans[1:]):
        if c1 == c2 and s2 < e1:
            raise GenomemlError(f"{p2}: its regions overlap those of {p1} (calls would be reported twice)")


def _sort_key(order: dict[str, int], path: Path):
    def key(line: str) -> tuple[int, int]:
        fields = line.split("\t", 2)
        try:
            return order[fields[0]], int(fields[1])
        except (KeyError, IndexError, ValueError):
            raise GenomemlError(f"{path}: malformed record or undeclared contig: '{line[:80]}'") from None
    return key


def merge_vcfs(paths: Sequence[str | os.PathLike], output: str | os.PathLike) -> dict:
    """Merge shard VCFs of one run into ``output`` (.vcf.gz + .tbi, written atomically).

    Returns {"shards": n, "records": n, "regions": canonical text of the union}.
    """
    if not paths:
        raise GenomemlError("merge: no shard VCFs given")
    shards = [ShardVcf(Path(p), *read_vcf_text(p)) for p in paths]
    first = shards[0]
    contigs = header_contigs(first.header)
    order = {name: i for i, name in enumerate(contigs)}
    skip = _regions_index(first.header)
    for shard in shards[1:]:
        _check_same_header(first, shard, skip)
    header = list(first.header)
    union = None
    if skip is not None:
        prefix = f"##{REGIONS_KEY}="
        for shard in shards:
            shard.regions = parse_region_description(shard.header[skip][len(prefix):], contigs, str(shard.path))
        _check_disjoint(shards, order)
        union = describe_regions([r for s in shards for r in s.regions], contigs)
        header[skip] = prefix + union
        shards.sort(key=lambda s: min((order[r.contig], r.start) for r in s.regions))
    body: list[str] = []
    for shard in shards:
        body.extend(sorted(shard.body, key=_sort_key(order, shard.path)))   # stable: same-POS order kept
    body.sort(key=_sort_key(order, Path(output)))   # stable: shards are already in genome order
    write_vcf(output, header, body)
    return {"shards": len(shards), "records": len(body), "regions": union}
