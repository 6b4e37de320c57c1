"""benchmarks/somatic/long_indel_evidence.py: reads that show a long indel, and reads clipped at it."""

from __future__ import annotations

import sys
from pathlib import Path

import pysam

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks" / "somatic"))
from long_indel_evidence import read_evidence  # noqa: E402


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
        assert read_evidence(bam, "c", 1000, 20) == (1, 1)
        assert read_evidence(bam, "c", 3000, 20) == (0, 0)
