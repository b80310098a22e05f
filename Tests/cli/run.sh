#!/usr/bin/env bash
# End-to-end checks of the losslab command line: exit codes and output shapes.
# Usage: Tests/cli/run.sh PATH/TO/losslab
set -u
bin=${1:?usage: run.sh PATH/TO/losslab}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source "$(dirname "$0")/lib.sh"

# Arrays for the checks, written by losslab itself.
check "write fixtures" 0 "$bin" test-arrays --out "$work"

check "eval batch hard" 0 "$bin" eval --loss BatchHardTripletLoss --embeddings "$work/items.npy" --labels "$work/classes.npy" --grad-out "$work/g" --mined
matches "eval prints loss" "$work/out" '"loss": '
matches "eval prints mined" "$work/out" '"mined": \['
check "gradient file written" 0 test -s "$work/g/grad_input_0.npy"
check "softmax with weights" 0 "$bin" eval --loss SoftmaxLoss --set num_labels=3 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/nli.npy" --weight classifier.weight="$work/w.npy" --weight classifier.bias="$work/bias.npy" --grad-out "$work/s"
matches "softmax prints its reference and parameters" "$work/out" '"loss_name": "SoftmaxLoss", "reference": "6.2.0", "parameters": {"num_labels": "3"'
check "a loss newer than the reference" 2 "$bin" eval --loss CoSENTLoss --reference 1.2.0 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/scores.npy"
matches "newer loss message" "$work/err" "CoSENTLoss is not in sentence-transformers 1.2.0 (it was added later; LossLab has it as 6.2.0 does): it needs reference 6.2.0"
check "an unknown reference" 2 "$bin" eval --loss TripletLoss --reference 3.0 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --embeddings "$work/c.npy"
matches "unknown reference message" "$work/err" "reference '3.0' is not one LossLab reproduces; it knows 1.2.0, 6.2.0"
check "softmax weight gradient" 0 test -s "$work/s/grad_classifier.weight.npy"
check "softmax with soft labels" 0 "$bin" eval --loss SoftmaxLoss --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/soft.npy"
check "soft labels under 1.2.0" 2 "$bin" eval --loss SoftmaxLoss --reference 1.2.0 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/soft.npy"
matches "soft labels message" "$work/err" "soft labels (a 6 x 3 label matrix) are new in sentence-transformers 6.2.0"
check "mse with a teacher per column" 0 "$bin" eval --loss MSELoss --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/teachers.npy"
check "teachers per column under 1.2.0" 2 "$bin" eval --loss MSELoss --reference 1.2.0 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/teachers.npy"
matches "teachers per column message" "$work/err" "one teacher per column .* is new in sentence-transformers 6.2.0"
check "mse with a projection" 0 "$bin" eval --loss MSELoss --set projection_dim=3 --embeddings "$work/a.npy" --labels "$work/soft.npy" --grad-out "$work/p"
check "projection weight gradient" 0 test -s "$work/p/grad_projection.weight.npy"
check "backprop_all under 6.2.0" 2 "$bin" eval --loss MegaBatchMarginLoss --set backprop_all_mini_batches=true --embeddings "$work/a.npy" --embeddings "$work/b.npy"
matches "backprop_all message" "$work/err" "backprop_all_mini_batches has no meaning in sentence-transformers 6.2.0"
check "mnrl with a hard negative" 0 "$bin" eval --loss MultipleNegativesRankingLoss --set scale=10 --set similarity_fct=dot_score --embeddings "$work/a.npy" --embeddings "$work/b.npy" --embeddings "$work/c.npy"
matches "mnrl prints its value" "$work/out" '"loss": [0-9]'
check "token-level loss refused" 2 "$bin" eval --loss DenoisingAutoEncoderLoss --embeddings "$work/items.npy"
matches "token-level loss says where it trains" "$work/err" "takes text, not a table of embeddings: in a notebook or the explorer"
check "layer loss refused" 2 "$bin" eval --loss AdaptiveLayerLoss --embeddings "$work/items.npy"
matches "layer loss says where it trains" "$work/err" "trains every layer of an encoder.*encoder mlp layers=3"
check "2d layer loss refused" 2 "$bin" eval --loss Matryoshka2dLoss --set matryoshka_dims=4,2 --embeddings "$work/items.npy"
matches "2d layer loss says where it trains" "$work/err" "Matryoshka2dLoss trains every layer of an encoder"

check "mnrl directions as a comma-joined set" 0 "$bin" eval --loss MultipleNegativesRankingLoss --set directions=doc_to_query,query_to_doc --set partition_mode=per_direction --set hardness_mode=hard_negatives --set hardness_strength=2 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --embeddings "$work/c.npy"
matches "mnrl directions prints loss" "$work/out" '"loss": '
check "mnrl directions without query_to_doc" 2 "$bin" eval --loss MultipleNegativesRankingLoss --set directions=doc_to_query --embeddings "$work/a.npy" --embeddings "$work/b.npy"
contains "mnrl directions message" "$work/err" "directions must include query_to_doc"
check "cached mnrl" 0 "$bin" eval --loss CachedMultipleNegativesRankingLoss --set mini_batch_size=3 --embeddings "$work/a.npy" --embeddings "$work/b.npy"
check "gist with guides" 0 "$bin" eval --loss GISTEmbedLoss --embeddings "$work/a.npy" --embeddings "$work/b.npy" --guide "$work/b.npy" --guide "$work/a.npy" --grad-out "$work/gist"
matches "gist wrote its gradients" "$(ls "$work/gist" | tr '\n' ' ' > "$work/list"; echo "$work/list")" 'grad_input_1.npy'
check "gist without a guide" 2 "$bin" eval --loss GISTEmbedLoss --embeddings "$work/a.npy" --embeddings "$work/b.npy"
contains "gist without a guide message" "$work/err" "needs --guide for every --embeddings column"
check "guide for a loss without one" 2 "$bin" eval --loss MultipleNegativesRankingLoss --embeddings "$work/a.npy" --embeddings "$work/b.npy" --guide "$work/a.npy"
contains "guide refused message" "$work/err" "takes no --guide"
check "gist with a guide of another row count" 2 "$bin" eval --loss GISTEmbedLoss --embeddings "$work/a.npy" --embeddings "$work/b.npy" --guide "$work/a.npy" --guide "$work/items.npy"
contains "guide row count message" "$work/err" "items.npy: the guide has 12 rows but $work/b.npy has 6; give one guide row per embedding row"
check "gor prints its terms" 0 "$bin" eval --loss GlobalOrthogonalRegularizationLoss --embeddings "$work/a.npy" --embeddings "$work/b.npy"
matches "gor terms" "$work/out" '"terms": {"gor_mean": [-0-9.e]*, "gor_second_moment": '
check "gor without terms" 2 "$bin" eval --loss GlobalOrthogonalRegularizationLoss --set mean_weight=none --set second_moment_weight=0 --embeddings "$work/a.npy"
contains "gor without terms message" "$work/err" "at least one of mean_weight and second_moment_weight"
check "a weighted sum" 0 "$bin" eval --loss "MultipleNegativesRankingLoss scale=20 + 0.1 * GlobalOrthogonalRegularizationLoss" --embeddings "$work/a.npy" --embeddings "$work/b.npy" --grad-out "$work/sum"
matches "a sum prints its weighted terms" "$work/out" '"terms": {"MultipleNegativesRankingLoss": [-0-9.e]*, "gor_mean": [-0-9.e]*, "gor_second_moment": '
contains "a sum names itself and its terms' settings" "$work/out" '"loss_name": "MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss", "reference": "6.2.0", "parameters": {"losses.0.scale": "20.0"'
check "a sum's gradient file" 0 test -s "$work/sum/grad_input_1.npy"
check "a sum takes no --set" 2 "$bin" eval --loss "MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss" --set scale=2 --embeddings "$work/a.npy" --embeddings "$work/b.npy"
contains "a sum's --set message" "$work/err" "--set does not apply to a sum"
check "terms that cannot share a batch" 2 "$bin" eval --loss "TripletLoss + ContrastiveLoss" --embeddings "$work/a.npy" --embeddings "$work/b.npy"
contains "terms that cannot share a batch message" "$work/err" "TripletLoss and ContrastiveLoss cannot share a batch"
check "a summed classifier's weights by term" 0 "$bin" eval --loss "SoftmaxLoss num_labels=3 + 0.5 * GlobalOrthogonalRegularizationLoss" --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/nli.npy" --weight losses.0.classifier.weight="$work/w.npy" --weight losses.0.classifier.bias="$work/bias.npy" --grad-out "$work/ssum"
check "a summed classifier's weight gradient" 0 test -s "$work/ssum/grad_losses.0.classifier.weight.npy"
printf 'load text:pairs\nloss MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss\nstep 4\nexpect gor_second_moment >= 0\nexpect multiplenegativesrankingloss > 0\n' > "$work/sum.lab"
check "a notebook with a sum" 0 "$bin" run "$work/sum.lab" --check --out "$work/sumrun"
matches "a sum's terms are metrics.csv columns" "$work/sumrun/metrics.csv" '^step,.*,multiplenegativesrankingloss,gor_mean,gor_second_moment,mean_similarity,second_moment'

check "matryoshka around mnrl" 0 "$bin" eval --loss MatryoshkaLoss --set loss=MultipleNegativesRankingLoss --set loss.scale=10 --set matryoshka_dims=4,2,1 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --grad-out "$work/m"
contains "matryoshka reports its inner settings" "$work/out" '"loss.scale": "10.0"'
check "matryoshka sampling dimensions" 0 "$bin" eval --loss MatryoshkaLoss --set matryoshka_dims=4,2,1 --set n_dims_per_step=1 --embeddings "$work/a.npy" --embeddings "$work/b.npy"
contains "matryoshka says what it sampled" "$work/err" "n_dims_per_step=1 sampled dimensions"
check "matryoshka with a bad inner setting" 2 "$bin" eval --loss MatryoshkaLoss --set loss=CoSENTLoss --set loss.margin=1 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/scores.npy"
contains "matryoshka bad inner setting message" "$work/err" "MatryoshkaLoss's loss=CoSENTLoss: CoSENTLoss has no parameter 'margin'"
check "matryoshka dimension too large" 2 "$bin" eval --loss MatryoshkaLoss --set matryoshka_dims=64 --embeddings "$work/a.npy" --embeddings "$work/b.npy"
contains "matryoshka dimension message" "$work/err" "dimension 64 in matryoshka_dims is larger than the embeddings'"

check "unknown loss" 2 "$bin" eval --loss NoSuchLoss --embeddings "$work/items.npy"
matches "unknown loss message" "$work/err" "unknown loss 'NoSuchLoss'"
check "unknown parameter" 2 "$bin" eval --loss TripletLoss --set margin=1 --embeddings "$work/a.npy" --embeddings "$work/b.npy" --embeddings "$work/c.npy"
matches "unknown parameter message" "$work/err" "has no parameter 'margin'; it takes distance_metric, triplet_margin"
check "bad metric" 2 "$bin" eval --loss ContrastiveLoss --set distance_metric=chebyshev --embeddings "$work/a.npy" --embeddings "$work/b.npy" --labels "$work/binary.npy"
matches "bad metric message" "$work/err" "distance_metric 'chebyshev' is not one of"
check "wrong column count" 2 "$bin" eval --loss TripletLoss --embeddings "$work/a.npy"
matches "column count message" "$work/err" "takes 3 embedding column"
check "missing labels" 2 "$bin" eval --loss BatchAllTripletLoss --embeddings "$work/items.npy"
matches "missing labels message" "$work/err" "needs --labels"
check "label count mismatch" 2 "$bin" eval --loss BatchAllTripletLoss --embeddings "$work/a.npy" --labels "$work/classes.npy"
matches "label count message" "$work/err" "one label per row"
check "mismatched dims" 2 "$bin" eval --loss CosineSimilarityLoss --embeddings "$work/a.npy" --embeddings "$work/items.npy" --labels "$work/scores.npy"
matches "mismatched rows message" "$work/err" "column 1 has"
check "NaN input" 2 "$bin" eval --loss MSELoss --embeddings "$work/nan.npy" --labels "$work/a.npy"
matches "NaN message names the row" "$work/err" "row"
printf 'not a numpy file' >"$work/bad.npy"
check "malformed npy" 2 "$bin" eval --loss MSELoss --embeddings "$work/bad.npy" --labels "$work/a.npy"
matches "malformed npy message" "$work/err" "bad.npy: not a .npy file"
check "missing file" 2 "$bin" eval --loss MSELoss --embeddings "$work/none.npy" --labels "$work/a.npy"
matches "missing file message" "$work/err" "none.npy: no such file"
check "bad --set" 2 "$bin" eval --loss TripletLoss --set triplet_margin --embeddings "$work/a.npy" --embeddings "$work/b.npy" --embeddings "$work/c.npy"
matches "bad --set message" "$work/err" "--set must look like name=value, got 'triplet_margin'"
check "help" 0 "$bin" eval --help
matches "help shows the usage" "$work/out" "USAGE: losslab eval"

# run --check: a holding expectation passes, a failing one exits 1 and says which.
printf 'load toy:blobs classes=3 per_class=6 dim=4\nloss BatchHardTripletLoss margin=1\nstep 5\nexpect step == 5\n' >"$work/holds.lab"
check "run --check holds" 0 "$bin" run "$work/holds.lab" --check
matches "run reports the expectations" "$work/out" "1/1 expectations hold"
printf 'load toy:blobs classes=3 per_class=6 dim=4\nstep 5\nexpect loss < -1\n' >"$work/fails.lab"
check "run --check fails" 1 "$bin" run "$work/fails.lab" --check
matches "run --check names the failed expectation" "$work/err" "expect loss < -1.0 failed"
check "run without --check reports" 0 "$bin" run "$work/fails.lab"
printf 'load toy:blobs\nfrobnicate 3\n' >"$work/bad.lab"
check "run stops at a bad command" 2 "$bin" run "$work/bad.lab"
matches "run names the line" "$work/err" "bad.lab:2: unknown command 'frobnicate'"

# losses: the catalog, every loss with its parameters.
check "losses" 0 "$bin" losses
matches "losses lists a loss" "$work/out" "MultipleNegativesRankingLoss: softmax over in-batch candidates"
matches "losses lists its parameters" "$work/out" "  scale=20  \[number\]"
check "losses --diff" 0 "$bin" losses --diff
matches "losses --diff names a new loss" "$work/out" "CoSENTLoss *not in 1.2.0: added after it (LossLab has it as 6.2.0 does)"
matches "losses --diff names an unchanged loss" "$work/out" "BatchHardTripletLoss *the same in both"
check "losses --markdown" 0 "$bin" losses --markdown
matches "losses markdown row" "$work/out" "| TripletLoss | (anchor, positive, negative) triplets | distance_metric=euclidean, triplet_margin=5 |"

# bench: the JSON rows of one small case.
check "bench one case" 0 "$bin" bench --loss TripletLoss --batch 16 --dim 8 --json
matches "bench prints the case" "$work/out" '"loss": "TripletLoss", "batch": 16, "dim": 8'
check "bench under 1.2.0" 0 "$bin" bench --loss MegaBatchMarginLoss --reference 1.2.0 --reference 6.2.0 --batch 16 --dim 8 --json
matches "bench names the references" "$work/out" '"reference": "1.2.0"'
matches "bench times both" "$work/out" '"reference": "6.2.0"'
check "bench unknown loss" 2 "$bin" bench --loss NoSuchLoss --batch 16 --dim 8
matches "bench unknown loss message" "$work/err" "NoSuchLoss"
# bench --ui: the interface's first frame (the quick, one-part run), as JSON; a bad part is one line.
check "bench --ui first frame" 0 "$bin" bench --ui --quick --ui-only first --json
matches "bench --ui names its measure" "$work/out" '"measure": "first frame with points", .*"target_ms": 300'
check "bench --ui unknown part" 2 "$bin" bench --ui --ui-only paint
contains "bench --ui unknown part message" "$work/err" "--ui-only takes first, frames, history, keys, open, not 'paint'"

# summary.json stays valid JSON when names hold quotes and backslashes.
weird="$work/we\"ird\\name"
mkdir -p "$weird"
cp "$work/items.npy" "$weird/items \"q\".npy"
cp "$work/classes.npy" "$weird/classes.npy"
printf 'load "items \\"q\\".npy" labels=classes.npy\nloss BatchHardTripletLoss\nstep 3\n' >"$weird/nb.lab"
check "run with a quoted file name" 0 "$bin" run "$weird/nb.lab" --out "$weird/out"
check "summary.json is valid JSON" 0 python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["steps"] == 3, d' "$weird/out/summary.json"
matches "summary names the dataset" "$weird/out/summary.json" 'items \\"q\\"'

echo "cli: $passed passed, $failed failed"
[ "$failed" = 0 ]
