#!/usr/bin/env python
"""Run ``genomeml polish`` on every benchmark case, time and score it, and set it beside racon.

    python benchmarks/polish/run_genomeml.py OUTDIR [--model PATH] [--cases hifi30,...] [--threads 1]

OUTDIR is the directory make_benchmark.py built and run_peers.py filled (OUTDIR/peers.json;
without it the table has genomeml rows only). Per case, in OUTDIR/runs/genomeml/<case>/:

    genomeml -v polish --assembly draft.fa --reads reads.bam --output polished.fa --vcf edits.vcf.gz --threads 1

(stderr in polish.stderr; stage timings logged as ``'<name>_s': seconds`` are picked up),
timed with /usr/bin/time -v (CPU = user + system of every process, TensorFlow's threads
included; peak RSS of the largest process), scored exactly like racon (common.py), and
checked for consistency: applying edits.vcf.gz to draft.fa must give polished.fa.
Writes OUTDIR/genomeml.json (cases run earlier are kept) and OUTDIR/genomeml.md (genomeml's rows with racon's beside
them, speed as a ratio to racon 1 round on the same case and machine) and prints the
table plus the issue's targets, met or not.

``--command`` replaces the polish command (placeholders {genomeml} {draft} {bam} {output}
{vcf} {threads}), e.g. to measure an older build; the default is the command above.
"""

from __future__ import annotations

import argparse
import datetime
import json
import re
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import case_dirs, combine, fail, genomeml_exe, merge_results, score, table, timed  # noqa: E402

COMMAND = ("{genomeml} -v polish --assembly {draft} --reads {bam} --output {output} --vcf {vcf} "
           "--threads {threads}")
STAGE = re.compile(r"'(\w+_s)': ([\d.]+)")   # stage timings, if polish logs them like call-somatic does


def polish_available(exe: str) -> bool:
    proc = subprocess.run([exe, "polish", "--help"], capture_output=True, text=True)
    return proc.returncode == 0


def apply_vcf(draft: Path, vcf: Path) -> tuple[dict[str, str], int]:
    """The draft with every record of ``vcf`` applied (REF must match; records must not overlap), and the count."""
    import mappy
    import pysam
    pysam.set_verbosity(0)   # no complaint about a VCF without an index: it is read front to back
    seqs = {n: s for n, s, _ in mappy.fastx_read(str(draft), read_comment=False)}
    edits: dict[str, list] = {}
    with pysam.VariantFile(str(vcf)) as handle:
        for rec in handle:
            if not rec.alts or len(rec.alts) != 1:
                raise ValueError(f"{rec.chrom}:{rec.pos}: expected exactly one ALT")
            edits.setdefault(rec.chrom, []).append((rec.pos - 1, rec.ref, rec.alts[0]))
    out = {}
    for name, seq in seqs.items():
        pieces, cursor = [], 0
        for pos, ref, alt in sorted(edits.get(name, [])):
            if pos < cursor or seq[pos:pos + len(ref)].upper() != ref.upper():
                raise ValueError(f"{name}:{pos + 1}: REF {ref} overlaps another edit or is not the draft's")
            pieces += [seq[cursor:pos], alt]
            cursor = pos + len(ref)
        out[name] = "".join(pieces) + seq[cursor:]
    return out, sum(map(len, edits.values()))


def vcf_check(draft: Path, vcf: Path, polished: Path) -> dict:
    import mappy
    if not vcf.exists():
        return {"vcf": "missing"}
    try:
        applied, n = apply_vcf(draft, vcf)
    except ValueError as exc:
        return {"vcf": f"invalid: {exc}"}
    polished_seqs = {n: s for n, s, _ in mappy.fastx_read(str(polished), read_comment=False)}
    same = applied.keys() == polished_seqs.keys() and all(applied[k].upper() == polished_seqs[k].upper()
                                                          for k in applied)
    return {"vcf": "consistent" if same else "differs from polished.fa", "vcf_records": n}


def targets(results: dict[str, dict[str, dict]]) -> list[str]:
    """The issue's targets, one line each, from genomeml's and racon's entries."""
    lines = ["| target | measured | |", "|---|---|---|"]

    def line(name: str, ok: bool, text: str) -> None:
        lines.append(f"| {name} | {text} | {'met' if ok else '**not met**'} |")

    erroneous = {c: t["genomeml"] for c, t in results.items() if t["genomeml"]["before"]["error_events"]}
    perfect = {c: t["genomeml"] for c, t in results.items() if not t["genomeml"]["before"]["error_events"]}
    if erroneous:
        line("total errors reduced >= 90%", all(e["reduced_pct"] >= 90 for e in erroneous.values()),
             ", ".join(f"{c} {e['reduced_pct']}%" for c, e in erroneous.items()))
        line("indel errors reduced >= 90%", all((e["indel_reduced_pct"] or 0) >= 90 for e in erroneous.values()),
             ", ".join(f"{c} {e['indel_reduced_pct']}%" for c, e in erroneous.items()))
    if perfect:
        line("error-free draft: <= 1 changed base per 100 kb",
             all(e["changed_bases_per_100kb"] <= 1 for e in perfect.values()),
             ", ".join(f"{c} {e['changed_bases_per_100kb']}" for c, e in perfect.items()))
    fewer = []
    for case, tools in results.items():
        mine = tools["genomeml"]["after"]["error_events"]
        for tool, e in tools.items():
            if tool.startswith("racon"):
                fewer.append((case, tool, mine, e["after"]["error_events"]))
    if fewer:
        line("fewer errors than racon 1 and 2 rounds, every case", all(m < r for _, _, m, r in fewer),
             "; ".join(f"{c} {m} vs {t.split()[1]}r {r}" for c, t, m, r in fewer))
    speeds = {c: t["genomeml"]["mb_per_cpu_min"] for c, t in results.items() if c.startswith("hifi30")}
    ratios = {c: round(t["genomeml"]["mb_per_cpu_min"] / t["racon 1 round"]["mb_per_cpu_min"], 2)
              for c, t in results.items() if "racon 1 round" in t and t["genomeml"]["mb_per_cpu_min"]}
    if speeds:
        line(">= 5 Mb draft per CPU-minute at 30x (× racon 1 round)", all((s or 0) >= 5 for s in speeds.values()),
             ", ".join(f"{c} {s} ({ratios.get(c, '-')}x)" for c, s in speeds.items()))
    peak = max(t["genomeml"]["peak_rss_mb"] for t in results.values())
    line("peak memory <= 2 GB", peak <= 2048, f"{peak} MB")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir", help="directory built by make_benchmark.py (and run_peers.py)")
    ap.add_argument("--model", help="model file (passed as --model)")
    ap.add_argument("--cases", help="comma-separated subset (default: every case found)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--command", default=COMMAND, help="polish command template (see the module docstring)")
    args = ap.parse_args()
    exe = genomeml_exe()
    if args.command == COMMAND and not polish_available(exe):
        fail(f"'{exe} polish' does not exist in this genomeml yet: nothing to measure "
             f"(racon's numbers: benchmarks/polish/run_peers.py)")
    bench = Path(args.outdir).resolve()
    peers_file = bench / "peers.json"
    peers = json.loads(peers_file.read_text())["results"] if peers_file.exists() else {}
    if not peers:
        print(f"note: no {peers_file}; run run_peers.py first for racon's rows", file=sys.stderr)
    results: dict[str, dict[str, dict]] = {}
    for case in case_dirs(bench, args.cases):
        dest = bench / "runs" / "genomeml" / case.name
        dest.mkdir(parents=True, exist_ok=True)
        cmd = args.command.format(genomeml=exe, draft=case / "draft.fa", bam=case / "reads.bam",
                                  output="polished.fa", vcf="edits.vcf.gz", threads=args.threads)
        if args.model:
            cmd += f" --model {args.model}"
        usage = combine([timed(cmd, dest, "polish")])
        log = (dest / "polish.stderr").read_text(errors="replace")
        usage["stages_s"] = {k: float(v) for k, v in STAGE.findall(log)}
        entry = {"output": str(dest / "polished.fa"), **score(case, dest / "polished.fa", dest, usage),
                 **vcf_check(case / "draft.fa", dest / "edits.vcf.gz", dest / "polished.fa")}
        results[case.name] = {"genomeml": entry, **peers.get(case.name, {})}
        print(f"{case.name}: {entry['before']['error_events']} -> {entry['after']['error_events']} errors, "
              f"CPU {entry['cpu_s']} s, {entry['mb_per_cpu_min']} Mb/CPU-min, VCF {entry['vcf']}",
              file=sys.stderr, flush=True)
    mine = merge_results(bench / "genomeml.json", {c: t["genomeml"] for c, t in results.items()},
                         date=datetime.date.today().isoformat(), command=args.command, model=args.model)
    results = {c: {"genomeml": e, **peers.get(c, {})} for c, e in mine.items()}
    text = table(results) + "\n\n" + "\n".join(targets(results))
    (bench / "genomeml.md").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
