"""Local realignment: reads that carry an indel their alignment does not show are found, and only those."""

from __future__ import annotations

import numpy as np
import pysam
import pytest

from genomeml.pileup.alleles import Allele
from genomeml.pileup.reads import ReadBlock, decode_read
from genomeml.pileup.realign import MARGIN, hidden_carriers, query_index

RNG = np.random.default_rng(7)
REF = "".join(RNG.choice(list("ACGT"), size=300))
HEADER = pysam.AlignmentHeader.from_dict({"SQ": [{"SN": "c", "LN": len(REF)}]})
SITE = 150
DELETION = Allele("c", SITE, REF[SITE:SITE + 5], REF[SITE])           # 4 bp deleted after the anchor
INSERTION = Allele("c", SITE, REF[SITE], REF[SITE] + "TTAGC")
DEL_HAP = REF[:SITE + 1] + REF[SITE + 5:]
INS_HAP = REF[:SITE + 1] + "TTAGC" + REF[SITE + 1:]


def segment(name: str, start: int, cigar: list[tuple[int, int]], seq: str, flag: int = 0,
            quals: int = 30) -> pysam.AlignedSegment:
    seg = pysam.AlignedSegment(HEADER)
    seg.query_name, seg.flag, seg.reference_id, seg.reference_start = name, flag, 0, start
    seg.cigartuples, seg.query_sequence = cigar, seq
    seg.query_qualities = pysam.qualitystring_to_array(chr(33 + quals) * len(seq))
    seg.mapping_quality = 60
    return seg


def found(*segments: pysam.AlignedSegment, allele: Allele = DELETION) -> list[str]:
    block = ReadBlock([decode_read(s) for s in sorted(segments, key=lambda s: s.reference_start)])
    return sorted(block.reads[i].name for i in hidden_carriers(block, allele, REF, 0))


def test_query_index_counts_clips_insertions_and_deletions():
    seg = segment("r", 100, [(4, 3), (0, 10), (1, 2), (0, 5), (2, 3), (0, 10), (4, 4)], "A" * 34)
    read = decode_read(seg)
    assert query_index(read, 100) == 3               # after the left clip
    assert query_index(read, 112) == 3 + 12 + 2       # past the 2-bp insertion after column 109
    assert query_index(read, 116) == 3 + 15 + 2       # a deleted column: the base after the deletion
    assert query_index(read, 127) == 3 + 27 + 2 - 3   # last aligned column
    assert query_index(read, 130) == 29 + 3           # the third clipped base after it
    assert query_index(read, 98) == 1                 # two columns into the left clip


def test_soft_clipped_deletion_carrier_is_found():
    # the read ends 8 bases past the deletion; the aligner clipped them instead of opening a gap
    seq = DEL_HAP[80:SITE + 1 + 8]
    carrier = segment("clipped", 80, [(0, SITE + 1 - 80), (4, 8)], seq)
    assert found(carrier) == ["clipped"]


def test_left_clipped_carrier_is_found():
    # the read starts 9 bases before the deletion; those bases were clipped, the rest aligned after it
    seq = DEL_HAP[SITE - 8:SITE - 8 + 70]
    carrier = segment("left", SITE + 5, [(4, 9), (0, 61)], seq)
    assert found(carrier) == ["left"]


def test_insertion_shown_as_mismatches_is_found():
    # an insertion 6 bases from the read end, aligned without a gap: its bases and the rest mismatch
    seq = INS_HAP[60:SITE + 1 + 5 + 6]
    carrier = segment("mism", 60, [(0, len(seq))], seq)
    assert found(carrier, allele=INSERTION) == ["mism"]


@pytest.mark.parametrize("clipped", ["ref", "junk"])
def test_clipped_reads_that_do_not_fit_the_allele_are_left_alone(clipped):
    tail = REF[SITE + 1:SITE + 9] if clipped == "ref" else "GGGGGGGG"
    seq = REF[80:SITE + 1] + tail
    read = segment("other", 80, [(0, SITE + 1 - 80), (4, 8)], seq)
    assert found(read) == []


def test_reference_read_with_a_nearby_error_is_not_a_carrier():
    seq = list(REF[100:250])
    seq[SITE + 3 - 100] = "A" if seq[SITE + 3 - 100] != "A" else "C"
    read = segment("error", 100, [(0, 150)], "".join(seq))
    assert found(read) == []


def test_a_read_that_shows_the_deletion_keeps_its_clipped_mate_from_counting_twice():
    shown = segment("pair", 90, [(0, SITE + 1 - 90), (2, 4), (0, 40)], DEL_HAP[90:SITE + 41],
                    flag=0x1 | 0x40)
    mate = segment("pair", 100, [(0, SITE + 1 - 100), (4, 8)], DEL_HAP[100:SITE + 9], flag=0x1 | 0x80 | 0x10)
    other = segment("single", 100, [(0, SITE + 1 - 100), (4, 8)], DEL_HAP[100:SITE + 9])
    assert found(shown, mate, other) == ["single"]


def test_low_quality_tail_is_not_enough_evidence():
    # two mismatching clipped bases at Q20 weigh less than MARGIN: the haplotypes are not told apart
    seq = DEL_HAP[80:SITE + 1 + 3]
    read = segment("short", 80, [(0, SITE + 1 - 80), (4, 3)], seq, quals=20)
    differing = sum(a != b for a, b in zip(DEL_HAP[SITE + 1:SITE + 4], REF[SITE + 1:SITE + 4]))
    assert differing * 20 < MARGIN
    assert found(read) == []


def test_a_rival_allele_that_fits_better_keeps_the_read():
    # a clipped carrier of the 5-base insertion also fits an error copy of it (one base off) nearly as well
    stutter = Allele("c", SITE, REF[SITE], REF[SITE] + "TTAGG")
    carrier = segment("ins", 60, [(0, SITE + 1 - 60), (4, 12)], INS_HAP[60:SITE + 1 + 12])
    block = ReadBlock([decode_read(carrier)])
    assert len(hidden_carriers(block, stutter, REF, 0)) == 1           # alone, the error allele takes it
    assert len(hidden_carriers(block, stutter, REF, 0, [INSERTION])) == 0
    assert len(hidden_carriers(block, INSERTION, REF, 0, [stutter])) == 1
