#!/usr/bin/env python
"""F1 pooled over several benchmark sets, and the indels one caller finds that the other misses.

    python benchmarks/somatic/pooled_f1.py OUT [--sets hs37d5_60x40x,hs37d5_60x40x_seed2,...] [--runs genomeml]
        [--baseline RUNS [--no-peers]]

One 750-kb set holds about 90 somatic indels, so one indel moves its indel F1 by about 0.005:
whether genomeml "beats" freebayes on one set is mostly which low-VAF indels got two reads.
Summing TP/FP/FN over sets drawn the same way, and counting the truth indels found by exactly
one of the two callers (a paired comparison, as McNemar's test), says more than any set alone.
Truth indels found are also counted by length, for the long-indel spike-in sets.
Reads OUT of run_all.sh + run_genomeml.py (eval JSONs and PASS VCFs already there).
``--baseline RUNS`` adds another genomeml run (run_genomeml.py --runs RUNS, e.g. the shipped model
next to a candidate) and pairs the indels against it instead of freebayes; ``--no-peers`` leaves
bcftools and freebayes out (with no baseline either, no indels are paired).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

from genomeml.evaluate.somatic import load_scored, variant_type

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validation_f1 import f1  # noqa: E402  (one F1 formula for the benchmark scripts)

DEFAULT_SETS = ("hs37d5_60x40x", "hs37d5_60x40x_seed2", "hs37d5_60x40x_seed3", "hs37d5_60x40x_seed4",
                "hs37d5_60x40x_seed5", "hs37d5_60x40x_seed6")
TOOLS = {"genomeml": "{runs}/{set}/eval.json", "freebayes": "peers/{set}/freebayes/somatic.eval.json",
         "bcftools": "peers/{set}/bcftools/somatic.eval.json"}
PASS_VCF = {"genomeml": "{runs}/{set}/calls.vcf.gz", "freebayes": "peers/{set}/freebayes/somatic.pass.vcf.gz",
            "bcftools": "peers/{set}/bcftools/somatic.pass.vcf.gz"}
LENGTH_BINS = ((1, 5), (6, 10), (11, 16), (17, 30), (31, 10**6))   # bp


LENGTH_LABELS = [f"{lo}-{hi}" if hi < 10**6 else f">={lo}" for lo, hi in LENGTH_BINS]


def length_bin(key: tuple) -> str:
    length = abs(len(key[3]) - len(key[2]))
    return LENGTH_LABELS[next(i for i, (lo, hi) in enumerate(LENGTH_BINS) if lo <= length <= hi)]


def sign_test(a: int, b: int) -> float:
    """Two-sided exact sign test of a against b discordant pairs (McNemar's exact test)."""
    n = a + b
    tail = sum(math.comb(n, i) for i in range(min(a, b) + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--sets", default=",".join(DEFAULT_SETS))
    ap.add_argument("--runs", default="genomeml", help="genomeml's runs in OUT/RUNS/<set> (run_genomeml.py --runs)")
    ap.add_argument("--baseline", help="another genomeml run (OUT/BASELINE/<set>) to pair the indels against")
    ap.add_argument("--no-peers", action="store_true", help="leave bcftools and freebayes out")
    args = ap.parse_args()
    sets = args.sets.split(",")
    tools = {"genomeml": TOOLS["genomeml"]} if args.no_peers else dict(TOOLS)
    pass_vcfs = {"genomeml": PASS_VCF["genomeml"]} if args.no_peers else dict(PASS_VCF)
    if args.baseline:
        tools["baseline"] = TOOLS["genomeml"].replace("{runs}", args.baseline)
        pass_vcfs["baseline"] = PASS_VCF["genomeml"].replace("{runs}", args.baseline)
    versus = "baseline" if args.baseline else "freebayes" if "freebayes" in tools else None
    pooled = {(tool, kind): [0, 0, 0] for tool in tools for kind in ("snv", "indel")}
    indel_by_vaf: dict[str, dict[str, list[int]]] = {tool: {} for tool in tools}   # bin -> [found, truth]
    paired = {"both": 0, "genomeml_only": 0, f"{versus}_only": 0, "neither": 0}
    by_length: dict[str, dict[str, list[int]]] = {tool: {} for tool in pass_vcfs}   # bin -> [found, truth]
    for name in sets:
        for tool, pattern in tools.items():
            report = json.loads((args.out / pattern.format(set=name, runs=args.runs)).read_text())
            for kind in ("snv", "indel"):
                for i, key in enumerate(("tp", "fp", "fn")):
                    pooled[tool, kind][i] += report[kind][key]
            for vaf_bin in report["by_vaf"]:
                counts = indel_by_vaf[tool].setdefault(f"[{vaf_bin['vaf_min']},{vaf_bin['vaf_max']})", [0, 0])
                counts[0] += vaf_bin["indel_tp"]
                counts[1] += vaf_bin["indel_truth"]
        bench = args.out / "sets" / name
        vcfs = (args.out / pattern.format(set=name, runs=args.runs) for pattern in pass_vcfs.values())
        truth, *calls = load_scored(bench / "ref.fa", bench / "confident.bed", bench / "truth.somatic.vcf.gz", *vcfs)
        found = dict(zip(pass_vcfs, calls))   # matched as `genomeml evaluate somatic` matches them
        for indel in (key for key in truth if variant_type(key) == "indel"):
            g, f = indel in found["genomeml"], versus is not None and indel in found[versus]
            paired["both" if g and f else "genomeml_only" if g else f"{versus}_only" if f else "neither"] += 1
            for tool, tool_calls in found.items():
                counts = by_length[tool].setdefault(length_bin(indel), [0, 0])
                counts[0] += indel in tool_calls
                counts[1] += 1
    rows = {f"{tool} {kind}": {"tp_fp_fn": counts, "f1": round(f1(np.array(counts)), 4)}
            for (tool, kind), counts in pooled.items()}
    by_length = {tool: dict(sorted(bins.items(), key=lambda kv: LENGTH_LABELS.index(kv[0])))
                 for tool, bins in by_length.items()}
    report = {"sets": sets, "pooled": rows, "indels_found_by_vaf": indel_by_vaf,
              "indels_found_by_length_bp": by_length}
    if versus is not None:
        report["truth_indels_found_by"] = paired
        report[f"sign_test_p_genomeml_vs_{versus}"] = round(sign_test(paired["genomeml_only"],
                                                                      paired[f"{versus}_only"]), 3)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
