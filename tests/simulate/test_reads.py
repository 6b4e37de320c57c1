"""Read error models: Illumina quality calibration and artifacts, long-read accuracy, systematic homopolymer errors."""

from __future__ import annotations

import mappy
import numpy as np
import pytest

from genomeml.simulate.genome import revcomp, synthetic_genome
from genomeml.simulate.reads import IlluminaProfile, LongReadProfile, illumina_read, long_read, pcr_stutter, runs


def _array(seq: str) -> np.ndarray:
    return np.frombuffer(seq.encode(), dtype=np.uint8)


def _text(arr: np.ndarray) -> str:
    return arr.tobytes().decode()


def _no_repeat_seq(rng: np.random.Generator, n: int, previous: str | None = None) -> str:
    """Random bases with no two equal neighbours: no homopolymer at all."""
    out = []
    for _ in range(n):
        previous = str(rng.choice([b for b in "ACGT" if b != previous]))
        out.append(previous)
    return "".join(out)


def test_runs():
    starts, lengths = runs(_array("AAACGGGGT"))
    assert starts.tolist() == [0, 3, 4, 8] and lengths.tolist() == [3, 1, 4, 1]
    starts, lengths = runs(_array(""))
    assert len(starts) == len(lengths) == 0


# ----------------------------------------------------------------------------- Illumina
CLEAN = dict(hp_indel_base=0.0, random_indel_rate=0.0, ggc_error_rate=0.0, damage_rate=0.0)


@pytest.mark.parametrize("calibration, binned", [(1.0, False), (2.0, False), (0.6, False), (1.0, True)])
def test_illumina_substitutions_follow_qualities(calibration, binned):
    """Without indels, the mismatch rate equals the mean of calibration x 10^(-Q/10) over the bases."""
    rng = np.random.default_rng(1)
    template = _array(_no_repeat_seq(rng, 162))
    profile = IlluminaProfile(calibration=calibration, binned=binned, **CLEAN)
    mismatches = expected = phred = 0.0
    for i in range(2000):
        seq, qual = illumina_read(template, profile, rng, read2=bool(i % 2))
        assert len(seq) == len(qual) == 150 and seq.dtype == np.uint8
        q = qual.astype(float)
        assert q.min() >= 2 and q.max() <= 41
        if binned:
            assert set(qual.tolist()) <= {2, 12, 23, 37}
        mismatches += (seq != template[:150]).sum()
        expected += np.minimum(0.75, calibration * 10 ** (-q / 10)).sum()
        phred += (10 ** (-q / 10)).sum()
    assert mismatches == pytest.approx(expected, rel=0.1)
    if calibration == 1.0:
        assert mismatches == pytest.approx(phred, rel=0.1)  # Phred qualities are honest
    elif calibration == 0.6:
        assert mismatches < 0.8 * phred  # qualities under-promise


def test_illumina_quality_decays_along_the_read_and_read2_is_worse():
    rng = np.random.default_rng(2)
    template = _array(_no_repeat_seq(rng, 162))
    profile = IlluminaProfile(q_decay=10.0, read2_penalty=3.0, tail_fraction=0.0, **CLEAN)
    r1 = np.mean([illumina_read(template, profile, rng, read2=False)[1].astype(float) for _ in range(300)], axis=0)
    r2 = np.mean([illumina_read(template, profile, rng, read2=True)[1].astype(float) for _ in range(300)], axis=0)
    assert r1[:20].mean() - r1[-20:].mean() > 5
    assert r1.mean() - r2.mean() == pytest.approx(3.0, abs=1.0)


def test_illumina_oxog_damage_is_read_specific():
    """8-oxoG: G>T on read 1 and C>A on read 2, nothing else in excess."""
    rng = np.random.default_rng(3)
    template = _array(_no_repeat_seq(rng, 162))
    profile = IlluminaProfile(damage_rate=0.05, q_max=41, q_decay=0, q_noise=0.5, tail_fraction=0.0,
                              hp_indel_base=0.0, random_indel_rate=0.0, ggc_error_rate=0.0)
    counts = {}
    for read2 in (False, True):
        changes: dict[tuple[str, str], int] = {}
        for _ in range(500):
            seq, _ = illumina_read(template, profile, rng, read2=read2)
            for a, b in zip(_text(template[:150]), _text(seq)):
                if a != b:
                    changes[a, b] = changes.get((a, b), 0) + 1
        counts[read2] = changes
    g = _text(template[:150]).count("G") * 500
    c = _text(template[:150]).count("C") * 500
    assert counts[False].get(("G", "T"), 0) / g == pytest.approx(0.05, rel=0.25)
    assert counts[True].get(("C", "A"), 0) / c == pytest.approx(0.05, rel=0.25)
    assert counts[False].get(("C", "A"), 0) < 0.1 * counts[False][("G", "T")]
    assert counts[True].get(("G", "T"), 0) < 0.1 * counts[True][("C", "A")]


def test_illumina_homopolymer_indels_grow_with_length():
    rng = np.random.default_rng(4)
    left, right = _no_repeat_seq(rng, 40), _no_repeat_seq(rng, 150)
    profile = IlluminaProfile(hp_indel_base=2e-3, hp_indel_growth=0.5, random_indel_rate=0.0, q_max=41, q_decay=0,
                              q_noise=0.5, tail_fraction=0.0, ggc_error_rate=0.0, damage_rate=0.0)
    wrong = {}
    for length in (4, 12):
        base = "A" if left[-1] != "A" and right[0] != "A" else "C" if left[-1] != "C" and right[0] != "C" else "G"
        template = _array(left + base * length + right)
        n_wrong = 0
        for _ in range(3000):
            seq = _text(illumina_read(template, profile, rng, read2=False)[0])
            tail = seq[len(left):]
            n_wrong += len(tail) - len(tail.lstrip(base)) != length
        wrong[length] = n_wrong / 3000
    assert wrong[4] < 0.01
    assert wrong[12] > 5 * max(wrong[4], 1e-3)


def _stutter_lengths(unit: str, units: int, profile: IlluminaProfile, n: int, seed: int) -> dict[int, int]:
    rng = np.random.default_rng(seed)
    left, right = _no_repeat_seq(rng, 60), _no_repeat_seq(rng, 60)
    fragment = left + unit * units + right
    lengths: dict[int, int] = {}
    for _ in range(n):
        out = pcr_stutter(fragment, profile, rng)
        assert out.startswith(left) and out.endswith(right)
        change = len(out) - len(fragment)
        lengths[change] = lengths.get(change, 0) + 1
    return lengths


def test_pcr_stutter_changes_whole_units_more_often_in_longer_repeats():
    profile = IlluminaProfile(stutter_base=0.0033, stutter_growth=0.25, salt=3)   # x3 for dinucleotides
    short = _stutter_lengths("CA", 4, profile, 4000, 1)
    long = _stutter_lengths("CA", 14, profile, 4000, 1)
    assert set(long) <= {-4, -2, 0, 2, 4}
    stuttered = {k: 4000 - d.get(0, 0) for k, d in (("short", short), ("long", long))}
    assert stuttered["long"] > 4 * max(stuttered["short"], 10)
    assert long.get(-2, 0) > long.get(2, 0)          # contractions dominate
    assert 4000 - long.get(0, 0) <= 4000 * 0.35      # capped


def test_pcr_stutter_leaves_homopolymers_to_the_read_errors():
    """A 16-base homopolymer is also an 8-unit run of its base doubled; it must not stutter two
    bases at a time as a dinucleotide would (real HG002 reads show no such errors)."""
    profile = IlluminaProfile(stutter_base=0.02, stutter_growth=0.25, salt=3)
    assert _stutter_lengths("A", 16, profile, 2000, 4) == {0: 2000}
    assert len(_stutter_lengths("AT", 8, profile, 2000, 4)) > 1


def test_pcr_stutter_slips_dinucleotides_more_than_longer_units():
    profile = IlluminaProfile(stutter_base=0.01, stutter_growth=0.0, salt=3)
    di = _stutter_lengths("CA", 6, profile, 4000, 5)
    tetra = _stutter_lengths("CATG", 6, profile, 4000, 5)
    assert 4000 - di.get(0, 0) > 2 * (4000 - tetra.get(0, 0)) > 0


def test_pcr_stutter_off_without_rate():
    rng = np.random.default_rng(2)
    fragment = _no_repeat_seq(rng, 50) + "TTTC" * 12 + _no_repeat_seq(rng, 50)
    assert all(pcr_stutter(fragment, IlluminaProfile(), rng) == fragment for _ in range(200))


def test_illumina_profiles_drawn_from_a_seed():
    a = IlluminaProfile.draw(np.random.default_rng(5))
    b = IlluminaProfile.draw(np.random.default_rng(5))
    c = IlluminaProfile.draw(np.random.default_rng(6))
    assert a == b and a != c
    assert a.read_length == 150 and a.as_dict()["read_length"] == 150


# ----------------------------------------------------------------------------- long reads
@pytest.fixture(scope="module")
def template() -> str:
    return synthetic_genome(20_000, np.random.default_rng(11))


@pytest.fixture(scope="module")
def aligners(template) -> dict[str, mappy.Aligner]:
    return {"hifi": mappy.Aligner(seq=template, preset="map-hifi"),
            "ont": mappy.Aligner(seq=template, preset="map-ont")}


def _accuracy(aligner: mappy.Aligner, reads: list[str]) -> float:
    nm = blen = 0
    for read in reads:
        hit = next(aligner.map(read))
        nm += hit.NM
        blen += hit.blen
    return 1 - nm / blen


@pytest.mark.parametrize("platform, low, high, mean_low, mean_high", [
    ("hifi", 0.995, 0.9999, 0.995, 0.9997),
    ("ont", 0.94, 0.985, 0.94, 0.985),
])
def test_long_read_accuracy_of_drawn_profiles(template, aligners, platform, low, high, mean_low, mean_high):
    arr = _array(template)
    accuracies = []
    for seed in range(12):
        rng = np.random.default_rng(seed)
        profile = LongReadProfile.draw(platform, rng)
        assert profile.platform == platform
        reads = []
        for k in range(4):
            piece = arr[2000 + 3000 * k:10_000 + 3000 * k]
            if k % 2:
                piece = _array(revcomp(_text(piece)))
            seq, qual = long_read(piece, profile, rng)
            assert len(seq) == len(qual) and len(seq) == pytest.approx(len(piece), rel=0.05)
            reads.append(_text(seq))
        accuracies.append(_accuracy(aligners[platform], reads))
    assert low <= min(accuracies) and max(accuracies) <= high, accuracies
    assert mean_low <= np.mean(accuracies) <= mean_high


def test_long_read_qualities_mark_errors(template):
    """Bases that came from an error event get low qualities; clean bases high ones."""
    rng = np.random.default_rng(1)
    profile = LongReadProfile(sub_rate=5e-3, ins_rate=0.0, del_rate=0.0, hp_error_base=0.0, systematic_fraction=0.0)
    piece = _array(_no_repeat_seq(rng, 5000))
    seq, qual = long_read(piece, profile, rng)
    assert len(seq) == len(piece)
    wrong = seq != piece
    assert wrong.sum() > 10
    assert qual[wrong].mean() < 20 < 35 < qual[~wrong].mean()


def test_long_reads_reproducible_from_rng():
    piece = _array(_no_repeat_seq(np.random.default_rng(0), 3000))
    profile = LongReadProfile.draw("ont", np.random.default_rng(1))
    a = long_read(piece, profile, np.random.default_rng(9))
    b = long_read(piece, profile, np.random.default_rng(9))
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="platform"):
        LongReadProfile.draw("sanger", np.random.default_rng(1))


# ----------------------------------------------------------------------------- systematic homopolymer errors
@pytest.fixture(scope="module")
def homopolymer_template() -> tuple[str, list[tuple[str, str, int]]]:
    """30 homopolymers of 6-9 bp between homopolymer-free flanks: (left flank, base, length) for each."""
    rng = np.random.default_rng(5)
    pieces: list[str] = []
    loci = []
    for i in range(30):
        flank = _no_repeat_seq(rng, 60, pieces[-1][-1] if pieces else None)
        base = str(rng.choice([b for b in "ACGT" if b != flank[-1]]))
        length = 6 + i % 4
        pieces += [flank, base * length]
        loci.append((flank[-12:], base, length))
    pieces.append(_no_repeat_seq(rng, 60, pieces[-1][-1]))
    return "".join(pieces), loci


def _length_errors(template: str, loci, profile: LongReadProfile, n_reads: int, seed: int) -> np.ndarray:
    """Observed minus true length of each homopolymer (columns) in each read (rows); half the reads from the
    reverse strand, turned back for measuring."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n_reads, len(loci)), dtype=int)
    for r in range(n_reads):
        forward = r % 2 == 0
        seq, _ = long_read(_array(template if forward else revcomp(template)), profile, rng)
        read = _text(seq) if forward else revcomp(_text(seq))
        for j, (left, base, length) in enumerate(loci):
            k = read.find(left)
            assert k >= 0
            tail = read[k + len(left):]
            out[r, j] = len(tail) - len(tail.lstrip(base)) - length
    return out


def test_systematic_homopolymer_errors_are_shared_between_reads(homopolymer_template):
    template, loci = homopolymer_template
    common = dict(sub_rate=0.0, ins_rate=0.0, del_rate=0.0, hp_error_base=1e-3, hp_error_growth=0.35, salt=123)
    hard = _length_errors(template, loci, LongReadProfile(systematic_fraction=1.0, systematic_max=0.45, **common),
                          80, seed=1)
    random_only = _length_errors(template, loci, LongReadProfile(systematic_fraction=0.0, **common), 80, seed=1)
    wrong_hard = (hard != 0).mean(axis=0)
    wrong_random = (random_only != 0).mean(axis=0)
    # every locus is "hard": wrong in 0.45 * (0.4 .. 1.0) of reads; with the base rate alone (<= 1e-3 * e^(0.35*6))
    # well under 2%
    assert wrong_random.mean() < 0.02
    assert wrong_hard.min() > 0.08 and wrong_hard.mean() > 0.2
    assert wrong_hard.mean() > 10 * max(wrong_random.mean(), 1e-3)
    # the same wrong length: the error direction is a property of the locus, not of the read
    for column in hard.T:
        errors = column[column != 0]
        assert (np.sign(errors) == np.sign(np.median(errors))).mean() >= 0.9
    # and of the locus on either strand: forward and reverse reads err the same way
    forward, reverse = hard[0::2], hard[1::2]
    both = [j for j in range(len(loci)) if (forward[:, j] != 0).sum() >= 3 and (reverse[:, j] != 0).sum() >= 3]
    assert len(both) >= 20
    agree = [np.sign(forward[:, j].sum()) == np.sign(reverse[:, j].sum()) for j in both]
    assert np.mean(agree) >= 0.9


def test_systematic_loci_depend_on_salt(homopolymer_template):
    """Another instrument (salt) finds other contexts hard."""
    template, loci = homopolymer_template
    common = dict(sub_rate=0.0, ins_rate=0.0, del_rate=0.0, hp_error_base=1e-4, systematic_fraction=0.3,
                  systematic_max=0.45)
    a = (_length_errors(template, loci, LongReadProfile(salt=1, **common), 60, seed=2) != 0).mean(axis=0) > 0.08
    b = (_length_errors(template, loci, LongReadProfile(salt=2, **common), 60, seed=2) != 0).mean(axis=0) > 0.08
    assert 2 <= a.sum() <= 20 and 2 <= b.sum() <= 20
    assert not np.array_equal(a, b)
