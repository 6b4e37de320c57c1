"""What indel realignment changes in the examples: alt read counts with and without it, by truth label.

For each tumor/normal pair (a directory with ref.fa, tumor.bam, normal.bam and the two truth VCFs,
as `genomeml simulate somatic` and `make_benchmark.py` write them), makes the examples twice over
the same regions and reports, per label of the indel candidates:
- how many gained tumor or normal carriers, and how many carriers in all;
- for somatic indels, the tumor VAF before and after (hidden carriers raise it toward the truth);
- for germline indels, how many had no normal carrier before and have one after (what turns a
  false somatic call into a germline one).
Reference-labeled candidates that gain carriers are the cost: reads made to fit an allele that
is not there. Also the example-making time of each run.

    python benchmarks/somatic/realign_counts.py DIR [DIR ...] [--regions chr:s-e] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from genomeml.somatic.examples import ExampleSettings
from genomeml.somatic.labels import GERMLINE, REFERENCE, SOMATIC, label_alleles, truth_keys
from genomeml.somatic.make_examples import concatenate
from genomeml.somatic.shards import iter_examples, prepare_inputs


def _examples(directory: Path, regions: list[str], realign: bool):
    inputs = prepare_inputs(directory / "ref.fa", directory / "tumor.bam", directory / "normal.bam", regions)
    started = time.process_time()
    batch = concatenate([b for _, b in iter_examples(inputs, ExampleSettings(realign_indels=realign))])
    return batch, time.process_time() - started


def _truth(directory: Path, name: str) -> Path:
    for candidate in (directory / f"truth.{name}.vcf.gz", directory / f"{name}.vcf.gz"):
        if candidate.exists():
            return candidate
    raise SystemExit(f"{directory}: no truth.{name}.vcf.gz")


def compare(directory: Path, regions: list[str]) -> dict:
    plain, plain_s = _examples(directory, regions, False)
    realigned, realigned_s = _examples(directory, regions, True)
    assert plain.alleles == realigned.alleles, "realignment must not change the candidates"
    reference = str(directory / "ref.fa")
    labels = label_alleles(plain.alleles, truth_keys(str(_truth(directory, "somatic")), reference),
                           truth_keys(str(_truth(directory, "germline")), reference))
    out: dict = {"set": directory.name, "cpu_seconds_plain": round(plain_s, 1),
                 "cpu_seconds_realigned": round(realigned_s, 1)}
    for name, label in (("reference", REFERENCE), ("germline", GERMLINE), ("somatic", SOMATIC)):
        rows = [k for k, a in enumerate(plain.alleles) if a.is_indel and labels[k] == label]
        t_gain = np.array([realigned.tumor[k].alt - plain.tumor[k].alt for k in rows], dtype=np.int64)
        n_gain = np.array([realigned.normal[k].alt - plain.normal[k].alt for k in rows], dtype=np.int64)
        entry = {"indels": len(rows), "tumor_gained": int((t_gain > 0).sum()), "tumor_reads_gained": int(t_gain.sum()),
                 "normal_gained": int((n_gain > 0).sum()), "normal_reads_gained": int(n_gain.sum())}
        if name == "somatic" and rows:
            before = [plain.tumor[k].alt / max(plain.tumor[k].depth, 1) for k in rows]
            after = [realigned.tumor[k].alt / max(realigned.tumor[k].depth, 1) for k in rows]
            entry["tumor_vaf_mean_before"] = round(float(np.mean(before)), 4)
            entry["tumor_vaf_mean_after"] = round(float(np.mean(after)), 4)
        if name == "germline":
            entry["normal_absent_before"] = sum(plain.normal[k].alt == 0 for k in rows)
            entry["normal_absent_after"] = sum(realigned.normal[k].alt == 0 for k in rows)
        out[name] = entry
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("dirs", nargs="+", type=Path)
    parser.add_argument("--regions", action="append", default=[])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    results = [compare(d, args.regions) for d in args.dirs]
    for r in results:
        print(json.dumps(r))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
