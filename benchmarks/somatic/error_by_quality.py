"""Mismatch rate per reported base quality in a benchmark set's BAM: are the qualities calibrated?

Germline variant positions (and the base after each, where indels sit) are masked, so what
remains against the reference is sequencing error. Prints quality, bases, mismatch rate and the
rate the quality claims (10^(-Q/10)).

    python benchmarks/somatic/error_by_quality.py out/somatic_bench/sets/hs37d5_60x40x_iss_novaseq [--bam normal.bam]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pysam


def error_by_quality(bam: Path, ref: Path, germline: Path, max_reads: int = 60_000) -> tuple[np.ndarray, np.ndarray]:
    with pysam.FastaFile(str(ref)) as fasta:
        contig = fasta.references[0]
        seq = np.frombuffer(fasta.fetch(contig).upper().encode(), dtype=np.uint8)
    masked = np.zeros(len(seq) + 1, dtype=bool)
    for rec in pysam.VariantFile(str(germline)):
        masked[rec.start:rec.start + len(rec.ref) + 1] = True
    bases, mismatches = np.zeros(94, dtype=np.int64), np.zeros(94, dtype=np.int64)
    with pysam.AlignmentFile(str(bam)) as handle:
        for n, read in enumerate(handle.fetch(contig)):
            if n >= max_reads:
                break
            if read.is_secondary or read.is_supplementary or read.is_duplicate or read.query_qualities is None:
                continue
            pairs = np.array(read.get_aligned_pairs(matches_only=True), dtype=np.int64).reshape(-1, 2)
            pairs = pairs[~masked[pairs[:, 1]]]
            quals = np.asarray(read.query_qualities, dtype=np.int64)[pairs[:, 0]]
            query = np.frombuffer(read.query_sequence.encode(), dtype=np.uint8)[pairs[:, 0]]
            np.add.at(bases, quals, 1)
            np.add.at(mismatches, quals, query != seq[pairs[:, 1]])
    return bases, mismatches


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("set", type=Path, help="a make_benchmark.py output directory")
    ap.add_argument("--bam", default="normal.bam")
    ap.add_argument("--max-reads", type=int, default=60_000)
    args = ap.parse_args()
    bases, mismatches = error_by_quality(args.set / args.bam, args.set / "ref.fa", args.set / "truth.germline.vcf.gz",
                                         args.max_reads)
    print("quality\tbases\tmismatch_rate\tclaimed_rate")
    for q in np.flatnonzero(bases >= 1000):
        print(f"{q}\t{bases[q]}\t{mismatches[q] / bases[q]:.5f}\t{10 ** (-q / 10):.5f}")


if __name__ == "__main__":
    main()
