#!/usr/bin/env python
"""Build the polishing benchmark: real sequence, an erroneous draft, pbsim-based HiFi reads aligned with minimap2.

    python benchmarks/polish/make_benchmark.py OUTDIR [--seed 1] [--region 20:10050001-10850000] [--contigs 4]

Independent of ``genomeml simulate`` (the training data): other sequence, another read
simulator (Debian's pbsim plus the layers of ``hifi_reads.py``), Debian's minimap2 binary,
a draft-error model of its own (below). Only ``genomeml evaluate assembly`` is shared, as
the scorer.

* **Truth.** Real hs37d5 sequence (``../shared/data/real/hs37d5_chr20_unittest.fa.gz``;
  real bases only at 20:9,995,001-11,095,000) 20:10,050,001-10,850,000, cut into
  ``--contigs`` equal contigs named ``20_<start>_<end>`` (1-based, inclusive). Training
  uses GRCh38 chr20:0-200,000 and synthetic genomes, so none of it is seen in training.
  Reads are simulated from the whole region plus 25 kb each side (one template), so
  contig ends are as well covered as the middle and reads that span two contigs align in
  parts (primary + supplementary), as at the ends of a real draft's contigs.
* **Draft errors** (``inject_draft_errors``): Poisson(rate x length) edits per contig,
  >= 100 bp apart and >= 1 kb from a contig end; kinds 50% homopolymer length (tract of
  >= 4 bp chosen with weight (L-3)^2, so long ones dominate; -1 55%, +1 35%, -2 / +2 5%
  each), 25% STR length (one unit; weight = copies; shorter 55%), 15% substitution
  (uniform), 10% other indel (1-10 bp, 60% of them 1-2 bp, insertion or deletion,
  outside tracts). Recorded as ``draft_errors.vcf.gz`` (on the draft: REF = draft
  allele, ALT = truth allele, INFO KIND) and ``draft_errors.tsv`` (truth and draft
  coordinates).
* **Reads.** ``hifi_reads.py``: pbsim 1.0.3 CLR mode (15 +- 4 kb, 5-25 kb), thinned to
  ~99.85% accuracy, systematic homopolymer/STR length errors in 3-45% of the reads of
  every tract (fraction per tract), HiFi-like qualities. Plus paralogous reads: one
  segment of 5-10 kb per contig, copied with 1.8% substitutions and 0.2% 1-3 bp indels
  and put between two 8 kb real flanks from 20:10,880,001-11,095,000 (sequence outside the
  truth and its padding), simulated at a depth that makes ~2% of all reads.
  Two read sets, each with its own pbsim seed: 30x and 20x. Reads are shuffled and named
  ``MOVIE/ZMW/ccs``; ``reads_origin.tsv.gz`` says where each came from (analysis only).
* **Alignment.** ``minimap2 -t 1 -ax map-hifi -R '@RG...' draft.fa reads.fastq.gz |
  samtools sort`` + ``samtools index`` (secondary and supplementary records kept, as
  minimap2 writes them).
* **Cases** (one directory each, all with truth.fa, draft.fa, reads.fastq.gz, reads.bam,
  draft_errors.*, reads_origin.tsv.gz, case.json):
  ``hifi30`` draft with 1 error / 3 kb, 30x; ``hifi20`` the same draft, 20x;
  ``perfect`` draft = truth, the 30x reads (do-no-harm); ``perfect20`` draft = truth,
  the 20x reads; ``hifi30_dense`` another draft with 1 error / 1.5 kb, the 30x reads.

OUTDIR/benchmark.json records parameters, seeds, tool versions, counts and timings. With
the same seed the build is byte-identical (reads, drafts, BAMs).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pysam

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import hifi_reads  # noqa: E402
from tracts import find_tracts, revcomp, write_fasta  # noqa: E402

from genomeml.io.atomic import atomic_directory  # noqa: E402
from genomeml.io.vcf import vcf_header, write_vcf  # noqa: E402

REPO = HERE.parents[1]
SOURCE = REPO.parent / "shared" / "data" / "real" / "hs37d5_chr20_unittest.fa.gz"
DEFAULT_REGION = "20:10050001-10850000"
FLANK_REGION = ("20", 10_880_000, 11_095_000)   # 0-based half-open, real, outside the truth
FLANK = 8000
PAD = 25_000                  # reads are simulated from the region +- PAD bp
PARALOG_SHARE = 0.02          # share of reads from paralog templates
PARALOG_SUBS, PARALOG_INDELS = 0.018, 0.002
END_MARGIN = 1000
ERROR_SPACING = 100
KINDS = ("homopolymer", "str", "substitution", "indel")
KIND_P = (0.50, 0.25, 0.15, 0.10)
MOVIE = "m84999_261123_000000_s1"
RG = r"@RG\tID:hifi\tSM:benchmark\tPL:PACBIO"
CASES = {  # name: (draft id or None for a perfect draft, read set)
    "hifi30": ("sparse", "30x"),
    "hifi20": ("sparse", "20x"),
    "perfect": (None, "30x"),
    "perfect20": (None, "20x"),
    "hifi30_dense": ("dense", "30x"),
}
DRAFTS = {"sparse": 1 / 3000, "dense": 1 / 1500}
READ_SETS = {"30x": 30.0, "20x": 20.0}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def sh(cmd: str, cwd: Path) -> str:
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"make_benchmark: failed ({proc.returncode}): {cmd}\n{proc.stderr[-3000:]}")
    return proc.stdout


def tool_versions() -> dict:
    def out(cmd: str) -> str:
        p = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, errors="replace")
        lines = (p.stdout + p.stderr).strip().splitlines()
        return lines[0] if lines else "?"
    return {"minimap2": out("minimap2 --version"), "samtools": out("samtools --version"),
            "pbsim": out("dpkg-query -W -f '${Version}' pbsim"), "racon": out("racon --version")}


# ----------------------------------------------------------------------------- draft errors
@dataclass(frozen=True)
class DraftError:
    contig: str
    truth_pos: int     # 0-based, anchor base included for indels
    truth_allele: str
    draft_allele: str
    kind: str
    draft_pos: int = -1

    @property
    def bases(self) -> int:
        return 1 if len(self.truth_allele) == len(self.draft_allele) else \
            abs(len(self.truth_allele) - len(self.draft_allele))


def inject_draft_errors(contig: str, truth: str, rate: float, rng: np.random.Generator) -> tuple[str, list[DraftError]]:
    hps, strs = find_tracts(truth, 4)
    hps = [t for t in hps if END_MARGIN < t.start and t.end < len(truth) - END_MARGIN]
    strs = [t for t in strs if END_MARGIN < t.start and t.end < len(truth) - END_MARGIN]
    hp_w = np.array([(t.length - 3) ** 2 for t in hps], float)
    str_w = np.array([t.copies for t in strs], float)
    in_tract = np.zeros(len(truth), bool)
    for t in hps + strs:
        in_tract[t.start:t.end] = True
    taken = np.zeros(len(truth), bool)
    n_target = int(rng.poisson(rate * len(truth)))
    edits: list[DraftError] = []
    for _ in range(50 * n_target + 100):
        if len(edits) >= n_target:
            break
        kind = KINDS[rng.choice(4, p=KIND_P)]
        if kind in ("homopolymer", "str"):
            pool, w = (hps, hp_w) if kind == "homopolymer" else (strs, str_w)
            t = pool[rng.choice(len(pool), p=w / w.sum())]
            if kind == "homopolymer":
                change = int(rng.choice([-1, 1, -2, 2], p=[0.55, 0.35, 0.05, 0.05]))
            else:
                change = -1 if rng.random() < 0.55 else 1
            if -change >= t.copies:
                continue
            anchor = t.start - 1
            if change < 0:   # draft lacks |change| units
                truth_allele = truth[anchor:t.start + len(t.unit) * -change]
                draft_allele = truth[anchor]
            else:
                truth_allele = truth[anchor]
                draft_allele = truth[anchor] + t.unit * change
            span = (anchor, t.end)
        elif kind == "substitution":
            pos = int(rng.integers(END_MARGIN, len(truth) - END_MARGIN))
            if truth[pos] not in "ACGT":
                continue
            truth_allele = truth[pos]
            draft_allele = str(rng.choice([b for b in "ACGT" if b != truth_allele]))
            anchor, span = pos, (pos, pos + 1)
        else:
            size = int(rng.choice([1, 2], p=[0.6, 0.4])) if rng.random() < 0.6 else int(rng.integers(3, 11))
            anchor = int(rng.integers(END_MARGIN, len(truth) - END_MARGIN - size))
            span = (anchor, anchor + size + 2)
            if in_tract[span[0]:span[1]].any():
                continue
            if rng.random() < 0.5:   # draft lacks truth bases
                truth_allele, draft_allele = truth[anchor:anchor + 1 + size], truth[anchor]
            else:
                ins = "".join(rng.choice(list("ACGT"), size))
                truth_allele, draft_allele = truth[anchor], truth[anchor] + ins
        lo, hi = span[0] - ERROR_SPACING, span[1] + ERROR_SPACING
        if "N" in truth[lo:hi] or taken[lo:hi].any():
            continue
        taken[lo:hi] = True
        edits.append(DraftError(contig, anchor, truth_allele, draft_allele, kind))
    edits.sort(key=lambda e: e.truth_pos)
    pieces, cursor, shift, placed = [], 0, 0, []
    for e in edits:
        pieces += [truth[cursor:e.truth_pos], e.draft_allele]
        cursor = e.truth_pos + len(e.truth_allele)
        placed.append(DraftError(e.contig, e.truth_pos, e.truth_allele, e.draft_allele, e.kind, e.truth_pos + shift))
        shift += len(e.draft_allele) - len(e.truth_allele)
    pieces.append(truth[cursor:])
    return "".join(pieces), placed


def diverge(seq: str, rng: np.random.Generator) -> str:
    """A paralogous copy: substitutions and 1-3 bp indels at the PARALOG_* rates."""
    out, i = [], 0
    while i < len(seq):
        u = rng.random()
        if u < PARALOG_SUBS:
            out.append(str(rng.choice([b for b in "ACGT" if b != seq[i]])))
            i += 1
        elif u < PARALOG_SUBS + PARALOG_INDELS / 2:
            i += int(rng.integers(1, 4))                           # deletion
        elif u < PARALOG_SUBS + PARALOG_INDELS:
            out.append("".join(rng.choice(list("ACGT"), int(rng.integers(1, 4)))) + seq[i])   # insertion
            i += 1
        else:
            out.append(seq[i])
            i += 1
    return "".join(out)


# ----------------------------------------------------------------------------- outputs
def errors_vcf(path: Path, errors: list[DraftError], draft: dict[str, str]) -> None:
    header = vcf_header("genomeml-benchmarks-polish", {k: len(v) for k, v in draft.items()}, [
        "##reference=draft.fa",
        '##INFO=<ID=KIND,Number=1,Type=String,Description="homopolymer, str, substitution or indel">',
        '##INFO=<ID=TRUTHPOS,Number=1,Type=Integer,Description="1-based position of the edit on the truth contig">',
        "##comment=REF is the draft allele, ALT the truth allele: applying every record turns the draft "
        "into the truth"])
    body = [f"{e.contig}\t{e.draft_pos + 1}\t.\t{e.draft_allele}\t{e.truth_allele}\t.\tPASS\t"
            f"KIND={e.kind};TRUTHPOS={e.truth_pos + 1}"
            for e in sorted(errors, key=lambda e: (list(draft).index(e.contig), e.draft_pos))]
    write_vcf(path, header, body)


def errors_tsv(path: Path, errors: list[DraftError]) -> None:
    with open(path, "w") as handle:
        handle.write("contig\ttruth_pos0\tdraft_pos0\ttruth_allele\tdraft_allele\tkind\n")
        for e in errors:
            handle.write(f"{e.contig}\t{e.truth_pos}\t{e.draft_pos}\t{e.truth_allele}\t{e.draft_allele}\t{e.kind}\n")


def error_summary(errors: list[DraftError], total_bases: int) -> dict:
    by_kind = {k: sum(e.kind == k for e in errors) for k in KINDS}
    subs = sum(len(e.truth_allele) == len(e.draft_allele) for e in errors)
    ins = sum(len(e.draft_allele) > len(e.truth_allele) for e in errors)   # draft has extra bases
    dels = sum(len(e.draft_allele) < len(e.truth_allele) for e in errors)
    return {"events": len(errors), "bases": sum(e.bases for e in errors), "by_kind": by_kind,
            "substitutions": subs, "insertions": ins, "deletions": dels,
            "per_kb": round(len(errors) / total_bases * 1000, 3),
            "kb_per_error": round(total_bases / max(1, len(errors)) / 1000, 2)}


def link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="output directory (must not exist or be empty)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--region", default=DEFAULT_REGION, help="contig:start-end of the hs37d5 test FASTA, 1-based")
    ap.add_argument("--contigs", type=int, default=4, help="cut the region into this many equal truth contigs")
    ap.add_argument("--cases", default=",".join(CASES), help="subset of: " + ",".join(CASES))
    ap.add_argument("--keep-work", action="store_true", help="keep pbsim outputs in OUTDIR/work")
    args = ap.parse_args(argv)
    for tool in ("pbsim", "minimap2", "samtools"):
        if shutil.which(tool) is None:
            sys.exit(f"make_benchmark: {tool} not found (run benchmarks/polish/install_tools.sh)")
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        sys.exit(f"make_benchmark: {out} exists and is not empty")
    cases = [c for c in args.cases.split(",") if c]
    if unknown := set(cases) - set(CASES):
        sys.exit(f"make_benchmark: unknown cases {sorted(unknown)}")
    started = time.time()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.time()
        timings[name] = round(now - since, 1)
        log(f"[{timings[name]:6.1f} s] {name}")
        return now

    # --- truth ---------------------------------------------------------------------------------
    src_contig, _, span = args.region.partition(":")
    start1, end1 = (int(x) for x in span.replace(",", "").split("-"))
    with pysam.FastaFile(str(SOURCE)) as fa:
        padded_seq = fa.fetch(src_contig, start1 - 1 - PAD, end1 + PAD).upper()
        flank_seq = fa.fetch(FLANK_REGION[0], FLANK_REGION[1], FLANK_REGION[2]).upper()
    if set(padded_seq) - set("ACGT") or len(padded_seq) != end1 - start1 + 1 + 2 * PAD:
        sys.exit(f"make_benchmark: {args.region} +- {PAD} bp is not all A/C/G/T")
    region_seq = padded_seq[PAD:-PAD]
    size = len(region_seq) // args.contigs
    truth = {f"{src_contig}_{start1 + i * size}_{start1 + (i + 1) * size - 1}": region_seq[i * size:(i + 1) * size]
             for i in range(args.contigs)}
    total = sum(map(len, truth.values()))
    seeds = np.random.SeedSequence(args.seed).spawn(8)
    profile_rng, paralog_rng, draft_rng, layer_rng, name_rng = (np.random.default_rng(s) for s in seeds[:5])
    pbsim_seeds = {rs: int(s.generate_state(1)[0] % 1_000_000_000) + 1
                   for rs, s in zip(READ_SETS, seeds[5].spawn(len(READ_SETS)))}
    paralog_pbsim_seeds = {rs: int(s.generate_state(1)[0] % 1_000_000_000) + 1
                           for rs, s in zip(READ_SETS, seeds[6].spawn(len(READ_SETS)))}

    # --- paralog templates ---------------------------------------------------------------------
    paralogs: dict[str, str] = {}
    paralog_info = []
    for i, (name, seq) in enumerate(truth.items()):
        length = int(paralog_rng.integers(5000, 10001))
        pos = int(paralog_rng.integers(10_000, len(seq) - 10_000 - length))
        copy = diverge(seq[pos:pos + length], paralog_rng)
        if paralog_rng.random() < 0.5:
            copy = revcomp(copy)
        left = flank_seq[(2 * i) * FLANK:(2 * i + 1) * FLANK]
        right = flank_seq[(2 * i + 1) * FLANK:(2 * i + 2) * FLANK]
        paralogs[f"paralog{i + 1}"] = left + copy + right
        paralog_info.append({"template": f"paralog{i + 1}", "source": name, "start0": pos, "end0": pos + length,
                             "copy_length": len(copy)})
    paralog_total = sum(map(len, paralogs.values()))

    # --- systematic-error profiles (one per template, shared by every read set) ----------------
    t = time.time()
    templates = []
    # reads come from the whole region plus PAD bp each side, so contig ends are covered like the
    # middle (reads spanning two contigs align in parts, as at the ends of a real draft's contigs)
    region_name = f"{src_contig}_{start1 - PAD}_{end1 + PAD}"
    for name, seq in {region_name: padded_seq, **paralogs}.items():
        tracts, mask = hifi_reads.systematic_profile(seq, profile_rng)
        templates.append(hifi_reads.Template(name, seq, tracts, mask, paralog=name in paralogs))
    truth_templates = [x for x in templates if not x.paralog]
    paralog_templates = [x for x in templates if x.paralog]
    core = [tr for tr in truth_templates[0].tracts if PAD <= tr.start and tr.end <= PAD + len(region_seq)]
    fractions = np.array([tr.fraction for tr in core])
    profile_stats = {
        "tracts": int(len(fractions)),
        "homopolymers_ge6": sum(len(tr.unit) == 1 for tr in core),
        "strs": sum(len(tr.unit) > 1 for tr in core),
        "fraction_percentiles_5_25_50_75_95": [round(float(v), 3)
                                               for v in np.percentile(fractions, [5, 25, 50, 75, 95])],
        "tracts_with_fraction_ge_0.4": int((fractions >= 0.4).sum()),
        "shorter_share": round(float(np.mean([tr.direction < 0 for tr in core])), 3),
    }
    t = lap("truth, paralogs, systematic profiles", t)

    # --- drafts -----------------------------------------------------------------------------------
    drafts: dict[str, tuple[dict[str, str], list[DraftError]]] = {}
    for draft_id, rate in DRAFTS.items():
        rng = np.random.default_rng(draft_rng.integers(2 ** 32))
        seqs, errors = {}, []
        for name, seq in truth.items():
            seqs[name], errs = inject_draft_errors(name, seq, rate, rng)
            errors += errs
        drafts[draft_id] = (seqs, errors)

    summary: dict = {
        "command": " ".join([sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "seed": args.seed, "source": str(SOURCE), "region": args.region,
        "truth_contigs": {k: len(v) for k, v in truth.items()}, "truth_bases": total,
        "paralogs": paralog_info, "paralog_share_target": PARALOG_SHARE,
        "systematic_profile": profile_stats, "pbsim_args": hifi_reads.PBSIM_ARGS,
        "pbsim_seeds": pbsim_seeds, "paralog_pbsim_seeds": paralog_pbsim_seeds,
        "keep_range": hifi_reads.KEEP_RANGE, "tools": tool_versions(),
        "drafts": {d: {"rate_per_kb": round(DRAFTS[d] * 1000, 3), **error_summary(drafts[d][1], total)}
                   for d in drafts},
        "read_sets": {}, "cases": {},
    }

    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_directory(out) as tmp:
        work = tmp / "work"
        # --- read sets --------------------------------------------------------------------------
        needed = sorted({CASES[c][1] for c in cases}, key=list(READ_SETS).index)
        for rs in needed:
            depth = READ_SETS[rs]
            reads = hifi_reads.simulate(truth_templates, depth, pbsim_seeds[rs], work / rs / "truth", layer_rng)
            paralog_depth = round(PARALOG_SHARE / (1 - PARALOG_SHARE) * depth * len(padded_seq) / paralog_total, 3)
            preads = hifi_reads.simulate(paralog_templates, paralog_depth, paralog_pbsim_seeds[rs],
                                         work / rs / "paralog", layer_rng)
            reads = hifi_reads.name_reads(reads + preads, name_rng, MOVIE)
            rdir = tmp / "reads" / rs
            rdir.mkdir(parents=True)
            hifi_reads.write_fastq_gz(rdir / "reads.fastq.gz", reads)
            hifi_reads.write_origins(rdir / "reads_origin.tsv.gz", reads)
            truth_reads = [r for r in reads if not r.paralog]
            bases = sum(len(r.seq) for r in truth_reads)
            summary["read_sets"][rs] = {
                "depth": depth, "paralog_depth": paralog_depth, "reads": len(reads),
                "paralog_reads": len(preads), "paralog_read_share": round(len(preads) / len(reads), 4),
                "mean_length": round(float(np.mean([len(r.seq) for r in reads])), 1),
                "template_read_depth": round(bases / len(padded_seq), 2),
                "random_errors_per_kb": round(sum(r.random_errors for r in truth_reads) / bases * 1000, 3),
                "systematic_edits_per_kb": round(sum(r.systematic_edits for r in truth_reads) / bases * 1000, 3),
            }
            t = lap(f"reads {rs} ({len(reads)} reads, {len(preads)} paralog)", t)

        # --- cases --------------------------------------------------------------------------------
        for case in cases:
            draft_id, rs = CASES[case]
            cdir = tmp / case
            cdir.mkdir()
            draft, errors = drafts[draft_id] if draft_id else (truth, [])
            write_fasta(cdir / "truth.fa", truth)
            write_fasta(cdir / "draft.fa", draft)
            pysam.faidx(str(cdir / "truth.fa"))
            pysam.faidx(str(cdir / "draft.fa"))
            errors_vcf(cdir / "draft_errors.vcf.gz", errors, draft)
            errors_tsv(cdir / "draft_errors.tsv", errors)
            for f in ("reads.fastq.gz", "reads_origin.tsv.gz"):
                link_or_copy(tmp / "reads" / rs / f, cdir / f)
            align = (f"minimap2 -t 1 -ax map-hifi -R '{RG}' draft.fa reads.fastq.gz 2> minimap2.log "
                     f"| samtools sort --no-PG -o reads.bam - && samtools index reads.bam")
            t0 = time.time()
            sh(align, cdir)
            flag = json.loads(sh("samtools flagstat -O json reads.bam", cdir))["QC-passed reads"]
            cov = sh("samtools coverage -H reads.bam", cdir).split("\n")
            depths = [float(row.split()[6]) for row in cov if row.strip()]
            info = {"draft": draft_id or "truth", "read_set": rs, "depth": READ_SETS[rs],
                    "draft_bases": sum(map(len, draft.values())),
                    "draft_errors": error_summary(errors, total),
                    "alignment": {"command": align, "seconds": round(time.time() - t0, 1),
                                  "primary_mapped": flag["primary mapped"], "secondary": flag["secondary"],
                                  "supplementary": flag["supplementary"], "primary": flag["primary"],
                                  "mean_depth_per_contig": depths}}
            (cdir / "case.json").write_text(json.dumps(info, indent=2) + "\n")
            summary["cases"][case] = info
            t = lap(f"case {case}: minimap2 + sort ({info['alignment']['seconds']} s)", t)
        if not args.keep_work:
            shutil.rmtree(work)
        summary["timings"] = timings
        summary["seconds"] = round(time.time() - started, 1)
        (tmp / "benchmark.json").write_text(json.dumps(summary, indent=2) + "\n")
    log(f"done in {summary['seconds']} s: {out}")
    return summary


if __name__ == "__main__":
    main()
