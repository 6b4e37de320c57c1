"""Local realignment: reads that carry a candidate indel although their alignment does not show it.

An aligner shows an indel only in reads with enough bases beyond it. A read that ends a few
bases past the indel gets soft-clipped there or gets mismatches instead (bwa mem and minimap2
alike), and the longer the indel, the more of its reads end up that way. Counted from the
CIGAR, such carriers pass for reference reads: in the tumor they lower a low-VAF indel's
support below what the model calls, and in the normal they hide a germline indel, which then
looks somatic. Callers such as GATK and DeepVariant realign reads to candidate haplotypes for
this; here each doubtful read's bases near the site (soft clips included) are compared,
without gaps, to the reference and to the alternate haplotype, and the read counts as a
carrier when the alternate fits clearly better.

Only reads with evidence of a hidden event are compared: a soft clip or a good-quality
mismatch near the site, and no indel of their own there (those already show some allele).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from genomeml.pileup.alleles import Allele, padded_window
from genomeml.pileup.candidates import read_alleles
from genomeml.pileup.reads import A, CODE_OF_ASCII, DEL, EMPTY, N, T, DecodedRead, ReadBlock

RADIUS = 20          # read bases compared on each side of the site (more for long indels)
MARGIN = 45          # Phred sum by which the alternate haplotype must fit better than the reference
MAX_ALT_COST = 90    # ... while leaving at most this much unexplained (else the read is something else)
MIN_BQ = 20          # mismatches at least this good count as evidence that a read needs realigning
MAX_WEIGHT = 40      # cap on a base's weight in a fit
FLANK = 3            # bases a read needs beyond each side of the event to tell the haplotypes apart


def query_index(read: DecodedRead, pos: int) -> int:
    """Index in the read's sequence of the base at reference ``pos``, extrapolated into soft clips.

    A deletion or skip column gives the index of the base after it; a column past either
    end of the alignment counts on from the last (or back from the first) aligned base,
    which is where the clipped bases would lie without the hidden event.
    """
    if pos < read.start:
        return read.clip_left - (read.start - pos)
    if pos >= read.end:
        return len(read.query_codes) - read.clip_right + (pos - read.end)
    c = pos - read.start
    before = read.bases[:c]
    gaps = int(np.count_nonzero((before == DEL) | (before == EMPTY)))
    return read.clip_left + c - gaps + int(read.ins_after[:c].sum())


def _codes(seq: str) -> np.ndarray:
    return CODE_OF_ASCII[np.frombuffer(seq.encode(), dtype=np.uint8)]


def _haplotype(ref_seq: str, offset: int, site: Allele, pad: int, edit: Allele | None) -> np.ndarray:
    """The reference around ``site`` (its anchor at index ``pad``, N beyond the contig), ``edit`` applied."""
    start = site.pos - pad
    seq = padded_window(ref_seq, start - offset, len(site.ref) + 2 * pad)
    if edit is not None:
        i = edit.pos - start
        seq = seq[:i] + edit.alt + seq[i + len(edit.ref):]
    return _codes(seq)


def _best_fit(reads: np.ndarray, weights: np.ndarray, hap: np.ndarray, pad: int, radius: int,
              shifts: np.ndarray) -> np.ndarray:
    """Per read, the least weighted mismatch over ungapped placements of its bases on ``hap``."""
    columns = pad + np.arange(-radius, radius + 1)[None, :] + shifts[:, None]     # (shifts, 2r+1)
    inside = (columns >= 0) & (columns < len(hap))
    hap_codes = np.where(inside, hap[np.clip(columns, 0, len(hap) - 1)], N)
    differ = (reads[:, None, :] != hap_codes[None]) & (hap_codes[None] != N)
    return (differ * weights[:, None, :]).sum(axis=2).min(axis=1)


def hidden_carriers(block: ReadBlock, allele: Allele, ref_seq: str, offset: int,
                    rivals: Sequence[Allele] = ()) -> np.ndarray:
    """Indices of reads that carry indel ``allele`` without showing it, one per fragment.

    ``rivals``: other candidate indels near it. A read counts only if ``allele`` fits it better
    than each rival: the clipped carriers of a true 4-base insertion fit a 5-base stutter
    copy of it almost as well, and must not lift that error's count to the true one's.
    Mates of a read that shows the allele, and second mates of a hidden carrier, are left
    out, so each fragment adds at most one read to the allele's count.
    """
    length = abs(len(allele.alt) - len(allele.ref))
    deleted = max(0, len(allele.ref) - len(allele.alt))
    radius = max(RADIUS, length + 10)
    lo, hi = allele.pos - radius, allele.pos + deleted + radius + 1
    idx = block.overlapping(lo, hi)
    if len(idx) == 0:
        return idx
    flat, valid = block.grid(idx, lo, hi - lo)
    codes = np.where(valid, block.bases[flat], EMPTY)
    own_indel = ((codes == DEL) | (np.where(valid, block.ins_after[flat], 0) > 0)).any(axis=1)
    ref_codes = _codes(padded_window(ref_seq, lo - offset, hi - lo))
    good = np.where(valid, block.quals[flat], 0) >= MIN_BQ
    mismatch = ((codes >= A) & (codes <= T) & (codes != ref_codes[None, :]) & good).any(axis=1)
    starts, ends = block.starts[idx], block.ends[idx]
    clipped = (((block.clip_left[idx] > 0) & (starts >= lo) & (starts < hi))
               | ((block.clip_right[idx] > 0) & (ends > lo) & (ends <= hi)))
    reaches = ((starts - block.clip_left[idx] <= allele.pos - FLANK)
               & (ends + block.clip_right[idx] >= allele.pos + deleted + 1 + FLANK))
    doubtful = idx[~own_indel & (clipped | mismatch) & reaches]
    if len(doubtful) == 0:
        return doubtful
    shown = {block.reads[i].name for i in idx[own_indel]
             if allele in read_alleles(block.reads[i], ref_seq, allele.contig, offset)}

    width = 2 * radius + 1
    read_codes = np.full((len(doubtful), width), N, dtype=np.uint8)
    weights = np.zeros((len(doubtful), width), dtype=np.int64)
    for row, i in enumerate(doubtful):
        read = block.reads[i]
        q0 = query_index(read, allele.pos) - radius
        a, b = max(0, q0), min(len(read.query_codes), q0 + width)
        if b > a:
            read_codes[row, a - q0:b - q0] = read.query_codes[a:b]
            weights[row, a - q0:b - q0] = np.minimum(read.query_quals[a:b], MAX_WEIGHT)
    weights[read_codes == N] = 0
    rivals = [r for r in rivals if r != allele and r.is_indel and abs(r.pos - allele.pos) <= radius]
    longest = max([length] + [abs(len(r.alt) - len(r.ref)) for r in rivals])
    pad = radius + longest + 4 + max([0] + [abs(r.pos - allele.pos) for r in rivals])
    shifts = np.arange(-longest - 2, longest + 3)

    def cost(edit: Allele | None) -> np.ndarray:
        return _best_fit(read_codes, weights, _haplotype(ref_seq, offset, allele, pad, edit), pad, radius, shifts)

    alt_cost = cost(allele)
    fits = (cost(None) - alt_cost >= MARGIN) & (alt_cost <= MAX_ALT_COST)
    for rival in rivals:
        fits &= alt_cost < cost(rival)
    carriers = doubtful[fits]
    kept = []
    for i in carriers:
        name = block.reads[i].name
        if name not in shown:
            shown.add(name)
            kept.append(i)
    return np.array(kept, dtype=np.int64)

