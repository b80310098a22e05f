#!/usr/bin/env bash
# Command-line checks of issue 11's "also found" list: sizes bounded against the data and
# memory, float32 overflow caught, labels past 2^53, valid JSON, streaming validation of
# huge files, decimal-only numbers, repeated --set, MNRL's batch of one. Each check asserts
# the message, not only the exit code.
# Usage: Tests/cli/robustness.sh PATH/TO/losslab
set -u
bin=${1:?usage: robustness.sh PATH/TO/losslab}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

notebook() { # file, lines...
  local file=$1
  shift
  printf '%s\n' "$@" >"$work/$file"
}

# A 1-D int64 .npy of the given values (bash arithmetic is 64-bit).
npy_int64() { # file, values...
  local file=$1 header pad length value i
  shift
  header="{'descr': '<i8', 'fortran_order': False, 'shape': ($#,), }"
  pad=$(((64 - (10 + ${#header} + 1) % 64) % 64))
  header="$header$(printf '%*s' "$pad" '')"
  length=$((${#header} + 1))
  {
    printf '\x93NUMPY\x01\x00'
    printf "\\x$(printf %02x $((length & 255)))\\x$(printf %02x $((length >> 8)))"
    printf '%s\n' "$header"
    for value in "$@"; do
      for i in 0 1 2 3 4 5 6 7; do printf "\\x$(printf %02x $(((value >> (8 * i)) & 255)))"; done
    done
  } >"$work/$file"
}

# A file of `text`, then a sparse hole up to 2 GiB (stored as nothing, read as NUL bytes).
sparse() { # file, text
  printf '%s' "$2" >"$work/$1"
  truncate -s 2G "$work/$1"
}

# Runs a command and fails the check when it takes more than `limit` seconds.
within() { # name, limit, command...
  local name=$1 limit=$2 start end
  shift 2
  start=$(date +%s%N)
  timeout 60 "$@" >"$work/out" 2>"$work/err"
  end=$(date +%s%N)
  if [ $(((end - start) / 1000000)) -le $((limit * 1000)) ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: took $(((end - start) / 1000000)) ms, limit ${limit} s"
  fi
}

check "write fixtures" 0 "$bin" test-arrays --out "$work"
small_memory=2000000000   # LOSSLAB_MEMORY_BYTES: pretend the machine has 2 GB

# 1. Sizes are bounded against the data and memory, in one line naming the parameter.
notebook softmax.lab "load text:nli" "loss SoftmaxLoss num_labels=1000000000" "step 1"
check "softmax num_labels 1e9" 2 "$bin" run "$work/softmax.lab"
contains "num_labels named with its value" "$work/err" "num_labels=1000000000 is too large: SoftmaxLoss's trained weights (classifier.weight, classifier.bias"
contains "num_labels bound" "$work/err" "; here at most "
notebook softmax-small.lab "load text:nli" "loss SoftmaxLoss num_labels=2"
check "softmax num_labels below the classes" 2 "$bin" run "$work/softmax-small.lab"
contains "num_labels against the data" "$work/err" "num_labels=2 is too small: the data has 3 classes"
notebook batch.lab "load toy:blobs classes=4 per_class=2000 dim=8" "loss BatchAllTripletLoss" "set batch_size=8000"
check "batch_size over memory" 2 env LOSSLAB_MEMORY_BYTES=$small_memory "$bin" run "$work/batch.lab"
contains "batch_size named" "$work/err" "batch_size=8000 is too large: BatchAllTripletLoss's working memory"
contains "batch_size bound" "$work/err" "over half of this machine's 2.0 GB; here at most "
notebook dim.lab "load toy:blobs classes=4 per_class=2000 dim=8" "encoder linear dim=4096"
check "encoder dim over memory" 2 env LOSSLAB_MEMORY_BYTES=200000000 "$bin" run "$work/dim.lab"
contains "dim named" "$work/err" "encoder linear: dim=4096 is too large"
notebook fallback.lab "load toy:blobs classes=4 per_class=2000 dim=256" "step 2"
check "a table over memory falls back to linear" 0 env LOSSLAB_MEMORY_BYTES=60000000 "$bin" run --verbose "$work/fallback.lab"
contains "the fallback named" "$work/err" "switched to encoder linear dim=256 (a table of 8000 items would not fit in memory)"
notebook fallback-refused.lab "load toy:blobs classes=4 per_class=2000 dim=256" "encoder table"
check "an explicit table over memory is refused" 2 env LOSSLAB_MEMORY_BYTES=60000000 "$bin" run "$work/fallback-refused.lab"
contains "the table refusal" "$work/err" "encoder table: the 8000 x 256 table would take"
notebook hidden.lab "load toy:blobs classes=4 per_class=2000 dim=8" "encoder mlp dim=4096 hidden=4096"
check "encoder hidden over memory" 2 env LOSSLAB_MEMORY_BYTES=800000000 "$bin" run "$work/hidden.lab"
contains "hidden named" "$work/err" "encoder mlp: hidden=4096 is too large"
contains "hidden bound" "$work/err" "; here at most "
notebook dim-range.lab "load toy:blobs" "encoder linear dim=100000"
check "encoder dim range" 2 "$bin" run "$work/dim-range.lab"
contains "dim range named" "$work/err" "dim must be a whole number from 1 to 4096, got '100000'"
notebook k.lab "load toy:blobs" "set batch_size=16 k=32"
check "k over batch_size" 2 "$bin" run "$work/k.lab"
contains "k named" "$work/err" "k=32 is larger than batch_size=16"
notebook mega.lab "load text:pairs" "loss MegaBatchMarginLoss mini_batch_size=1000000000"
check "mini_batch_size" 2 "$bin" run "$work/mega.lab"
contains "mini_batch_size named" "$work/err" "mini_batch_size=1000000000 is too large; it must be at most 16384"
notebook teacher.lab "load toy:blobs classes=4 per_class=2000 dim=8 as=teacher teacher_dim=4096"
check "teacher_dim over memory" 2 env LOSSLAB_MEMORY_BYTES=100000000 "$bin" run "$work/teacher.lab"
contains "teacher_dim named" "$work/err" "teacher_dim=4096 is too large: the 8000 x 4096 teacher matrix"
check "eval rows over memory" 2 env LOSSLAB_MEMORY_BYTES=1000 "$bin" eval --loss BatchAllTripletLoss --embeddings "$work/items.npy" --labels "$work/classes.npy"
contains "eval rows named" "$work/err" "items.npy has 12 rows: BatchAllTripletLoss's working memory"
check "eval num_labels" 2 "$bin" eval --loss SoftmaxLoss --set num_labels=1000000000000 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/nli.npy"
contains "eval num_labels named" "$work/err" "num_labels=1000000000000 is too large"

# 2. Float32 overflow trips the divergence guard with its evidence; a diverged duel shows.
{
  echo "x,y,label"
  for i in $(seq 1 40); do echo "$((i % 9 + 1))e37,$((i % 7 + 1))e37,c$((i % 4))"; done
} >"$work/huge.csv"
notebook overflow.lab "load huge.csv" "loss BatchHardTripletLoss" "set lr=0.001" "step 3"
check "overflow diverges" 2 "$bin" run "$work/overflow.lab"
contains "overflow evidence" "$work/err" "training diverged at step 1: distances overflow float32 (largest |x| "
lacks "overflow is not a clean loss" "$work/err" "step 3: loss"
notebook duel.lab "load toy:blobs classes=3 per_class=10 dim=4" "loss BatchHardTripletLoss margin=1" "step 2" \
  "duel loss BatchHardTripletLoss margin=3e38" "step 3" "show metrics"
check "duel run" 0 "$bin" run "$work/duel.lab" --verbose
contains "diverged duel in step output" "$work/err" "duel BatchHardTripletLoss: diverged (step 3: loss is inf)"
lacks "diverged duel keeps no last value" "$work/err" "duel BatchHardTripletLoss: loss"

# 3. Labels past 2^53 are told apart exactly or refused naming the file and the value.
npy_int64 big.npy 9007199254740992 9007199254740993 9007199254740992 9007199254740993 9007199254740992 9007199254740993 \
  9007199254740992 9007199254740993 9007199254740992 9007199254740993 9007199254740992 9007199254740993
check "eval labels past 2^53" 2 "$bin" eval --loss BatchHardTripletLoss --embeddings "$work/items.npy" --labels "$work/big.npy"
contains "eval label named" "$work/err" "big.npy: element 1 is 9007199254740993, beyond 2^53"
notebook big-npy.lab "load items.npy labels=big.npy" "show data" "loss BatchHardTripletLoss" "step 1" "show triplets"
check "int64 labels load exactly" 0 "$bin" run "$work/big-npy.lab" --verbose
contains "mined triplets" "$work/err" "triplets valid "
lacks "not merged into one class (valid 0)" "$work/err" "valid 0,"
lacks "not merged into one class (warning)" "$work/err" "single-class batch"
printf '9007199254740993.0\n1\n' >"$work/float-labels.txt"
printf '1,2\n3,4\n' >"$work/two.csv"
notebook float-labels.lab "load two.csv labels=float-labels.txt"
check "float label past 2^53" 2 "$bin" run "$work/float-labels.lab"
contains "float label named" "$work/err" "float-labels.txt: line 1: the label 9007199254740993.0 is beyond 2^53"
printf '{"text": "a b", "label": 1e17}\n{"text": "c d", "label": 2}\n' >"$work/labels.jsonl"
notebook jsonl-labels.lab "load labels.jsonl"
check "jsonl label past 2^53" 2 "$bin" run "$work/jsonl-labels.lab"
contains "jsonl label named" "$work/err" "labels.jsonl: line 1: the label 1e17 is beyond 2^53"
printf 'a,b,label\n1,2,99999999999999999999\n3,4,1\n' >"$work/wide-labels.csv"
notebook csv-labels.lab "load wide-labels.csv"
check "csv label past 64 bits" 2 "$bin" run "$work/csv-labels.lab"
contains "csv label named" "$work/err" "wide-labels.csv: line 2: the label 99999999999999999999 does not fit in a 64-bit integer"

# 4. eval prints valid JSON: null plus a reason for non-finite numbers.
check "infinite loss" 0 "$bin" eval --loss TripletLoss --set triplet_margin=1.7e308 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --embeddings "$work/c.npy" --mined
contains "loss is null" "$work/out" '"loss": null, "loss_reason": "inf"'
lacks "no Infinity literal" "$work/out" "Infinity"
if command -v python3 >/dev/null; then
  cp "$work/out" "$work/eval.json"
  check "output parses as strict JSON" 0 python3 -c 'import json,sys; json.loads(sys.stdin.read(), parse_constant=lambda c: sys.exit("non-standard " + c))' <"$work/eval.json"
fi

# 5. A bad byte or line early in a huge (sparse) file is reported at once.
sparse hole.csv $'x,y,label\n1,2,a\n3,4,b\n'
notebook hole.lab "load hole.csv"
within "sparse csv reported at once" 5 "$bin" run "$work/hole.lab"
contains "hole's first byte" "$work/err" "hole.csv: byte offset 22 (line 4, column 1) is a NUL byte"
sparse early.csv $'x,y,label\n1,2,a\n3,oops,b\n5,6,a\n'
notebook early.lab "load early.csv"
within "bad value before a hole reported at once" 5 "$bin" run "$work/early.lab"
contains "early bad value first" "$work/err" "early.csv: line 3, column 2 ('y'): 'oops' is not a number"
sparse hole.tsv $'1\t2\ta\n3\t4\tb\n'
notebook hole-tsv.lab "load hole.tsv"
within "sparse tsv reported at once" 5 "$bin" run "$work/hole-tsv.lab"
contains "tsv hole named" "$work/err" "hole.tsv: byte offset 12 (line 3, column 1) is a NUL byte"

# 6. Numbers are decimal only, wherever they are typed.
check "eval margin hex" 2 "$bin" eval --loss BatchHardTripletLoss --set margin=0x10 --embeddings "$work/items.npy" --labels "$work/classes.npy"
contains "eval margin hex named" "$work/err" "margin must be a finite decimal number, got '0x10'"
for line in "loss BatchHardTripletLoss margin=0x10" "set lr=0x10" "set seed=0x10" "set batch_size=0x10" "encoder linear dim=0x10"; do
  notebook hex.lab "load toy:blobs" "$line"
  check "notebook: $line" 2 "$bin" run "$work/hex.lab"
  contains "notebook: $line names the text" "$work/err" "got '0x10'"
done
notebook hexload.lab "load toy:blobs spread=0x10"
check "load option in hex" 2 "$bin" run "$work/hexload.lab"
contains "load option in hex refused" "$work/err" "spread must be a decimal number"
notebook hexexpect.lab "load toy:blobs" "step 1" "expect loss < 0x10"
check "expect value in hex" 2 "$bin" run "$work/hexexpect.lab"
contains "expect value in hex refused" "$work/err" "expect needs METRIC OP VALUE"
notebook decimal.lab "load toy:blobs" "loss BatchHardTripletLoss margin=.5" "set lr=1e-3 batch_size=16" "step 1"
check "decimal forms accepted" 0 "$bin" run "$work/decimal.lab"

# 7. A repeated --set is an error naming it.
check "repeated --set" 2 "$bin" eval --loss BatchHardTripletLoss --set margin=1 --set margin=2 --embeddings "$work/items.npy" --labels "$work/classes.npy"
contains "repeated --set named" "$work/err" "--set margin is given twice (margin=1 and margin=2)"
check "repeated --weight" 2 "$bin" eval --loss SoftmaxLoss --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/nli.npy" \
  --weight classifier.weight="$work/w.npy" --weight classifier.weight="$work/w.npy" --weight classifier.bias="$work/bias.npy"
contains "repeated --weight named" "$work/err" "--weight classifier.weight is given twice"

# 8. MultipleNegativesRankingLoss with a batch of one warns that it is 0 by construction.
notebook mnrl.lab "load text:pairs" "loss MultipleNegativesRankingLoss" "set batch_size=1" "step 2" "show warnings"
check "mnrl batch of one" 0 "$bin" run "$work/mnrl.lab" --verbose
contains "mnrl warning with evidence" "$work/err" "MultipleNegativesRankingLoss is 0 by construction (loss 0, |grad| 0)"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
