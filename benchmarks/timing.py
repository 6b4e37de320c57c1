"""CPU time, wall time and peak memory of a benchmark command, the same way for every benchmark.

Shared by benchmarks/somatic and benchmarks/polish: a command runs under GNU time
(``/usr/bin/time -v``) when it is installed, else its children's resource usage is read.
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path


def parse_time_v(path: Path) -> dict:
    """wall_s, cpu_s (user + system) and peak_rss_mb from a ``/usr/bin/time -v`` report."""
    text = path.read_text()

    def grab(label: str) -> str:
        match = re.search(rf"^\s*{re.escape(label)}: (.+)$", text, re.M)
        if not match:
            raise ValueError(f"{path}: no '{label}'")
        return match.group(1).strip()

    wall = 0.0
    for part in grab("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":"):
        wall = wall * 60 + float(part)
    user, system = float(grab("User time (seconds)")), float(grab("System time (seconds)"))
    return {"wall_s": round(wall, 2), "cpu_s": round(user + system, 2),
            "peak_rss_mb": round(int(grab("Maximum resident set size (kbytes)")) / 1024, 1)}


def run_measured(cmd: str, cwd: Path, time_file: Path, stderr_file: Path) -> tuple[int, dict | None]:
    """Run ``cmd`` (bash, pipefail) in ``cwd`` with stderr to ``stderr_file``; (exit status, usage or None)."""
    if Path("/usr/bin/time").exists():
        with open(stderr_file, "w") as handle:
            proc = subprocess.run(["/usr/bin/time", "-v", "-o", str(time_file), "bash", "-o", "pipefail", "-c", cmd],
                                  cwd=cwd, stdout=subprocess.DEVNULL, stderr=handle)
        return proc.returncode, (parse_time_v(time_file) if proc.returncode == 0 else None)
    import resource
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.time()
    with open(stderr_file, "w") as handle:
        proc = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], cwd=cwd, stdout=subprocess.DEVNULL, stderr=handle)
    if proc.returncode != 0:
        return proc.returncode, None
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return 0, {"wall_s": round(time.time() - started, 2),
               "cpu_s": round(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime, 2),
               "peak_rss_mb": round(after.ru_maxrss / 1024, 1)}   # max over all children so far
