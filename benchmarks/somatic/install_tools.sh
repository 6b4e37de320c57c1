#!/usr/bin/env bash
# Install the external tools of the somatic benchmark from Debian's packages:
# art_illumina and dwgsim (read simulators), bwa and bowtie2 (aligners), samtools, bcftools, tabix/bgzip, freebayes;
# and InSilicoSeq from PyPI into a venv of its own.
# Only what is missing is installed; safe to re-run. Needs root (or sudo).
set -euo pipefail

declare -A BINARY=(
  [art-nextgen-simulation-tools]=art_illumina
  [dwgsim]=dwgsim
  [bwa]=bwa
  [bowtie2]=bowtie2
  [samtools]=samtools
  [bcftools]=bcftools
  [tabix]=tabix
  [freebayes]=freebayes
  [time]=/usr/bin/time
)

missing=()
for pkg in "${!BINARY[@]}"; do
  command -v "${BINARY[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
  echo "all benchmark tools present"
else
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

for pkg in "${!BINARY[@]}"; do
  command -v "${BINARY[$pkg]}" >/dev/null 2>&1 || { echo "missing after install: ${BINARY[$pkg]}" >&2; exit 1; }
done
# InSilicoSeq (make_benchmark.py --simulator iss) is on PyPI, not Debian: a venv of its own keeps its
# scipy/biopython out of genomeml's environment; make_benchmark.py looks for it there.
ISS_VENV="$HOME/.local/share/genomeml-bench/iss"
if [[ ! -x "$ISS_VENV/bin/iss" ]]; then
  python3 -m venv "$ISS_VENV"
  "$ISS_VENV/bin/pip" install -q InSilicoSeq==2.0.1
fi

# one line of version per tool, for the record
art_illumina 2>&1 | grep -m1 -i 'version' || true
bwa 2>&1 | grep -m1 Version || true
bowtie2 --version 2>&1 | head -1
dwgsim 2>&1 | grep -m1 Version || true
samtools --version | head -1
bcftools --version | head -1
freebayes --version 2>&1 | head -1
"$ISS_VENV/bin/iss" --version
