"""HiFi-like reads for the polishing benchmark: pbsim (Debian, model-based CLR mode) plus our own layers.

Nothing here comes from ``genomeml.simulate``. Steps, all deterministic for a seed:

1. **pbsim 1.0.3** samples read positions, strands and lengths (``--length-mean 15000
   --length-sd 4000``, 5-25 kb) and places random substitutions / insertions / deletions
   (``--difference-ratio 40:30:30``). pbsim's CLR model caps the accuracy at 99% (it
   silently turns ``--accuracy-mean 0.998`` into 0.99), so every read comes out 99%
   accurate; its MAF alignment tells exactly where each error is.
2. **Thinning to HiFi accuracy.** Each read keeps a share ``k ~ U(0.05, 0.25)`` of
   pbsim's error events (an insertion or deletion run is one event) and the rest are put
   back to the template base: read accuracy 99.75-99.95% (mean ~99.85%) before step 3.
3. **Systematic errors** (HiFi's weakness, which the polisher cannot average away):
   every homopolymer of >= 6 bp and every STR (period 2-6, >= 3 copies, >= 10 bp) of a
   template gets, once per template (shared by every read set), a direction (one unit
   shorter or longer; homopolymers >= 8 bp lean to shorter, 70:30, others 50:50 / 55:45)
   and a fraction ``f = clip(base + N(0, 0.07), 0.03, 0.45)`` with
   ``base = min(0.30, 0.12 + 0.025 (L - 6)) (+0.03 for G/C)`` for homopolymers of length
   L and ``min(0.28, 0.08 + 0.02 (copies - 3)) (+0.02 for dinucleotides)`` for STRs.
   Each read spanning the tract (with a base to spare each side) carries the wrong
   length with probability f, on either strand alike. The majority is always right in
   expectation, but with f near 0.45 a 20-30x pileup is sometimes only narrowly right
   and by chance sometimes wrong.
4. **Base qualities** (HiFi-like, partly informative): ``Q = min(93, 25 + Exp(20))``;
   bases of those tracts get 18 less (floor 3) in every read, erroneous or not, so
   quality does not single out the systematic errors; 60% of the kept random
   substitution/insertion bases get ``Q ~ U(3, 20)``.

Paralogous reads: the caller passes extra templates (a diverged copy of a segment between
real flanks from elsewhere); they go through the same four steps.
"""

from __future__ import annotations

import gzip
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tracts import LONG_HOMOPOLYMER, find_tracts, revcomp, write_fasta

PBSIM_ARGS = ("--data-type CLR --length-mean 15000 --length-sd 4000 --length-min 5000 --length-max 25000 "
              "--accuracy-mean 0.99 --accuracy-sd 0 --accuracy-min 0.99 --accuracy-max 1.0 "
              "--difference-ratio 40:30:30 --model_qc /usr/share/pbsim/models/model_qc_clr")
KEEP_RANGE = (0.05, 0.25)
TRACT_QV_DROP = 18
DASH = ord("-")


@dataclass(frozen=True)
class SystematicTract:
    start: int
    end: int
    unit: str
    direction: int     # -1: reads carry one unit less; +1: one unit more
    fraction: float    # share of spanning reads that carry it


def systematic_profile(seq: str, rng: np.random.Generator) -> tuple[list[SystematicTract], np.ndarray]:
    """The systematic-error tracts of one template and a mask of tract bases (for the qualities)."""
    hps, strs = find_tracts(seq, LONG_HOMOPOLYMER)
    tracts: list[SystematicTract] = []
    for t in sorted(hps + strs, key=lambda t: t.start):
        if t.period == 1:
            base = min(0.30, 0.12 + 0.025 * (t.length - 6)) + (0.03 if t.unit in "GC" else 0.0)
            p_shorter = 0.7 if t.length >= 8 else 0.5
        else:
            base = min(0.28, 0.08 + 0.02 * (t.copies - 3)) + (0.02 if t.period == 2 else 0.0)
            p_shorter = 0.55
        fraction = float(np.clip(base + rng.normal(0.0, 0.07), 0.03, 0.45))
        direction = -1 if rng.random() < p_shorter else 1
        tracts.append(SystematicTract(t.start, t.end, t.unit, direction, round(fraction, 4)))
    mask = np.zeros(len(seq), dtype=bool)
    for t in tracts:
        mask[t.start:t.end] = True
    return tracts, mask


@dataclass
class Template:
    name: str
    seq: str
    tracts: list[SystematicTract]
    tract_mask: np.ndarray
    paralog: bool = False

    @property
    def starts(self) -> np.ndarray:
        return np.array([t.start for t in self.tracts], dtype=np.int64)


@dataclass
class Read:
    name: str
    seq: str
    qual: str
    template: str
    strand: str
    start: int       # template coordinates of the pbsim alignment
    end: int
    paralog: bool
    random_errors: int
    systematic_edits: int


def parse_maf(path: Path):
    """(ref_start, ref_len, strand, ref_row, read_row) per pbsim MAF block."""
    with open(path) as handle:
        lines = [line for line in handle if line.startswith("s ")]
    for ref_line, read_line in zip(lines[0::2], lines[1::2]):
        r, q = ref_line.split(), read_line.split()
        yield int(r[2]), int(r[3]), q[4], r[6], q[6]


def build_read(t: Template, ref_start: int, ref_len: int, strand: str, ref_row: str, read_row: str,
               rng: np.random.Generator) -> tuple[str, str, int, int]:
    """Sequence, qualities (read orientation), kept random error events, systematic edits."""
    r = np.frombuffer(ref_row.upper().encode(), dtype=np.uint8)
    q = np.frombuffer(read_row.upper().encode(), dtype=np.uint8)
    n = len(r)
    is_r, is_q = r != DASH, q != DASH
    refpos = ref_start + np.cumsum(is_r) - 1
    sub = is_r & is_q & (r != q)
    ins, dele = ~is_r, ~is_q
    gap = ins | dele
    prev_ins = np.concatenate(([False], ins[:-1]))
    prev_del = np.concatenate(([False], dele[:-1]))
    run_start = (ins & ~prev_ins) | (dele & ~prev_del)
    idx = np.where(run_start | ~gap, np.arange(n), 0)
    np.maximum.accumulate(idx, out=idx)
    keep_rate = rng.uniform(*KEEP_RANGE)
    keep = (rng.random(n) < keep_rate)[idx]
    emit = (is_r & is_q) | (ins & keep) | (dele & ~keep)
    base = np.where((sub & ~keep) | dele, r, q)
    qv = np.minimum(93, 25 + rng.exponential(20.0, n)).astype(np.int16)
    in_tract = t.tract_mask[np.clip(refpos, 0, len(t.seq) - 1)]
    qv = np.where(in_tract, np.maximum(3, qv - TRACT_QV_DROP), qv)
    flagged = (sub | ins) & keep & (rng.random(n) < 0.6)
    qv = np.where(flagged, rng.integers(3, 21, n), qv)
    random_errors = int(np.count_nonzero((sub & keep) | (run_start & keep)))

    # systematic tract-length errors, on tracts the read spans with a base to spare
    ref_end = ref_start + ref_len
    starts = t.starts
    lo, hi = np.searchsorted(starts, ref_start + 1), np.searchsorted(starts, ref_end - 1)
    ref_cols = np.flatnonzero(is_r)
    insertions: list[tuple[int, str]] = []   # (column, unit) to put before that column
    edits = 0
    for tract in t.tracts[lo:hi]:
        if tract.end > ref_end - 1 or rng.random() >= tract.fraction:
            continue
        col = ref_cols[tract.start - ref_start]
        if tract.direction < 0:
            emit[ref_cols[tract.start - ref_start: tract.start - ref_start + len(tract.unit)]] = False
        else:
            insertions.append((int(col), tract.unit))
        edits += 1

    out_seq = base[emit].tobytes().decode()
    out_qv = qv[emit]
    if insertions:
        before = np.cumsum(emit) - emit     # emitted bases before each column
        seq_parts, qv_parts, cursor = [], [], 0
        for col, unit in insertions:
            at = int(before[col])
            seq_parts += [out_seq[cursor:at], unit]
            unit_qv = np.maximum(3, np.minimum(93, 25 + rng.exponential(20.0, len(unit))) - TRACT_QV_DROP)
            qv_parts += [out_qv[cursor:at], unit_qv.astype(np.int16)]
            cursor = at
        seq_parts.append(out_seq[cursor:])
        qv_parts.append(out_qv[cursor:])
        out_seq, out_qv = "".join(seq_parts), np.concatenate(qv_parts)
    qual = (out_qv + 33).astype(np.uint8).tobytes().decode()
    if strand == "-":
        out_seq, qual = revcomp(out_seq), qual[::-1]
    return out_seq, qual, random_errors, edits


def run_pbsim(templates: list[Template], depth: float, seed: int, work: Path) -> list[Path]:
    """pbsim on the templates (one FASTA); the MAF file of each template, in order."""
    work.mkdir(parents=True, exist_ok=True)
    write_fasta(work / "templates.fa", {t.name: t.seq for t in templates})
    cmd = f"pbsim {PBSIM_ARGS} --depth {depth} --seed {seed} --prefix sim templates.fa"
    proc = subprocess.run(cmd.split(), cwd=work, capture_output=True, text=True)
    (work / "pbsim.log").write_text(proc.stdout + proc.stderr)
    if proc.returncode != 0:
        raise RuntimeError(f"pbsim failed ({proc.returncode}): {cmd}\n{proc.stderr[-2000:]}")
    mafs = [work / f"sim_{i + 1:04d}.maf" for i in range(len(templates))]
    missing = [m for m in mafs if not m.exists()]
    if missing:
        raise RuntimeError(f"pbsim wrote no {missing[0].name}")
    return mafs


def simulate(templates: list[Template], depth: float, seed: int, work: Path,
             rng: np.random.Generator) -> list[Read]:
    """Reads of every template at ``depth`` (unnamed order: pbsim's)."""
    reads: list[Read] = []
    for t, maf in zip(templates, run_pbsim(templates, depth, seed, work)):
        for ref_start, ref_len, strand, ref_row, read_row in parse_maf(maf):
            seq, qual, errors, edits = build_read(t, ref_start, ref_len, strand, ref_row, read_row, rng)
            reads.append(Read("", seq, qual, t.name, strand, ref_start, ref_start + ref_len, t.paralog,
                              errors, edits))
    return reads


def name_reads(reads: list[Read], rng: np.random.Generator, movie: str) -> list[Read]:
    """Shuffle deterministically and name like PacBio CCS reads (MOVIE/ZMW/ccs)."""
    order = rng.permutation(len(reads))
    zmws = np.sort(rng.choice(np.arange(1000, 1000 + 200 * len(reads)), size=len(reads), replace=False))
    named = []
    for zmw, i in zip(zmws, order):
        read = reads[i]
        read.name = f"{movie}/{zmw}/ccs"
        named.append(read)
    return named


def write_fastq_gz(path: Path, reads: list[Read]) -> None:
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, compresslevel=6) as gz:
        for read in reads:
            gz.write(f"@{read.name}\n{read.seq}\n+\n{read.qual}\n".encode())


def write_origins(path: Path, reads: list[Read]) -> None:
    """Where each read came from (truth for analysis only; a polisher must not read it)."""
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as gz:
        gz.write(b"read\ttemplate\tstrand\tstart\tend\tparalog\trandom_errors\tsystematic_edits\tlength\n")
        for r in reads:
            gz.write(f"{r.name}\t{r.template}\t{r.strand}\t{r.start}\t{r.end}\t{int(r.paralog)}\t"
                     f"{r.random_errors}\t{r.systematic_edits}\t{len(r.seq)}\n".encode())

