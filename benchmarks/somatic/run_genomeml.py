#!/usr/bin/env python
"""Run genomeml call-somatic on benchmark sets, score it, and compare with the peers of the same run.

    python benchmarks/somatic/run_genomeml.py OUT [--sets hs37d5_60x40x,...] [--model NAME|PATH] [--threads 2]
        [--runs genomeml]

OUT is the directory of run_all.sh (OUT/sets/<set>, OUT/peers/<set>/peers.json). For each set
this writes OUT/genomeml/<set>/ (calls.vcf.gz, time.txt, eval json) and prints one table
with genomeml next to every peer row, the CPU ratio to freebayes measured on the same
machine in the same run, and the time split by stage (examples / inference, from
call-somatic -v).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from run_peers import bin_recall, evaluate, fmt, timed  # noqa: E402

SETS = ("hs37d5_60x40x", "hs37d5_30x30x", "hs37d5_60x40x_seed2", "hs37d5_60x40x_seed3", "hs37d5_60x40x_seed4",
        "hs37d5_60x40x_seed5", "hs37d5_60x40x_seed6", "hs37d5_60x40x_seed15", "hs37d5_60x40x_seed16",
        "hs37d5_60x40x_seed17", "hs37d5_60x40x_seed18", "hs37d5_60x40x_bowtie2",
        "hs37d5_60x40x_seed2_bowtie2", "hs37d5_60x40x_dwgsim_s7", "hs37d5_60x40x_dwgsim_s8", "hs37d5_60x40x_hs20_100",
        "hs37d5_200x100x", "hs37d5_60x40x_iss_novaseq",
        "hs37d5_60x40x_iss_miseq", "gc_rich_60x40x", "at_rich_60x40x", "grch38_60x40x", "real_split",
        "real_split_s1", "real_split_s2", "real_split_s3", "real_spikein", "real_spikein_s1", "real_spikein_s2", "real_spikein_s3",
        "real_spikein_long_s0", "real_spikein_long_s1", "real_spikein_long_s2", "real_spikein_long_s3")


def run_set(out: Path, name: str, model: str | None, threads: int, runs: str = "genomeml") -> dict:
    bench = (out / "sets" / name).resolve()
    dest = (out / runs / name).resolve()
    dest.mkdir(parents=True, exist_ok=True)
    exe = str(Path(sys.executable).with_name("genomeml"))
    cmd = (f"{exe} -v call-somatic --ref ref.fa --tumor tumor.bam --normal normal.bam --regions confident.bed "
           f"--output {dest}/calls.vcf.gz --threads {threads}" + (f" --model {model}" if model else ""))
    usage = timed(cmd, bench, dest / "time.txt")
    log = (dest / "stderr.txt").read_text()
    stages = {k: float(v) for k, v in re.findall(r"'(examples_s|inference_s)': ([\d.]+)", log)}
    bases = sum(int(l.split()[2]) - int(l.split()[1]) for l in (bench / "confident.bed").read_text().splitlines()
                if l.strip())
    mb = bases / 1e6
    entry = {"command": f"cd {bench} && {cmd}", **usage, "cpu_s_per_mb": round(usage["cpu_s"] / mb, 1),
             "stages_s": stages, "pass_calls": count_pass_all(dest / "calls.vcf.gz")}
    entry["pass_calls_per_mb"] = round(entry["pass_calls"] / mb, 1)
    if (bench / "truth.somatic.vcf.gz").exists():
        entry["eval"] = evaluate(bench, dest / "calls.vcf.gz", dest / "eval.json", None)
        entry["eval_min_vaf_0.1"] = evaluate(bench, dest / "calls.vcf.gz", dest / "eval.minvaf0.1.json", 0.1)
    peers_file = out / "peers" / name / "peers.json"
    peers = json.loads(peers_file.read_text())["tools"] if peers_file.exists() else {}
    if "freebayes" in peers:
        entry["cpu_ratio_to_freebayes"] = round(usage["cpu_s"] / peers["freebayes"]["cpu_s"], 2)
    (dest / "result.json").write_text(json.dumps(entry, indent=2) + "\n")
    return {"genomeml": entry, **peers}


def count_pass_all(path: Path) -> int:
    import pysam
    with pysam.VariantFile(str(path)) as vcf:
        return sum(1 for r in vcf if "PASS" in r.filter.keys())


def row(name: str, tool: str, e: dict) -> str:
    if "eval" in e:
        a, b = e["eval"], e["eval_min_vaf_0.1"]
        r05 = bin_recall(a, 0.05, 0.1)[0]
        acc = (f"{fmt(a['snv']['f1'])} | {fmt(a['indel']['f1'])} | {fmt(b['snv']['f1'])} | {fmt(b['indel']['f1'])}"
               f" | {fmt(r05)}")
    else:
        acc = f"- | - | - | - | - (PASS/Mb {e['pass_calls_per_mb']})"
    ratio = e.get("cpu_ratio_to_freebayes", "")
    return f"| {name} | {tool} | {acc} | {e['cpu_s_per_mb']} | {ratio} | {e['peak_rss_mb']} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out")
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--model")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", default="genomeml",
                    help="write to OUT/RUNS/<set>: a candidate model beside the shipped one's OUT/genomeml")
    args = ap.parse_args()
    out = Path(args.out)
    lines = ["| set | tool | SNV F1 | indel F1 | SNV F1 VAF>=0.1 | indel F1 VAF>=0.1 | recall [0.05,0.1) "
             "| CPU-s/Mb | CPU vs freebayes | peak RSS MB |", "|" + "---|" * 10]
    for name in args.sets.split(","):
        results = run_set(out, name, args.model, args.threads, args.runs)
        for tool, entry in results.items():
            lines.append(row(name, tool, entry))
        g = results["genomeml"]
        print(f"{name}: stages {g['stages_s']}, PASS {g['pass_calls']}", file=sys.stderr)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
