#!/usr/bin/env python
"""Where long truth indels are lost: no read shows them, no candidate, or the model's verdict.

    python benchmarks/somatic/long_indel_evidence.py OUT [--sets real_spikein_long_s0,...] [--min-length 17]
        [--runs genomeml]

For each truth indel of at least ``--min-length`` bp in OUT/sets/<set> (run_all.sh) this counts the
tumor reads whose CIGAR shows an indel of >= 10 bp within 5 bp of it, the reads soft-clipped within
the indel's length of it (what a read with too few bases past a long indel gets from bwa mem), and
the strongest FILTER genomeml's OUT/RUNS/<set>/calls.vcf.gz (RUNS: --runs) gives a record within 3 bp (PASS, then
GERMLINE, then RefCall; none: no candidate). ``clips_placed``: whether the clipped reads' clipped bases
are found in the reference around the indel or in its inserted bases (all, some, none), i.e. whether a
split-read candidate finder could rebuild it.
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


CLIP_MIN = 8      # soft clips shorter than this are not placed (too many chance matches)
CLIP_PROBE = 15   # clipped bases looked up, those nearest the aligned part


def clip_placed(read: pysam.AlignedSegment, right: bool, ref: str, ref_start: int, inserted: str) -> bool:
    """Whether the read's clipped bases on the site's side (``right``: its end; >= CLIP_MIN of them)
    are found in ``ref`` (the reference from ``ref_start``, around the indel) or in the indel's
    ``inserted`` bases: a split read from which the indel could be rebuilt."""
    op, n = read.cigartuples[-1 if right else 0]
    if op != 4 or n < CLIP_MIN:
        return False
    seq = read.query_sequence
    if right:   # probe: the clipped bases next to the aligned part
        probe, ref_side = seq[len(seq) - n:][:CLIP_PROBE], ref[max(0, read.reference_end - ref_start - 5):]
        in_insertion = probe[:len(inserted)] in inserted
    else:
        probe, ref_side = seq[:n][-CLIP_PROBE:], ref[:max(0, read.reference_start - ref_start + 5)]
        in_insertion = probe[-len(inserted):] in inserted
    return probe in ref_side or (bool(inserted) and in_insertion)


def read_evidence(bam: pysam.AlignmentFile, contig: str, pos: int, length: int,
                  ref: str = "", ref_start: int = 0, inserted: str = "") -> tuple[int, int, int]:
    """(reads showing a >= 10 bp indel within 5 bp of pos, reads soft-clipped within length + 5 of
    pos, how many of those have clipped bases that place nearby: see clip_placed)."""
    shown = clipped = placed = 0
    for read in bam.fetch(contig, max(0, pos - 1), pos + length + 1):
        if read.is_unmapped or read.is_duplicate or read.is_secondary or read.is_supplementary:
            continue
        at, shows = read.reference_start, False
        for op, n in read.cigartuples:
            shows |= op in (1, 2) and n >= 10 and abs(at - pos) <= 5
            at += n if op in (0, 2, 3, 7, 8) else 0
        left = read.cigartuples[0][0] == 4 and abs(read.reference_start - pos) <= length + 5
        right = read.cigartuples[-1][0] == 4 and abs(read.reference_end - pos) <= length + 5
        if shows:
            shown += 1
        elif left or right:
            clipped += 1
            placed += bool(ref) and any(clip_placed(read, side, ref, ref_start, inserted)
                                        for side, near in ((True, right), (False, left)) if near)
    return shown, clipped, placed


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
        with pysam.AlignmentFile(str(bench / "tumor.bam")) as bam, pysam.FastaFile(str(bench / "ref.fa")) as fasta:
            for key in truth:
                contig, pos, ref, alt = key[:4]
                length = abs(len(alt) - len(ref))
                if variant_type(key) != "indel" or length < args.min_length:
                    continue
                start = max(0, pos - length - 80)
                window = fasta.fetch(contig, start, pos + length + 80).upper()
                shown, clipped, placed = read_evidence(bam, contig, pos, length, window, start,
                                                       alt[1:].upper() if len(alt) > len(ref) else "")
                near = set().union(*(verdicts.get((contig, p), set()) for p in range(pos - 3, pos + 4)))
                call = next((f for f in VERDICT_ORDER if f in near), min(near, default="none"))
                table[(f"cigar {min(shown, 2)}{'+' if shown >= 2 else ''}",
                       f"clipped {min(clipped, 2)}{'+' if clipped >= 2 else ''}",
                       "-" if not clipped else ("all" if placed == clipped else ("some" if placed else "none")),
                       call)] += 1
    rows = [{"reads_showing": a, "reads_clipped": b, "clips_placed": c, "genomeml": d, "indels": n}
            for (a, b, c, d), n in sorted(table.items())]
    print(json.dumps({"sets": args.sets.split(","), "min_length": args.min_length, "rows": rows}, indent=1))


if __name__ == "__main__":
    main()
