#!/usr/bin/env bash
# Build the polishing benchmark and run racon (1 and 2 rounds) on every case, one process at a time.
#   bash benchmarks/polish/run_all.sh [OUT]     (default OUT=out/polish_bench, ignored by git)
# Then, once `genomeml polish` exists:  python benchmarks/polish/run_genomeml.py OUT [--model PATH]
# Needs the package's virtualenv active (pysam, mappy, genomeml); installs the Debian tools if missing.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-out/polish_bench}"
start=$(date +%s)
bash "$HERE/install_tools.sh"
[[ -e "$OUT/benchmark.json" ]] || python "$HERE/make_benchmark.py" "$OUT" --seed 1
built=$(date +%s)
python "$HERE/run_peers.py" "$OUT"
echo "all done in $(( $(date +%s) - start )) s (building $((built - start)) s)" >&2
