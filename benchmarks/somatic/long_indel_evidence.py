#!/usr/bin/env python
"""Where long truth indels are lost: no read shows them, no candidate, or the model's verdict.

    python benchmarks/somatic/long_indel_evidence.py OUT [--sets real_spikein_long_s0,...] [--min-length 17]
        [--runs genomeml]

For each truth indel of at least ``--min-length`` bp in OUT/sets/<set> (run_all.sh) this counts the
tumor reads whose CIGAR shows an indel of >= 10 bp within 5 bp of it, the reads soft-clipped within
the indel's length of it (what a read with too few bases past a long indel gets from bwa mem), and
the strongest FILTER genomeml's OUT/genomeml/<set>/calls.vcf.gz gives a record within 3 bp (PASS, then
GERMLINE, then RefCall; none: no candidate).
Reading it: a candidate the model rejects is a model problem; two clipped reads and no CIGAR read is
one for candidate finding (realignment of clipped reads), which no model change reaches.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import pysam

from genomeml.evaluate.somatic import load_scored, variant_type

VERDICT_ORDER = ("PASS", "GERMLINE", "RefCall")   # the strongest of the records near a truth indel
DEFAULT_SETS = ("real_spikein_long_s0", "real_spikein_long_s1", "real_spikein_long_s2", "real_spikein_long_s3")


def read_evidence(bam: pysam.AlignmentFile, contig: str, pos: int, length: int) -> tuple[int, int]:
    """(reads showing a >= 10 bp indel within 5 bp of pos, reads soft-clipped within length + 5 of pos)."""
    shown = clipped = 0
    for read in bam.fetch(contig, max(0, pos - 1), pos + length + 1):
        if read.is_unmapped or read.is_duplicate or read.is_secondary or read.is_supplementary:
            continue
        at, shows = read.reference_start, False
        for op, n in read.cigartuples:
            shows |= op in (1, 2) and n >= 10 and abs(at - pos) <= 5
            at += n if op in (0, 2, 3, 7, 8) else 0
        if shows:
            shown += 1
        elif (read.cigartuples[0][0] == 4 and abs(read.reference_start - pos) <= length + 5) or \
                (read.cigartuples[-1][0] == 4 and abs(read.reference_end - pos) <= length + 5):
            clipped += 1
    return shown, clipped


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--sets", default=",".join(DEFAULT_SETS))
    ap.add_argument("--min-length", type=int, default=17)
    ap.add_argument("--runs", default="genomeml", help="genomeml's runs in OUT/RUNS/<set> (run_genomeml.py --runs)")
    args = ap.parse_args()
    table: Counter = Counter()
    for name in args.sets.split(","):
        bench = args.out / "sets" / name
        truth, = load_scored(bench / "ref.fa", bench / "confident.bed", bench / "truth.somatic.vcf.gz")
        verdicts: dict[tuple[str, int], set[str]] = {}   # a position can hold several records (alleles)
        with pysam.VariantFile(str(args.out / args.runs / name / "calls.vcf.gz")) as vcf:
            for r in vcf:
                verdicts.setdefault((r.contig, r.pos), set()).update(r.filter.keys() or ["."])
        with pysam.AlignmentFile(str(bench / "tumor.bam")) as bam:
            for key in truth:
                contig, pos, ref, alt = key[:4]
                length = abs(len(alt) - len(ref))
                if variant_type(key) != "indel" or length < args.min_length:
                    continue
                shown, clipped = read_evidence(bam, contig, pos, length)
                near = set().union(*(verdicts.get((contig, p), set()) for p in range(pos - 3, pos + 4)))
                call = next((f for f in VERDICT_ORDER if f in near), min(near, default="none"))
                table[(f"cigar {min(shown, 2)}{'+' if shown >= 2 else ''}",
                       f"clipped {min(clipped, 2)}{'+' if clipped >= 2 else ''}", call)] += 1
    rows = [{"reads_showing": a, "reads_clipped": b, "genomeml": c, "indels": n}
            for (a, b, c), n in sorted(table.items())]
    print(json.dumps({"sets": args.sets.split(","), "min_length": args.min_length, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
