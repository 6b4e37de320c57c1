#!/usr/bin/env python
"""Real-reads recall check: spike somatic mutations into one half of a real sample, realign with bwa mem.

make_real_split.py measures false calls on real reads; this measures calls on them. The reads of
HG002 (GIAB, Illumina 2x148, ~30x on 20:10,000,001-10,100,000 of hs37d5) are split in two by the
same read-name hash (``--salt``). In the tumor half, somatic SNVs and indels are written into the
reads of a share of the fragments (the VAF) at sites chosen away from HG002's own variants, the way
BAMSurgeon does it; both halves are then re-aligned with bwa mem, mates fixed, duplicates marked.
The reads keep their real errors, qualities, insert sizes and coverage gaps; only the spiked bases
are made up. Every PASS call that is not a spiked mutation is a false positive.

How a read gets a mutation at anchor position p (its alignment must show p, and p+1 for an
insertion or p+L+1 for a deletion of L bases, as matches, so the spiked sequence is defined):
- SNV: the base aligned to p becomes ALT;
- insertion of S after p: S goes into the read after p, and the read loses len(S) bases at its
  3' end (right in reference orientation for a forward read, left for a reverse one), keeping its length;
- deletion of L bases after p: those L read bases go, and the read gains L reference bases at
  its 3' end. Both mates of a fragment get it or neither, decided by a hash of (seed, site, name).
Sites: ``--sites`` of them, at least 400 bp apart and 500 bp from the ends, depth 12-80 in the whole
sample, and no allele but the reference within 10 bp (no base with > 10% non-reference reads, no
position where >= 2 reads start an indel): HG002's own variants stay out of the truth's way. A
third of the indels change a homopolymer run (>= 4) by one or two bases. VAFs are drawn from
``--vafs``; the tumor half is ~15x, so VAF 0.15 is 2 reads.

Outputs in --out as make_benchmark.py: ref.fa (the real stretch 20:9,995,001-11,095,000 of the
hs37d5 test reference as one contig, + .fai, bwa index), tumor.bam / normal.bam (+ .bai, read
groups TUMOR / NORMAL), truth.somatic.vcf.gz (INFO VAF = fragments spiked / fragments that could be,
TARGET_VAF, TYPE, CONTEXT; spikes that no fragment took are left out), truth.germline.vcf.gz (empty: HG002's variants are not
known here), confident.bed (the 100 kb the reads cover, in the new contig's coordinates) and
benchmark.json.

    python benchmarks/somatic/make_spikein.py --out out/bench/real_spikein --salt 0 --seed 1

``--long-indels`` draws a third each SNVs, insertions and deletions instead, every indel 6-30 bp
outside homopolymers with its whole deleted span clean: lengths the 1-6 bp draw never reaches.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pysam

import genomeml
from genomeml.io.atomic import atomic_directory
from genomeml.io.vcf import vcf_header, write_vcf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_benchmark import BWA_BATCH, run, tool_versions, write_fasta  # noqa: E402
from make_real_split import DEFAULT_BAM, DEFAULT_REF, DEFAULT_REGION, half_of  # noqa: E402

REAL_STRETCH = ("20", 9_995_000, 11_095_000)   # 0-based half-open: real sequence in the test reference
COMPLEMENT = str.maketrans("ACGTN", "TGCAN")
LONG_INDEL_LENGTHS = (6, 30)   # bp, --long-indels: uniform, both ends included


@dataclass(frozen=True)
class Spike:
    pos: int          # 0-based anchor, source contig coordinates (SNV: the changed base)
    kind: str         # SNV, INS or DEL
    ref: str          # VCF REF (anchor base, + deleted bases)
    alt: str          # VCF ALT
    vaf: float
    context: str


def allele_noise(bam_path: str, ref: str, contig: str, start: int, end: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per position of [start, end) (``ref`` its sequence): depth, non-reference base fraction, and reads
    with an indel there."""
    with pysam.AlignmentFile(bam_path) as bam:
        counts = np.array(bam.count_coverage(contig, start, end, quality_threshold=0), dtype=float)  # A C G T
        indels = np.zeros(end - start, dtype=int)
        for read in bam.fetch(contig, start, end):
            if read.is_unmapped or read.is_secondary or read.is_supplementary or read.is_duplicate:
                continue
            pos = read.reference_start
            for op, length in read.cigartuples:
                if op in (1, 2) and start <= pos < end:
                    indels[pos - start] += 1
                if op in (0, 2, 3, 7, 8):
                    pos += length
    depth = counts.sum(axis=0)
    ref_index = np.array(["ACGT".find(b) for b in ref])
    ref_count = np.where(ref_index >= 0, counts[np.maximum(ref_index, 0), np.arange(end - start)], 0)
    other = np.where(depth > 0, (depth - ref_count) / np.maximum(depth, 1), 1.0)
    return depth, other, indels


def run_length(seq: str, i: int) -> int:
    """Length of the run of seq[i] starting at i."""
    j = i
    while j < len(seq) and seq[j] == seq[i]:
        j += 1
    return j - i


def choose_spikes(ref: str, start: int, depth: np.ndarray, other: np.ndarray, indels: np.ndarray,
                  n: int, vafs: list[float], rng: np.random.Generator, long_indels: bool = False) -> list[Spike]:
    """Sites away from the sample's own variants and from each other; see the module docstring.
    ``ref`` is the sequence of the region starting at ``start``.

    ``long_indels``: a third each SNVs, insertions and deletions, every indel of LONG_INDEL_LENGTHS bp
    outside homopolymers, with the whole deleted span clean: what the default draw (1-6 bp) never asks."""
    if long_indels:
        return _choose_long(ref, start, depth, other, indels, n, vafs, rng)
    _, sites = _clean_sites(ref, depth, other, indels)
    runs = [i for i in sites if ref[i] != ref[i + 1] and run_length(ref, i + 1) >= 4]   # anchor before a run
    pools = {"any": [int(i) for i in rng.permutation(sites)], "homopolymer": [int(i) for i in rng.permutation(runs)]}
    taken: list[int] = []
    spikes = []
    for _ in range(n):
        kind = str(rng.choice(["SNV", "SNV", "SNV", "INS", "DEL"]))
        vaf = float(rng.choice(vafs))
        context = "homopolymer" if kind != "SNV" and rng.random() < 1 / 3 else "other"
        pool = pools["homopolymer" if context == "homopolymer" else "any"]
        i = _take(pool, taken, lambda j: True, f"{context} sites", len(spikes))
        base = ref[i]
        if kind == "SNV":
            spikes.append(Spike(start + i, kind, base, str(rng.choice([b for b in "ACGT" if b != base])), vaf,
                                context))
            continue
        if context == "homopolymer":   # the run grows or shrinks by one or two of its bases
            length = int(rng.integers(1, 3))
            inserted = ref[i + 1] * length
        else:
            length = int(min(rng.geometric(0.5), 6))
            inserted = "".join(rng.choice(list("ACGT"), size=length))
        if kind == "INS":
            spikes.append(Spike(start + i, kind, base, base + inserted, vaf, context))
        else:
            spikes.append(Spike(start + i, kind, base + ref[i + 1:i + 1 + length], base, vaf, context))
    return sorted(spikes, key=lambda s: s.pos)


def _take(pool: list[int], taken: list[int], fits, what: str, done: int) -> int:
    """The next site of ``pool`` at least 400 bp from every taken one for which ``fits``; taken."""
    while pool and (any(abs(pool[-1] - j) < 400 for j in taken) or not fits(pool[-1])):
        pool.pop()
    if not pool:
        sys.exit(f"make_spikein: ran out of clean {what} after {done} spikes")
    taken.append(pool.pop())
    return taken[-1]


def _clean_sites(ref: str, depth: np.ndarray, other: np.ndarray, indels: np.ndarray) -> tuple[np.ndarray, list[int]]:
    quiet = (other <= 0.1) & (indels < 2) & (depth >= 12) & (depth <= 80)
    window = 10   # clean: quiet from i - window to i + window
    clean = np.convolve(~quiet, np.ones(2 * window + 1, dtype=int), mode="same") == 0
    clean[:500] = clean[-500:] = False
    return clean, [int(i) for i in np.flatnonzero(clean) if "N" not in ref[i - 1:i + 12]]


def _choose_long(ref: str, start: int, depth: np.ndarray, other: np.ndarray, indels: np.ndarray,
                 n: int, vafs: list[float], rng: np.random.Generator) -> list[Spike]:
    clean, sites = _clean_sites(ref, depth, other, indels)
    pool = [int(i) for i in rng.permutation(sites)]
    taken: list[int] = []
    spikes = []
    lo, hi = LONG_INDEL_LENGTHS
    for _ in range(n):
        kind = str(rng.choice(["SNV", "INS", "DEL"]))
        vaf = float(rng.choice(vafs))
        length = int(rng.integers(lo, hi + 1))
        span = length + 1 if kind == "DEL" else 1
        i = _take(pool, taken, lambda j: clean[j:j + span].all() and "N" not in ref[j:j + span + 12], "sites",
                  len(spikes))
        base = ref[i]
        if kind == "SNV":
            alt = str(rng.choice([b for b in "ACGT" if b != base]))
            spikes.append(Spike(start + i, kind, base, alt, vaf, "other"))
        elif kind == "INS":
            inserted = "".join(rng.choice(list("ACGT"), size=length))
            spikes.append(Spike(start + i, kind, base, base + inserted, vaf, "other"))
        else:
            spikes.append(Spike(start + i, kind, base + ref[i + 1:i + 1 + length], base, vaf, "other"))
    return sorted(spikes, key=lambda s: s.pos)


def spiked(seed: int, spike: Spike, name: str) -> bool:
    """Does this fragment carry the mutation: a stable uniform draw from (seed, site, read name)."""
    return zlib.crc32(f"{seed}:{spike.pos}:{name}".encode()) / 2 ** 32 < spike.vaf


def apply_spike(read: pysam.AlignedSegment, spike: Spike, ref: str, ref_start: int) -> tuple[str, list[int]] | None:
    """The read's bases and qualities (reference orientation) with the mutation, or None when its
    alignment does not show the bases the mutation needs."""
    seq, qual = read.query_sequence, list(read.query_qualities)
    at = {r: q for q, r in read.get_aligned_pairs(matches_only=True)}
    need = {"SNV": [spike.pos], "INS": [spike.pos, spike.pos + 1],
            "DEL": list(range(spike.pos, spike.pos + len(spike.ref) + 1))}[spike.kind]
    if any(p not in at for p in need) or any(at[p] - at[need[0]] != p - need[0] for p in need):
        return None
    q0 = at[spike.pos]
    if spike.kind == "SNV":
        return seq[:q0] + spike.alt + seq[q0 + 1:], qual
    n = len(seq)
    if spike.kind == "INS":
        ins = spike.alt[1:]
        new, newq = seq[:q0 + 1] + ins + seq[q0 + 1:], qual[:q0 + 1] + [qual[q0]] * len(ins) + qual[q0 + 1:]
        return (new[:n], newq[:n]) if not read.is_reverse else (new[-n:], newq[-n:])
    length = len(spike.ref) - 1
    new, newq = seq[:q0 + 1] + seq[q0 + 1 + length:], qual[:q0 + 1] + qual[q0 + 1 + length:]
    if not read.is_reverse:   # the 3' end reads on into the reference past the read's end
        end = read.reference_end - ref_start
        return new + ref[end:end + length], newq + newq[-1:] * length
    begin = read.reference_start - ref_start
    return ref[begin - length:begin] + new, newq[:1] * length + newq


def fastq_record(name: str, seq: str, qual: list[int], reverse: bool) -> str:
    if reverse:
        seq, qual = seq.translate(COMPLEMENT)[::-1], qual[::-1]
    return f"@{name}\n{seq}\n+\n{''.join(chr(q + 33) for q in qual)}\n"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--bam", default=str(DEFAULT_BAM))
    ap.add_argument("--ref", default=str(DEFAULT_REF))
    ap.add_argument("--salt", type=int, default=0, help="read split, as make_real_split.py --salt")
    ap.add_argument("--seed", type=int, default=1, help="sites, alleles, VAFs and which fragments carry them")
    ap.add_argument("--sites", type=int, default=120)
    ap.add_argument("--vafs", default="0.15,0.25,0.35,0.45")
    ap.add_argument("--long-indels", action="store_true",
                    help=f"a third each SNVs, insertions, deletions; indels of {LONG_INDEL_LENGTHS[0]}-"
                         f"{LONG_INDEL_LENGTHS[1]} bp outside homopolymers")
    ap.add_argument("--threads", type=int, default=2, help="bwa mem -t")
    args = ap.parse_args(argv)
    started = time.time()
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        sys.exit(f"make_spikein: {out} exists and is not empty")
    for tool in ("bwa", "samtools"):
        if subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True).returncode:
            sys.exit(f"make_spikein: {tool} not found (run benchmarks/somatic/install_tools.sh)")
    contig, region_start, region_end = DEFAULT_REGION
    src, stretch_start, stretch_end = REAL_STRETCH
    name = f"{src}_{stretch_start + 1}_{stretch_end}"
    with pysam.FastaFile(args.ref) as fasta:
        ref = fasta.fetch(src, stretch_start, stretch_end).upper()
    rng = np.random.default_rng(args.seed)
    region_ref = ref[region_start - stretch_start:region_end - stretch_start]
    depth, other, indels = allele_noise(args.bam, region_ref, contig, region_start, region_end)
    spikes = choose_spikes(region_ref, region_start, depth, other, indels, args.sites,
                           [float(v) for v in args.vafs.split(",")], rng, args.long_indels)

    # --- reads: split, spike the tumor half, pair up -----------------------------------------------------
    mates: dict[str, dict[str, dict[int, str]]] = {"TUMOR": {}, "NORMAL": {}}
    covering = {s: set() for s in spikes}
    carrying = {s: set() for s in spikes}
    positions = np.array([s.pos for s in spikes])
    with pysam.AlignmentFile(args.bam) as bam:
        for read in bam.fetch(until_eof=True):
            if read.is_secondary or read.is_supplementary or not read.is_paired or read.query_qualities is None:
                continue
            sample = "TUMOR" if half_of(read.query_name, args.salt) == 0 else "NORMAL"
            seq, qual = read.query_sequence, list(read.query_qualities)
            if sample == "TUMOR" and not read.is_unmapped:
                lo, hi = np.searchsorted(positions, [read.reference_start - 20, read.reference_end + 1])
                for spike in spikes[lo:hi]:
                    changed = apply_spike(read, spike, ref, stretch_start)
                    if changed is None:
                        continue
                    covering[spike].add(read.query_name)
                    if spiked(args.seed, spike, read.query_name):
                        carrying[spike].add(read.query_name)
                        seq, qual = changed   # a read spans one site at most (sites are 400 bp apart)
            mate = 1 if read.is_read1 else 2
            mates[sample].setdefault(read.query_name, {})[mate] = fastq_record(read.query_name, seq, qual,
                                                                               read.is_reverse)
    # a fragment can be both spiked and, on its other mate, not: when one mate's alignment cannot take it
    pairs = {s: {n: m for n, m in reads.items() if len(m) == 2} for s, reads in mates.items()}

    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_directory(out) as tmp:
        work = tmp / "work"
        work.mkdir()
        cmds: list[str] = []
        write_fasta(tmp / "ref.fa", name, ref)
        pysam.faidx(str(tmp / "ref.fa"))
        run("bwa index ref.fa", tmp, cmds)
        offset = region_start - stretch_start
        (tmp / "confident.bed").write_text(f"{name}\t{offset}\t{offset + region_end - region_start}\n")
        # as BAMSurgeon, a spike no fragment took is not in the truth
        vaf_of = {s: len(carrying[s]) / len(covering[s]) for s in spikes if carrying[s]}
        records = [(name, s.pos - stretch_start + 1, s.ref, s.alt,
                    f"VAF={vaf:.4f};TARGET_VAF={s.vaf:.4f};TYPE={'SNV' if s.kind == 'SNV' else 'INDEL'};"
                    f"CONTEXT={s.context}") for s, vaf in vaf_of.items()]
        header = vcf_header("genomeml-benchmark-real-spikein", {name: len(ref)}, [
            '##INFO=<ID=VAF,Number=1,Type=Float,Description="Fragments given the allele / tumor fragments whose '
            'alignment could take it">',
            '##INFO=<ID=TARGET_VAF,Number=1,Type=Float,Description="Chance of each such fragment to be given it">',
            '##INFO=<ID=TYPE,Number=1,Type=String,Description="SNV or INDEL">',
            '##INFO=<ID=CONTEXT,Number=1,Type=String,Description="homopolymer or other">'])
        write_vcf(tmp / "truth.somatic.vcf.gz",
                  header, [f"{c}\t{p}\t.\t{r}\t{a}\t.\tPASS\t{info}" for c, p, r, a, info in records])
        write_vcf(tmp / "truth.germline.vcf.gz", vcf_header("genomeml-benchmark-real-spikein", {name: len(ref)}, []),
                  [])
        for sample, reads in pairs.items():
            low = sample.lower()
            for mate in (1, 2):
                with open(work / f"{low}_{mate}.fq", "w") as fq:
                    for read_name in sorted(reads):
                        fq.write(reads[read_name][mate])
            rg = f"@RG\\tID:{sample}\\tSM:{sample}\\tPL:ILLUMINA\\tLB:{sample}_lib"
            run(f"bwa mem -t {args.threads} -K {BWA_BATCH} -R '{rg}' ref.fa work/{low}_1.fq work/{low}_2.fq "
                f"| samtools fixmate -m - - | samtools sort --no-PG -m 512M -o work/{low}.sorted.bam - "
                f"&& samtools markdup --no-PG -s work/{low}.sorted.bam {low}.bam 2> work/{low}.markdup.txt", tmp, cmds)
            run(f"samtools index {low}.bam", tmp, cmds)
        mean_depth = {}
        for sample in ("tumor", "normal"):
            cov = subprocess.run(["samtools", "coverage", "-H", "-r", f"{name}:{offset + 1}-{offset + 100_000}",
                                  f"{sample}.bam"], cwd=tmp, capture_output=True, text=True, check=True).stdout.split()
            mean_depth[sample] = float(cov[6])
        shutil.rmtree(work)
        summary = {"source_bam": args.bam, "source_ref": args.ref, "salt": args.salt, "seed": args.seed,
                   "long_indels": args.long_indels,
                   "contig": name, "region_in_source": f"{contig}:{region_start + 1}-{region_end}",
                   "spikes": {"snv": sum(s.kind == "SNV" for s in spikes),
                              "insertion": sum(s.kind == "INS" for s in spikes),
                              "deletion": sum(s.kind == "DEL" for s in spikes),
                              "homopolymer": sum(s.context == "homopolymer" for s in spikes),
                              "without_carrier (not in the truth)": len(spikes) - len(vaf_of),
                              "mean_truth_vaf": round(float(np.mean(list(vaf_of.values()))), 4)},
                   "vafs": args.vafs, "pairs": {k: len(v) for k, v in pairs.items()},
                   "mean_depth": mean_depth, "tools": tool_versions(), "genomeml": genomeml.__version__,
                   "commands": cmds, "seconds": round(time.time() - started, 1)}
        (tmp / "benchmark.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"make_spikein: {summary['spikes']}, depth {mean_depth}, {summary['seconds']} s -> {out}", file=sys.stderr)
    return summary


if __name__ == "__main__":
    main()
