"""Pieces shared by the somatic and assembly simulators: sequence input, read sampling, FASTA/VCF output."""

from __future__ import annotations

import gzip
import os
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from tqdm import tqdm

from genomeml.errors import GenomemlError
from genomeml.io.reference import Reference, write_fasta  # noqa: F401  (simulators write FASTA through here)
from genomeml.io.regions import Region, resolve_regions
from genomeml.simulate.align import SimRead
from genomeml.simulate.genome import revcomp, synthetic_genome
from genomeml.simulate.reads import IlluminaProfile, LongReadProfile, illumina_read, long_read, pcr_stutter

READ_SLACK = 12  # template bases beyond the read length, consumed by simulated deletions


def load_sequences(ref: str | None, synthetic: int | None, regions: Sequence[str],
                   rng: np.random.Generator) -> tuple[dict[str, str], list[Region]]:
    """The contigs to simulate on (whole sequences) and the regions within them to use."""
    if synthetic is not None:
        if synthetic < 5000:
            raise GenomemlError(f"--synthetic {synthetic}: a synthetic genome must be at least 5000 bp")
        seqs = {"synthetic": synthetic_genome(synthetic, rng)}
        contigs = {"synthetic": synthetic}
    else:
        with Reference(ref) as reference:
            chosen = resolve_regions(regions, reference.contigs)
            seqs = {name: reference.fetch(name) for name in dict.fromkeys(r.contig for r in chosen)}
        contigs = {name: len(seq) for name, seq in seqs.items()}
    return seqs, resolve_regions(regions, contigs)


def draw_profile(platform: str, rng: np.random.Generator) -> IlluminaProfile | LongReadProfile:
    """The simulated instrument for one run: a fresh draw per seed spreads training data over instruments."""
    if platform == "illumina":
        return IlluminaProfile.draw(rng)
    return LongReadProfile.draw(platform, rng)


def config_record(cfg) -> dict:
    """A simulation config for simulation.json: file names only, so outputs do not depend on where inputs live."""
    record = {}
    for key, value in vars(cfg).items():
        if key == "out":
            continue
        if key == "ref" and value is not None:
            value = Path(value).name
        record[key] = list(value) if isinstance(value, tuple) else value
    return record


def write_fastq_gz(path: str | os.PathLike, reads: Iterator[SimRead]) -> None:
    """FASTQ with a fixed gzip header (no mtime, no name) so the bytes are reproducible."""
    with open(path, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as out:
        for read in reads:
            qual = (read.qual + 33).astype(np.uint8).tobytes().decode()
            out.write(f"@{read.name}\n{read.seq}\n+\n{qual}\n".encode())


def progress(total: int, desc: str) -> tqdm:
    """A progress bar on stderr, shown only on a terminal."""
    return tqdm(total=total, desc=desc, unit="read", disable=None, leave=False, mininterval=1.0)


class ReadSampler:
    """Draw reads from a template source ``fragment(hap, start, length, rng) -> str`` at a given depth."""

    def __init__(self, platform: str, profile: IlluminaProfile | LongReadProfile, prefix: str):
        self.platform = platform
        self.profile = profile
        self.prefix = prefix

    def reads(self, intervals: list[tuple[str, int, int]], depth: float, fragment, rng: np.random.Generator,
              n_haps: int = 2) -> Iterator[SimRead]:
        """Reads covering each (contig, start, end) interval at ``depth``; fragment(contig, hap, start, length)."""
        total = 0
        plan = []
        for contig, start, end in intervals:
            if self.platform == "illumina":
                n = int(round(depth * (end - start) / (2 * self.profile.read_length)))
            else:
                n = int(round(depth * (end - start) / self.profile.length_mean))
            plan.append((contig, start, end, n))
            total += n
        bar = progress(total, f"simulating {self.prefix} reads")
        index = 0
        for contig, start, end, n in plan:
            for _ in range(n):
                index += 1
                hap = int(rng.integers(n_haps))
                if self.platform == "illumina":
                    yield from self._pair(contig, start, end, hap, index, fragment, rng)
                else:
                    yield from self._long(contig, start, end, hap, index, fragment, rng)
                bar.update(1)
        bar.close()

    def _pair(self, contig, start, end, hap, index, fragment, rng) -> Iterator[SimRead]:
        p: IlluminaProfile = self.profile
        min_len = p.read_length + READ_SLACK
        length = int(max(min_len, rng.normal(p.insert_mean, p.insert_sd)))
        # fragments may hang over the interval ends so that coverage stays flat up to them
        pos = int(rng.integers(max(0, start - length // 2), max(start + 1, end - length // 2)))
        frag = pcr_stutter(fragment(contig, hap, pos, length, rng), p, rng)[:length]
        if len(frag) < min_len:
            return
        if rng.random() < 0.5:
            frag = revcomp(frag)
        arr = np.frombuffer(frag.encode(), dtype=np.uint8)
        rc = np.frombuffer(revcomp(frag).encode(), dtype=np.uint8)
        copies = 1 + (rng.random() < p.duplicate_rate) * int(rng.integers(1, 3))
        for copy in range(copies):
            s1, q1 = illumina_read(arr[:min_len], p, rng, read2=False)
            s2, q2 = illumina_read(rc[:min_len], p, rng, read2=True)
            name = f"{self.prefix}{index:08d}" + (f"d{copy}" if copy else "")
            r2 = SimRead(name, s2.tobytes().decode(), q2)
            yield SimRead(name, s1.tobytes().decode(), q1, mate=r2, duplicate=copy > 0)

    def _long(self, contig, start, end, hap, index, fragment, rng) -> Iterator[SimRead]:
        p: LongReadProfile = self.profile
        length = int(np.clip(rng.lognormal(np.log(p.length_mean), p.length_sigma), 1000, 100000))
        pos = int(rng.integers(max(0, start - length // 2), max(start + 1, end - length // 2)))
        frag = fragment(contig, hap, pos, length, rng)[:length]
        if len(frag) < 500:
            return
        if rng.random() < 0.5:
            frag = revcomp(frag)
        seq, qual = long_read(np.frombuffer(frag.encode(), dtype=np.uint8), p, rng)
        yield SimRead(f"{self.prefix}{index:08d}", seq.tobytes().decode(), qual)
