"""pileup.error_rates: a run's own indel and mismatch error rates, counted against a slow per-read
reference on hand-built reads, the sample's variants left out, and the fixed choice of reads."""

from __future__ import annotations

import math

import numpy as np
import pysam
import pytest

from genomeml.io.reference import Reference
from genomeml.pileup import error_rates as er
from genomeml.pileup.reads import fetch_decoded
from genomeml.simulate.genome import find_tracts

from . import segments

CONTIG = "chr1"
READ = 100
STEP = 4          # a read every 4 bp: depth 25


def _reference() -> str:
    rng = np.random.default_rng(11)
    return "".join(rng.choice(list("ACGT"), 3000))


REF = _reference()
HEADER = pysam.AlignmentHeader.from_dict({"HD": {"VN": "1.6", "SO": "coordinate"},
                                          "SQ": [{"SN": CONTIG, "LN": len(REF)}]})
HOMOPOLYMERS = [t for t in find_tracts(REF) if t.period == 1 and 4 <= t.length <= 10]
ERROR_TRACT, GERMLINE_TRACT = HOMOPOLYMERS[5], HOMOPOLYMERS[12]
ERROR_DELETION = 1503            # a 1-bp deletion away from repeats, in one read
MISMATCHES = [(1201, 30), (1707, 38), (2203, 12)]   # (column, quality) of one-read substitutions
GERMLINE_SNV = 2500              # every other read


def _outside_repeats(column: int) -> bool:
    return all(not (t.start - er.FLANK <= column < t.end + er.FLANK) for t in find_tracts(REF))


def _other(base: str) -> str:
    return "C" if base != "C" else "A"


def _reads() -> list[pysam.AlignedSegment]:
    """Perfect reads, but: one read with a deletion in ERROR_TRACT, every other read spanning
    GERMLINE_TRACT with one there, one read with ERROR_DELETION, one-read MISMATCHES and a
    GERMLINE_SNV in every other read."""
    assert _outside_repeats(ERROR_DELETION) and all(_outside_repeats(c) for c, _ in MISMATCHES)
    out, error_done, deletion_done, germline_k, snv_k = [], False, False, 0, 0
    for k, start in enumerate(range(0, len(REF) - READ, STEP)):
        end = start + READ
        cigar, mutate, quals = [(0, READ)], {}, [35] * READ
        spans = lambda t: start + er.FLANK <= t.start and end - er.FLANK >= t.end  # noqa: E731
        if spans(ERROR_TRACT) and not error_done:
            cut, error_done = ERROR_TRACT.start, True
        elif spans(GERMLINE_TRACT) and germline_k % 2 == 0:
            cut = GERMLINE_TRACT.start
        elif start + 10 <= ERROR_DELETION < end - 10 and not deletion_done:
            cut, deletion_done = ERROR_DELETION, True
        else:
            cut = None
        if spans(GERMLINE_TRACT):
            germline_k += 1
        if cut is not None:
            cigar = [(0, cut - start), (2, 1), (0, end - cut)]
        for column, q in MISMATCHES:
            if cut is None and start <= column - 50 < start + STEP:
                mutate[column] = _other(REF[column])
                quals[column - start] = q
        if start <= GERMLINE_SNV < end + 1:
            if snv_k % 2 == 0:
                mutate[GERMLINE_SNV] = _other(REF[GERMLINE_SNV])
            snv_k += 1
        length = sum(n for op, n in cigar if op in (0, 1))
        out.append(segments.make_segment(HEADER, REF, f"r{k}", start, cigar, mutate=mutate, quals=quals[:length]))
    return out


@pytest.fixture(scope="module")
def bam(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("rates") / "reads.bam"
    with pysam.AlignmentFile(str(path), "wb", header=HEADER) as out:
        for read in _reads():
            out.write(read)
    pysam.index(str(path))
    return str(path)


def _spans(tract) -> int:
    return sum(1 for read in _reads()
               if read.reference_start + er.FLANK <= tract.start and read.reference_end - er.FLANK >= tract.end)


def test_counts_match_a_slow_count(bam):
    with pysam.AlignmentFile(bam) as handle:
        counts = er.window_counts(er._usable(fetch_decoded(handle, CONTIG, 0, len(REF))), REF, 0)
    # homopolymers: the one error counts, the germline deletion and its repeat do not
    chances = sum(_spans(t) * math.exp(er.HOMOPOLYMER_GROWTH * (t.length - 4))
                  for t in HOMOPOLYMERS if t is not GERMLINE_TRACT and _spans(t) >= er.MIN_SPANS)
    assert counts.homopolymer_indel[0] == 1
    assert counts.homopolymer_indel[1] == pytest.approx(chances)
    # away from repeats: the one deletion over the read bases at columns 8+ reads deep
    depth = np.zeros(len(REF), int)
    for read in _reads():
        depth[read.reference_start:read.reference_end] += 1
    outside = np.array([_outside_repeats(c) for c in range(len(REF))])
    assert counts.other_indel == (1.0, float(depth[outside & (depth >= er.MIN_SPANS)].sum()))
    # mismatches: the two good ones, over the Q30+ bases; the Q12 one and the germline column are not errors
    assert counts.mismatch[0] == 2
    good = np.zeros(len(REF), int)
    for read in _reads():
        for q, r in read.get_aligned_pairs(matches_only=True):
            good[r] += read.query_qualities[q] >= er.HIGH_QUALITY
    kept = (good >= er.MIN_SPANS) & (np.arange(len(REF)) != GERMLINE_SNV)
    assert counts.mismatch[1] == float(good[kept].sum())
    assert counts.dinucleotide_indel[0] == 0


def test_rates_shrink_to_the_priors_without_reads():
    empty = er.SampleErrorRates.from_counts(er.ErrorCounts(), reads=0)
    assert empty.homopolymer_indel == pytest.approx(er.PRIORS["homopolymer_indel"])
    assert empty.mismatch == pytest.approx(er.PRIORS["mismatch"])
    many = er.SampleErrorRates.from_counts(er.ErrorCounts(homopolymer_indel=(20.0, 1e6)), reads=1)
    assert many.homopolymer_indel == pytest.approx(20.5 / (1e6 + 0.5 / er.PRIORS["homopolymer_indel"]))


def test_features_scale_log_rates_and_clip():
    rates = er.SampleErrorRates(homopolymer_indel=1e-4, dinucleotide_indel=1e-9, other_indel=1.0,
                                mismatch=1e-3, reads=5)
    assert rates.features().tolist() == pytest.approx([0.5, -0.25, 1.25])   # the mismatch rate is not one
    assert len(rates.features()) == len(er.FEATURES)


def test_windows_are_fixed_fractions_of_the_longest_contigs():
    contigs = {f"c{i}": 1_000_000 * (i + 1) for i in range(10)} | {"small": 50_000}
    windows = er.sample_windows(contigs)
    assert {c for c, _, _ in windows} == {f"c{i}" for i in range(2, 10)}   # the 8 longest
    c9 = [(s, e) for c, s, e in windows if c == "c9"]
    assert len(c9) == er.WINDOWS_PER_CONTIG and all(e - s == er.WINDOW for s, e in c9)
    assert c9[0][0] == int(0.5 / er.WINDOWS_PER_CONTIG * 10_000_000) - er.WINDOW // 2
    assert er.sample_windows({"small": 50_000}) == [("small", s, min(50_000, s + er.WINDOW))
                                                   for s in range(0, 50_000, er.WINDOW)]


def test_reads_outside_the_fixed_windows_are_found_from_the_first_read(tmp_path):
    """Cut-down or targeted data (as ../shared/data/real: 100 kb of a 63-Mb contig) still gets
    its own rates, from the first covered windows."""
    length = 2_000_000
    offset = 500_000          # no fixed window near it
    assert all(not (s <= offset + 3000 and offset < e) for _, s, e in er.sample_windows({CONTIG: length}))
    fasta = tmp_path / "ref.fa"
    fasta.write_text(f">{CONTIG}\n" + "N" * offset + REF + "N" * (length - offset - len(REF)) + "\n")
    header = pysam.AlignmentHeader.from_dict({"HD": {"VN": "1.6", "SO": "coordinate"},
                                              "SQ": [{"SN": CONTIG, "LN": length}]})
    path = tmp_path / "reads.bam"
    reads = _reads()
    with pysam.AlignmentFile(str(path), "wb", header=header) as out:
        for read in reads:
            moved = pysam.AlignedSegment.fromstring(read.to_string(), header)
            moved.reference_start = read.reference_start + offset
            out.write(moved)
    pysam.index(str(path))
    with Reference(fasta) as ref, pysam.AlignmentFile(str(path)) as handle:
        rates = er.estimate_error_rates(handle, ref)
    assert rates.reads == len(reads)
    assert rates.homopolymer_indel > er.SampleErrorRates.from_counts(er.ErrorCounts(), 0).homopolymer_indel / 100
    assert rates.mismatch != pytest.approx(er.PRIORS["mismatch"])
