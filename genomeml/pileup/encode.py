"""Read rows of a pileup tensor: each read's columns in a window, as int8 channels.

Channel values are int8 on a -100..100 scale (the model divides by 100), so tensors
are 4x smaller than float32 on disk and in memory. The channel list is versioned:
a model records the version it was trained on and refuses others.
"""

from __future__ import annotations

import zlib

import numpy as np

from genomeml.pileup.alleles import Allele
from genomeml.pileup.candidates import read_alleles
from genomeml.pileup.reads import A, C, DEL, EMPTY, G, N, T, DecodedRead

CHANNELS = ("base", "base_quality", "mapping_quality", "strand", "mismatch", "supports_allele",
            "insertion_after", "sample")
CHANNEL_VERSION = "somatic-pileup-v1"

_BASE_VALUE = np.zeros(7, dtype=np.int8)
_BASE_VALUE[[A, C, G, T, N, DEL]] = [25, 50, 75, 100, 10, -100]
_ASCII_TO_CODE = np.full(256, N, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT", start=A):
    _ASCII_TO_CODE[_b] = _i


def reference_codes(ref_window: str) -> np.ndarray:
    return _ASCII_TO_CODE[np.frombuffer(ref_window.encode(), dtype=np.uint8)]


def reference_row(ref_codes: np.ndarray) -> np.ndarray:
    row = np.zeros((len(ref_codes), len(CHANNELS)), dtype=np.int8)
    row[:, 0] = _BASE_VALUE[ref_codes]
    return row


def allele_support(read: DecodedRead, allele: Allele, ref_seq: str, offset: int) -> int:
    """+1 if the read carries ``allele``, -1 if it spans the site without it, 0 if it does not reach it."""
    if not (read.start <= allele.pos < read.end):
        return 0
    if allele.is_snv:
        return 1 if read.bases[allele.pos - read.start] == _ASCII_TO_CODE[ord(allele.alt)] else -1
    if read.indels and allele in read_alleles(read, ref_seq, allele.contig, offset):
        return 1
    return -1


def order_rows(reads: list[DecodedRead], support: np.ndarray, max_rows: int, seed: int) -> list[int]:
    """Indices of the reads to show: allele carriers first, the rest by a seeded name hash, then by start.

    Depends only on read names and the seed, so a region gives the same tensor
    whatever else is in the file or how it is sharded.
    """
    keys = [(0 if s > 0 else 1 if s < 0 else 2, zlib.crc32(r.name.encode(), seed) & 0xFFFFFFFF)
            for r, s in zip(reads, support)]
    chosen = sorted(range(len(reads)), key=lambda i: keys[i])[:max_rows]
    return sorted(chosen, key=lambda i: (keys[i][0], reads[i].start, keys[i][1]))


def encode_reads(reads: list[DecodedRead], support: np.ndarray, window_start: int, ref_codes: np.ndarray,
                 sample_value: int, out: np.ndarray) -> None:
    """Fill ``out[i]`` (width x channels, zeroed) with read i laid onto the window."""
    width = len(ref_codes)
    for i, read in enumerate(reads):
        lo = max(read.start, window_start)
        hi = min(read.end, window_start + width)
        if hi <= lo:
            continue
        src = slice(lo - read.start, hi - read.start)
        dst = slice(lo - window_start, hi - window_start)
        codes = read.bases[src]
        row = out[i, dst]
        covered = codes != EMPTY
        row[:, 0] = _BASE_VALUE[codes]
        row[:, 1] = np.minimum(read.quals[src], 50) * 2 * covered
        row[:, 2] = min(read.mapq, 60) * 100 // 60 * covered
        row[:, 3] = (-100 if read.reverse else 100) * covered
        row[:, 4] = ((codes != ref_codes[dst]) & covered & (codes != N)) * 100
        row[:, 5] = int(support[i]) * 100 * covered
        row[:, 6] = np.minimum(read.ins_after[src], 10) * 10
        row[:, 7] = sample_value * covered
