#!/usr/bin/env bash
# How LossLab's cost depends on the dataset's size: for N = 1k, 10k, 100k (and 1M with --million),
# generates N x 768 float32 vectors in C classes (50 unless --classes; never committed), then, in one go on the same
# machine:
# - open: the `load` cell's wall time (`losslab run --timings`), and the peak memory of the run;
# - steps/s headless: three `step 1000` cells of BatchHardTripletLoss, batch 128, `encoder linear
#   dim=16`, sampler=random, eval_every=0, the median of the three (one cell's rate varies by
#   about 20% from run to run on these machines);
# - steps/s in the explorer: `losslab bench --ui --ui-only keys --ui-notebook` on the same setup,
#   training at max in the explorer's trainer while keys are typed and frames drawn;
# - eval: the `eval` cell after `set test_fraction=F`, F = min(0.9, 10000 / N): 900 held-out
#   queries at 1k, 9,000 at 10k and 10,000 at 100k and 1M, each against all N items.
# Each figure is printed with its ratio to N = 1k.
# --classes C (default 50) sets the number of classes: MAP@R ranks each query's R = N / C - 1
# best items exactly, so fewer, bigger classes make the evaluation's ordering work grow.
# Usage: benchmarks/scale.sh [--million] [--classes C] [--bin PATH/TO/losslab] [--python PY]
set -eu
bin=.build/release/losslab
python=${ST_PYTHON:-python3}
sizes="1000 10000 100000"
classes=50
while [ $# -gt 0 ]; do
  case "$1" in
    --million) sizes="$sizes 1000000" ;;
    --bin) bin=$2; shift ;;
    --classes) classes=$2; shift ;;
    --python) python=$2; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[ -x "$bin" ] || { echo "no $bin: build it with swift build -c release" >&2; exit 2; }
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The seconds `run --timings` printed for the cell whose text starts with $2, from file $1.
cell() { grep -E "^[^:]+:[0-9]+: [0-9.]+ s $2" "$1" | head -1 | sed -E 's/^[^:]+:[0-9]+: ([0-9.]+) s .*/\1/'; }
# The median of the seconds of every cell whose text starts with $2.
median_cell() {
  grep -E "^[^:]+:[0-9]+: [0-9.]+ s $2" "$1" | sed -E 's/^[^:]+:[0-9]+: ([0-9.]+) s .*/\1/' | sort -n \
    | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
ratio() { echo "$1 / $2" | bc -l; }
printf '%9s %8s %8s %11s %6s %11s %6s %8s %6s %8s\n' N open_s ratio steps/s ratio explorer/s ratio eval_s ratio peak_MB
for n in $sizes; do
  "$python" - "$work" "$n" "$classes" <<'PY'
import sys, numpy as np
work, n, classes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(0)
x = np.lib.format.open_memmap(f"{work}/x.npy", mode="w+", dtype=np.float32, shape=(n, 768))
for start in range(0, n, 100_000):
    stop = min(n, start + 100_000)
    x[start:stop] = rng.standard_normal((stop - start, 768), dtype=np.float32)
x.flush()
np.save(f"{work}/y.npy", rng.integers(0, classes, n))
PY
  setup="load x.npy labels=y.npy\nencoder linear dim=16\nset batch_size=128 sampler=random eval_every=0\n"
  printf "$setup" >"$work/setup.lab"
  printf "${setup}step 1000\nstep 1000\nstep 1000\n" >"$work/train.lab"
  fraction=$(printf %.4f "$(echo "f = 10000 / $n; if (f > 0.9) f = 0.9; f" | bc -l)")
  printf "${setup}set test_fraction=$fraction\neval\n" >"$work/eval.lab"
  # /usr/bin/time writes the peak resident kilobytes after the run's own lines.
  (cd "$work" && /usr/bin/time -f '%M' "$bin" run train.lab --timings >/dev/null 2>"$work/train.err")
  peak=$(tail -1 "$work/train.err")
  (cd "$work" && "$bin" run eval.lab --timings >/dev/null 2>"$work/eval.err")
  explorer=$(cd "$work" && "$bin" bench --ui --ui-only keys --ui-notebook setup.lab --json 2>/dev/null \
    | grep -o 'training at max ([0-9]*' | head -1 | grep -o '[0-9]*$')
  open=$(cell "$work/train.err" load); steps=$(ratio 1000 "$(median_cell "$work/train.err" step)")
  evaluation=$(cell "$work/eval.err" eval)
  if [ -z "${base_open:-}" ]; then base_open=$open; base_steps=$steps; base_explorer=$explorer; base_eval=$evaluation; fi
  printf '%9d %8.2f %8.2f %11.0f %6.2f %11.0f %6.2f %8.2f %6.2f %8.0f\n' "$n" \
    "$open" "$(ratio "$open" "$base_open")" "$steps" "$(ratio "$steps" "$base_steps")" \
    "$explorer" "$(ratio "$explorer" "$base_explorer")" "$evaluation" "$(ratio "$evaluation" "$base_eval")" \
    "$(echo "$peak / 1024" | bc -l)"
done
