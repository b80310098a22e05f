#!/usr/bin/env bash
# How training speed depends on the dataset's size: for N = 1k, 10k, 100k (and 1M with --million),
# generates N x 768 float32 vectors with 50 classes (never committed), then times `losslab run` of
# 1000 steps (BatchHardTripletLoss, batch 128, encoder linear dim=16, sampler=random, eval_every=0)
# against the same notebook without the steps, so load time is subtracted. Then times `eval` the
# same way: a notebook with `set test_fraction=F eval_every=0` and `eval` against the same one
# without `eval`. F = min(0.9, 10000 / N), so the held-out queries are 900 at 1k, 9,000 at 10k
# and 10,000 at 100k and 1M, each against all N items. Prints load time, steps/s, eval seconds
# and peak memory per N, with the steps/s and eval ratios to N = 1k. All sizes run in one go,
# on the same machine.
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
printf '%9s %9s %10s %9s %8s %8s %10s\n' N load_s steps_per_s ratio eval_s eval_ratio peak_MB
base=""
eval_base=""
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
  fraction=$(printf %.4f "$(echo "f = 10000 / $n; if (f > 0.9) f = 0.9; f" | bc -l)")
  eval_head="load x.npy labels=y.npy\nencoder linear dim=16\nset test_fraction=$fraction eval_every=0\n"
  printf "$eval_head" >"$work/eval_load.lab"
  printf "${eval_head}eval\n" >"$work/eval.lab"
  t4=$(now); (cd "$work" && "$bin" run eval_load.lab >/dev/null); t5=$(now)
  t6=$(now); (cd "$work" && "$bin" run eval.lab >/dev/null); t7=$(now)
  evaluation=$(echo "$t7 - $t6 - ($t5 - $t4)" | bc -l)
  [ -n "$eval_base" ] || eval_base=$evaluation
  printf '%9d %9.2f %10.0f %9.2f %8.2f %10.2f %8.0f\n' "$n" "$load" "$rate" "$(echo "$rate / $base" | bc -l)" \
    "$evaluation" "$(echo "$evaluation / $eval_base" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
done
