#!/usr/bin/env python
"""Build an independent somatic benchmark: art_illumina reads aligned with bwa mem (or bowtie2).

Nothing here uses genomeml's own read simulator or aligner (mappy), so a caller
trained on ``genomeml simulate`` data is measured on reads it has never seen the
like of. Only the truth (where germline and somatic variants go, with which
contexts) comes from ``genomeml.simulate.variants``.

Subclones. art_illumina samples reads from FASTA haplotypes, so a variant allele
fraction cannot be drawn per read. The tumor is a chain of nested cell populations
instead: clone level k has cancer cell fraction CCF_k (``--ccf-levels``, decreasing,
1.0 = clonal); each somatic variant is assigned to the level whose expected VAF
(purity * CCF / 2 for a heterozygous site) is nearest, in log scale, to the VAF that
``place_somatic`` drew. Tumor cells of population k (a fraction purity *
(CCF_k - CCF_k+1) of the sample) carry the somatic variants of levels 0..k; the
normal cells in the tumor (1 - purity) carry germline variants only. Each
population's two haplotypes get art_illumina coverage depth * fraction / 2, so a
variant of level j is on a fraction purity * CCF_j / 2 of the tumor reads: exactly
the INFO/VAF of the truth.

Outputs in --out: ref.fa (+ .fai and bwa index; one contig named
``<contig>_<start>_<end>`` holding the region, 1-based inclusive), tumor.bam and
normal.bam (+ .bai; read groups TUMOR / NORMAL), truth.somatic.vcf.gz (INFO VAF,
CCF, TYPE, CONTEXT, HAP), truth.germline.vcf.gz (GT), confident.bed (N-free
stretches) and benchmark.json (parameters, seeds, tool versions, commands, counts,
measured depths, timings).

    python benchmarks/somatic/make_benchmark.py --out bench/hs37d5_60x40x --seed 1
    python benchmarks/somatic/make_benchmark.py --out bench/hs37d5_30x30x --seed 1 --depths 30,30
    python benchmarks/somatic/make_benchmark.py --out bench/grch38_60x40x --seed 1 \\
        --ref ../shared/data/GRCh38_chr20_0_200000.fa --region chr20:130001-200000
    python benchmarks/somatic/make_benchmark.py --out bench/hs37d5_60x40x_bowtie2 --seed 1 --aligner bowtie2

``--simulator dwgsim`` draws the reads with dwgsim instead of art_illumina (per-read substitution
errors rising along the read, 0.1-1% on read 1 and 0.2-1.5% on read 2, qualities to match, no indel
errors, no mutations of its own: -r 0), with the same haplotypes, depths and fragment sizes.

``--simulator iss`` draws them with InSilicoSeq's pre-computed error model of a real run (``--iss-model``,
default NovaSeq: 2x150, qualities binned to Q11/25/37 as NovaSeq reports them, ~0.2% substitution errors;
MiSeq with --read-length 301: 2x301, so mates overlap), fragments around the same mean and SD.
InSilicoSeq comes from PyPI, not Debian: install_tools.sh puts it in a venv of its own (ISS_VENV),
where this script finds it.

``--aligner bowtie2`` aligns the same reads (same seed, same art runs) with bowtie2 in its default
end-to-end mode: no soft clips, so a read that ends just past an indel shows it as mismatches, as
no training pair of genomeml's (minimap2 or bwa mem, both local) does. The truth is unchanged,
so the set pairs with the bwa set of the same seed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pysam

import genomeml
import genomeml.simulate.variants as variants_module
from genomeml.io.atomic import atomic_directory
from genomeml.io.vcf import vcf_header, write_vcf
from genomeml.simulate.genome import n_free_intervals
from genomeml.simulate.variants import Variant, place_germline, place_somatic

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO.parent / "shared" / "data"
DEFAULT_REF = SHARED_DATA / "real" / "hs37d5_chr20_unittest.fa.gz"
# hs37d5_chr20_unittest.fa.gz holds real sequence only at 20:9,995,001-11,095,000 and
# 20:59,776,001-60,001,000 (the rest is N). 20:10,000,001-10,100,000 is reserved for the
# real-reads check (make_real_split.py): the default region starts 100 kb after it.
DEFAULT_REGION = "20:10200001-10950000"
# expected VAF at purity 0.8: 0.4, 0.28, 0.192, 0.132, 0.092, 0.064, 0.044, 0.03 (none on a VAF-bin edge)
DEFAULT_CCF_LEVELS = (1.0, 0.7, 0.48, 0.33, 0.23, 0.16, 0.11, 0.075)
READ_LENGTH = 150
ART_PROFILE = "HSXt"       # HiSeq X TruSeq, 2x150
FRAGMENT_MEAN, FRAGMENT_SD = 400, 60
DWGSIM_ERRORS = "-e 0.001-0.01 -E 0.002-0.015"   # read 1, read 2: substitution rate from 5' to 3' end
ISS_VENV = Path.home() / ".local" / "share" / "genomeml-bench" / "iss"   # install_tools.sh puts InSilicoSeq here
BWA_BATCH = 100_000_000    # bwa mem -K: batch size fixed, so output does not depend on -t


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(cmd: str, cwd: Path, record: list | None = None) -> None:
    """Run a shell command (bash, pipefail) in ``cwd``; stop with its stderr on failure."""
    if record is not None:
        record.append(cmd)
    proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        sys.exit(f"make_benchmark: command failed ({proc.returncode}): {cmd}\n{proc.stderr[-3000:]}")


def tool_versions() -> dict:
    def first_line(cmd: str, match: str = "") -> str:
        out = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, errors="replace")
        lines = [l.strip() for l in (out.stdout + out.stderr).splitlines() if match.lower() in l.lower() and l.strip()]
        return lines[0] if lines else "?"
    iss = iss_binary()
    return {"art_illumina": first_line("art_illumina", "Version"), "bwa": first_line("bwa", "Version"),
            "bowtie2": first_line("bowtie2 --version", "version") if shutil.which("bowtie2") else "-",
            "dwgsim": first_line("dwgsim", "Version") if shutil.which("dwgsim") else "-",
            "iss": first_line(f"{iss} --version", "version") if iss else "-",
            "samtools": first_line("samtools --version"), "pysam": pysam.__version__}


def iss_binary() -> str | None:
    """InSilicoSeq's ``iss``: on PATH, or in the venv install_tools.sh makes (it needs its own scipy/biopython)."""
    found = shutil.which("iss")
    if found:
        return found
    venv = ISS_VENV / "bin" / "iss"
    return str(venv) if venv.exists() else None


def parse_region(text: str, fasta: pysam.FastaFile) -> tuple[str, int, int]:
    contig, _, span = text.partition(":")
    if contig not in fasta.references:
        sys.exit(f"make_benchmark: contig {contig!r} is not in the reference")
    length = fasta.get_reference_length(contig)
    if not span:
        return contig, 0, length
    start, _, end = span.replace(",", "").partition("-")
    start0, end0 = int(start) - 1, int(end) if end else length
    if not 0 <= start0 < end0 <= length:
        sys.exit(f"make_benchmark: region {text} is outside {contig} (1-{length})")
    return contig, start0, end0


def write_fasta(path: Path, name: str, seq: str, width: int = 60) -> None:
    with open(path, "w") as handle:
        handle.write(f">{name}\n")
        for i in range(0, len(seq), width):
            handle.write(seq[i:i + width] + "\n")


def apply_variants(seq: str, variants: list[Variant]) -> str:
    """The sequence with these (non-overlapping) variants' ALT alleles in place of their REF."""
    pieces, cursor = [], 0
    for v in sorted(variants, key=lambda v: v.pos):
        if seq[v.pos:v.end] != v.ref or v.pos < cursor:
            raise AssertionError(f"variant {v} does not fit the sequence")
        pieces += [seq[cursor:v.pos], v.alt]
        cursor = v.end
    pieces.append(seq[cursor:])
    return "".join(pieces)


def assign_levels(somatic: list[Variant], levels: list[float], purity: float) -> list[int]:
    """Index of the CCF level whose expected VAF is nearest (log scale) to each drawn VAF."""
    log_vafs = np.log([purity * c / 2 for c in levels])
    return [int(np.argmin(np.abs(log_vafs - np.log(v.vaf)))) for v in somatic]


def populations(levels: list[float], purity: float) -> list[tuple[str, float, int]]:
    """(name, fraction of the tumor sample, highest somatic level carried or -1) per cell population."""
    pops = [("T_normal", (1 - purity) + purity * (1 - levels[0]), -1)]
    for k, ccf in enumerate(levels):
        nxt = levels[k + 1] if k + 1 < len(levels) else 0.0
        pops.append((f"T_clone{k}", purity * (ccf - nxt), k))
    return [p for p in pops if p[1] > 1e-12]


def somatic_vcf(path: Path, contig: str, length: int, somatic: list[Variant], level_of: list[int],
                levels: list[float], purity: float) -> None:
    header = vcf_header("genomeml-benchmark-art-bwa", {contig: length}, [
        '##INFO=<ID=VAF,Number=1,Type=Float,Description="Expected fraction of tumor reads carrying the allele '
        '(purity * CCF / 2)">',
        '##INFO=<ID=CCF,Number=1,Type=Float,Description="Cancer cell fraction of the clone carrying it">',
        '##INFO=<ID=TYPE,Number=1,Type=String,Description="SNV or INDEL">',
        '##INFO=<ID=CONTEXT,Number=1,Type=String,Description="homopolymer, str, near_germline or other">',
        '##INFO=<ID=HAP,Number=1,Type=Integer,Description="Haplotype (0 or 1) carrying the mutation">',
        f"##purity={purity}"])
    body = []
    for v, k in sorted(zip(somatic, level_of), key=lambda p: p[0].pos):
        ccf = levels[k]
        body.append(f"{contig}\t{v.pos + 1}\t.\t{v.ref}\t{v.alt}\t.\tPASS\tVAF={purity * ccf / 2:.4f};CCF={ccf:.4f};"
                    f"TYPE={'SNV' if v.is_snv else 'INDEL'};CONTEXT={v.context};HAP={v.haplotypes[0]}")
    write_vcf(path, header, body)


def germline_vcf(path: Path, contig: str, length: int, germline: list[Variant]) -> None:
    header = vcf_header("genomeml-benchmark-art-bwa", {contig: length}, [
        '##INFO=<ID=CONTEXT,Number=1,Type=String,Description="homopolymer, str or other">',
        '##FORMAT=<ID=GT,Number=1,Type=String,Description="Phased genotype">'], samples=["TRUTH"])
    body = [f"{contig}\t{v.pos + 1}\t.\t{v.ref}\t{v.alt}\t.\tPASS\tCONTEXT={v.context}\tGT\t{v.genotype}"
            for v in germline]
    write_vcf(path, header, body)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="output directory (must not exist or be empty)")
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--ref", default=str(DEFAULT_REF), help="FASTA (plain or bgzipped + .fai)")
    ap.add_argument("--region", default=None, help=f"contig:start-end, 1-based inclusive (default {DEFAULT_REGION} "
                                                   "for the default --ref, else the first contig)")
    ap.add_argument("--tumor-depth", type=float, default=60.0)
    ap.add_argument("--normal-depth", type=float, default=40.0)
    ap.add_argument("--depths", default=None, help="TUMOR,NORMAL shorthand, e.g. 30,30 (overrides the two above)")
    ap.add_argument("--purity", type=float, default=0.8)
    ap.add_argument("--ccf-levels", default=",".join(map(str, DEFAULT_CCF_LEVELS)),
                    help="decreasing cancer cell fractions of the nested clones")
    ap.add_argument("--germline-rate", type=float, default=1e-3)
    ap.add_argument("--somatic-rate", type=float, default=5e-4)
    ap.add_argument("--min-vaf", type=float, default=None,
                    help="lowest VAF place_somatic draws (default purity * lowest CCF / 2 = 0.03)")
    ap.add_argument("--threads", type=int, default=2, help="bwa mem -t / bowtie2 -p")
    ap.add_argument("--read-length", type=int, default=READ_LENGTH)
    ap.add_argument("--art-profile", default=ART_PROFILE,
                    help="art_illumina -ss (HSXt: HiSeq X 2x150; HS20: HiSeq 2000 up to 2x100; MSv3: MiSeq up to 2x250)")
    ap.add_argument("--simulator", choices=("art", "dwgsim", "iss"), default="art",
                    help="art_illumina (default; --art-profile), dwgsim or InSilicoSeq (--iss-model)")
    ap.add_argument("--iss-model", default="NovaSeq",
                    help="InSilicoSeq error model (NovaSeq, HiSeq, NextSeq, MiSeq). The model fixes the read length; "
                         "give it as --read-length so depths come out right (NovaSeq 150, MiSeq 301)")
    ap.add_argument("--aligner", choices=("bwa", "bowtie2"), default="bwa",
                    help="bwa mem (default) or bowtie2 in end-to-end mode")
    ap.add_argument("--no-markdup", action="store_true", help="skip samtools markdup")
    ap.add_argument("--keep-intermediate", action="store_true", help="keep haplotype FASTAs and FASTQs in work/")
    args = ap.parse_args(argv)

    started = time.time()
    timings: dict[str, float] = {}

    def lap(name: str, since: float) -> float:
        now = time.time()
        timings[name] = round(now - since, 1)
        log(f"[{timings[name]:7.1f} s] {name}")
        return now

    if args.depths:
        args.tumor_depth, args.normal_depth = (float(x) for x in args.depths.split(","))
    levels = sorted((float(x) for x in args.ccf_levels.split(",")), reverse=True)
    if not all(0 < c <= 1 for c in levels) or len(set(levels)) != len(levels):
        sys.exit("make_benchmark: --ccf-levels must be distinct fractions in (0, 1]")
    if not 0 < args.purity <= 1:
        sys.exit("make_benchmark: --purity must be in (0, 1]")
    min_vaf = args.min_vaf if args.min_vaf is not None else round(args.purity * levels[-1] / 2, 6)
    iss = iss_binary()
    if args.simulator == "iss" and iss is None:
        sys.exit(f"make_benchmark: iss not found on PATH or in {ISS_VENV} (run benchmarks/somatic/install_tools.sh)")
    needed = {"art": ("art_illumina",), "dwgsim": ("dwgsim",), "iss": ()}[args.simulator] + ("bwa", "samtools")
    for tool in needed + (("bowtie2",) if args.aligner == "bowtie2" else ()):
        if shutil.which(tool) is None:
            sys.exit(f"make_benchmark: {tool} not found (run benchmarks/somatic/install_tools.sh)")
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        sys.exit(f"make_benchmark: {out} exists and is not empty")

    with pysam.FastaFile(args.ref) as fasta:
        region = args.region or (DEFAULT_REGION if Path(args.ref).resolve() == DEFAULT_REF.resolve()
                                 else fasta.references[0])
        src_contig, start0, end0 = parse_region(region, fasta)
        seq = fasta.fetch(src_contig, start0, end0).upper()
    seq = "".join(b if b in "ACGT" else "N" for b in seq) if set(seq) - set("ACGTN") else seq
    contig = f"{src_contig}_{start0 + 1}_{end0}"
    confident = n_free_intervals(seq, 1)
    n_free = sum(e - s for s, e in confident)
    if n_free < 10_000:
        sys.exit(f"make_benchmark: region {region} has only {n_free} bases without N")
    log(f"region {src_contig}:{start0 + 1}-{end0} -> contig {contig}: {len(seq)} bp, {n_free} without N")

    # --- truth -------------------------------------------------------------------------------------------
    t = time.time()
    seed_seq = np.random.SeedSequence(args.seed)
    variant_seed, art_seed = seed_seq.spawn(2)
    rng = np.random.default_rng(variant_seed)
    germline, occupancy = place_germline(seq, contig, confident, args.germline_rate, rng)
    somatic = place_somatic(seq, contig, args.somatic_rate, rng, occupancy, germline, args.purity, min_vaf)
    level_of = assign_levels(somatic, levels, args.purity)
    pops = populations(levels, args.purity)
    t = lap("place variants", t)

    summary: dict = {
        "command": " ".join(shlex.quote(a) for a in [sys.argv[0], *(argv if argv is not None else sys.argv[1:])]),
        "seed": args.seed, "source_ref": str(args.ref), "source_region": f"{src_contig}:{start0 + 1}-{end0}",
        "contig": contig, "contig_offset": start0, "length": len(seq), "confident_bases": n_free,
        "tumor_depth": args.tumor_depth, "normal_depth": args.normal_depth, "purity": args.purity,
        "ccf_levels": levels, "vaf_levels": [round(args.purity * c / 2, 4) for c in levels],
        "germline_rate": args.germline_rate, "somatic_rate": args.somatic_rate, "min_vaf_drawn": min_vaf,
        "art": {"profile": args.art_profile, "read_length": args.read_length, "fragment_mean": FRAGMENT_MEAN,
                "fragment_sd": FRAGMENT_SD},
        "simulator": args.simulator, "dwgsim_errors": DWGSIM_ERRORS if args.simulator == "dwgsim" else None,
        "iss_model": args.iss_model if args.simulator == "iss" else None,
        "aligner": args.aligner, "markdup": not args.no_markdup, "tools": tool_versions(),
        # the truth depends on genomeml's variant placement: a changed module changes the set
        "genomeml_version": genomeml.__version__,
        "variants_module_sha256": hashlib.sha256(Path(variants_module.__file__).read_bytes()).hexdigest()[:16],
        "germline_variants": len(germline),
        "somatic_variants": len(somatic),
        "somatic_snvs": sum(v.is_snv for v in somatic),
        "somatic_indels": sum(not v.is_snv for v in somatic),
        "somatic_by_context": {c: sum(v.context == c for v in somatic)
                               for c in ("homopolymer", "str", "near_germline", "other")},
        "somatic_by_vaf": {f"{args.purity * levels[k] / 2:.4f}": level_of.count(k) for k in range(len(levels))},
        "tumor_populations": [{"name": n, "fraction": round(f, 6), "carries_levels_up_to": top}
                              for n, f, top in pops],
        "commands": [],
    }
    log(f"{len(germline)} germline, {len(somatic)} somatic ({summary['somatic_snvs']} SNV, "
        f"{summary['somatic_indels']} indel); per VAF {summary['somatic_by_vaf']}")

    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_directory(out) as tmp:   # nothing half-written survives a failure
        work = tmp / "work"
        work.mkdir()
        cmds = summary["commands"]
        # --- reference -----------------------------------------------------------------------------------
        write_fasta(tmp / "ref.fa", contig, seq)
        pysam.faidx(str(tmp / "ref.fa"))
        run("bwa index ref.fa", tmp, cmds)
        if args.aligner == "bowtie2":
            run("bowtie2-build -q --seed 1 --threads 1 ref.fa work/ref", tmp, cmds)
        with open(tmp / "confident.bed", "w") as bed:
            for s, e in confident:
                bed.write(f"{contig}\t{s}\t{e}\n")
        somatic_vcf(tmp / "truth.somatic.vcf.gz", contig, len(seq), somatic, level_of, levels, args.purity)
        germline_vcf(tmp / "truth.germline.vcf.gz", contig, len(seq), germline)
        t = lap("reference, bwa index, truth VCFs", t)

        # --- haplotypes and art_illumina reads -------------------------------------------------------------
        # one art run per (population, haplotype), each with its own seed: art with the same seed on
        # sequences of the same length draws the same fragment positions
        samples = {"TUMOR": [(n, f * args.tumor_depth, top) for n, f, top in pops],
                   "NORMAL": [("N_normal", args.normal_depth, -1)]}
        runs = [(sample, name, hap, depth, top) for sample, plist in samples.items()
                for name, depth, top in plist for hap in (0, 1)]
        art_seeds = [int(s.generate_state(1)[0] % 2_000_000_000) + 1 for s in art_seed.spawn(len(runs))]
        fastqs: dict[str, list[str]] = {"TUMOR": [], "NORMAL": []}
        summary["art_runs"] = []
        for (sample, name, hap, depth, top), rs in zip(runs, art_seeds):
            carried = [v for v in germline if hap in v.haplotypes]
            carried += [v for v, k in zip(somatic, level_of) if k <= top and hap in v.haplotypes]
            tag = f"{name}h{hap}"
            write_fasta(work / f"{tag}.fa", tag, apply_variants(seq, carried))
            # a haplotype gets half the population's depth (art's -f counts the bases of both mates)
            fold = depth / 2
            if args.simulator == "art":
                run(f"art_illumina -ss {args.art_profile} -p -l {args.read_length} -m {FRAGMENT_MEAN} -s {FRAGMENT_SD} "
                    f"-f {fold:.6f} -rs {rs} -na -q -i {tag}.fa -o {tag}_", work, cmds)
            elif args.simulator == "iss":   # -n counts the reads of both mates; one CPU: same reads whatever the machine
                n_reads = 2 * max(1, round(fold * len(seq) / (2 * args.read_length)))
                run(f"{iss} generate -q --seed {rs} --cpus 1 -g {tag}.fa --model {args.iss_model} -n {n_reads} "
                    f"--fragment-length {FRAGMENT_MEAN} --fragment-length-sd {FRAGMENT_SD} -o {tag}_iss > {tag}_iss.log 2>&1"
                    f" && mv {tag}_iss_R1.fastq {tag}_1.fq && mv {tag}_iss_R2.fastq {tag}_2.fq", work, cmds)
            else:   # -H: the FASTA is one haplotype; -r 0 -y 0: no mutations or random reads of its own
                run(f"dwgsim {DWGSIM_ERRORS} -d {FRAGMENT_MEAN} -s {FRAGMENT_SD} -C {fold:.6f} "
                    f"-1 {args.read_length} -2 {args.read_length} -r 0 -y 0 -H -z {rs} -o 1 {tag}.fa {tag}_dw > {tag}_dw.log 2>&1"
                    f" && zcat {tag}_dw.bwa.read1.fastq.gz > {tag}_1.fq"
                    f" && zcat {tag}_dw.bwa.read2.fastq.gz > {tag}_2.fq", work, cmds)
            fastqs[sample].append(tag)
            summary["art_runs"].append({"sample": sample, "population": name, "haplotype": hap,
                                        "coverage": round(depth / 2, 4), "art_fold": round(fold, 6), "seed": rs,
                                        "variants": len(carried)})
        t = lap(f"{args.simulator} ({len(runs)} runs)", t)

        # --- alignment -------------------------------------------------------------------------------------
        for sample, tags in fastqs.items():
            for mate in (1, 2):
                run(f"cat {' '.join(f'{tag}_{mate}.fq' for tag in tags)} > {sample.lower()}_{mate}.fq", work, cmds)
            rg = f"@RG\\tID:{sample}\\tSM:{sample}\\tPL:ILLUMINA\\tLB:{sample}_lib"
            bam = f"{sample.lower()}.bam"
            fq1, fq2 = (f"work/{sample.lower()}_{mate}.fq" for mate in (1, 2))
            if args.aligner == "bwa":
                mapper = f"bwa mem -t {args.threads} -K {BWA_BATCH} -R '{rg}' ref.fa {fq1} {fq2}"
            else:   # --reorder and a fixed seed: the same output whatever -p
                mapper = (f"bowtie2 -p {args.threads} --reorder --seed 1 -X 1000 --rg-id {sample} --rg SM:{sample} "
                          f"--rg PL:ILLUMINA --rg LB:{sample}_lib -x work/ref -1 {fq1} -2 {fq2} "
                          f"2> work/{sample.lower()}.bowtie2.txt")
            align = f"{mapper} | samtools fixmate -m - - | samtools sort --no-PG -m 512M "
            if args.no_markdup:
                align += f"-o {bam} -"
            else:
                align += f"-o work/{sample.lower()}.sorted.bam - && samtools markdup --no-PG -s " \
                         f"work/{sample.lower()}.sorted.bam {bam} 2> work/{sample.lower()}.markdup.txt"
            run(align, tmp, cmds)
            run(f"samtools index {bam}", tmp, cmds)
            t = lap(f"{args.aligner} + sort{'' if args.no_markdup else ' + markdup'} {sample}", t)

        # --- what came out -------------------------------------------------------------------------------------
        summary["bam_stats"] = {}
        for sample in ("tumor", "normal"):
            cov = subprocess.run(["samtools", "coverage", "-H", f"{sample}.bam"], cwd=tmp, capture_output=True,
                                 text=True, check=True).stdout.split()
            flag = subprocess.run(["samtools", "flagstat", "-O", "json", f"{sample}.bam"], cwd=tmp,
                                  capture_output=True, text=True, check=True).stdout
            qc = json.loads(flag)["QC-passed reads"]
            summary["bam_stats"][sample] = {"mean_depth": float(cov[6]), "records": qc["total"],
                                            "mapped": qc["mapped"], "duplicates": qc["duplicates"],
                                            "properly_paired": qc["properly paired"]}
        if not args.keep_intermediate:
            shutil.rmtree(work)
        summary["seconds"] = round(time.time() - started, 1)
        summary["timings"] = timings
        (tmp / "benchmark.json").write_text(json.dumps(summary, indent=2) + "\n")
    log(f"done in {summary['seconds']} s: {out}  (tumor {summary['bam_stats']['tumor']['mean_depth']:.1f}x, "
        f"normal {summary['bam_stats']['normal']['mean_depth']:.1f}x)")
    return summary


if __name__ == "__main__":
    main()
