"""Do simulated Illumina reads look like real ones? Read-level statistics side by side.

    python benchmarks/simulate/real_vs_sim.py [--shared ../shared/data] [--sim DIR]

Compares the real HG002 30x BAM in ../shared/data/real with the normal BAM of a
`genomeml simulate somatic` run (default: a fresh 30x run on the chr20 piece, several
seeds, since each seed draws a different instrument profile). Mismatch rates of the
real reads include HG002's own germline variants (~1 per kb), which the simulated
reads' rates include too (the simulated germline rate is 1e-3).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pysam

HERE = Path(__file__).resolve().parent


def bam_stats(path: str, limit: int = 40000) -> dict:
    quals, mism, aligned, indels, clipped, mapq0, dups, inserts, n = [], 0, 0, 0, 0, 0, 0, [], 0
    with pysam.AlignmentFile(path) as bam:
        for read in bam:
            if read.is_unmapped or read.is_secondary or read.is_supplementary:
                continue
            n += 1
            if n > limit:
                break
            q = np.asarray(read.query_qualities)
            q = q[::-1] if read.is_reverse else q   # sequencing-cycle order
            quals.append(q)
            ops = read.get_cigar_stats()[0]
            ins_del = int(ops[1] + ops[2])
            mism += read.get_tag("NM") - ins_del if read.has_tag("NM") else 0
            aligned += int(ops[0])
            indels += sum(1 for op, _ in read.cigartuples if op in (1, 2))
            clipped += any(op == 4 for op, _ in read.cigartuples)
            mapq0 += read.mapping_quality == 0
            dups += read.is_duplicate
            if read.is_proper_pair and read.template_length > 0:
                inserts.append(read.template_length)
    allq = np.concatenate(quals)
    first = np.mean([q[:10].mean() for q in quals])
    last = np.mean([q[-10:].mean() for q in quals])
    return {
        "reads": n - 1 if n > limit else n,
        "read_length_mean": round(float(np.mean([len(q) for q in quals])), 1),
        "mean_base_quality": round(float(allq.mean()), 2),
        "quality_cycles_1_10_minus_last_10": round(float(first - last), 2),
        "fraction_bases_below_q20": round(float((allq < 20).mean()), 4),
        "distinct_quality_values": int(len(np.unique(allq))),
        "mismatches_per_kb": round(1000 * mism / aligned, 3),
        "indel_events_per_kb": round(1000 * indels / aligned, 4),
        "soft_clipped_read_fraction": round(clipped / len(quals), 4),
        "mapq0_fraction": round(mapq0 / len(quals), 4),
        "duplicate_flag_fraction": round(dups / len(quals), 4),
        "insert_median": float(np.median(inserts)) if inserts else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(HERE.parents[2] / "shared" / "data"))
    parser.add_argument("--seeds", default="1,2,3")
    args = parser.parse_args()
    shared = Path(args.shared)
    result = {"real HG002 (shared/data/real)": bam_stats(str(shared / "real" / "HG002_illumina_30x.chr20_10000000_10100000.bam"))}
    exe = str(Path(sys.executable).with_name("genomeml"))
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds.split(","):
            out = Path(tmp) / f"sim{seed}"
            subprocess.run([exe, "simulate", "somatic", "--ref", str(shared / "GRCh38_chr20_0_200000.fa"),
                            "--regions", "chr20:60001-200000", "--tumor-depth", "10", "--normal-depth", "30",
                            "--seed", seed, "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
            result[f"simulated, seed {seed}"] = bam_stats(str(out / "normal.bam"))
    keys = list(next(iter(result.values())).keys())
    width = max(len(k) for k in keys)
    names = list(result)
    print(" " * width + "".join(f"  {n[:24]:>24}" for n in names))
    for key in keys:
        print(f"{key:<{width}}" + "".join(f"  {str(result[n][key]):>24}" for n in names))


if __name__ == "__main__":
    main()
