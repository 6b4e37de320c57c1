"""benchmarks/somatic/long_indel_evidence.py: reads that show a long indel, and reads clipped at it."""

from __future__ import annotations

import sys
from pathlib import Path

import pysam

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "somatic"))
from long_indel_evidence import clip_placed, read_evidence  # noqa: E402


def test_counts_shown_and_clipped_reads_apart(tmp_path):
    header = pysam.AlignmentHeader.from_dict({"SQ": [{"SN": "c", "LN": 5000}]})
    path = tmp_path / "t.bam"
    # (start, cigar): shows a 20 bp deletion at 1000; clipped right at it; clipped far away; plain; duplicate
    reads = [(900, "100M20D50M", False), (920, "80M70S", False), (950, "50M", False), (960, "100M", False),
             (905, "95M20D55M", True), (2000, "100M50S", False)]
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for i, (start, cigar, dup) in enumerate(sorted(reads)):
            read = pysam.AlignedSegment(header)
            read.query_name, read.reference_id, read.reference_start, read.cigarstring = f"r{i}", 0, start, cigar
            length = read.infer_query_length()
            read.query_sequence, read.query_qualities = "A" * length, pysam.qualitystring_to_array("I" * length)
            read.is_duplicate = dup
            out.write(read)
    pysam.index(str(path))
    with pysam.AlignmentFile(str(path)) as bam:
        assert read_evidence(bam, "c", 1000, 20) == (1, 1, 0)   # no reference given: nothing placed
        assert read_evidence(bam, "c", 3000, 20) == (0, 0, 0)


def _read(header, start: int, cigar: str, seq: str) -> pysam.AlignedSegment:
    read = pysam.AlignedSegment(header)
    read.query_name, read.reference_id, read.reference_start, read.cigarstring = "r", 0, start, cigar
    read.query_sequence, read.query_qualities = seq, pysam.qualitystring_to_array("I" * len(seq))
    return read


def test_clipped_bases_place_past_a_deletion_or_inside_an_insertion():
    import numpy as np
    ref = "".join(np.random.default_rng(1).choice(list("ACGT"), 400))
    header = pysam.AlignmentHeader.from_dict({"SQ": [{"SN": "c", "LN": 400}]})
    # a 25 bp deletion of ref[200:225]: a read ending at 200 has the bases after it clipped
    sample = ref[150:200] + ref[225:245]
    assert clip_placed(_read(header, 150, "50M20S", sample), True, ref, 0, "")
    # ... and one starting at 225 has the bases before it clipped
    assert clip_placed(_read(header, 225, "20S50M", ref[180:200] + ref[225:275]), False, ref, 0, "")
    # a 30 bp insertion after 200: the clip starts with the inserted bases
    inserted = "".join(np.random.default_rng(2).choice(list("ACGT"), 30))
    assert clip_placed(_read(header, 150, "50M20S", ref[150:200] + inserted[:20]), True, ref, 0, inserted)
    assert clip_placed(_read(header, 200, "20S50M", inserted[-20:] + ref[200:250]), False, ref, 0, inserted)
    # clipped bases from nowhere near (an adapter, a chimera) place neither way
    junk = "".join(np.random.default_rng(3).choice(list("ACGT"), 20))
    assert not clip_placed(_read(header, 150, "50M20S", ref[150:200] + junk), True, ref, 0, "")
    assert not clip_placed(_read(header, 150, "50M20S", ref[150:200] + junk), True, ref, 0, inserted)
    # short clips are not tried
    assert not clip_placed(_read(header, 150, "50M5S", ref[150:200] + ref[225:230]), True, ref, 0, "")
    # the clip on the site's side is the one tried: this read's right clip is the deletion's
    both = "".join(np.random.default_rng(4).choice(list("ACGT"), 10)) + ref[150:200] + ref[225:245]
    assert clip_placed(_read(header, 150, "10S50M20S", both), True, ref, 0, "")
    assert not clip_placed(_read(header, 150, "10S50M20S", both), False, ref, 0, "")
