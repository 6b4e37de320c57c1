"""``genomeml align``: FASTQ/FASTA reads -> a coordinate-sorted, indexed BAM with a read group.

Alignment is minimap2's through mappy (no system binaries), record building is
io.mapping's (shared with the simulators). Reads are aligned in chunks on ``threads``
threads (mappy releases the GIL) but written in input order, then sorted by samtools
(pysam) with bounded memory, so whole-genome inputs fit and the same input gives the
same bytes whatever the thread count.
"""

from __future__ import annotations

import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path
from typing import Iterator, Sequence

import mappy
import numpy as np
import pysam

from genomeml import __version__
from genomeml.errors import GenomemlError
from genomeml.io.atomic import atomic_file
from genomeml.io.mapping import PLATFORMS, ReadRecord, align_read, bam_header, open_aligner
from genomeml.io.reference import Reference

CHUNK = 4000   # reads (or pairs) per alignment task


def _base_name(name: str) -> str:
    """Mate names agree once /1, /2 suffixes are dropped."""
    return name[:-2] if name.endswith(("/1", "/2")) else name


def _records(path: str) -> Iterator[ReadRecord]:
    if not Path(path).is_file():
        raise GenomemlError(f"{path}: read file not found")
    try:
        with pysam.FastxFile(path) as handle:
            for number, entry in enumerate(handle, 1):
                if not entry.sequence:
                    raise GenomemlError(f"{path}: read {number} ({entry.name}) has no sequence")
                qual = (np.frombuffer(entry.quality.encode(), dtype=np.uint8) - 33).astype(np.uint8) \
                    if entry.quality else None
                if qual is not None and len(qual) != len(entry.sequence):
                    raise GenomemlError(f"{path}: read {number} ({entry.name}): quality and sequence lengths differ")
                yield ReadRecord(_base_name(entry.name), entry.sequence.upper(), qual)
    except (OSError, ValueError) as exc:
        raise GenomemlError(f"{path}: not a readable FASTQ/FASTA file ({exc})") from None


def read_records(files: Sequence[str]) -> Iterator[ReadRecord]:
    """Reads of one file, or pairs of two files (R1, R2) read in lockstep."""
    if len(files) == 1:
        yield from _records(files[0])
        return
    if len(files) != 2:
        raise GenomemlError("give one read file, or two (R1 and R2) for paired-end reads")
    first, second = _records(files[0]), _records(files[1])
    for number, (r1, r2) in enumerate(zip(first, second), 1):
        if r1.name != r2.name:
            raise GenomemlError(f"{files[1]}: read {number} is '{r2.name}' but its mate in {files[0]} is "
                                f"'{r1.name}' (files out of step)")
        r1.mate = r2
        yield r1
    if next(first, None) is not None or next(second, None) is not None:
        raise GenomemlError(f"{files[1]}: R1 and R2 files hold different numbers of reads")


def align_files(reference: str, files: Sequence[str], output: str | os.PathLike, sample: str,
                preset: str = "sr", read_group: str | None = None, threads: int = 1) -> int:
    """Align ``files`` to ``reference`` into ``output`` (.bam + .bai, atomically). Returns records written."""
    output = Path(output)
    if output.suffix != ".bam":
        raise GenomemlError(f"{output}: output must end in .bam")
    if len(files) == 2 and preset != "sr":
        raise GenomemlError(f"paired reads (R1, R2) need the short-read preset sr, not {preset}")
    with Reference(reference) as ref:
        contigs = dict(ref.contigs)
    aligner = open_aligner(reference, preset)
    rg = read_group or sample
    header = pysam.AlignmentHeader.from_dict(bam_header(
        contigs, {"ID": rg, "SM": sample, "PL": PLATFORMS[preset], "LB": f"{sample}-lib1"},
        {"ID": "genomeml-align", "PN": "genomeml", "VN": __version__}))
    local = threading.local()

    def align_chunk(chunk: list[ReadRecord]) -> list[pysam.AlignedSegment]:
        if not hasattr(local, "buffer"):
            local.buffer = mappy.ThreadBuffer()
        return [seg for read in chunk for seg in align_read(aligner, header, read, rg, local.buffer)]

    reads = read_records(list(files))
    chunks = iter(lambda: list(islice(reads, CHUNK)), [])
    written = 0
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".genomeml-align-", dir=output.parent) as tmp:
        unsorted = Path(tmp) / "unsorted.bam"
        with pysam.AlignmentFile(str(unsorted), "wb", header=header) as out, \
                ThreadPoolExecutor(max(1, threads)) as pool:
            for segments in pool.map(align_chunk, chunks):   # map keeps input order
                for seg in segments:
                    out.write(seg)
                written += len(segments)
        with atomic_file(output, companions=(".bai",)) as final:
            pysam.sort("--no-PG", "-@", str(max(1, threads)), "-m", "512M", "-T", str(Path(tmp) / "sort"),
                       "-o", str(final), str(unsorted), catch_stdout=False)
            pysam.index(str(final), str(final) + ".bai")
    return written
