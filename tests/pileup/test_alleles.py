"""pileup.alleles: left alignment to the VCF normal form, checked against hand cases and a brute-force search."""

from __future__ import annotations

import numpy as np
import pytest

from genomeml.pileup.alleles import Allele, indel_allele, left_align, rightmost_end


def apply(seq: str, pos: int, ref: str, alt: str, offset: int = 0) -> str:
    i = pos - offset
    assert seq[i:i + len(ref)] == ref, (seq, pos, ref)
    return seq[:i] + alt + seq[i + len(ref):]


def leftmost_deletion(seq: str, anchor: int, length: int) -> int:
    """Smallest anchor q >= 0 whose deletion of ``length`` bases gives the same haplotype, no N crossed."""
    target = seq[:anchor + 1] + seq[anchor + 1 + length:]
    best = anchor
    for q in range(anchor - 1, -1, -1):
        if "N" in seq[q:anchor + 1 + length]:
            break
        if seq[:q + 1] + seq[q + 1 + length:] == target:
            best = q
    return best


def leftmost_insertion(seq: str, anchor: int, inserted: str) -> int:
    target = seq[:anchor + 1] + inserted + seq[anchor + 1:]
    best = anchor
    for q in range(anchor - 1, -1, -1):
        if "N" in seq[q:anchor + 1]:
            break
        if target[:q + 1] == seq[:q + 1] and target[q + 1 + len(inserted):] == seq[q + 1:]:
            best = q
    return best


# ----------------------------------------------------------------------------- hand cases
def test_deletion_in_homopolymer_moves_to_left_anchor():
    seq = "CGTAAAAACG"      # A run at 3..7
    # one A deleted, written at the right end of the run: anchor 6, REF AA
    assert left_align(seq, 6, "AA", "A") == (2, "TA", "T")
    assert indel_allele(seq, "c", 6, -1, "") == Allele("c", 2, "TA", "T")
    # the same deletion written at every place in the run gives one allele
    assert {indel_allele(seq, "c", a, -1, "") for a in range(2, 7)} == {Allele("c", 2, "TA", "T")}


def test_multi_base_deletion_in_str():
    seq = "GGTCACACACAGG"   # (CA)x4 at 3..10
    right = indel_allele(seq, "c", 8, -2, "")          # deletes seq[9:11] = "CA"
    assert right == Allele("c", 2, "TCA", "T")
    assert apply(seq, 8, seq[8:11], seq[8]) == apply(seq, right.pos, right.ref, right.alt)


def test_insertion_of_repeat_unit_in_str_moves_left():
    seq = "GTCACACAGG"      # (CA)x3 at 2..7
    # "CA" inserted after the last A (anchor 7)
    assert indel_allele(seq, "c", 7, 2, "ca") == Allele("c", 1, "T", "TCA")   # inserted bases upper-cased
    assert left_align(seq, 7, "A", "ACA") == (1, "T", "TCA")
    # insertion of an A into an A run
    seq = "GCAAAAT"
    assert indel_allele(seq, "c", 5, 1, "A") == Allele("c", 1, "C", "CA")


def test_non_repeat_indels_stay():
    seq = "ACGTACGGTCA"
    assert indel_allele(seq, "c", 4, -2, "") == Allele("c", 4, "ACG", "A")
    assert indel_allele(seq, "c", 4, 1, "T") == Allele("c", 4, "A", "AT")


def test_stops_at_sequence_start():
    seq = "AAAAC"
    assert left_align(seq, 2, "AA", "A") == (0, "AA", "A")
    assert indel_allele(seq, "c", 3, 1, "A") == Allele("c", 0, "A", "AA")


def test_stops_at_n():
    seq = "GNAAAAC"
    assert left_align(seq, 4, "AA", "A") == (2, "AA", "A")
    assert indel_allele(seq, "c", 4, -1, "") == Allele("c", 2, "AA", "A")


def test_offset_uses_contig_coordinates():
    seq = "CGTAAAAACG"
    assert left_align(seq, 1006, "AA", "A", offset=1000) == (1002, "TA", "T")
    assert indel_allele(seq, "chr9", 1006, -1, "", offset=1000) == Allele("chr9", 1002, "TA", "T")
    # sequence start is the stop, not contig position 0
    assert left_align("AAAAC", 1002, "AA", "A", offset=1000) == (1000, "AA", "A")


def test_indel_allele_refuses_what_it_cannot_represent():
    seq = "ACGTNACGTA"
    assert indel_allele(seq, "c", -1, 1, "A") is None            # anchor before the sequence
    assert indel_allele(seq, "c", 10, 1, "A") is None            # anchor after it
    assert indel_allele(seq, "c", 8, -3, "") is None             # deletion runs past the end
    assert indel_allele(seq, "c", 2, -3, "") is None             # deletes an N
    assert indel_allele(seq, "c", 4, 1, "A") is None             # anchored on N
    assert indel_allele(seq, "c", 100, -1, "", offset=95) == Allele("c", 100, "AC", "A")


def test_allele_properties():
    snv, ins, dele = Allele("c", 5, "A", "G"), Allele("c", 5, "A", "AT"), Allele("c", 5, "ACG", "A")
    assert snv.is_snv and not snv.is_indel and snv.end == 6
    assert ins.is_indel and not ins.is_snv and ins.end == 6
    assert dele.is_indel and dele.end == 8
    assert sorted([Allele("c", 9, "A", "G"), dele, snv]) == [snv, dele, Allele("c", 9, "A", "G")]
    assert len({Allele("c", 5, "A", "G"), snv}) == 1


# ----------------------------------------------------------------------------- brute force
@pytest.mark.parametrize("alphabet", ["AC", "ACG", "ACGN"])
def test_random_indels_are_leftmost_and_keep_the_haplotype(alphabet):
    rng = np.random.default_rng(len(alphabet))
    p = [0.06 if b == "N" else 1.0 for b in alphabet]
    p = np.array(p) / sum(p)
    checked = 0
    for _ in range(400):
        seq = "".join(rng.choice(list(alphabet), 40, p=p))
        offset = int(rng.integers(0, 1000))
        anchor = int(rng.integers(0, 35))
        length = int(rng.integers(1, 5))
        if rng.random() < 0.5:
            if "N" in seq[anchor:anchor + length + 1]:
                continue
            allele = indel_allele(seq, "c", anchor + offset, -length, "", offset)
            expected_pos = leftmost_deletion(seq, anchor, length)
            original = apply(seq, anchor, seq[anchor:anchor + length + 1], seq[anchor])
        else:
            inserted = "".join(rng.choice(list(alphabet.replace("N", "")), length))
            if seq[anchor] == "N":
                continue
            allele = indel_allele(seq, "c", anchor + offset, length, inserted, offset)
            expected_pos = leftmost_insertion(seq, anchor, inserted)
            original = seq[:anchor + 1] + inserted + seq[anchor + 1:]
        assert allele is not None
        assert allele.pos - offset == expected_pos, (seq, anchor, length)
        assert apply(seq, allele.pos, allele.ref, allele.alt, offset) == original
        assert allele.ref[0] == allele.alt[0] and abs(len(allele.ref) - len(allele.alt)) == length
        checked += 1
    assert checked > 300


# ----------------------------------------------------------------------------- rightmost placement
def test_rightmost_end_hand_cases():
    seq = "GGTCACACACAGG"                                        # (CA)x4 at 3..10
    assert rightmost_end(seq, Allele("c", 2, "TCA", "T")) == 11  # the last CA removed ends at 11
    assert rightmost_end(seq, Allele("c", 2, "T", "TCA")) == 11  # inserted after the last A (10)
    assert rightmost_end(seq, Allele("c", 2, "T", "C")) == 3     # an SNV is where it is
    assert rightmost_end("ACGTACGGTCA", Allele("c", 4, "ACG", "A")) == 7   # no repeat: no shift
    assert rightmost_end("CAAAA", Allele("c", 0, "CA", "C")) == 5          # stops at the sequence end
    assert rightmost_end("xxCGTAAAAACG", Allele("c", 1002, "TA", "T"), offset=1000 - 2) == 1008


def test_rightmost_end_is_the_last_placement_giving_the_same_haplotype():
    rng = np.random.default_rng(3)
    for _ in range(300):
        seq = "G" + "".join(rng.choice(list("AC"), 30)) + "T"   # two letters: repeats everywhere
        length = int(rng.integers(1, 4))
        anchor = int(rng.integers(1, len(seq) - 1 - length))
        if rng.random() < 0.5:
            inserted = "".join(rng.choice(list("AC"), length))
            allele = indel_allele(seq, "c", anchor, length, inserted)
            target = seq[:anchor + 1] + inserted + seq[anchor + 1:]
            # an insertion after column a gives the haplotype if target's bases there are what it inserts
            expected = max(a + 1 for a in range(len(seq)) if seq[:a + 1] + target[a + 1:a + 1 + length]
                           + seq[a + 1:] == target)
        else:
            allele = indel_allele(seq, "c", anchor, -length, "")
            target = seq[:anchor + 1] + seq[anchor + 1 + length:]
            expected = max(a + 1 + length for a in range(len(seq) - length)
                           if seq[:a + 1] + seq[a + 1 + length:] == target)
        assert rightmost_end(seq, allele) == expected, (seq, allele)
