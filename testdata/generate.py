"""Rebuild the bundled test data from the real chr20 piece in ../shared/data, with fixed seeds.

    python testdata/generate.py [--shared ../shared/data]

testdata/somatic/   tumor (60x) / normal (40x) Illumina BAMs on chr20:100,001-130,000 with
                    a raised somatic rate, so a few dozen known mutations fit in < 2 MB.
testdata/assembly/  a HiFi draft of chr20:130,001-160,000 with injected errors, its reads and truth.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

from genomeml.simulate.assembly import AssemblySimConfig, simulate_assembly
from genomeml.simulate.somatic import SomaticSimConfig, simulate_somatic

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=str(HERE.parent.parent / "shared" / "data"))
    args = parser.parse_args()
    source = Path(args.shared) / "GRCh38_chr20_0_200000.fa"
    for name in ("somatic", "assembly"):
        shutil.rmtree(HERE / name, ignore_errors=True)
    simulate_somatic(SomaticSimConfig(
        out=str(HERE / "somatic"), ref=str(source), regions=("chr20:100001-130000",),
        tumor_depth=60, normal_depth=40, purity=0.8, somatic_rate=1e-3, germline_rate=1e-3,
        min_vaf=0.05, seed=11, threads=1))
    simulate_assembly(AssemblySimConfig(
        out=str(HERE / "assembly"), ref=str(source), regions=("chr20:130001-160000",),
        platform="hifi", depth=30, error_rate=1e-3, paralogs=2.0, seed=12, threads=1))
    total = sum(p.stat().st_size for p in HERE.rglob("*") if p.is_file())
    print(f"testdata: {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
