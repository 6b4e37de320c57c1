#!/usr/bin/env bash
# Build every somatic benchmark set and run the peer callers on each, one heavy process at a time.
#   bash benchmarks/somatic/run_all.sh [OUT]     (default OUT=out/somatic_bench, ignored by git)
# Needs the package's virtualenv active (pysam, genomeml) and benchmarks/somatic/install_tools.sh run once.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
OUT="${1:-out/somatic_bench}"
SHARED="$(cd "$HERE/../../.." && pwd)/shared/data"
start=$(date +%s)
build() { local name=$1; shift; [[ -e "$OUT/sets/$name/benchmark.json" ]] || python "$HERE/make_benchmark.py" --out "$OUT/sets/$name" "$@"; }
build hs37d5_60x40x --seed 1
build hs37d5_30x30x --seed 1 --depths 30,30
build hs37d5_60x40x_seed2 --seed 2
# four more draws of the same 60x/40x design: one set has ~90 indels, so a single indel moves its F1 by 0.005
for seed in 3 4 5 6; do build hs37d5_60x40x_seed$seed --seed $seed; done
# four more (seeds 15-18, session 19): ten draws in all, to tell the indel comparison with freebayes from chance
for seed in 15 16 17 18; do build hs37d5_60x40x_seed$seed --seed $seed; done
# the seed-1 reads again, aligned by bowtie2 end-to-end (no soft clips): an aligner no training pair used
build hs37d5_60x40x_bowtie2 --seed 1 --aligner bowtie2
build hs37d5_60x40x_seed2_bowtie2 --seed 2 --aligner bowtie2
# the same design with reads from another simulator, dwgsim (two draws, seeds 7 and 8: new mutations too)
build hs37d5_60x40x_dwgsim_s7 --seed 7 --simulator dwgsim
build hs37d5_60x40x_dwgsim_s8 --seed 8 --simulator dwgsim
# an older instrument and shorter reads: art's HiSeq 2000 profile, 2x100 (seed 10: new mutations too)
build hs37d5_60x40x_hs20_100 --seed 10 --art-profile HS20 --read-length 100
# deeper than any training pair (exome-like): 200x tumor, 100x normal (seed 12)
build hs37d5_200x100x --seed 12 --depths 200,100
# InSilicoSeq's error model of a real NovaSeq run (seed 13): qualities binned to Q11/25/37, as NovaSeq writes them
build hs37d5_60x40x_iss_novaseq --seed 13 --simulator iss
# its MiSeq model (seed 14): 2x301 from 400-bp fragments, so mates overlap and the 60x are ~40x of fragments
build hs37d5_60x40x_iss_miseq --seed 14 --simulator iss --iss-model MiSeq --read-length 301
# two genomes unlike human sequence (make_other_genome.py): bacterial-like GC-rich, Plasmodium-like AT-rich
mkdir -p "$OUT/genomes"
for kind in gc-rich at-rich; do
  [[ -e "$OUT/genomes/$kind.fa" ]] || python "$HERE/make_other_genome.py" --kind $kind --seed 21 --out "$OUT/genomes/$kind.fa"
done
build gc_rich_60x40x --seed 21 --ref "$OUT/genomes/gc-rich.fa"
build at_rich_60x40x --seed 22 --ref "$OUT/genomes/at-rich.fa"
build grch38_60x40x --seed 1 --ref "$SHARED/GRCh38_chr20_0_200000.fa" --region chr20:130001-200000
[[ -e "$OUT/sets/real_split/benchmark.json" ]] || python "$HERE/make_real_split.py" --out "$OUT/sets/real_split"
# the same real reads split three more ways: 100 kb gives too few chances for a false call to show
for salt in 1 2 3; do
  [[ -e "$OUT/sets/real_split_s$salt/benchmark.json" ]] || python "$HERE/make_real_split.py" --salt $salt --out "$OUT/sets/real_split_s$salt"
done
# the same real reads with somatic mutations spiked into the tumor half (BAMSurgeon-style), four draws
for k in 0 1 2 3; do
  name=real_spikein; [[ $k == 0 ]] || name=real_spikein_s$k
  [[ -e "$OUT/sets/$name/benchmark.json" ]] || python "$HERE/make_spikein.py" --salt $k --seed $((k + 1)) --out "$OUT/sets/$name"
done
# the same again with 6-30 bp indels outside homopolymers (a third each SNV, insertion, deletion), four draws
for k in 0 1 2 3; do
  [[ -e "$OUT/sets/real_spikein_long_s$k/benchmark.json" ]] || \
    python "$HERE/make_spikein.py" --long-indels --salt $k --seed $((k + 11)) --out "$OUT/sets/real_spikein_long_s$k"
done
built=$(date +%s)
echo "sets built in $((built - start)) s" >&2
# the sets in run_genomeml.py's order (SETS), so a new set is named in one place
sets=$(cd "$HERE" && python -c "from run_genomeml import SETS; print(*SETS)")
for set in $sets; do
  python "$HERE/run_peers.py" "$OUT/sets/$set" "$OUT/peers/$set" 2> >(grep -v 'W::bcf_hdr_check_sanity' >&2)
  echo
done
echo "all done in $(( $(date +%s) - start )) s (building $((built - start)) s)" >&2
