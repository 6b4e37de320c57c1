"""Shared by run_peers.py and run_genomeml.py: timing, scoring, the results table.

* ``timed``: a shell command under ``/usr/bin/time -v``: CPU = user + system of all its
  processes, peak RSS = the largest single process (falls back to ``getrusage``).
* ``score``: ``genomeml evaluate assembly --json`` of the draft and of a polished FASTA
  against truth.fa (the official numbers), plus ``breakdown``: each polished-vs-truth
  difference (minimap2 asm5 via mappy, cs tag, truth coordinates) is *left* when it falls
  in the window of an injected draft error (the edit +- 10 bp, widened over the whole
  homopolymer/STR it sits in), else *new*; an injected error with nothing left in its
  window is *fixed*. On the ``perfect`` draft every difference is new.
* ``table``: one markdown row per (case, tool).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from timing import run_measured  # noqa: E402  (benchmarks/timing.py)

WINDOW = 10
CASES = ("hifi30", "hifi20", "perfect", "perfect20", "hifi30_dense")
_CS = re.compile(r":(\d+)|\*([a-z])([a-z])|([+-])([A-Za-z]+)")


def fail(msg: str) -> None:
    sys.exit(f"{Path(sys.argv[0]).name}: {msg}")


def genomeml_exe() -> str:
    beside = Path(sys.executable).with_name("genomeml")
    exe = str(beside) if beside.exists() else shutil.which("genomeml")
    if not exe:
        fail("no genomeml executable next to this python or on PATH")
    return exe


def case_dirs(bench: Path, names: str | None) -> list[Path]:
    wanted = names.split(",") if names else [c for c in CASES if (bench / c / "draft.fa").exists()]
    dirs = [bench / c for c in wanted]
    for d in dirs:
        if not (d / "draft.fa").exists():
            fail(f"{d}: no draft.fa (build it with benchmarks/polish/make_benchmark.py)")
    if not dirs:
        fail(f"{bench}: no benchmark cases found")
    return dirs


# ----------------------------------------------------------------------------- timing
def timed(cmd: str, cwd: Path, tag: str) -> dict:
    """Run ``cmd`` (bash, pipefail) in ``cwd``; stderr to ``cwd/<tag>.stderr``; stop on failure."""
    err = cwd / f"{tag}.stderr"
    status, usage = run_measured(cmd, cwd, cwd / f"{tag}.time", err)
    if status != 0:
        fail(f"failed ({status}) in {cwd}: {cmd}\n{err.read_text(errors='replace')[-3000:]}")
    return {"command": cmd, **usage}


def combine(steps: list[dict]) -> dict:
    """Totals of consecutive steps: wall and CPU add up, peak RSS is the largest."""
    return {"wall_s": round(sum(s["wall_s"] for s in steps), 2), "cpu_s": round(sum(s["cpu_s"] for s in steps), 2),
            "peak_rss_mb": max(s["peak_rss_mb"] for s in steps), "steps": steps}


# ----------------------------------------------------------------------------- scoring
def evaluate(truth: Path, assembly: Path, json_path: Path) -> dict:
    """``genomeml evaluate assembly`` (one thread), its JSON without the per-contig part."""
    cmd = [genomeml_exe(), "evaluate", "assembly", "--truth", str(truth), "--assembly", str(assembly),
           "--json", str(json_path), "--threads", "1"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        fail(f"evaluate failed: {' '.join(cmd)}\n{proc.stderr[-2000:]}")
    metrics = json.loads(json_path.read_text())
    metrics.pop("contigs", None)
    return metrics


def _read_fasta(path: Path) -> dict[str, str]:
    import mappy
    return {name: seq for name, seq, _ in mappy.fastx_read(str(path), read_comment=False)}


def _injected(case: Path) -> dict[str, list[tuple[int, int]]]:
    """Truth-coordinate windows of the injected draft errors, per contig."""
    truth = _read_fasta(case / "truth.fa")
    windows: dict[str, list[tuple[int, int]]] = {}
    path = case / "draft_errors.tsv"
    if not path.exists():
        return windows
    for line in path.read_text().splitlines()[1:]:
        contig, tpos, _dpos, tal, dal, kind = line.split("\t")
        start, end = int(tpos), int(tpos) + len(tal)
        seq = truth[contig]
        if kind in ("homopolymer", "str"):   # widen over the whole tract after the anchor base
            period = 1 if kind == "homopolymer" else len(tal[1:] or dal[1:])
            unit = seq[start + 1:start + 1 + period]
            end = start + 1
            while seq[end:end + period] == unit:
                end += period
        windows.setdefault(contig, []).append((start - WINDOW, end + WINDOW))
    return windows


def differences(truth: Path, assembly: Path) -> list[tuple[str, int, str, int]]:
    """(truth contig, truth position, kind, bases) of every difference, primary alignments, longest first."""
    import mappy
    aligner = mappy.Aligner(str(truth), preset="asm5", n_threads=1)
    diffs = []
    for _name, seq in _read_fasta(assembly).items():
        hits = sorted((h for h in aligner.map(seq, cs=True) if h.is_primary), key=lambda h: -h.blen)
        claimed: dict[str, list[tuple[int, int]]] = {}
        for h in hits:
            if any(s < h.r_en and h.r_st < e for s, e in claimed.get(h.ctg, [])):
                continue   # overlaps a longer hit on the truth
            claimed.setdefault(h.ctg, []).append((h.r_st, h.r_en))
            pos = h.r_st
            for m in _CS.finditer(h.cs):
                run, rb, _qb, op, bases = m.groups()
                if run:
                    pos += int(run)
                elif rb:
                    if rb != "n":
                        diffs.append((h.ctg, pos, "sub", 1))
                    pos += 1
                elif op == "+":
                    diffs.append((h.ctg, pos, "ins", len(bases)))
                else:
                    diffs.append((h.ctg, pos, "del", len(bases)))
                    pos += len(bases)
    return diffs


def breakdown(case: Path, assembly: Path) -> dict:
    """Injected errors fixed / left, and new errors (events and bases), per the module docstring."""
    windows = _injected(case)
    n_injected = sum(len(w) for w in windows.values())
    hit = set()
    left = new = new_bases = 0
    for contig, pos, _kind, bases in differences(case / "truth.fa", assembly):
        inside = [i for i, (s, e) in enumerate(windows.get(contig, [])) if s <= pos < e]
        if inside:
            left += 1
            hit.update((contig, i) for i in inside)
        else:
            new += 1
            new_bases += bases
    truth_bases = sum(len(s) for s in _read_fasta(case / "truth.fa").values())
    return {"injected": n_injected, "fixed": n_injected - len(hit), "injected_left": len(hit),
            "left_events": left, "new_events": new, "new_bases": new_bases,
            "new_events_per_100kb": round(new / truth_bases * 1e5, 2),
            "new_bases_per_100kb": round(new_bases / truth_bases * 1e5, 2)}


def score(case: Path, polished: Path, out: Path, usage: dict) -> dict:
    """Everything one table row needs, for one polished assembly of one case."""
    before = evaluate(case / "truth.fa", case / "draft.fa", out / "eval.draft.json")
    after = evaluate(case / "truth.fa", polished, out / "eval.polished.json")
    draft_mb = sum(len(s) for s in _read_fasta(case / "draft.fa").values()) / 1e6
    entry = {"case": case.name, "draft_mb": round(draft_mb, 4), "before": before, "after": after,
             "breakdown": breakdown(case, polished), **usage,
             "mb_per_cpu_min": round(draft_mb / (usage["cpu_s"] / 60), 2) if usage["cpu_s"] > 0 else None}
    entry["reduced_pct"] = _pct(before["error_events"], after["error_events"])
    entry["reduced_bases_pct"] = _pct(before["error_bases"], after["error_bases"])
    indel_b = before["insertion_events"] + before["deletion_events"]
    indel_a = after["insertion_events"] + after["deletion_events"]
    entry["indel_reduced_pct"] = _pct(indel_b, indel_a)
    entry["changed_bases_per_100kb"] = round(after["error_bases"] / (draft_mb * 10), 2) \
        if before["error_events"] == 0 else None
    return entry


def merge_results(path: Path, results: dict[str, dict], **meta) -> dict[str, dict]:
    """Write ``results`` (case -> ...) into the JSON at ``path``, keeping other cases run before."""
    old = json.loads(path.read_text()).get("results", {}) if path.exists() else {}
    merged = {c: results.get(c, old.get(c)) for c in [*CASES, *old, *results] if c in results or c in old}
    path.write_text(json.dumps({**meta, "results": merged}, indent=2) + "\n")
    return merged


def _pct(before: int, after: int) -> float | None:
    return round(100 * (before - after) / before, 1) if before else None


# ----------------------------------------------------------------------------- table
HEADER = ("| case | tool | draft errors ev/bp (sub/ins/del) | after ev/bp (sub/ins/del) | reduced % ev (bp) "
          "| indel reduced % | fixed / left / new | new per 100 kb ev/bp | QV before → after | CPU s "
          "| Mb/CPU-min | × racon 1 round | peak RSS MB |")


def _counts(m: dict) -> str:
    return (f"{m['error_events']}/{m['error_bases']} ({m['substitutions']}/{m['insertion_events']}/"
            f"{m['deletion_events']})")


def _qv(m: dict) -> str:
    return "-" if m["qv"] is None else (">=" if m["qv_capped"] else "") + f"{m['qv']:.1f}"


def _fmt(x) -> str:
    return "-" if x is None else f"{x}"


def row(tool: str, e: dict, racon_speed: float | None = None) -> str:
    b = e["breakdown"]
    ratio = round(e["mb_per_cpu_min"] / racon_speed, 2) if racon_speed and e["mb_per_cpu_min"] else None
    reduced = "-" if e["reduced_pct"] is None else f"{e['reduced_pct']} ({e['reduced_bases_pct']})"
    fixed = f"{b['fixed']} / {b['injected_left']} / {b['new_events']}"
    return (f"| {e['case']} | {tool} | {_counts(e['before'])} | {_counts(e['after'])} | {reduced} "
            f"| {_fmt(e['indel_reduced_pct'])} | {fixed} | {b['new_events_per_100kb']}/{b['new_bases_per_100kb']} "
            f"| {_qv(e['before'])} → {_qv(e['after'])} | {e['cpu_s']} | {_fmt(e['mb_per_cpu_min'])} "
            f"| {_fmt(ratio)} | {e['peak_rss_mb']} |")


def table(results: dict[str, dict[str, dict]], racon_key: str = "racon 1 round") -> str:
    """results: case -> tool -> entry. The × racon column is relative to ``racon_key`` of the same case."""
    lines = [HEADER, "|" + "---|" * (HEADER.count("|") - 1)]
    for case, tools in results.items():
        speed = tools.get(racon_key, {}).get("mb_per_cpu_min")
        for tool, entry in tools.items():
            lines.append(row(tool, entry, speed))
    return "\n".join(lines)
