"""Time `genomeml simulate` on the whole real chr20 piece (issue 3 target: somatic 60x/40x < 5 min on 2 cores).

    python benchmarks/simulate/speed.py [--shared ../shared/data] [--out /tmp/genomeml-sim-bench]

Each run is a separate `genomeml` process; wall time, CPU time (user+sys of the child)
and peak RSS come from os.wait4, so the numbers include interpreter start-up.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def timed(cmd: list[str]) -> dict:
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return {"wall_s": round(wall, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
            "peak_rss_mb": round(usage.ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(HERE.parents[2] / "shared" / "data"))
    parser.add_argument("--out", default="/tmp/genomeml-sim-bench")
    args = parser.parse_args()
    ref = str(Path(args.shared) / "GRCh38_chr20_0_200000.fa")
    exe = str(Path(sys.executable).with_name("genomeml"))
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    runs = {
        "somatic illumina 60x/40x, chr20 0-200 kb": [exe, "simulate", "somatic", "--ref", ref, "--tumor-depth", "60",
                                                     "--normal-depth", "40", "--seed", "1", "--out", str(out / "somatic")],
        "somatic hifi 30x/30x, chr20 0-200 kb": [exe, "simulate", "somatic", "--ref", ref, "--platform", "hifi",
                                                 "--tumor-depth", "30", "--normal-depth", "30", "--seed", "1",
                                                 "--out", str(out / "somatic-hifi")],
        "assembly hifi 30x, chr20 0-200 kb": [exe, "simulate", "assembly", "--ref", ref, "--depth", "30", "--seed", "1",
                                              "--out", str(out / "assembly")],
        "assembly ont 30x diploid, chr20 0-200 kb": [exe, "simulate", "assembly", "--ref", ref, "--platform", "ont",
                                                     "--diploid", "--depth", "30", "--seed", "1",
                                                     "--out", str(out / "assembly-ont")],
    }
    results = {name: timed(cmd) for name, cmd in runs.items()}
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
