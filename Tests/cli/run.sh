#!/usr/bin/env bash
# End-to-end checks of the losslab command line: exit codes and output shapes.
# Usage: Tests/cli/run.sh PATH/TO/losslab
set -u
bin=${1:?usage: run.sh PATH/TO/losslab}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

check() { # name, expected exit code, command...
  local name=$1 want=$2
  shift 2
  "$@" >"$work/out" 2>"$work/err"
  local got=$?
  if [ "$got" = "$want" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $got, wanted $want"
    sed 's/^/  | /' "$work/out" "$work/err" | head -5
  fi
}

contains() { # name, file, text
  if grep -q -- "$3" "$2"; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL $1: '$3' not in $(head -c 300 "$2")"; fi
}

# Arrays for the checks, written by losslab itself.
check "write fixtures" 0 "$bin" test-arrays --out "$work"

check "eval batch hard" 0 "$bin" eval --loss BatchHardTripletLoss --embeddings "$work/items.npy" --labels "$work/classes.npy" --grad-out "$work/g" --mined
contains "eval prints loss" "$work/out" '"loss": '
contains "eval prints mined" "$work/out" '"mined": \['
check "gradient file written" 0 test -s "$work/g/grad_input_0.npy"
check "softmax with weights" 0 "$bin" eval --loss SoftmaxLoss --set num_labels=3 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/nli.npy" --weight classifier.weight="$work/w.npy" --weight classifier.bias="$work/bias.npy" --grad-out "$work/s"
check "softmax weight gradient" 0 test -s "$work/s/grad_classifier.weight.npy"
check "mnrl with a hard negative" 0 "$bin" eval --loss MultipleNegativesRankingLoss --set scale=10 --set similarity_fct=dot_score --embeddings "$work/a.npy" --embeddings "$work/b.npy" --embeddings "$work/c.npy"

check "unknown loss" 2 "$bin" eval --loss NoSuchLoss --embeddings "$work/items.npy"
contains "unknown loss message" "$work/err" "unknown loss"
check "unknown parameter" 2 "$bin" eval --loss TripletLoss --set margin=1 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --embeddings "$work/c.npy"
check "bad metric" 2 "$bin" eval --loss ContrastiveLoss --set distance_metric=chebyshev --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/binary.npy"
check "wrong column count" 2 "$bin" eval --loss TripletLoss --embeddings "$work/a.npy"
check "missing labels" 2 "$bin" eval --loss BatchAllTripletLoss --embeddings "$work/items.npy"
check "label count mismatch" 2 "$bin" eval --loss BatchAllTripletLoss --embeddings "$work/a.npy" --labels "$work/classes.npy"
check "mismatched dims" 2 "$bin" eval --loss CosineSimilarityLoss --embeddings "$work/a.npy" --embeddings "$work/items.npy" --labels "$work/scores.npy"
check "NaN input" 2 "$bin" eval --loss MSELoss --embeddings "$work/nan.npy" --labels "$work/a.npy"
contains "NaN message names the row" "$work/err" "row"
printf 'not a numpy file' >"$work/bad.npy"
check "malformed npy" 2 "$bin" eval --loss MSELoss --embeddings "$work/bad.npy" --labels "$work/a.npy"
check "missing file" 2 "$bin" eval --loss MSELoss --embeddings "$work/none.npy" --labels "$work/a.npy"
check "bad --set" 2 "$bin" eval --loss TripletLoss --set triplet_margin --embeddings "$work/a.npy"
check "help" 0 "$bin" eval --help

# summary.json stays valid JSON when names hold quotes and backslashes.
weird="$work/we\"ird\\name"
mkdir -p "$weird"
cp "$work/items.npy" "$weird/items \"q\".npy"
cp "$work/classes.npy" "$weird/classes.npy"
printf 'load "items \\"q\\".npy" labels=classes.npy\nloss BatchHardTripletLoss\nstep 3\n' >"$weird/nb.lab"
check "run with a quoted file name" 0 "$bin" run "$weird/nb.lab" --out "$weird/out"
check "summary.json is valid JSON" 0 python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["steps"] == 3, d' "$weird/out/summary.json"
contains "summary names the dataset" "$weird/out/summary.json" 'items \\"q\\"'

echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
