#!/usr/bin/env python
"""Polish every benchmark case with racon (Debian 1.5.0), 1 and 2 rounds; time and score it.

    python benchmarks/polish/run_peers.py OUTDIR [--cases hifi30,...]

OUTDIR is the directory make_benchmark.py built. Per case, in OUTDIR/runs/racon/<case>/:

* overlaps (not timed: the aligned BAM is the given input, as for genomeml):
  ``samtools view -h -F 0x904 reads.bam > overlaps.sam`` (primary alignments; racon keeps
  one overlap per read anyway);
* round 1 (timed): ``racon -t 1 -u reads.fastq.gz overlaps.sam draft.fa > racon1.fa``
  (racon's default scoring, window 500, quality threshold 10; ``-u`` keeps any contig
  racon could not polish);
* round 2 (timed, added to round 1): ``minimap2 -t 1 -ax map-hifi racon1.fa
  reads.fastq.gz | samtools view -h -F 0x904 - > overlaps2.sam`` then racon as above on
  racon1.fa.

Both outputs are scored with ``genomeml evaluate assembly`` against truth.fa (see
common.py for the fixed / left / new split). Writes OUTDIR/peers.json (case -> tool ->
entry; cases run earlier are kept, so ``--cases`` can redo a few) and OUTDIR/peers.md, and
prints the table. One process at a time, one thread.
"""

from __future__ import annotations

import argparse
import datetime
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import case_dirs, combine, fail, merge_results, score, table, timed  # noqa: E402

RACON = "racon -t 1 -u {reads} {overlaps} {target} > {out}"
REALIGN = "minimap2 -t 1 -ax map-hifi {target} {reads} 2> minimap2.log | samtools view -h -F 0x904 - > {out}"


def run_case(case: Path, dest: Path) -> dict[str, dict]:
    dest.mkdir(parents=True, exist_ok=True)
    reads = case / "reads.fastq.gz"
    subprocess.run(["bash", "-o", "pipefail", "-c", f"samtools view -h -F 0x904 {case / 'reads.bam'} > overlaps.sam"],
                   cwd=dest, check=True)
    r1 = timed(RACON.format(reads=reads, overlaps="overlaps.sam", target=case / "draft.fa", out="racon1.fa"),
               dest, "racon1")
    a2 = timed(REALIGN.format(target="racon1.fa", reads=reads, out="overlaps2.sam"), dest, "minimap2_round2")
    r2 = timed(RACON.format(reads=reads, overlaps="overlaps2.sam", target="racon1.fa", out="racon2.fa"),
               dest, "racon2")
    for f in ("overlaps.sam", "overlaps2.sam"):
        (dest / f).unlink()
    results = {}
    for tool, fasta, steps in (("racon 1 round", "racon1.fa", [r1]), ("racon 2 rounds", "racon2.fa", [r1, a2, r2])):
        sub = dest / fasta.removesuffix(".fa")
        sub.mkdir(exist_ok=True)
        results[tool] = {"output": str(dest / fasta), **score(case, dest / fasta, sub, combine(steps))}
        e = results[tool]
        print(f"{case.name} {tool}: {e['before']['error_events']} -> {e['after']['error_events']} errors, "
              f"CPU {e['cpu_s']} s, {e['mb_per_cpu_min']} Mb/CPU-min", file=sys.stderr, flush=True)
    return results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", help="directory built by make_benchmark.py")
    ap.add_argument("--cases", help="comma-separated subset (default: every case found)")
    args = ap.parse_args()
    for tool in ("racon", "minimap2", "samtools"):
        if shutil.which(tool) is None:
            fail(f"{tool} not found (run benchmarks/polish/install_tools.sh)")
    bench = Path(args.outdir).resolve()
    results = {case.name: run_case(case, bench / "runs" / "racon" / case.name)
               for case in case_dirs(bench, args.cases)}
    version = subprocess.run(["racon", "--version"], capture_output=True, text=True).stdout.strip()
    results = merge_results(bench / "peers.json", results, date=datetime.date.today().isoformat(), racon=version)
    text = table(results)
    (bench / "peers.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
