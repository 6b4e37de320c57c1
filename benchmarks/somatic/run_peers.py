#!/usr/bin/env python
"""Run peer tumor-normal callers on a benchmark set, filter to somatic, time and score them.

    python benchmarks/somatic/run_peers.py DIR OUTDIR [--tools bcftools,freebayes]

DIR is a set made by make_benchmark.py (ref.fa, tumor.bam, normal.bam, confident.bed,
truth.somatic.vcf.gz, truth.germline.vcf.gz) or by make_real_split.py (no truth: every
PASS call is a false positive, reported per Mb).

Callers (commonly documented settings, not tuned on any truth):

* bcftools: ``bcftools mpileup -a AD,DP -f ref.fa -R confident.bed tumor.bam normal.bam |
  bcftools call -mv`` (the joint diploid multi-sample caller);
* freebayes: ``freebayes -f ref.fa -t confident.bed --pooled-continuous
  --min-alternate-fraction 0.02 --min-alternate-count 2 tumor.bam normal.bam``.

Both raw VCFs then go through the same steps: ``bcftools norm -f ref.fa -a
--atom-overlaps . -m -any`` (MNPs into SNVs, one ALT per record, left-aligned indels)
and one somatic filter on each ALT (FORMAT AD and DP of the samples named TUMOR and
NORMAL):

* PASS when tumor ALT reads >= 3, tumor VAF (ALT / DP) >= 0.02, normal DP >= 8 and
  normal VAF < 0.02 (below 50x that means no ALT read in the normal);
* otherwise FILTER TumorSupport, NormalDepth and/or NormalSupport.

freebayes is scored twice from the same run: with that filter alone (row "freebayes")
and with QUAL > 1 added (row "freebayes QUAL>1"; the first term of the hard filter
in the freebayes README), since --pooled-continuous emits every allele that passes
the input filters, QUAL 0 included.

OUTDIR/<tool>/: raw.vcf.gz, norm.vcf.gz, somatic[.q1].vcf.gz (every record, labeled),
somatic[.q1].pass.vcf.gz (PASS only), time.txt (/usr/bin/time -v of the caller
pipeline), somatic[.q1].eval.json and .eval.minvaf0.1.json (genomeml evaluate
somatic). OUTDIR/peers.json and OUTDIR/peers.md hold the summary; the table is also
printed.

CPU time and peak memory are those of the calling pipeline (caller + bcftools norm)
under ``/usr/bin/time -v``: CPU = user + system of all its processes, peak RSS = the
largest single process. Tools run one after another (one heavy process at a time).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pysam

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import run_measured  # noqa: E402  (benchmarks/timing.py)

TOOLS = ("bcftools", "freebayes")
MIN_TUMOR_ALT = 3
MIN_TUMOR_VAF = 0.02
MIN_NORMAL_DEPTH = 8
MAX_NORMAL_VAF = 0.02
# a caller's raw VCF can be scored under more than one filter: (row label, minimum QUAL or None)
FILTER_VARIANTS = {
    "bcftools": [("bcftools", None)],
    # QUAL > 1 is the first term of the hard filter the freebayes README suggests
    # ("QUAL > 1 & QUAL / AO > 10 & SAF > 0 & SAR > 0 & RPR > 1 & RPL > 1"); the row without it is the
    # plain count filter, as for bcftools
    "freebayes": [("freebayes", None), ("freebayes QUAL>1", 1.0)],
}
VAF_BINS = ((0.0, 0.05), (0.05, 0.1), (0.1, 0.2), (0.2, 0.3), (0.3, 1.0))

NORM = "bcftools norm -f ref.fa -a --atom-overlaps . -m -any -Oz -o {out}/norm.vcf.gz"


def caller_command(tool: str, out: Path) -> str:
    """The shell pipeline for a caller, run in the benchmark directory."""
    norm = NORM.format(out=out)
    if tool == "bcftools":
        return (f"bcftools mpileup -a AD,DP -f ref.fa -R confident.bed -Ou tumor.bam normal.bam "
                f"| bcftools call -mv -Oz -o {out}/raw.vcf.gz && {norm} {out}/raw.vcf.gz")
    if tool == "freebayes":
        return (f"freebayes -f ref.fa -t confident.bed --pooled-continuous --min-alternate-fraction 0.02 "
                f"--min-alternate-count 2 tumor.bam normal.bam | bgzip -c > {out}/raw.vcf.gz "
                f"&& {norm} {out}/raw.vcf.gz")
    raise ValueError(tool)


def timed(cmd: str, cwd: Path, time_file: Path) -> dict:
    """Run ``cmd`` (bash, pipefail) in ``cwd``, measured (benchmarks/timing.py); stderr beside ``time_file``."""
    err = time_file.parent / "stderr.txt"
    status, usage = run_measured(cmd, cwd, time_file, err)
    if status != 0:
        sys.exit(f"run_peers: failed ({status}): {cmd}\n{err.read_text(errors='replace')[-3000:]}")
    return usage


def _sample_index(header: pysam.VariantHeader, name: str, fallback: int) -> str:
    samples = list(header.samples)
    return name if name in samples else samples[fallback]


def _counts(sample) -> tuple[int, int]:
    """(ALT reads, depth) of one sample of a biallelic record: AD[1] (or AO) and DP (or the AD sum)."""
    fmt = sample
    ad = fmt.get("AD") if "AD" in fmt else None
    if ad is not None and len(ad) >= 2 and ad[1] is not None:
        alt = int(ad[1])
    else:
        ao = fmt.get("AO") if "AO" in fmt else None
        alt = int((ao[0] if isinstance(ao, tuple) else ao) or 0)
    dp = fmt.get("DP") if "DP" in fmt else None
    if dp is None:
        dp = sum(int(x) for x in (ad or ()) if x is not None)
    return alt, int(dp)


def somatic_filter(src: Path, dst_all: Path, dst_pass: Path, min_qual: float | None = None) -> dict:
    """Label each record PASS or by the failed rules; write all and PASS-only VCFs (bgzip + tabix)."""
    stats = {"records": 0, "pass": 0, "TumorSupport": 0, "NormalDepth": 0, "NormalSupport": 0, "LowQual": 0,
             "duplicates": 0}
    with pysam.VariantFile(str(src)) as vcf:
        header = vcf.header.copy()
        header.add_line(f'##FILTER=<ID=TumorSupport,Description="Tumor ALT reads < {MIN_TUMOR_ALT} '
                        f'or tumor VAF < {MIN_TUMOR_VAF}">')
        header.add_line(f'##FILTER=<ID=NormalDepth,Description="Normal depth < {MIN_NORMAL_DEPTH}">')
        header.add_line(f'##FILTER=<ID=NormalSupport,Description="Normal VAF >= {MAX_NORMAL_VAF}">')
        if min_qual is not None:
            header.add_line(f'##FILTER=<ID=LowQual,Description="QUAL <= {min_qual:g}">')
        header.add_line("##run_peers_filter=tumor-normal allele-count filter of benchmarks/somatic/run_peers.py")
        tumor = _sample_index(header, "TUMOR", 0)
        normal = _sample_index(header, "NORMAL", 1)
        seen: dict[tuple, int] = {}
        records = []
        for rec in vcf:
            if not rec.alts or rec.alts[0] in ("*", ".") or rec.alts[0].startswith("<"):
                continue
            t_alt, t_dp = _counts(rec.samples[tumor])
            n_alt, n_dp = _counts(rec.samples[normal])
            failed = []
            if t_alt < MIN_TUMOR_ALT or t_dp == 0 or t_alt / t_dp < MIN_TUMOR_VAF:
                failed.append("TumorSupport")
            if n_dp < MIN_NORMAL_DEPTH:
                failed.append("NormalDepth")
            if n_dp > 0 and n_alt / n_dp >= MAX_NORMAL_VAF:
                failed.append("NormalSupport")
            if min_qual is not None and (rec.qual is None or rec.qual <= min_qual):
                failed.append("LowQual")
            key = (rec.chrom, rec.pos, rec.ref, rec.alts[0])
            if key in seen:  # atomizing can repeat an allele: keep the best-supported copy
                stats["duplicates"] += 1
                if seen[key] >= t_alt:
                    continue
                records = [r for r in records if (r[0].chrom, r[0].pos, r[0].ref, r[0].alts[0]) != key]
            seen[key] = t_alt
            records.append((rec, failed))
    with pysam.VariantFile(str(dst_all) + ".tmp", "w", header=header) as out_all, \
            pysam.VariantFile(str(dst_pass) + ".tmp", "w", header=header) as out_pass:
        for rec, failed in records:
            new = rec.copy()
            new.translate(header)
            new.filter.clear()
            for name in failed or ["PASS"]:
                new.filter.add(name)
            out_all.write(new)
            stats["records"] += 1
            if not failed:
                out_pass.write(new)
                stats["pass"] += 1
            for name in failed:
                stats[name] += 1
    for dst in (dst_all, dst_pass):
        pysam.tabix_compress(str(dst) + ".tmp", str(dst), force=True)
        Path(str(dst) + ".tmp").unlink()
        pysam.tabix_index(str(dst), preset="vcf", force=True)
    return stats


def count_pass(path: Path) -> dict:
    snv = indel = 0
    with pysam.VariantFile(str(path)) as vcf:
        for rec in vcf:
            if len(rec.ref) == 1 and len(rec.alts[0]) == 1:
                snv += 1
            else:
                indel += 1
    return {"snv": snv, "indel": indel, "all": snv + indel}


def evaluate(bench: Path, calls: Path, out_json: Path, min_vaf: float | None) -> dict:
    cmd = ["genomeml", "evaluate", "somatic", "--truth", str(bench / "truth.somatic.vcf.gz"),
           "--calls", str(calls), "--ref", str(bench / "ref.fa"), "--bed", str(bench / "confident.bed"),
           "--germline", str(bench / "truth.germline.vcf.gz"), "--json", str(out_json)]
    if min_vaf is not None:
        cmd += ["--min-vaf", str(min_vaf)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"run_peers: evaluation failed: {' '.join(cmd)}\n{proc.stderr}")
    return json.loads(out_json.read_text())


def bin_recall(metrics: dict, lo: float, hi: float) -> tuple[float | None, int]:
    """Recall (SNV + indel) over the evaluator's VAF bins lying in [lo, hi)."""
    truth = tp = 0
    for b in metrics["by_vaf"]:
        if b["vaf_min"] >= lo - 1e-9 and b["vaf_max"] <= hi + 1e-9:
            truth += b["snv_truth"] + b["indel_truth"]
            tp += b["snv_tp"] + b["indel_tp"]
    return (round(tp / truth, 3) if truth else None), truth


def fmt(x, digits: int = 3) -> str:
    return "-" if x is None else (f"{x:.{digits}f}" if isinstance(x, float) else str(x))


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bench", help="benchmark directory")
    ap.add_argument("outdir")
    ap.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset of %(default)s")
    args = ap.parse_args(argv)
    bench, outdir = Path(args.bench).resolve(), Path(args.outdir).resolve()
    tools = [t for t in args.tools.split(",") if t]
    for name in ("ref.fa", "tumor.bam", "normal.bam", "confident.bed"):
        if not (bench / name).exists():
            sys.exit(f"run_peers: {bench / name} not found")
    for exe in ("bcftools", "bgzip", *tools):
        if shutil.which(exe) is None:
            sys.exit(f"run_peers: {exe} not found (run benchmarks/somatic/install_tools.sh)")
    has_truth = (bench / "truth.somatic.vcf.gz").exists()
    bed_bases = sum(int(l.split()[2]) - int(l.split()[1]) for l in (bench / "confident.bed").read_text().splitlines()
                    if l.strip())
    mb = bed_bases / 1e6
    info = json.loads((bench / "benchmark.json").read_text()) if (bench / "benchmark.json").exists() else {}

    results = {"bench": str(bench), "confident_bases": bed_bases, "has_truth": has_truth,
               "filter": {"min_tumor_alt": MIN_TUMOR_ALT, "min_tumor_vaf": MIN_TUMOR_VAF,
                          "min_normal_depth": MIN_NORMAL_DEPTH, "max_normal_vaf": MAX_NORMAL_VAF},
               "versions": {"bcftools": subprocess.run(["bcftools", "--version"], capture_output=True, text=True,
                                                       errors="replace").stdout.splitlines()[0],
                            "freebayes": subprocess.run(["freebayes", "--version"], capture_output=True, text=True,
                                                        errors="replace").stdout.strip()},
               "tools": {}}
    for tool in tools:
        out = outdir / tool
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        cmd = caller_command(tool, out)
        print(f"run_peers: {tool} ...", file=sys.stderr, flush=True)
        usage = timed(cmd, bench, out / "time.txt")
        pysam.tabix_index(str(out / "norm.vcf.gz"), preset="vcf", force=True)
        print(f"run_peers: {tool}: {usage['wall_s']} s wall, {usage['cpu_s']} CPU-s, {usage['peak_rss_mb']} MB",
              file=sys.stderr, flush=True)
        for label, min_qual in FILTER_VARIANTS[tool]:
            stem = "somatic" if min_qual is None else f"somatic.q{min_qual:g}"
            filt = somatic_filter(out / "norm.vcf.gz", out / f"{stem}.vcf.gz", out / f"{stem}.pass.vcf.gz", min_qual)
            entry = {"command": f"cd {bench} && {cmd}", "min_qual": min_qual, **usage,
                     "cpu_s_per_mb": round(usage["cpu_s"] / mb, 1), "wall_s_per_mb": round(usage["wall_s"] / mb, 1),
                     "filter": filt, "pass_vcf": str(out / f"{stem}.pass.vcf.gz"),
                     "pass_calls": count_pass(out / f"{stem}.pass.vcf.gz")}
            entry["pass_calls_per_mb"] = round(entry["pass_calls"]["all"] / mb, 1)
            if has_truth:
                entry["eval"] = evaluate(bench, out / f"{stem}.pass.vcf.gz", out / f"{stem}.eval.json", None)
                entry["eval_min_vaf_0.1"] = evaluate(bench, out / f"{stem}.pass.vcf.gz",
                                                     out / f"{stem}.eval.minvaf0.1.json", 0.1)
            results["tools"][label] = entry
            print(f"run_peers: {label}: {filt['pass']} PASS of {filt['records']}", file=sys.stderr, flush=True)

    lines = table(results, info)
    print("\n".join(lines))
    (outdir / "peers.json").write_text(json.dumps(results, indent=2) + "\n")
    (outdir / "peers.md").write_text("\n".join(lines) + "\n")
    return results


def table(results: dict, info: dict) -> list[str]:
    depth = ""
    if info.get("bam_stats"):
        depth = (f", tumor {info['bam_stats']['tumor']['mean_depth']:.1f}x / normal "
                 f"{info['bam_stats']['normal']['mean_depth']:.1f}x")
    elif info.get("mean_depth"):
        depth = f", tumor {info['mean_depth']['tumor']}x / normal {info['mean_depth']['normal']}x"
    lines = [f"benchmark {results['bench']} ({results['confident_bases']} bp scored{depth})", ""]
    if results["has_truth"]:
        head = ["tool", "SNV P", "SNV R", "SNV F1", "indel P", "indel R", "indel F1",
                "SNV F1 VAF>=0.1", "indel F1 VAF>=0.1", "germline FP",
                *[f"R [{lo:g},{hi:g}{']' if hi >= 1 else ')'}" for lo, hi in VAF_BINS], "CPU s/Mb", "wall s", "peak RSS MB"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for tool, e in results["tools"].items():
            m, m10 = e["eval"], e["eval_min_vaf_0.1"]
            row = [tool, fmt(m["snv"]["precision"]), fmt(m["snv"]["recall"]), fmt(m["snv"]["f1"]),
                   fmt(m["indel"]["precision"]), fmt(m["indel"]["recall"]), fmt(m["indel"]["f1"]),
                   fmt(m10["snv"]["f1"]), fmt(m10["indel"]["f1"]), fmt(m["germline_fp"])]
            for lo, hi in VAF_BINS:
                recall, n = bin_recall(m, lo, hi)
                row.append(f"{fmt(recall)} (n={n})")
            row += [fmt(e["cpu_s_per_mb"], 1), fmt(e["wall_s"], 1), fmt(e["peak_rss_mb"], 0)]
            lines.append("| " + " | ".join(row) + " |")
        lines += ["", "counts (all VAFs): " + "; ".join(
            f"{tool}: SNV TP/FP/FN {e['eval']['snv']['tp']}/{e['eval']['snv']['fp']}/{e['eval']['snv']['fn']}, "
            f"indel {e['eval']['indel']['tp']}/{e['eval']['indel']['fp']}/{e['eval']['indel']['fn']}"
            for tool, e in results["tools"].items())]
    else:
        head = ["tool", "PASS calls", "SNV", "indel", "PASS calls per Mb (all FP)", "CPU s/Mb", "wall s",
                "peak RSS MB"]
        lines += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for tool, e in results["tools"].items():
            p = e["pass_calls"]
            lines.append("| " + " | ".join([tool, str(p["all"]), str(p["snv"]), str(p["indel"]),
                                            fmt(e["pass_calls_per_mb"], 1), fmt(e["cpu_s_per_mb"], 1),
                                            fmt(e["wall_s"], 1), fmt(e["peak_rss_mb"], 0)]) + " |")
    return lines


if __name__ == "__main__":
    main()
