#!/usr/bin/env bash
# Loading a ~30 MB compressed .npz (np.savez_compressed: 21,000 x 384 float32 embeddings and
# int64 labels), side by side in one run: one or more losslab binaries (`losslab run` of a
# notebook that only loads the file) and numpy (np.load and reading both arrays).
#
#   bash benchmarks/npz_load.sh [--rounds N] [--python PY] LOSSLAB [LOSSLAB...]
#
# Each round times every side once, in turn, so that a busy machine slows all of them alike;
# the medians over the rounds are printed, wall and CPU (user + system) time. For losslab the
# whole process is timed, so the same data as an uncompressed .npy is timed too: the
# difference between the two is the archive's share (reading the ZIP, inflating, CRC-32).
# numpy is timed as a process against `import numpy` alone, and inside Python (perf_counter
# around np.load and reading both arrays).
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

# One run of a command: "wall cpu" in seconds (cpu = user + system, which other processes
# on a busy machine disturb less than the wall time).
measure() {
  /usr/bin/time -f "%e %U %S" -o "$work/time" "$@" >/dev/null 2>&1
  awk '{ printf "%s %.2f", $1, $2 + $3 }' "$work/time"
}

declare -A wall cpu
record() { # key, command...
  local key=$1 result
  shift
  result=$(measure "$@")
  wall["$key"]+="${result% *} "
  cpu["$key"]+="${result#* } "
}
for ((round = 0; round < rounds; round++)); do
  for bin in "$@"; do
    record "$bin npz" "$bin" run "$work/npz.lab"
    record "$bin npy" "$bin" run "$work/npy.lab"
  done
  record "numpy process" "$python" "$work/numpy_load.py" "$work/big.npz"
  record "numpy import" "$python" -c "import numpy"
  wall["numpy inside"]+="$("$python" "$work/numpy_load.py" "$work/big.npz") "
done

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
printf '%-50s %9s %9s %9s %9s %9s %9s\n' "median seconds" "npz wall" "npy wall" "diff" "npz cpu" "npy cpu" "diff"
for bin in "$@"; do
  nw=$(echo "${wall["$bin npz"]}" | median); yw=$(echo "${wall["$bin npy"]}" | median)
  nc=$(echo "${cpu["$bin npz"]}" | median); yc=$(echo "${cpu["$bin npy"]}" | median)
  printf '%-50s %9s %9s %9.3f %9s %9s %9.3f\n' "losslab run: $bin" "$nw" "$yw" "$(echo "$nw - $yw" | bc -l)" "$nc" "$yc" "$(echo "$nc - $yc" | bc -l)"
done
nw=$(echo "${wall["numpy process"]}" | median); yw=$(echo "${wall["numpy import"]}" | median)
nc=$(echo "${cpu["numpy process"]}" | median); yc=$(echo "${cpu["numpy import"]}" | median)
printf '%-50s %9s %9s %9.3f %9s %9s %9.3f\n' "python: np.load + both arrays vs import numpy" "$nw" "$yw" "$(echo "$nw - $yw" | bc -l)" "$nc" "$yc" "$(echo "$nc - $yc" | bc -l)"
printf '%-50s %9s\n' "numpy inside Python (perf_counter)" "$(echo "${wall["numpy inside"]}" | median)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) (on $(nproc) cores)"
