#!/usr/bin/env bash
# OpenBLAS against BLIS inside LossLab: the same `losslab bench` cases with each library doing
# the matrix products, alternating in one run. BLIS is swapped in with LD_PRELOAD (its CBLAS
# layer then answers cblas_sgemm before OpenBLAS does), two threads each.
#
#   bash benchmarks/blas.sh [--rounds N] [--bin PATH/TO/losslab] [--blis PATH/TO/libblis.so.4] [--loss L]...
#
# Needs Debian's libblis4-pthread (apt-get install libblis4-pthread); nothing else of LossLab
# changes. BLIS picks its own kernels (BLIS_ARCH_DEBUG=1 shows which; BLIS_ARCH_TYPE=skx forces
# the AVX-512 ones, as LossLab forces OpenBLAS's). Prints, per case and library, the median over the rounds of the loss's time and of
# the GEMM floor, and the BLIS/OpenBLAS ratio of each round.
set -eu
bin=.build/release/losslab
blis=/usr/lib/x86_64-linux-gnu/blis-pthread/libblis.so.4
rounds=3
losses=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift ;;
    --bin) bin=$2; shift ;;
    --blis) blis=$2; shift ;;
    --loss) losses+=("--loss" "$2"); shift ;;
    *) echo "blas.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$bin" ] || { echo "blas.sh: no $bin: build it with swift build -c release" >&2; exit 2; }
[ -f "$blis" ] || { echo "blas.sh: no $blis: apt-get install libblis4-pthread" >&2; exit 2; }
[ ${#losses[@]} -gt 0 ] || losses=(--loss MultipleNegativesRankingLoss --loss CoSENTLoss --loss BatchAllTripletLoss)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  "$bin" bench --json --batch 1024 --dim 768 "${losses[@]}" > "$work/openblas.$round.json"
  LD_PRELOAD="$blis" BLIS_NUM_THREADS=2 "$bin" bench --json --batch 1024 --dim 768 "${losses[@]}" > "$work/blis.$round.json"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$work" "$rounds" <<'PY'
import json, statistics, sys
work, rounds = sys.argv[1], int(sys.argv[2])
runs = {lib: [json.load(open(f"{work}/{lib}.{r}.json")) for r in range(1, rounds + 1)] for lib in ("openblas", "blis")}
print(f"{'loss':<32} {'OpenBLAS ms':>11} {'floor':>8} {'BLIS ms':>9} {'floor':>8} {'BLIS/OpenBLAS per round':>24}")
for i, row in enumerate(runs["openblas"][0]):
    o = [run[i]["median_ms"] for run in runs["openblas"]]; b = [run[i]["median_ms"] for run in runs["blis"]]
    of = [run[i]["gemm_floor_ms"] for run in runs["openblas"]]; bf = [run[i]["gemm_floor_ms"] for run in runs["blis"]]
    ratios = " ".join(f"{y / x:.2f}" for x, y in zip(o, b))
    print(f"{row['loss']:<32} {statistics.median(o):>11.2f} {statistics.median(of):>8.2f} {statistics.median(b):>9.2f} {statistics.median(bf):>8.2f} {ratios:>24}")
print(f"OpenBLAS kernels: {runs['openblas'][0][0].get('blas_kernels', '?')}; batch 1024, dim 768; medians over {rounds} rounds")
PY
