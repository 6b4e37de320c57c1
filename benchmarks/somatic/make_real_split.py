#!/usr/bin/env python
"""Real-reads false-positive check: split one real sample into a "tumor" and a "normal" half.

The reads of HG002 (GIAB, Illumina 2x148, ~30x on 20:10,000,001-10,100,000 of hs37d5)
go to two halves by a stable hash of the read name (zlib.crc32, so both mates and
any secondary/supplementary records of a template land in the same half). Both halves
come from one person: every somatic PASS call made on them is a false positive.

Outputs in --out: tumor.bam / normal.bam (+ .bai; one read group each, ID = SM =
TUMOR / NORMAL, every record's RG tag rewritten), ref.fa (+ .fai: contig 20 of
the bgzipped hs37d5 test reference, written plain because freebayes cannot read
bgzipped FASTA), confident.bed (the covered stretch) and benchmark.json.

    python benchmarks/somatic/make_real_split.py --out out/bench/real_split
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import zlib
from pathlib import Path

import pysam

from genomeml.io.atomic import atomic_directory

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "data" / "real"
DEFAULT_BAM = REAL / "HG002_illumina_30x.chr20_10000000_10100000.bam"
DEFAULT_REF = REAL / "hs37d5_chr20_unittest.fa.gz"
DEFAULT_REGION = ("20", 10_000_000, 10_100_000)  # 0-based half-open, as in the BED


def half_of(name: str, salt: int = 0) -> int:
    """0 (tumor) or 1 (normal): the lowest bit of the read name's CRC32 (started from ``salt``:
    other salts give other, equally valid splits of the same reads)."""
    return zlib.crc32(name.encode(), salt) & 1


def split_header(header: dict, sample: str, salt: int = 0) -> dict:
    header = {key: value for key, value in header.items() if key != "CO"}  # checksums of the whole file
    original = (header.get("RG") or [{}])[0]
    rg = {key: value for key, value in original.items() if key not in ("ID", "SM")}
    header["RG"] = [{"ID": sample, "SM": sample, **rg}]
    previous = list(header.get("PG", []))
    header["PG"] = previous + [{
        "ID": "make_real_split", "PN": "make_real_split.py", **({"PP": previous[-1]["ID"]} if previous else {}),
        "CL": f"crc32(read name, {salt}) & 1 == {0 if sample == 'TUMOR' else 1} of {original.get('SM', '?')}"}]
    return header


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--bam", default=str(DEFAULT_BAM))
    ap.add_argument("--ref", default=str(DEFAULT_REF))
    ap.add_argument("--region", default="{}:{}-{}".format(DEFAULT_REGION[0], DEFAULT_REGION[1] + 1,
                                                          DEFAULT_REGION[2]),
                    help="confident region, 1-based inclusive (default %(default)s)")
    ap.add_argument("--salt", type=int, default=0,
                    help="CRC32 start value: each salt is another random split of the reads (default 0)")
    args = ap.parse_args(argv)
    started = time.time()
    out = Path(args.out)
    if out.exists() and any(out.iterdir()):
        sys.exit(f"make_real_split: {out} exists and is not empty")
    contig, _, span = args.region.partition(":")
    start1, _, end = span.replace(",", "").partition("-")
    start0, end0 = int(start1) - 1, int(end)

    out.parent.mkdir(parents=True, exist_ok=True)
    with atomic_directory(out) as tmp:   # nothing half-written survives a failure
        counts = {"TUMOR": 0, "NORMAL": 0}
        templates = {"TUMOR": set(), "NORMAL": set()}
        with pysam.AlignmentFile(args.bam) as bam:
            source = bam.header.to_dict()
            writers = {sample: pysam.AlignmentFile(str(tmp / f"{sample.lower()}.bam"), "wb",
                                                   header=split_header(source, sample, args.salt))
                       for sample in ("TUMOR", "NORMAL")}
            for read in bam.fetch(until_eof=True):
                sample = "TUMOR" if half_of(read.query_name, args.salt) == 0 else "NORMAL"
                read.set_tag("RG", sample, value_type="Z")
                writers[sample].write(read)
                counts[sample] += 1
                templates[sample].add(read.query_name)
            for writer in writers.values():
                writer.close()
        for sample in ("tumor", "normal"):
            pysam.index(str(tmp / f"{sample}.bam"))

        with pysam.FastaFile(args.ref) as fasta:
            seq = fasta.fetch(contig)
        with open(tmp / "ref.fa", "w") as handle:
            handle.write(f">{contig}\n")
            for i in range(0, len(seq), 60):
                handle.write(seq[i:i + 60] + "\n")
        pysam.faidx(str(tmp / "ref.fa"))
        (tmp / "confident.bed").write_text(f"{contig}\t{start0}\t{end0}\n")

        depth = {}
        for sample in ("tumor", "normal"):
            with pysam.AlignmentFile(str(tmp / f"{sample}.bam")) as bam:
                covered = bam.count_coverage(contig, start0, end0, quality_threshold=0)
                depth[sample] = round(sum(sum(c) for c in covered) / (end0 - start0), 2)
        summary = {"source_bam": args.bam, "source_ref": args.ref, "region": f"{contig}:{start0 + 1}-{end0}",
                   "split": f"zlib.crc32(read name, {args.salt}) & 1: 0 -> TUMOR, 1 -> NORMAL",
                   "records": counts, "templates": {k: len(v) for k, v in templates.items()},
                   "mean_depth": depth, "truth": None,
                   "note": "both halves are one sample (HG002): every somatic PASS call is a false positive",
                   "seconds": round(time.time() - started, 1)}
        (tmp / "benchmark.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(f"make_real_split: {counts} records, depth {depth}, {summary['seconds']} s -> {out}", file=sys.stderr)
    return summary


if __name__ == "__main__":
    main()
