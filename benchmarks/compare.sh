#!/usr/bin/env bash
# Side-by-side benchmark: `losslab bench --json` against the real sentence-transformers 1.2.0
# losses (benchmarks/torch_reference.py), on the same shapes, in one run, on this machine.
#
#   bash benchmarks/compare.sh [--loss NAME]... [--batch B]... [--dim D]... [--seconds S]
#                              [--rounds N] [--out DIR] [--python PY] [--no-build] [--idle-wait S]
#                              [--reference 1.2.0|6.2.0]
#
# --loss/--batch/--dim/--seconds go to both sides unchanged. --rounds N (default 1) runs the two
# sides N times, alternating, and reports each case's median over the rounds, with the range of
# the per-round speed-ups (sub-millisecond cases move by tens of percent from run to run). --out (default benchmarks/results)
# receives losslab.json, torch.json and table.txt. --python is the interpreter that has
# sentence-transformers 1.2.0 (default $ST_PYTHON or /tmp/st120-venv/bin/python; see
# benchmarks/README.md for the set-up). --idle-wait S (default 300): before timing, wait up to
# S seconds for the machine to be idle (other processes using < 0.15 of a core); the CPU that
# other processes used during each side's run is written to meta.txt and the table, because
# 2-thread OpenMP/BLAS timings degrade badly when a core is taken by something else.
# --reference 6.2.0 times the losses sentence-transformers added after 1.2.0 against the real
# 6.2.0 classes (benchmarks/torch62_new_losses.py; --python then needs sentence-transformers
# 6.2.0, e.g. ~/st62/bin/python), default shapes (256, 768) and (1024, 768), default losses
# those the script lists.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
out="$here/results"
python="${ST_PYTHON:-/tmp/st120-venv/bin/python}"
build=1
idle_wait=300
rounds=1
reference=1.2.0
pass=()

while [ $# -gt 0 ]; do
  case "$1" in
    --loss|--batch|--dim|--seconds)
      [ $# -ge 2 ] || { echo "compare.sh: $1 needs a value" >&2; exit 2; }
      pass+=("$1" "$2"); shift 2 ;;
    --loss=*|--batch=*|--dim=*|--seconds=*) pass+=("$1"); shift ;;
    --out) out="$2"; shift 2 ;;
    --out=*) out="${1#--out=}"; shift ;;
    --python) python="$2"; shift 2 ;;
    --python=*) python="${1#--python=}"; shift ;;
    --no-build) build=0; shift ;;
    --rounds) rounds="$2"; shift 2 ;;
    --rounds=*) rounds="${1#--rounds=}"; shift ;;
    --reference) reference="$2"; shift 2 ;;
    --reference=*) reference="${1#--reference=}"; shift ;;
    --idle-wait) idle_wait="$2"; shift 2 ;;
    --idle-wait=*) idle_wait="${1#--idle-wait=}"; shift ;;
    -h|--help) sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done

case "$reference" in 1.2.0|6.2.0) ;; *) echo "compare.sh: --reference is 1.2.0 or 6.2.0, got '$reference'" >&2; exit 2 ;; esac
if ! "$python" -c "import sentence_transformers, sys; sys.exit(sentence_transformers.__version__ != '$reference')" 2>/dev/null; then
  echo "compare.sh: $python cannot import sentence-transformers $reference; set it up as benchmarks/README.md says" >&2
  exit 1
fi

mkdir -p "$out"
out="$(cd "$out" && pwd)"

if [ "$build" = 1 ]; then
  echo "== building losslab (release)" >&2
  (cd "$root" && swift build -c release >&2)
fi
losslab="$root/.build/release/losslab"
[ -x "$losslab" ] || { echo "compare.sh: no $losslab" >&2; exit 1; }

# Busy CPU time of the whole machine so far, in clock ticks (user+nice+system+irq+softirq+steal).
busy_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9}' /proc/stat; }
hz="$(getconf CLK_TCK)"

waited=0
while :; do
  b0="$(busy_ticks)"; sleep 2; b1="$(busy_ticks)"
  other="$(awk -v d=$((b1 - b0)) -v hz="$hz" 'BEGIN{printf "%.2f", d / hz / 2}')"
  awk -v o="$other" 'BEGIN{exit !(o < 0.15)}' && break
  if [ "$waited" -ge "$idle_wait" ]; then
    echo "compare.sh: machine still busy ($other cores in use by other processes); timing anyway" >&2
    break
  fi
  [ "$waited" = 0 ] && echo "== waiting for the machine to be idle (other processes: $other cores)" >&2
  waited=$((waited + 2))
done

# Runs a command (stdout to $1), then appends to meta.txt how many cores other processes used
# on average while it ran: (machine busy time - the command's own CPU time) / wall time.
timed_side() {
  local name="$1" dest="$2"; shift 2
  local b0 b1 t0 t1 cpu
  b0="$(busy_ticks)"; t0="$(date +%s.%N)"
  local TIMEFORMAT='%3U %3S'
  { time "$@" > "$dest" 2>&3; } 3>&2 2> "$out/.time.$name"
  b1="$(busy_ticks)"; t1="$(date +%s.%N)"
  cpu="$(awk '{print $1 + $2}' "$out/.time.$name")"; rm -f "$out/.time.$name"
  awk -v n="$name" -v d=$((b1 - b0)) -v hz="$hz" -v c="$cpu" -v w0="$t0" -v w1="$t1" \
    'BEGIN{o = (d / hz - c) / (w1 - w0); if (o < 0) o = 0; printf "load:     %s run %.0f s, other processes used %.2f cores on average%s\n", n, w1 - w0, o, (o > 0.15 ? "  <-- NOISY" : "")}' \
    >> "$out/meta.txt"
}

{
  echo "date:     $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "host:     $(uname -srm), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "cpu:      $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), OpenBLAS kernels $("$losslab" bench --loss TripletLoss --batch 2 --dim 1 --seconds 0 --json | grep -o '"blas_kernels": "[^"]*"' | cut -d'"' -f4)"
  echo "commit:   $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo none)$(git -C "$root" status --porcelain 2>/dev/null | grep -q . && echo ' (work tree modified)')"
  echo "torch:    $("$python" -c 'import torch; print(torch.__version__)'), sentence-transformers $reference, 2 threads"
  echo "args:     ${pass[*]:-(defaults)}"
} > "$out/meta.txt"
cat "$out/meta.txt" >&2

# 6.2.0: the new losses' script takes one --dim per run and prints a JSON object per line; the
# same shapes and losses go to both sides.
torch62() {
  local dim
  for dim in "${dims62[@]}"; do
    OMP_NUM_THREADS=2 "$python" "$here/torch62_new_losses.py" --dim "$dim" --seconds "$seconds62" "${losses62[@]/#/--loss=}" "${batches62[@]/#/--batch=}"
  done | python3 -c 'import json, sys; print(json.dumps([json.loads(l) for l in sys.stdin if l.strip()]))'
}
reference62=()
if [ "$reference" = 6.2.0 ]; then
  reference62=(--reference 6.2.0)
  losses62=(); batches62=(); dims62=(); seconds62=1
  for ((i = 0; i < ${#pass[@]}; i++)); do
    case "${pass[$i]}" in
      --loss) losses62+=("${pass[$((i + 1))]}"); i=$((i + 1)) ;;
      --batch) batches62+=("${pass[$((i + 1))]}"); i=$((i + 1)) ;;
      --dim) dims62+=("${pass[$((i + 1))]}"); i=$((i + 1)) ;;
      --seconds) seconds62="${pass[$((i + 1))]}"; i=$((i + 1)) ;;
      --loss=*) losses62+=("${pass[$i]#--loss=}") ;;
      --batch=*) batches62+=("${pass[$i]#--batch=}") ;;
      --dim=*) dims62+=("${pass[$i]#--dim=}") ;;
      --seconds=*) seconds62="${pass[$i]#--seconds=}" ;;
    esac
  done
  [ ${#losses62[@]} -gt 0 ] || read -r -a losses62 <<< "$(cd "$here" && "$python" -c 'import torch62_new_losses as t; print(" ".join(t.LOSSES))')"
  [ ${#batches62[@]} -gt 0 ] || batches62=(256 1024)
  [ ${#dims62[@]} -gt 0 ] || dims62=(768)
  pass=("${losses62[@]/#/--loss=}" "${batches62[@]/#/--batch=}" "${dims62[@]/#/--dim=}" "--seconds=$seconds62")
fi

for round in $(seq 1 "$rounds"); do
  echo "== round $round/$rounds: losslab bench --json ${reference62[*]:-} ${pass[*]:-}" >&2
  timed_side "losslab (round $round)" "$out/losslab.$round.json" "$losslab" bench --json ${reference62[@]+"${reference62[@]}"} ${pass[@]+"${pass[@]}"}
  if [ "$reference" = 6.2.0 ]; then
    echo "== round $round/$rounds: torch62_new_losses.py ${pass[*]}" >&2
    timed_side "torch (round $round)" "$out/torch.$round.json" torch62
  else
    echo "== round $round/$rounds: torch_reference.py --json ${pass[*]:-}" >&2
    timed_side "torch (round $round)" "$out/torch.$round.json" env OMP_NUM_THREADS=2 "$python" "$here/torch_reference.py" --json ${pass[@]+"${pass[@]}"}
  fi
done

python3 - "$out" "$rounds" "$out/meta.txt" > "$out/table.txt" <<'EOF'
import json, statistics, sys

directory, rounds = sys.argv[1], int(sys.argv[2])
runs_ours = [json.load(open(f"{directory}/losslab.{r}.json")) for r in range(1, rounds + 1)]
runs_theirs = [{(x["loss"], x["batch"], x["dim"]): x for x in json.load(open(f"{directory}/torch.{r}.json"))}
               for r in range(1, rounds + 1)]

def merged(rows):
    """One row per case: the median of each timing over the rounds, the first round's other fields."""
    row = dict(rows[0])
    for field in ("median_ms", "gemm_floor_ms", "peak_mb"):
        values = [r[field] for r in rows if isinstance(r.get(field), (int, float))]
        if values:
            row[field] = statistics.median(values)
    return row

losslab = [merged([run[i] for run in runs_ours]) for i in range(len(runs_ours[0]))]
torch = {}
for key in runs_theirs[0]:
    rows = [run[key] for run in runs_theirs if key in run]
    torch[key] = merged(rows) if all(r.get("status") == "ok" for r in rows) else rows[0]

def round_ratios(key):
    ratios = []
    for ours, theirs in zip(runs_ours, runs_theirs):
        mine = next((r for r in ours if (r["loss"], r["batch"], r["dim"]) == key), {})
        ref = theirs.get(key, {})
        if isinstance(mine.get("median_ms"), (int, float)) and isinstance(ref.get("median_ms"), (int, float)) and mine["median_ms"]:
            ratios.append(ref["median_ms"] / mine["median_ms"])
    return ratios

def num(value, spec):
    return format(value, spec) if isinstance(value, (int, float)) else "-"

header = (f"{'loss':<31} {'batch':>5} {'dim':>4} {'losslab ms':>11} {'torch ms':>11} {'speed-up':>8} "
          f"{'rounds':>11} {'floor ms':>9} {'x floor':>8} {'losslab MiB':>11} {'torch MiB':>9}")
print(open(sys.argv[3]).read().rstrip())
if rounds > 1:
    print(f"medians over {rounds} rounds; rounds = the lowest and highest per-round speed-up")
print()
print(header)
print("-" * len(header))
notes = []
for row in losslab:
    key = (row["loss"], row["batch"], row["dim"])
    ref = torch.pop(key, {})
    ours, theirs, floor = row.get("median_ms"), ref.get("median_ms"), row.get("gemm_floor_ms")
    speedup = theirs / ours if ours and theirs is not None else None
    xfloor = ours / floor if ours is not None and floor else None
    status = ref.get("status", "missing")
    torch_cell = num(theirs, ".3f") if theirs is not None else status
    ratios = round_ratios(key)
    spread = f"{min(ratios):.2f}-{max(ratios):.2f}" if len(ratios) > 1 else "-"
    print(f"{row['loss']:<31} {row['batch']:>5} {row['dim']:>4} {num(ours, '.3f'):>11} {torch_cell:>11} "
          f"{num(speedup, '.2f'):>8} {spread:>11} {num(floor, '.3f'):>9} {num(xfloor, '.1f'):>8} "
          f"{num(row.get('peak_mb'), '.1f'):>11} {num(ref.get('peak_mb'), '.1f'):>9}")
    if status != "ok":
        notes.append(f"torch {row['loss']} {row['batch']}x{row['dim']}: {status}"
                     + (f" ({ref['error']})" if ref.get("error") else ""))
for (loss, batch, dim), ref in torch.items():
    notes.append(f"torch-only case {loss} {batch}x{dim}: {ref.get('median_ms')} ms")
print()
print("speed-up = torch ms / losslab ms (> 1: losslab faster). floor ms = losslab's three GEMMs at the")
print("shape (E*E^T, U*E, U^T*E); x floor = losslab ms / floor ms. Peak MiB = the case process's peak RSS")
base = sorted({r.get("base_mb") for r in runs_theirs[0].values() if r.get("base_mb")})
if base:
    span = f"{base[0]:.0f}" if round(base[0]) == round(base[-1]) else f"{base[0]:.0f}-{base[-1]:.0f}"
    print(f"(torch's includes ~{span} MiB for importing torch + sentence-transformers).")
else:
    print("(torch's includes the interpreter and the torch + sentence-transformers imports).")
for note in notes:
    print("note: " + note)
EOF

cat "$out/table.txt"
echo "(raw JSON and the table: $out)" >&2
