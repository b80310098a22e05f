#!/usr/bin/env bash
# The files sentence-transformers users have (Tests/LossDataTests/Data/st, made by its
# generate.py with the real libraries), end to end: what was read and the warnings reach
# `losslab run` and `losslab eval`, and refusals are one line with exit status 2.
# Usage: Tests/cli/files.sh PATH/TO/losslab
set -u
bin=${1:?usage: files.sh PATH/TO/losslab}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"
data="$(cd "$(dirname "$0")/../LossDataTests/Data/st" && pwd)"

notebook() { printf '%s\n' "$@" >"$work/nb.lab"; }

notebook "load $data/extra_columns.jsonl" "step 2"
check "run: extra columns" 0 "$bin" run "$work/nb.lab"
contains "run says what was read" "$work/err" 'read "anchor" as the anchor and "positive" as the positive (4 records)'
contains "run names the ignored columns" "$work/err" 'warning: ignored the columns "id" and "source"'

notebook "load $data/extra_columns.jsonl" "show data"
check "run: show data" 0 "$bin" run --verbose "$work/nb.lab"
contains "show data repeats the warning" "$work/err" '  extra_columns.jsonl: anchor-positive'
matches "show data has the notes" "$work/err" '^warning: ignored the columns "id" and "source"'

notebook "load $data/query_answer.jsonl"
check "run: query/answer" 0 "$bin" run --verbose "$work/nb.lab"
contains "query/answer read as anchor-positive" "$work/err" "anchor-positive, 4 examples"
contains "query is the anchor" "$work/err" 'read "query" as the anchor and "answer" as the positive'

notebook "load $data/embeddings.npy labels=$data/labels_unicode.npy" "step 1"
check "run: string labels from np.save" 0 "$bin" run "$work/nb.lab"
contains "the ids of the class names" "$work/err" "labels: 3 class names as ids 0 = sport, 1 = food, 2 = weather"

notebook "load $data/nli.csv" "step 1"
check "run: to_csv NLI pairs" 0 "$bin" run "$work/nb.lab"
contains "NLI columns" "$work/err" 'read "premise" as the first sentence, "hypothesis" as the second and "label" as the label (6 rows)'

notebook "load $data/unnamed.npz"
check "run: npz without names" 0 "$bin" run "$work/nb.lab"
contains "arr_0 and arr_1" "$work/err" "read 'arr_0' (6 x 384) as the vectors and 'arr_1' (6) as their labels"

notebook "load $data/encode_int8.npy labels=$data/labels_unicode.npy"
check "run: int8 encode output refused" 2 "$bin" run "$work/nb.lab"
contains "int8 refusal" "$work/err" 'precision="int8"'

notebook "load $data/embedding_as_text.csv"
check "run: vectors written as text refused" 2 "$bin" run "$work/nb.lab"
contains "to_csv refusal" "$work/err" "to_csv writes a list column as its text"

check "eval: string labels" 0 "$bin" eval --loss BatchAllTripletLoss --embeddings "$data/embeddings.npy" --labels "$data/labels_bytes.npy"
contains "eval prints the ids on stderr" "$work/err" "labels_bytes.npy: labels: 3 class names as ids 0 = sport, 1 = food, 2 = weather"
matches "eval still prints its JSON" "$work/out" '^{"loss": '
check "eval: ubinary refused" 2 "$bin" eval --loss BatchAllTripletLoss --embeddings "$data/encode_ubinary.npy" --labels "$data/labels_bytes.npy"
contains "ubinary refusal" "$work/err" '"ubinary"'
check "eval: one line" 0 test "$(wc -l <"$work/err")" -eq 1

echo "files: $passed passed, $failed failed"
[ "$failed" = 0 ]
