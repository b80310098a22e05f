#!/usr/bin/env bash
# How training speed depends on the dataset's size: for N = 1k, 10k, 100k (and 1M with --million),
# generates N x 768 float32 vectors with 50 classes (never committed), then times `losslab run` of
# 1000 steps (BatchHardTripletLoss, batch 128, encoder linear dim=16, sampler=random, eval_every=0)
# against the same notebook without the steps, so load time is subtracted. Prints steps/s per N
# and each figure's ratio to N = 1k. All sizes run in one go, on the same machine.
# Usage: benchmarks/scale.sh [--million] [--bin PATH/TO/losslab] [--python PY]
set -eu
bin=.build/release/losslab
python=${ST_PYTHON:-python3}
sizes="1000 10000 100000"
while [ $# -gt 0 ]; do
  case "$1" in
    --million) sizes="$sizes 1000000" ;;
    --bin) bin=$2; shift ;;
    --python) python=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$bin" ] || { echo "no $bin: build it with swift build -c release" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
printf '%9s %9s %10s %9s %8s\n' N load_s steps_per_s ratio peak_MB
base=""
for n in $sizes; do
  "$python" - "$work" "$n" <<'PY'
import sys, numpy as np
work, n = sys.argv[1], int(sys.argv[2])
rng = np.random.default_rng(0)
x = np.lib.format.open_memmap(f"{work}/x.npy", mode="w+", dtype=np.float32, shape=(n, 768))
for start in range(0, n, 100_000):
    stop = min(n, start + 100_000)
    x[start:stop] = rng.standard_normal((stop - start, 768), dtype=np.float32)
x.flush()
np.save(f"{work}/y.npy", rng.integers(0, 50, n))
PY
  head="load x.npy labels=y.npy\nencoder linear dim=16\nset batch_size=128 sampler=random eval_every=0\n"
  printf "$head" >"$work/load.lab"
  printf "${head}step 1000\n" >"$work/train.lab"
  t0=$(now); (cd "$work" && "$bin" run load.lab >/dev/null); t1=$(now)
  peak=$( { cd "$work" && /usr/bin/time -f '%M' "$bin" run train.lab >/dev/null; } 2>&1 | tail -1 )
  t2=$(now); (cd "$work" && "$bin" run train.lab >/dev/null); t3=$(now)
  load=$(echo "$t1 - $t0" | bc -l); train=$(echo "$t3 - $t2 - $load" | bc -l)
  rate=$(echo "1000 / $train" | bc -l)
  [ -n "$base" ] || base=$rate
  printf '%9d %9.2f %10.0f %9.2f %8.0f\n' "$n" "$load" "$rate" "$(echo "$rate / $base" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
done
