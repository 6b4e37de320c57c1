#!/usr/bin/env bash
# Install the external tools of the polishing benchmark from Debian's packages:
# racon (the peer polisher), minimap2 (aligner), pbsim (read simulator), samtools, GNU time.
# Only what is missing is installed; safe to re-run. Needs root (or sudo).
set -euo pipefail

declare -A BINARY=(
  [racon]=racon
  [minimap2]=minimap2
  [pbsim]=pbsim
  [samtools]=samtools
  [time]=/usr/bin/time
)

missing=()
for pkg in "${!BINARY[@]}"; do
  command -v "${BINARY[$pkg]}" >/dev/null 2>&1 || missing+=("$pkg")
done
# pbsim's quality model, used by make_benchmark.py
[[ -e /usr/share/pbsim/models/model_qc_clr ]] || missing+=(pbsim)

if ((${#missing[@]} == 0)); then
  echo "all polishing benchmark tools present"
else
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${missing[@]}" | sort -u)
fi

for pkg in "${!BINARY[@]}"; do
  command -v "${BINARY[$pkg]}" >/dev/null 2>&1 || { echo "missing after install: ${BINARY[$pkg]}" >&2; exit 1; }
done
# one line of version per tool, for the record
echo "racon $(racon --version)"
echo "minimap2 $(minimap2 --version)"
echo "pbsim $(dpkg-query -W -f '${Version}' pbsim 2>/dev/null || echo '?')"
samtools --version | head -1
