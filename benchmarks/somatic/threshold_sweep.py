"""What other PASS thresholds on P(somatic) would give on the benchmark sets (a report, not a tuning step).

Re-filters the calls run_genomeml.py wrote (INFO PSOM/PGERM/PREF: PASS when the somatic class
wins with at least the threshold, as call-somatic decides) and scores them like run_genomeml.py.
The shipped thresholds (one for SNVs, one for indels) are chosen on the recipe's own validation
simulations; this table only shows users what --min-somatic-prob trades. A threshold is one number
for both types, or SNV/indel (0.6/0.65), as --min-somatic-prob and --min-somatic-prob-indel set them.

    python benchmarks/somatic/threshold_sweep.py out/somatic_bench [--thresholds 0.5,0.65,0.6/0.7]
        [--runs genomeml] [--sets hs37d5_60x40x,...] [--real real_split,...]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pysam

from genomeml.evaluate.somatic import evaluate_somatic

SIMULATED = ["hs37d5_60x40x", "hs37d5_60x40x_seed2", "hs37d5_30x30x", "grch38_60x40x"]
REAL = ["real_split", "real_split_s1", "real_split_s2", "real_split_s3"]


def refilter(calls: Path, threshold: float, out: Path, indel_threshold: float | None = None) -> int:
    """Write ``calls`` with FILTER recomputed at ``threshold`` (indels: ``indel_threshold`` if given);
    returns the PASS count."""
    passed = 0
    with pysam.VariantFile(str(calls)) as vin, pysam.VariantFile(str(out), "wz", header=vin.header) as vout:
        for rec in vin:
            p_som, p_germ, p_ref = rec.info["PSOM"], rec.info["PGERM"], rec.info["PREF"]
            snv = len(rec.ref) == 1 and all(len(a) == 1 for a in rec.alts or ())
            cut = threshold if snv or indel_threshold is None else indel_threshold
            ok = p_som >= cut and p_som >= p_germ and p_som >= p_ref
            rec.filter.clear()
            rec.filter.add("PASS" if ok else ("GERMLINE" if p_germ >= p_ref else "RefCall"))
            passed += ok
            vout.write(rec)
    pysam.tabix_index(str(out), preset="vcf", force=True)
    return passed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", help="the run_all.sh / run_genomeml.py output directory")
    ap.add_argument("--thresholds", default="0.5,0.65,0.75,0.85", help="comma-separated; each T or SNV_T/INDEL_T")
    ap.add_argument("--runs", default="genomeml", help="the run_genomeml.py --runs directory to re-filter")
    ap.add_argument("--sets", default=",".join(SIMULATED), help="comma-separated simulated sets")
    ap.add_argument("--real", default=",".join(REAL), help="comma-separated sets without truth: PASS counts")
    args = ap.parse_args()
    root = Path(args.out)
    simulated = [s for s in args.sets.split(",") if s]
    real_sets = [s for s in args.real.split(",") if s]
    print("| threshold | " + " | ".join(f"{s} SNV / indel F1 (VAF>=0.1)" for s in simulated)
          + " | real splits PASS |")
    print("|---" * (len(simulated) + 2) + "|")
    with tempfile.TemporaryDirectory() as tmp:
        for text in args.thresholds.split(","):
            snv_cut, _, indel_text = text.partition("/")
            threshold, indel_cut = float(snv_cut), float(indel_text) if indel_text else None
            cells = []
            for name in simulated:
                sets = root / "sets" / name
                vcf = Path(tmp) / f"{name}.vcf.gz"
                refilter(root / args.runs / name / "calls.vcf.gz", threshold, vcf, indel_cut)
                scored = [evaluate_somatic(sets / "truth.somatic.vcf.gz", vcf, sets / "ref.fa",
                                           bed=sets / "confident.bed", min_vaf=v) for v in (None, 0.1)]
                cells.append(f"{scored[0]['snv']['f1']:.3f} / {scored[0]['indel']['f1']:.3f} "
                             f"({scored[1]['snv']['f1']:.3f} / {scored[1]['indel']['f1']:.3f})")
            real = [refilter(root / args.runs / name / "calls.vcf.gz", threshold, Path(tmp) / f"{name}.vcf.gz",
                             indel_cut) for name in real_sets]
            print(f"| {text} | " + " | ".join(cells) + f" | {sum(real)} ({', '.join(map(str, real))}) |")


if __name__ == "__main__":
    main()
