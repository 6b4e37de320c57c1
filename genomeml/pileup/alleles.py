"""Allele representation: left-aligned, anchored VCF-style alleles, so that the same
indel found in reads, in a truth VCF or in a call set gets the same key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Allele:
    """A biallelic variant: 0-based ``pos`` of the first REF base (the anchor for indels)."""
    contig: str
    pos: int
    ref: str
    alt: str

    @property
    def is_snv(self) -> bool:
        return len(self.ref) == 1 and len(self.alt) == 1

    @property
    def is_indel(self) -> bool:
        return len(self.ref) != len(self.alt)

    @property
    def end(self) -> int:
        return self.pos + len(self.ref)


def left_align(seq: str, pos: int, ref: str, alt: str, offset: int = 0) -> tuple[int, str, str]:
    """Shift an anchored indel left while the sequence allows (the VCF normal form).

    ``seq`` holds the reference from ``offset`` on, so a shard's sequence can be used
    with contig coordinates. Stops at the start of ``seq`` and at N.
    """
    while pos - 1 - offset >= 0 and len(ref) != len(alt) and ref[-1] == alt[-1]:
        before = seq[pos - 1 - offset]
        if before == "N":
            break
        ref, alt = before + ref[:-1], before + alt[:-1]
        pos -= 1
    return pos, ref, alt


def indel_allele(seq: str, contig: str, anchor: int, length: int, inserted: str, offset: int = 0) -> Allele | None:
    """The left-aligned allele of a read indel anchored at reference column ``anchor``."""
    i = anchor - offset
    if i < 0 or i >= len(seq):
        return None
    if length > 0:
        ref, alt = seq[i], seq[i] + inserted.upper()
    else:
        if i - length >= len(seq):
            return None
        ref, alt = seq[i:i - length + 1], seq[i]
    if "N" in ref or "N" in alt:
        return None
    pos, ref, alt = left_align(seq, anchor, ref, alt, offset)
    return Allele(contig, pos, ref, alt)


def rightmost_end(seq: str, allele: Allele, offset: int = 0) -> int:
    """The reference column just past the rightmost placement of indel ``allele`` in ``seq``.

    An indel in a repeat can be written anywhere along the run; a read shows whether it is
    there only if it covers the run to this column (plus a few bases). Left alignment gives
    the leftmost placement, this the other side.
    """
    if not allele.is_indel:
        return allele.end
    moved = allele.alt[1:] if len(allele.alt) > len(allele.ref) else allele.ref[1:]
    first = allele.pos + 1 - offset          # first column the event touches
    width = len(allele.ref) - 1              # columns it removes (0 for an insertion)
    k = 0
    while first + width + k < len(seq) and seq[first + width + k] == moved[k % len(moved)]:
        k += 1
    return allele.pos + 1 + width + k


def padded_window(seq: str, start: int, width: int) -> str:
    """``seq[start:start+width]``, padded with N where it runs off either end (contig edges)."""
    left = max(0, -start)
    piece = seq[max(0, start):start + width]
    return "N" * left + piece + "N" * (width - left - len(piece))
