#!/usr/bin/env python3
"""Does the mining-lab code LossLab exports give LossLab's loss?

For every LossLab miner x metric x margin, on one or more batches, this script

  1. writes a notebook that loads the batch, picks `loss MinedTripletLoss miner=..
     distance_metric=.. margin=..` and runs `export st-snippet PATH`, and runs it
     headless with `losslab run`;
  2. executes that exported snippet, calls its make_pml_loss() for
     (loss_func, miner) and runs them on the batch (PyTorch, float64);
  3. runs `losslab eval --loss MinedTripletLoss ...` on the same batch;

and prints one line per combination. The deterministic miners must agree exactly
(loss within 1e-9 relative, gradient within 1e-8 of the largest magnitude). The
random ones cannot agree batch by batch. For miner=random the snippet's own
random_negative_miner claims LossLab's distribution: the mean loss over --draws
draws (LossLab: seed=0..draws-1; the snippet: torch seeds) must agree within 4
standard errors. For miner=distance-weighted the snippet says PML's
DistanceWeightedMiner is not LossLab's miner; the means are printed, not judged.

Needs torch, numpy and pytorch-metric-learning 2.9.0 (not run in CI):

    swift build --scratch-path .build-helper4
    CUDA_VISIBLE_DEVICES="" ~/st62/bin/python Tests/interop/check_mining_snippet.py \
        --losslab .build-helper4/debug/losslab

With --embeddings X.npy --labels Y.npy it checks that batch instead of the
built-in ones (losslab test-arrays' items.npy/classes.npy, a 30-row batch with
duplicate rows and a 24-row batch of unit-length rows, written here with numpy).
Exit status 1 when a deterministic miner disagrees, the random miner's mean
does not, or a snippet does not run.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np
import torch

import pytorch_metric_learning

MINERS = ["all", "hard", "semi-hard", "batch-hard", "easy-positive-hard-negative", "random", "distance-weighted"]
RANDOM_MINERS = {"random", "distance-weighted"}
METRICS = ["euclidean", "cosine"]


def run(cmd, **kwargs):
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if done.returncode != 0:
        raise RuntimeError("%s failed (%d): %s" % (" ".join(cmd), done.returncode, done.stderr.strip()))
    return done.stdout


def exported_snippet(losslab, work, emb, labels, miner, metric, margin):
    """The st-snippet LossLab exports for this loss, from a headless notebook run."""
    tag = "%s-%s-%s" % (miner, metric, margin)
    snippet = os.path.join(work, "snippet-%s.py" % tag)
    notebook = os.path.join(work, "export-%s.lab" % tag)
    with open(notebook, "w") as f:
        f.write("load %s labels=%s\n" % (emb, labels))
        f.write("loss MinedTripletLoss miner=%s distance_metric=%s margin=%s\n" % (miner, metric, margin))
        f.write("export st-snippet %s\n" % snippet)
    run([losslab, "run", notebook, "--out", os.path.join(work, "out-%s" % tag)])
    with open(snippet) as f:
        return f.read()


def snippet_objects(source):
    namespace = {"__name__": "losslab_snippet"}
    exec(compile(source, "<exported st-snippet>", "exec"), namespace)
    return namespace["make_pml_loss"]()


def snippet_loss(source, x, y, seed=None):
    if seed is not None:
        torch.manual_seed(seed)
    loss_func, miner = snippet_objects(source)
    leaf = torch.tensor(x.astype(np.float64), requires_grad=True)
    labels = torch.tensor(y)
    indices = miner(leaf, labels) if miner is not None else None
    loss = loss_func(leaf, labels, indices)
    loss.backward()
    grad = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)
    return loss.item(), grad.numpy()


def losslab_loss(losslab, work, emb, labels, miner, metric, margin, seed=None):
    grads = os.path.join(work, "grads")
    cmd = [losslab, "eval", "--loss", "MinedTripletLoss", "--set", "miner=" + miner,
           "--set", "distance_metric=" + metric, "--set", "margin=" + margin,
           "--embeddings", emb, "--labels", labels, "--grad-out", grads]
    if seed is not None:
        cmd += ["--set", "seed=%d" % seed]
    out = json.loads(run(cmd))
    value = out["loss"] if out["loss"] is not None else float(out.get("loss_reason", "nan"))
    return value, np.load(os.path.join(grads, "grad_input_0.npy"))


def mean_and_error(values):
    values = np.asarray(values, dtype=np.float64)
    return values.mean(), values.std(ddof=1) / math.sqrt(len(values))


def check(losslab, work, batch, miner, metric, margin, draws):
    emb, labels = batch["embeddings"], batch["labels"]
    x, y = np.load(emb), np.load(labels).astype(np.int64)
    try:
        source = exported_snippet(losslab, work, emb, labels, miner, metric, margin)
        if miner not in RANDOM_MINERS:
            want, want_grad = losslab_loss(losslab, work, emb, labels, miner, metric, margin)
            got, got_grad = snippet_loss(source, x, y)
            value_ok = abs(got - want) <= 1e-9 * max(1.0, abs(want))
            scale = float(np.max(np.abs(want_grad))) if want_grad.size else 0.0
            grad_off = float(np.max(np.abs(got_grad - want_grad))) if want_grad.size else 0.0
            grad_ok = grad_off <= 1e-8 * scale + 1e-14
            detail = "losslab %.12g  snippet %.12g  |dgrad| %.1e" % (want, got, grad_off)
            return ("pass" if value_ok and grad_ok else "FAIL"), detail, True
        lab = [losslab_loss(losslab, work, emb, labels, miner, metric, margin, seed=k)[0] for k in range(draws)]
        pml = [snippet_loss(source, x, y, seed=k)[0] for k in range(draws)]
        (m1, e1), (m2, e2) = mean_and_error(lab), mean_and_error(pml)
        spread = math.sqrt(e1 * e1 + e2 * e2)
        same = abs(m1 - m2) <= 4 * spread + 1e-12
        detail = "mean over %d draws: losslab %.6g ± %.2g  snippet %.6g ± %.2g" % (draws, m1, e1, m2, e2)
        if miner == "distance-weighted":
            # The snippet says PML's DistanceWeightedMiner is not LossLab's: reported, not judged.
            return "not the same miner", detail + ("  (means agree)" if same else "  (means differ)"), False
        # The snippet's random_negative_miner claims LossLab's distribution: judged.
        return ("same distribution" if same else "FAIL"), detail, False
    except Exception as e:  # a snippet that does not run is a failure of the export
        return "FAIL", "%s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""), True


def builtin_batches(losslab, work):
    arrays = os.path.join(work, "test-arrays")
    os.makedirs(arrays, exist_ok=True)
    run([losslab, "test-arrays", "--out", arrays])
    batches = [{"name": "test-arrays 12x4", "embeddings": os.path.join(arrays, "items.npy"),
                "labels": os.path.join(arrays, "classes.npy")}]
    rng = np.random.default_rng(20250929)
    x = rng.standard_normal((30, 6)).astype(np.float32)
    y = np.asarray([c for c in range(5) for _ in range(6)], dtype=np.int64)[rng.permutation(30)]
    x[29] = x[0]          # a duplicate row, of another class when the labels differ
    x[28] = x[1]
    y[28] = y[1]          # a duplicate within the class: distance 0
    np.save(os.path.join(work, "dups.npy"), x)
    np.save(os.path.join(work, "dups-labels.npy"), y)
    batches.append({"name": "30x6 duplicates", "embeddings": os.path.join(work, "dups.npy"),
                    "labels": os.path.join(work, "dups-labels.npy")})
    # Unit-length rows: the only case where PML's DistanceWeightedMiner (which normalises)
    # sees LossLab's euclidean distances.
    z = rng.standard_normal((24, 8))
    z = (z / np.linalg.norm(z, axis=1, keepdims=True)).astype(np.float32)
    np.save(os.path.join(work, "unit.npy"), z)
    np.save(os.path.join(work, "unit-labels.npy"), np.asarray([c for c in range(4) for _ in range(6)], dtype=np.int64))
    batches.append({"name": "24x8 unit-norm", "embeddings": os.path.join(work, "unit.npy"),
                    "labels": os.path.join(work, "unit-labels.npy")})
    return batches


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--losslab", default=os.environ.get("LOSSLAB", ".build-helper4/debug/losslab"))
    parser.add_argument("--embeddings")
    parser.add_argument("--labels")
    parser.add_argument("--margins", default="0.2,1")
    parser.add_argument("--draws", type=int, default=100)
    args = parser.parse_args()
    if pytorch_metric_learning.__version__ != "2.9.0":
        sys.exit("need pytorch-metric-learning 2.9.0, found %s" % pytorch_metric_learning.__version__)
    losslab = os.path.abspath(args.losslab)
    torch.set_num_threads(1)
    print("pytorch-metric-learning %s, torch %s, losslab %s" % (pytorch_metric_learning.__version__,
                                                              torch.__version__, args.losslab))
    failures = 0
    with tempfile.TemporaryDirectory(prefix="losslab-mining-") as work:
        if args.embeddings:
            batches = [{"name": os.path.basename(args.embeddings), "embeddings": os.path.abspath(args.embeddings),
                        "labels": os.path.abspath(args.labels)}]
        else:
            batches = builtin_batches(losslab, work)
        print("%-18s %-28s %-9s %-6s %-18s %s" % ("batch", "miner", "metric", "margin", "result", "detail"))
        for batch in batches:
            for miner in MINERS:
                for metric in METRICS:
                    for margin in args.margins.split(","):
                        result, detail, exact = check(losslab, work, batch, miner, metric, margin, args.draws)
                        if result == "FAIL":
                            failures += 1
                        print("%-18s %-28s %-9s %-6s %-18s %s" % (batch["name"], miner, metric, margin, result, detail))
                        sys.stdout.flush()
    exact_total = len(batches) * (len(MINERS) - len(RANDOM_MINERS)) * len(METRICS) * len(args.margins.split(","))
    print("\n%d failure(s); %d exact checks of the deterministic miners" % (failures, exact_total))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
