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
from genomeml.pileup.reads import A, C, DEL, EMPTY, G, N, T, DecodedRead, ReadBlock

CHANNELS = ("base", "base_quality", "mapping_quality", "strand", "mismatch", "supports_allele",
            "insertion_after", "sample", "soft_clip")
CHANNEL_VERSION = "somatic-pileup-v2"

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
    hashes = np.fromiter((zlib.crc32(r.name.encode(), seed) for r in reads), dtype=np.int64, count=len(reads))
    starts = np.fromiter((r.start for r in reads), dtype=np.int64, count=len(reads))
    return order_by(np.asarray(support), hashes, starts, max_rows).tolist()


def order_by(support: np.ndarray, hashes: np.ndarray, starts: np.ndarray, max_rows: int) -> np.ndarray:
    """``order_rows`` on arrays: carriers, then spanning reads, then the rest; downsampled by hash."""
    group = np.where(support > 0, 0, np.where(support < 0, 1, 2))
    chosen = np.lexsort((hashes, group))[:max_rows]
    return chosen[np.lexsort((hashes[chosen], starts[chosen], group[chosen]))]


def encode_rows(block: ReadBlock, indices: np.ndarray, support: np.ndarray, window_start: int,
                ref_codes: np.ndarray, sample_value: int, out: np.ndarray) -> None:
    """Fill ``out[:len(indices)]`` (zeroed) with the block's reads ``indices`` laid onto the window."""
    if len(indices) == 0:
        return
    flat, valid = block.grid(indices, window_start, len(ref_codes))
    codes = np.where(valid, block.bases[flat], EMPTY)
    covered = codes != EMPTY
    rows = out[:len(indices)]
    rows[..., 0] = _BASE_VALUE[codes]
    rows[..., 1] = np.minimum(block.quals[flat], 50) * 2 * covered
    rows[..., 2] = (np.minimum(block.mapq[indices], 60) * 100 // 60)[:, None] * covered
    rows[..., 3] = np.where(block.reverse[indices], -100, 100)[:, None] * covered
    rows[..., 4] = ((codes != ref_codes[None, :]) & covered & (codes != N)) * 100
    rows[..., 5] = (np.asarray(support, dtype=np.int64) * 100)[:, None] * covered
    rows[..., 6] = np.minimum(np.where(valid, block.ins_after[flat], 0), 10) * 10
    rows[..., 7] = sample_value * covered
    # soft clips (hidden indels or mis-mapping): marked on the read's first/last aligned column
    width = len(ref_codes)
    first = block.starts[indices] - window_start
    last = block.ends[indices] - 1 - window_start
    for edge, clip in ((first, block.clip_left[indices]), (last, block.clip_right[indices])):
        marked = (clip > 0) & (edge >= 0) & (edge < width)
        rows[np.flatnonzero(marked), edge[marked], 8] = np.minimum(clip[marked], 20) * 5

def encode_reads(reads: list[DecodedRead], support: np.ndarray, window_start: int, ref_codes: np.ndarray,
                 sample_value: int, out: np.ndarray) -> None:
    """Fill ``out[i]`` (width x channels, zeroed) with read i laid onto the window."""
    encode_rows(ReadBlock(reads), np.arange(len(reads)), support, window_start, ref_codes, sample_value, out)


def block_support(block: ReadBlock, indices: np.ndarray, allele: Allele, ref_seq: str, offset: int) -> np.ndarray:
    """``allele_support`` for many reads at once (indel carriers still checked per read, they are few)."""
    starts = block.starts[indices]
    covers = (starts <= allele.pos) & (allele.pos < block.ends[indices])
    support = np.where(covers, -1, 0).astype(np.int8)
    if allele.is_snv:
        flat = block.offsets[indices] + np.where(covers, allele.pos - starts, 0)
        carries = covers & (block.bases[flat] == _ASCII_TO_CODE[ord(allele.alt)])
        support[carries] = 1
    else:
        for k, i in enumerate(indices):
            read = block.reads[i]
            if covers[k] and read.indels and allele in read_alleles(read, ref_seq, allele.contig, offset):
                support[k] = 1
    return support
