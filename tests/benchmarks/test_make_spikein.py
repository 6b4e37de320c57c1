"""benchmarks/somatic/make_spikein.py: a spiked read carries the mutation where its alignment says,
keeps its length, and reads on into the reference at its 3' end."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pysam
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "somatic"))
from make_spikein import LONG_INDEL_LENGTHS, Spike, apply_spike, choose_spikes  # noqa: E402

REF = "ACGTTGCAAC" * 10 + "GATTACAGGC" * 10   # 200 bp, position 0 = ref_start 1000


def read_at(start: int, length: int, reverse: bool = False, cigar: str | None = None) -> pysam.AlignedSegment:
    header = pysam.AlignmentHeader.from_dict({"SQ": [{"SN": "c", "LN": 5000}]})
    read = pysam.AlignedSegment(header)
    read.query_name = "r"
    read.reference_id = 0
    read.reference_start = 1000 + start
    read.cigarstring = cigar or f"{length}M"
    read.query_sequence = REF[start:start + length]
    read.query_qualities = pysam.qualitystring_to_array("I" * length)
    read.is_reverse = reverse
    return read


def test_snv_changes_the_aligned_base_only():
    seq, qual = apply_spike(read_at(10, 50), Spike(1030, "SNV", REF[30], "T" if REF[30] != "T" else "A", 0.3,
                                                     "other"), REF, 1000)
    assert len(seq) == 50 and seq[20] != REF[30] and seq[:20] + seq[21:] == REF[10:30] + REF[31:60]


@pytest.mark.parametrize("reverse", [False, True])
def test_insertion_keeps_the_read_length(reverse):
    seq, qual = apply_spike(read_at(10, 50, reverse), Spike(1030, "INS", REF[30], REF[30] + "GGG", 0.3, "other"),
                            REF, 1000)
    full = REF[10:31] + "GGG" + REF[31:60]
    assert len(seq) == len(qual) == 50
    assert seq == (full[:50] if not reverse else full[-50:])


@pytest.mark.parametrize("reverse", [False, True])
def test_deletion_reads_on_into_the_reference(reverse):
    seq, _ = apply_spike(read_at(10, 50, reverse), Spike(1030, "DEL", REF[30:33], REF[30], 0.3, "other"), REF, 1000)
    assert len(seq) == 50
    if not reverse:   # 3' end on the right: two more reference bases after the read's end
        assert seq == REF[10:31] + REF[33:62]
    else:             # 3' end on the left
        assert seq == REF[8:31] + REF[33:60]


def test_read_whose_alignment_cannot_take_the_mutation_is_left_alone():
    # the read ends at the deleted bases: the bases after the deletion are not in it
    assert apply_spike(read_at(0, 32), Spike(1030, "DEL", REF[30:33], REF[30], 0.3, "other"), REF, 1000) is None
    # an insertion of its own next to the site
    assert apply_spike(read_at(10, 50, cigar="21M2I27M"), Spike(1030, "INS", REF[30], REF[30] + "G", 0.3, "other"),
                       REF, 1000) is None


def test_sites_keep_their_distance_and_avoid_noisy_positions():
    rng = np.random.default_rng(1)
    ref = "".join(rng.choice(list("ACGT"), size=20_000))
    depth, other, indels = np.full(20_000, 30.0), np.zeros(20_000), np.zeros(20_000, dtype=int)
    other[5000] = 0.5                                  # a germline het
    spikes = choose_spikes(ref, 100, depth, other, indels, 20, [0.2, 0.4], rng)
    positions = [s.pos - 100 for s in spikes]
    assert len(spikes) == 20 and min(np.diff(positions)) >= 400
    assert all(abs(p - 5000) > 10 for p in positions)
    for s in spikes:
        assert ref[s.pos - 100:s.pos - 100 + len(s.ref)] == s.ref
        assert s.ref != s.alt and (s.kind == "SNV" or s.ref[0] == s.alt[0])


def test_long_indel_spikes_are_long_and_their_deleted_span_is_clean():
    rng = np.random.default_rng(5)
    ref = "".join(rng.choice(list("ACGT"), size=30_000))
    depth, other, indels = np.full(30_000, 30.0), np.zeros(30_000), np.zeros(30_000, dtype=int)
    hets = np.arange(35, 30_000, 70)
    other[hets] = 0.5              # germline hets every 70 bp: a long deletion from a clean anchor would reach one
    spikes = choose_spikes(ref, 100, depth, other, indels, 30, [0.3], rng, long_indels=True)
    lo, hi = LONG_INDEL_LENGTHS
    assert len(spikes) == 30 and {s.kind for s in spikes} == {"SNV", "INS", "DEL"}
    for s in spikes:
        start = s.pos - 100
        assert ref[start:start + len(s.ref)] == s.ref
        if s.kind != "SNV":
            assert lo <= abs(len(s.alt) - len(s.ref)) <= hi and s.context == "other"
        last = start + len(s.ref) - 1
        assert not ((hets >= start - 10) & (hets <= last + 10)).any()   # 10 bp quiet either side
