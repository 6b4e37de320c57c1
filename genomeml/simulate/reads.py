"""Read simulators with the error modes that fool variant callers and polishers.

Every read is built with a handful of numpy operations on its template (no per-base
Python loop). Profiles are drawn per simulation run from a seed, so training data
covers a spread of instruments rather than one fixed error model.
"""

from __future__ import annotations

import zlib
from dataclasses import asdict, dataclass

import numpy as np

from genomeml.simulate.genome import BASES, RepeatTract, find_tracts, revcomp

_CODE = np.full(256, 4, dtype=np.uint8)
_CODE[np.frombuffer(b"ACGT", dtype=np.uint8)] = np.arange(4, dtype=np.uint8)
_COMP = np.zeros(256, dtype=np.uint8)
_COMP[np.frombuffer(b"ACGTN", dtype=np.uint8)] = np.frombuffer(b"TGCAN", dtype=np.uint8)


def revcomp_array(seq: np.ndarray) -> np.ndarray:
    return _COMP[seq[::-1]]


def runs(seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and length of each homopolymer run."""
    if len(seq) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    change = np.flatnonzero(seq[1:] != seq[:-1]) + 1
    starts = np.concatenate([[0], change])
    lengths = np.diff(np.concatenate([starts, [len(seq)]]))
    return starts, lengths


def _substitute(seq: np.ndarray, mask: np.ndarray, rng: np.random.Generator) -> None:
    idx = np.flatnonzero(mask)
    if len(idx):
        code = _CODE[seq[idx]] % 4
        seq[idx] = BASES[(code + rng.integers(1, 4, size=len(idx))) % 4]


def _resize(template: np.ndarray, counts: np.ndarray, insert_at: np.ndarray,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Apply per-base copy counts (0 = deleted, 2 = duplicated) and random single-base insertions.

    Returns the new sequence and, per new base, whether it came from an error event
    (so the quality model can lower it).
    """
    touched = counts != 1
    seq = np.repeat(template, counts)
    flag = np.repeat(touched, counts)
    if len(insert_at):
        insert_at = np.minimum(insert_at, len(seq))
        seq = np.insert(seq, insert_at, BASES[rng.integers(0, 4, size=len(insert_at))])
        flag = np.insert(flag, insert_at, True)
    return seq, flag


# ----------------------------------------------------------------------------- Illumina
@dataclass(frozen=True)
class IlluminaProfile:
    read_length: int = 150
    insert_mean: float = 350.0
    insert_sd: float = 60.0
    q_max: float = 37.0
    q_decay: float = 8.0          # mean quality lost by the last cycle
    q_noise: float = 3.0
    read2_penalty: float = 2.0
    binned: bool = False          # NovaSeq-style 4-level qualities
    calibration: float = 1.0      # true error rate / nominal (Phred) error rate
    tail_fraction: float = 0.02   # reads ending in a run of Q2 bases
    dip_fraction: float = 0.0     # bases whose quality (and so error rate) dips to Q2-Q20, scattered in good reads
    hp_indel_base: float = 5e-5   # indel error probability in a 4-bp homopolymer
    hp_indel_growth: float = 0.5  # log-rate increase per extra homopolymer base
    random_indel_rate: float = 2e-6
    ggc_error_rate: float = 0.003  # extra error after GG in the read's own orientation (strand-specific)
    damage_rate: float = 0.0      # 8-oxoG: G>T on read 1, C>A on read 2
    duplicate_rate: float = 0.02
    # context-specific errors: the same 6-mer (in read orientation) errs to the same base in every
    # read of the run, tumor and normal alike, as real instruments do at a few contexts
    systematic_fraction: float = 0.0
    systematic_max: float = 0.0
    salt: int = 0
    # PCR stutter: a fragment gains or loses a repeat unit in a short tandem repeat, with a
    # probability growing with the number of units (see pcr_stutter)
    stutter_base: float = 0.0     # stutter probability of a 3-unit repeat
    stutter_growth: float = 0.2   # log-rate increase per extra unit

    @classmethod
    def draw(cls, rng: np.random.Generator, read_length: int = 150) -> "IlluminaProfile":
        """A random instrument/library within the range seen in real runs."""
        return cls(
            read_length=read_length,
            insert_mean=float(rng.uniform(250, 600)), insert_sd=float(rng.uniform(40, 150)),
            q_max=float(rng.uniform(34, 39)), q_decay=float(rng.uniform(1, 9)),
            q_noise=float(rng.uniform(2, 6)), read2_penalty=float(rng.uniform(0, 4)),
            binned=bool(rng.random() < 0.4), calibration=float(rng.uniform(0.6, 2.0)),
            tail_fraction=float(rng.uniform(0, 0.05)),
            dip_fraction=float(rng.uniform(0.002, 0.04)),
            hp_indel_base=float(10 ** rng.uniform(-4.5, -3.3)), hp_indel_growth=float(rng.uniform(0.3, 0.7)),
            random_indel_rate=float(10 ** rng.uniform(-5.7, -4)),
            ggc_error_rate=float(rng.uniform(0, 0.01)),
            damage_rate=float(rng.choice([0.0, 0.0, 10 ** rng.uniform(-4, -2.7)])),
            duplicate_rate=float(rng.uniform(0.0, 0.04)),
            systematic_fraction=float(10 ** rng.uniform(-3.5, -2.3)),
            systematic_max=float(rng.uniform(0.02, 0.15)),
            salt=int(rng.integers(0, 2 ** 31)),
            # drawn last so the fields above keep the values older runs of the same seed had
            # down to PCR-free libraries: the real HG002 reads stutter less than any of the old range
            stutter_base=float(10 ** rng.uniform(-4.3, -1.7)), stutter_growth=float(rng.uniform(0.1, 0.3)),
        )

    def as_dict(self) -> dict:
        return {k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in asdict(self).items()}


STUTTER_MAX = 0.3
# dinucleotide repeats slip more than longer units of the same unit count: in the real HG002
# reads a 4-unit dinucleotide shows ~4 times the indel rate of a 3-unit period-3-6 repeat
DINUCLEOTIDE_STUTTER = 3.0


def _tract_uniform(text: str, tract: RepeatTract, salt: int) -> float:
    """A uniform [0, 1) number fixed by a repeat and its 4 flanking bases each side, the same on
    both strands: how error-prone this locus is, for one instrument or library (``salt``)."""
    context = text[tract.start - 4:tract.end + 4]
    return zlib.crc32(min(context, revcomp(context)).encode(), salt & 0xFFFFFFFF) / 2 ** 32


def pcr_stutter(fragment: str, profile: IlluminaProfile, rng: np.random.Generator) -> str:
    """The fragment after PCR: some short tandem repeats (period 2-6) one unit shorter or longer.

    Stutter happens to the molecule, so both mates carry it, and it happens in every
    library of the run, so the tumor and the normal show the same stutter alleles at a
    repeat (around the individual's own allele, not the reference's). How prone a repeat
    is depends on its unit count and, through a salted hash of the repeat and its
    flanks, on the locus: real stutter varies several-fold between repeats of one length.
    """
    # a homopolymer is also a run of its base doubled: it is left to the per-read homopolymer
    # errors (one base at a time) instead of stuttering two bases at a time as a "dinucleotide"
    tracts = [t for t in find_tracts(fragment, min_homopolymer=len(fragment) + 1)
              if t.period > 1 and len(set(fragment[t.start:t.start + t.period])) > 1]
    if not tracts or profile.stutter_base <= 0:
        return fragment
    draws = rng.random((len(tracts), 3))
    pieces, cursor, seen = [], 0, 0
    for tract, (hit, direction, size) in zip(tracts, draws):
        # the same repeat is also found at multiples of its period: only the shortest one counts
        if tract.start < seen or tract.start < 4 or tract.end + 4 > len(fragment):
            continue
        seen = tract.end
        u = _tract_uniform(fragment, tract, profile.salt)
        units = tract.length // tract.period
        p = min(STUTTER_MAX, profile.stutter_base * (DINUCLEOTIDE_STUTTER if tract.period == 2 else 1.0)
                * (0.25 + 2.5 * u * u)
                * np.exp(profile.stutter_growth * (units - 3)))
        if hit >= p:
            continue
        step = tract.period * (2 if size < 0.15 else 1)
        pieces.append(fragment[cursor:tract.start])
        if direction < 0.7 and step < tract.length:         # contraction, the commoner stutter
            pieces.append(fragment[tract.start + step:tract.end])
        else:
            pieces.append(fragment[tract.start:tract.start + step] + fragment[tract.start:tract.end])
        cursor = tract.end
    if not pieces:
        return fragment
    pieces.append(fragment[cursor:])
    return "".join(pieces)


_BINS = np.array([2, 12, 23, 37])


def illumina_read(template: np.ndarray, profile: IlluminaProfile, rng: np.random.Generator,
                  read2: bool) -> tuple[np.ndarray, np.ndarray]:
    """Sequence one read (in its own 5'->3' orientation) from a template at least read_length long."""
    length = profile.read_length
    starts, lengths = runs(template)
    counts = np.ones(len(template), dtype=np.int64)
    long_runs = lengths >= 4
    p = np.minimum(0.15, profile.hp_indel_base * np.exp(profile.hp_indel_growth * (np.minimum(lengths, 40) - 4)))
    hit = long_runs & (rng.random(len(starts)) < p)
    counts[starts[hit]] += np.where(rng.random(int(hit.sum())) < 0.55, -1, 1)
    n_random = rng.binomial(len(template), profile.random_indel_rate * 2)
    if n_random:
        pos = rng.integers(0, len(template), size=n_random)
        counts[pos[: n_random // 2 + 1]] = 0
    inserts = rng.integers(0, len(template), size=n_random // 2) if n_random > 1 else np.zeros(0, np.int64)
    seq, _ = _resize(template, counts, inserts, rng)
    if len(seq) < length:
        seq = np.concatenate([seq, BASES[rng.integers(0, 4, size=length - len(seq))]])
    seq = seq[:length].copy()

    x = np.arange(length) / length
    mean = profile.q_max - profile.q_decay * x ** 2 - (profile.read2_penalty if read2 else 0.0) + rng.normal(0, 1.5)
    qual = np.clip(np.rint(mean + rng.normal(0, profile.q_noise, size=length)), 2, 41)
    if profile.dip_fraction > 0:
        dips = rng.random(length) < profile.dip_fraction
        qual[dips] = rng.integers(2, 21, size=int(dips.sum()))
    if rng.random() < profile.tail_fraction:
        qual[int(rng.integers(int(length * 0.7), length)):] = 2
    if profile.binned:
        qual = _BINS[np.searchsorted([7, 18, 30], qual)]
    if profile.systematic_fraction > 0:
        _systematic_substitutions(seq, profile, rng)
    error_p = np.minimum(0.75, profile.calibration * 10 ** (-qual / 10))
    if profile.ggc_error_rate > 0:
        gg = np.zeros(length, dtype=bool)
        gg[2:] = (seq[:-2] == ord("G")) & (seq[1:-1] == ord("G"))
        error_p = error_p + gg * profile.ggc_error_rate
    _substitute(seq, rng.random(length) < error_p, rng)
    if profile.damage_rate > 0:
        target, product = (ord("C"), ord("A")) if read2 else (ord("G"), ord("T"))
        damaged = (seq == target) & (rng.random(length) < profile.damage_rate)
        seq[damaged] = product
    return seq, qual.astype(np.uint8)


def _kmer_hash(seq: np.ndarray, k: int, salt: int) -> np.ndarray:
    """A uniform 64-bit hash per position of the k-mer ending there (read orientation)."""
    codes = (_CODE[seq] % 4).astype(np.uint64)
    padded = np.concatenate([np.zeros(k - 1, np.uint64), codes])
    key = np.zeros(len(seq), np.uint64)
    for j in range(k):
        key = key * np.uint64(4) + padded[j:j + len(seq)]
    key ^= np.uint64(salt)
    key = (key * np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    key ^= key >> np.uint64(31)
    key = (key * np.uint64(0xBF58476D1CE4E5B9)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    key ^= key >> np.uint64(29)
    return key


def _systematic_substitutions(seq: np.ndarray, profile: IlluminaProfile, rng: np.random.Generator) -> None:
    key = _kmer_hash(seq, 6, profile.salt)
    u = (key >> np.uint64(40)).astype(np.float64) / float(1 << 24)
    hard = np.flatnonzero(u < profile.systematic_fraction)
    if len(hard) == 0:
        return
    strength = profile.systematic_max * u[hard] / profile.systematic_fraction
    hit = hard[rng.random(len(hard)) < strength]
    shift = (key[hit] % np.uint64(3)).astype(np.int64) + 1       # the same wrong base every time
    seq[hit] = BASES[(_CODE[seq[hit]] % 4 + shift) % 4]


# ----------------------------------------------------------------------------- long reads
@dataclass(frozen=True)
class LongReadProfile:
    platform: str = "hifi"
    length_mean: float = 15000.0
    length_sigma: float = 0.25        # lognormal sigma of read length
    sub_rate: float = 2e-4
    ins_rate: float = 1e-4
    del_rate: float = 1e-4
    hp_error_base: float = 1e-3       # length-error probability of a 3-bp homopolymer
    hp_error_growth: float = 0.35
    hp_deletion_bias: float = 0.5     # share of homopolymer length errors that shorten the run
    systematic_fraction: float = 0.05  # share of homopolymers (>= 5 bp) with a context-driven error
    systematic_max: float = 0.4       # highest per-read error probability at such a locus
    q_high: float = 40.0
    q_error: float = 15.0
    q_sd: float = 6.0
    salt: int = 0                     # which contexts are "hard": fixed per simulated instrument
    str_systematic_fraction: float = 0.0   # share of short tandem repeats with a context-driven unit error

    @classmethod
    def draw(cls, platform: str, rng: np.random.Generator) -> "LongReadProfile":
        salt = int(rng.integers(0, 2 ** 31))
        if platform == "hifi":
            return cls("hifi", float(rng.uniform(10000, 20000)), float(rng.uniform(0.15, 0.35)),
                       float(10 ** rng.uniform(-4.3, -3.5)), float(10 ** rng.uniform(-4.5, -3.7)),
                       float(10 ** rng.uniform(-4.5, -3.7)), float(10 ** rng.uniform(-3.3, -2.6)),
                       float(rng.uniform(0.25, 0.5)), float(rng.uniform(0.4, 0.7)),
                       float(rng.uniform(0.02, 0.12)), float(rng.uniform(0.25, 0.45)),
                       float(rng.uniform(35, 50)), float(rng.uniform(10, 22)), 6.0, salt,
                       float(rng.uniform(0.02, 0.15)))
        if platform == "ont":
            return cls("ont", float(rng.uniform(12000, 30000)), float(rng.uniform(0.4, 0.8)),
                       float(10 ** rng.uniform(-2.3, -1.8)), float(10 ** rng.uniform(-2.5, -2.0)),
                       float(10 ** rng.uniform(-2.2, -1.7)), float(10 ** rng.uniform(-1.8, -1.3)),
                       float(rng.uniform(0.15, 0.3)), float(rng.uniform(0.7, 0.9)),
                       float(rng.uniform(0.05, 0.2)), float(rng.uniform(0.3, 0.5)),
                       float(rng.uniform(18, 25)), float(rng.uniform(6, 10)), 4.0, salt,
                       float(rng.uniform(0.05, 0.2)))
        raise ValueError(f"no long-read profile for platform {platform!r}")

    def as_dict(self) -> dict:
        return {k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in asdict(self).items()}


def _context_hash(codes: np.ndarray, starts: np.ndarray, lengths: np.ndarray, salt: int) -> np.ndarray:
    """A uniform [0,1) number per homopolymer, fixed by its base, length and 4 flanking bases each side.

    Taking the smaller of the forward and reverse-complement keys makes the "hard"
    contexts the same on both strands, so reads of either strand share the error.
    """
    padded = np.concatenate([np.zeros(4, np.uint64), codes.astype(np.uint64) % 4, np.zeros(4, np.uint64)])
    before = np.zeros(len(starts), np.uint64)
    after = np.zeros(len(starts), np.uint64)
    before_rc = np.zeros(len(starts), np.uint64)
    after_rc = np.zeros(len(starts), np.uint64)
    ends = starts + lengths
    for j in range(4):
        b = padded[starts + 4 - 1 - j]      # j-th base before the run, walking outward
        a = padded[ends + 4 + j]            # j-th base after the run
        before = before * np.uint64(4) + b
        after = after * np.uint64(4) + a
        after_rc = after_rc * np.uint64(4) + (np.uint64(3) - b)
        before_rc = before_rc * np.uint64(4) + (np.uint64(3) - a)
    base = padded[starts + 4]
    n = np.minimum(lengths, 31).astype(np.uint64)
    fwd = ((before * np.uint64(256) + after) * np.uint64(4) + base) * np.uint64(32) + n
    rev = ((before_rc * np.uint64(256) + after_rc) * np.uint64(4) + (np.uint64(3) - base)) * np.uint64(32) + n
    key = np.minimum(fwd, rev) ^ np.uint64(salt)
    key = (key * np.uint64(0x9E3779B97F4A7C15)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    key ^= key >> np.uint64(29)
    key = (key * np.uint64(0xBF58476D1CE4E5B9)) & np.uint64(0xFFFFFFFFFFFFFFFF)
    key ^= key >> np.uint64(32)
    return (key & np.uint64(0xFFFFFF)).astype(np.float64) / float(0x1000000)


def _str_unit_errors(template: np.ndarray, profile: LongReadProfile, rng: np.random.Generator) -> np.ndarray:
    """A repeat unit lost or gained in the "hard" short tandem repeats of this instrument.

    Whether a repeat is hard, how often reads miss it and in which direction depend only
    on the repeat with 4 flanking bases (strand-independent, salted per instrument), so
    the reads covering it share the wrong length, as in real HiFi data.
    """
    text = template.tobytes().decode()
    pieces, cursor = [], 0
    for tract in find_tracts(text, min_homopolymer=len(text) + 1):
        if tract.period == 1 or tract.start < 4 or tract.end + 4 > len(text) or tract.start < cursor:
            continue
        u = _tract_uniform(text, tract, profile.salt)
        if u >= profile.str_systematic_fraction:
            continue
        strength = profile.systematic_max * (0.4 + 0.6 * u / profile.str_systematic_fraction)
        if rng.random() >= strength:
            continue
        shorten = (u * 1e4) % 1 < profile.hp_deletion_bias
        unit_end = tract.start + tract.period
        pieces.append(template[cursor:tract.start])
        if shorten:
            pieces.append(template[unit_end:tract.end])
        else:
            pieces.append(template[tract.start:unit_end])      # the gained unit
            pieces.append(template[tract.start:tract.end])
        cursor = tract.end
    if not pieces:
        return template
    pieces.append(template[cursor:])
    return np.concatenate(pieces)


def long_read(template: np.ndarray, profile: LongReadProfile, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One long read from a template: homopolymer length errors (some systematic), random indels and substitutions."""
    if profile.str_systematic_fraction > 0:
        template = _str_unit_errors(template, profile, rng)
    starts, lengths = runs(template)
    counts = np.ones(len(template), dtype=np.int64)
    homo = lengths >= 3
    p = np.minimum(0.3, profile.hp_error_base * np.exp(profile.hp_error_growth * (np.minimum(lengths, 40) - 3))) * homo
    shorten = rng.random(len(starts)) < profile.hp_deletion_bias
    u = _context_hash(_CODE[template], starts, lengths, profile.salt)
    hard = (lengths >= 5) & (u < profile.systematic_fraction)
    if hard.any():
        strength = profile.systematic_max * (0.4 + 0.6 * u[hard] / profile.systematic_fraction)
        p[hard] = np.maximum(p[hard], strength)
        shorten[hard] = (u[hard] * 1e4) % 1 < profile.hp_deletion_bias
    hit = rng.random(len(starts)) < p
    step = np.where(shorten, -1, 1) * np.where((rng.random(len(starts)) < 0.1) & (lengths > 6), 2, 1)
    counts[starts[hit]] += step[hit]
    counts = np.maximum(counts, 0)
    n = len(template)
    dels = rng.random(n) < profile.del_rate
    counts[dels] = 0
    inserts = np.flatnonzero(rng.random(n) < profile.ins_rate)
    seq, touched = _resize(template, counts, inserts, rng)
    seq = seq.copy()
    sub = rng.random(len(seq)) < profile.sub_rate
    _substitute(seq, sub, rng)
    touched = touched | sub
    # qualities: high on clean bases, low where an error event happened, dipping inside homopolymers
    qual = rng.normal(profile.q_high, profile.q_sd, size=len(seq))
    qual[touched] = rng.normal(profile.q_error, profile.q_sd / 2, size=int(touched.sum()))
    s2, l2 = runs(seq)
    in_long = np.repeat(l2 >= 6, l2)
    qual[in_long] -= np.repeat(np.minimum(l2, 20), l2)[in_long] * 0.7
    return seq, np.clip(np.rint(qual), 3, 60).astype(np.uint8)
