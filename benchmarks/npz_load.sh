#!/usr/bin/env bash
# Loading a ~30 MB compressed .npz (np.savez_compressed: 21,000 x 384 float32 embeddings and
# int64 labels), side by side in one run: one or more losslab binaries (`losslab run` of a
# notebook that only loads the file) and numpy (np.load and reading both arrays).
#
#   bash benchmarks/npz_load.sh [--rounds N] [--python PY] LOSSLAB [LOSSLAB...]
#
# Each round times every side once, in turn, so that a busy machine slows all of them alike;
# the medians over the rounds are printed. For losslab the whole process is timed, so the
# same data as an uncompressed .npy is timed too: the difference between the two is the
# archive's share (reading the ZIP, inflating, CRC-32). numpy is timed inside Python
# (perf_counter around np.load and reading both arrays) and as a whole process.
set -euo pipefail

rounds=7
python="${ST_PYTHON:-$HOME/st62/bin/python}"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --python) python="$2"; shift 2 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: npz_load.sh [--rounds N] [--python PY] LOSSLAB [LOSSLAB...]" >&2; exit 2; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$python" - "$work" <<'EOF'
import sys, numpy as np
rng = np.random.default_rng(0)
x = rng.standard_normal((21000, 384)).astype(np.float32)
x /= np.linalg.norm(x, axis=1, keepdims=True)
labels = rng.integers(0, 50, 21000)
np.savez_compressed(f"{sys.argv[1]}/big.npz", embeddings=x, labels=labels)
np.save(f"{sys.argv[1]}/big.npy", x)
np.save(f"{sys.argv[1]}/big.labels.npy", labels)
EOF
printf 'load big.npz\n' >"$work/npz.lab"
printf 'load big.npy labels=big.labels.npy\n' >"$work/npy.lab"
cat >"$work/numpy_load.py" <<'EOF'
import sys, time, numpy as np
start = time.perf_counter()
archive = np.load(sys.argv[1])
x, labels = archive["embeddings"], archive["labels"]
print(f"{time.perf_counter() - start:.4f}")
EOF
echo "file: $(stat -c %s "$work/big.npz") bytes compressed, $(stat -c %s "$work/big.npy") bytes of vectors uncompressed; $rounds rounds"

seconds() { # command... : wall time in seconds
  local start end
  start=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc -l
}

declare -A times
for ((round = 0; round < rounds; round++)); do
  for bin in "$@"; do
    times["$bin npz"]+="$(seconds "$bin" run "$work/npz.lab") "
    times["$bin npy"]+="$(seconds "$bin" run "$work/npy.lab") "
  done
  times["numpy inside"]+="$("$python" "$work/numpy_load.py" "$work/big.npz") "
  times["numpy process"]+="$(seconds "$python" "$work/numpy_load.py" "$work/big.npz") "
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-60s %10s %10s %10s\n' "side" "npz (s)" "npy (s)" "npz - npy"
for bin in "$@"; do
  npz=$(echo "${times["$bin npz"]}" | median)
  npy=$(echo "${times["$bin npy"]}" | median)
  printf '%-60s %10s %10s %10.3f\n' "losslab run: $bin" "$npz" "$npy" "$(echo "$npz - $npy" | bc -l)"
done
printf '%-60s %10s\n' "numpy np.load + both arrays, inside Python" "$(echo "${times["numpy inside"]}" | median)"
printf '%-60s %10s\n' "numpy, the whole python process" "$(echo "${times["numpy process"]}" | median)"
