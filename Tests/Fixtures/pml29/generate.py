#!/usr/bin/env python3
"""Mining-lab fixture generator for LossLab: pytorch-metric-learning 2.9.0.

LossLab's MinedTripletLoss (the mining lab) is a triplet margin loss with a
miner named in pytorch-metric-learning's (PML) vocabulary. This script runs the
REAL PML 2.9.0 objects -- losses.TripletMarginLoss with its default reducer and
the PML miner that matches each LossLab miner -- on PyTorch (CPU, float64) and
writes one JSON object per case to cases.jsonl next to this file, in the format
of Tests/Fixtures/golden/cases.jsonl (read by Tests/LossKitTests/GoldenCase.swift).
Nothing here re-implements the loss or a miner.

Environment (nothing here is needed by CI; the output file is committed):

    # a venv where torch 2.x (CPU is enough) and numpy import
    <venv>/bin/pip install pytorch-metric-learning==2.9.0
    CUDA_VISIBLE_DEVICES="" <venv>/bin/python Tests/Fixtures/pml29/generate.py

Tested with torch 2.15.0, numpy 2.x, Python 3.11. The script refuses to run
with any other pytorch-metric-learning version, and prints the SHA-256 of the
PML source files it relies on (the public git mirror has no v2.9.0 tag to
compare them with).

What LossLab's settings become in PML (the same mapping the exported
st-snippet writes; Tests/interop/check_mining_snippet.py checks that one):

  distance_metric=euclidean  distances.LpDistance(normalize_embeddings=False, p=2, power=1)
                             (PML's default LpDistance normalises the rows first;
                             LossLab's euclidean is the distance of the raw rows)
  distance_metric=cosine     distances.CosineSimilarity() (rows L2-normalised, eps 1e-12;
                             PML ranks by similarity s, LossLab by d = 1 - s: the same
                             order, and s(a,n) - s(a,p) = d(a,p) - d(a,n))
  margin=m                   TripletMarginLoss(margin=m), and TripletMarginMiner(margin=m)
  miner=all                  no miner: TripletMarginLoss(triplets_per_anchor="all")
  miner=hard                 TripletMarginMiner(type_of_triplets="hard")
  miner=semi-hard            TripletMarginMiner(type_of_triplets="semihard")
  miner=batch-hard           BatchHardMiner()
  miner=easy-positive-hard-negative
                             BatchEasyHardMiner(pos_strategy="easy", neg_strategy="hard")
  (always)                   swap=False, smooth_loss=False, reducer AvgNonZeroReducer
                             (PML's default for this loss: the mean over the triplets
                             with a non-zero loss, 0 when there is none)

Every miner gets the loss's distance object (a PML miner left without one uses
LpDistance() with normalised rows).

Not covered: miner=distance-weighted and miner=random draw their negatives at
random (and PML's DistanceWeightedMiner also draws random positives), so no
value can be compared case by case.

Conventions of the output:
  * inputs are drawn as float32 and written exactly (float(x) of a float32);
    the computation uses float64 leaf tensors made from those values; labels
    are int64;
  * "params" holds the strings a user passes to LossLab as --set name=value;
  * "reference" names the library and version; "reference_mined" is the
    number of triplets the PML loss received from the miner (for miner=all,
    every valid triplet), which LossLab reports as its used count;
  * every case uses its own generator seeded from BASE_SEED and its name, so the
    file is deterministic and adding a case does not change the others.
"""

import hashlib
import json
import math
import os
import sys
import zlib
from collections import Counter, OrderedDict

import numpy as np
import torch

import pytorch_metric_learning
from pytorch_metric_learning import distances, losses, miners, reducers
from pytorch_metric_learning.utils import loss_and_miner_utils as lmu

REFERENCE_VERSION = "2.9.0"
REFERENCE = "pytorch-metric-learning " + REFERENCE_VERSION
BASE_SEED = 20250929
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "cases.jsonl")
REFERENCE_FILES = [
    "losses/triplet_margin_loss.py", "losses/base_metric_loss_function.py",
    "miners/triplet_margin_miner.py", "miners/batch_easy_hard_miner.py", "miners/batch_hard_miner.py",
    "miners/base_miner.py", "distances/base_distance.py", "distances/lp_distance.py",
    "distances/cosine_similarity.py", "distances/dot_product_similarity.py",
    "reducers/avg_non_zero_reducer.py", "reducers/threshold_reducer.py", "reducers/base_reducer.py",
    "utils/loss_and_miner_utils.py",
]

MINERS = ["all", "hard", "semi-hard", "batch-hard", "easy-positive-hard-negative"]
METRICS = ["euclidean", "cosine"]


def check_provenance():
    found = getattr(pytorch_metric_learning, "__version__", "unknown")
    if found != REFERENCE_VERSION:
        sys.exit("need pytorch-metric-learning %s, found %s" % (REFERENCE_VERSION, found))
    package = os.path.dirname(pytorch_metric_learning.__file__)
    print("pytorch-metric-learning %s from %s" % (found, package))
    print("torch %s, numpy %s" % (torch.__version__, np.__version__))
    for rel in REFERENCE_FILES:
        with open(os.path.join(package, rel), "rb") as f:
            print("  sha256 %s  %s" % (hashlib.sha256(f.read()).hexdigest()[:16], rel))


# --------------------------------------------------------------------------
# LossLab settings -> PML objects
# --------------------------------------------------------------------------

def pml_distance(metric):
    if metric == "euclidean":
        return distances.LpDistance(normalize_embeddings=False, p=2, power=1)
    if metric == "cosine":
        return distances.CosineSimilarity()
    raise ValueError("no PML distance for %r" % metric)


def pml_objects(miner_name, metric, margin):
    """(loss_func, miner or None) for LossLab's miner, distance_metric and margin."""
    distance = pml_distance(metric)
    loss_func = losses.TripletMarginLoss(margin=margin, swap=False, smooth_loss=False,
                                         triplets_per_anchor="all", distance=distance,
                                         reducer=reducers.AvgNonZeroReducer())
    if miner_name == "all":
        miner = None
    elif miner_name == "hard":
        miner = miners.TripletMarginMiner(margin=margin, type_of_triplets="hard", distance=distance)
    elif miner_name == "semi-hard":
        miner = miners.TripletMarginMiner(margin=margin, type_of_triplets="semihard", distance=distance)
    elif miner_name == "batch-hard":
        miner = miners.BatchHardMiner(distance=distance)
    elif miner_name == "easy-positive-hard-negative":
        miner = miners.BatchEasyHardMiner(pos_strategy="easy", neg_strategy="hard", distance=distance)
    else:
        raise ValueError("no deterministic PML miner for %r" % miner_name)
    return loss_func, miner


# --------------------------------------------------------------------------
# running one case
# --------------------------------------------------------------------------

def num(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def tensor_json(arr):
    arr = np.asarray(arr)
    return OrderedDict([("shape", list(arr.shape)), ("data", [num(v) for v in arr.reshape(-1).tolist()])])


def labels_json(labels):
    assert labels.dtype == np.int64
    return OrderedDict([("dtype", "int64"), ("shape", list(labels.shape)),
                        ("data", [int(v) for v in labels.tolist()])])


def run_case(case):
    x, labels = case["inputs"], case["labels"]
    assert x.dtype == np.float32 and x.ndim == 2 and labels.dtype == np.int64, case["name"]
    miner_name, metric, margin = case["miner"], case["metric"], case["margin"]
    loss_func, miner = pml_objects(miner_name, metric, float(margin))

    leaf = torch.tensor(x.astype(np.float64), requires_grad=True)
    labels_t = torch.tensor(labels)
    indices = miner(leaf, labels_t) if miner is not None else None
    # What the loss itself will see (pairs from BatchEasyHardMiner become triplets).
    triplets = lmu.convert_to_triplets(indices, labels_t, labels_t, t_per_anchor="all")
    mined = int(len(triplets[0]))
    out = loss_func(leaf, labels_t, indices)
    out.backward()
    grad = leaf.grad if leaf.grad is not None else torch.zeros_like(leaf)

    params = OrderedDict([("miner", miner_name), ("distance_metric", metric), ("margin", margin)])
    return OrderedDict([
        ("name", case["name"]),
        ("loss", "MinedTripletLoss"),
        ("reference", REFERENCE),
        ("params", params),
        ("inputs", [tensor_json(x)]),
        ("labels", labels_json(labels)),
        ("weights", {}),
        ("expected", OrderedDict([
            ("loss", num(out.item())),
            ("grad_inputs", [tensor_json(grad.detach().numpy())]),
            ("grad_weights", {}),
        ])),
        ("reference_mined", mined),
    ])


# --------------------------------------------------------------------------
# batches
# --------------------------------------------------------------------------

def seed_for(name):
    return (BASE_SEED ^ zlib.crc32(name.encode("utf-8"))) & 0xFFFFFFFF


def ints(values):
    return np.asarray(values, dtype=np.int64)


def normal(r, n, d, scale=1.0):
    return (r.standard_normal((n, d)) * scale).astype(np.float32)


def balanced(num_classes, per_class, r=None):
    labels = ints([c for c in range(num_classes) for _ in range(per_class)])
    return labels if r is None else labels[r.permutation(len(labels))]


def clustered(r, labels, d, sep=6.0, noise=0.3):
    centres = {int(c): r.standard_normal(d) * sep for c in sorted(set(labels.tolist()))}
    return np.asarray([centres[int(c)] + r.standard_normal(d) * noise for c in labels], dtype=np.float32)


def lattice(r):
    """The 3x3 integer grid {0,1,2}^2 (the origin is a zero row): many exactly equal
    distances, so d(a,n) = d(a,p) ties and tied hardest positives and negatives."""
    points = np.asarray([[i, j] for i in range(3) for j in range(3)], dtype=np.float32)
    return points, ints([0, 1, 2, 1, 0, 1, 2, 1, 0])


def duplicates(r):
    """Repeated rows: a positive equal to its anchor (distance 0), a negative equal to a
    positive (d(a,n) = d(a,p)), a negative equal to the anchor."""
    base = normal(r, 6, 4)
    rows = base[[0, 0, 1, 1, 2, 3, 3, 4, 5, 5, 0]]
    return rows, ints([0, 0, 0, 1, 1, 1, 2, 2, 2, 0, 2])


def zero_row(r):
    x = normal(r, 9, 5)
    x[4] = 0.0
    return x, balanced(3, 3, r)


SHAPES = OrderedDict([
    ("8x4_4cls", lambda r: (normal(r, 8, 4), balanced(4, 2))),
    ("12x6_3cls_shuffled", lambda r: (normal(r, 12, 6), balanced(3, 4, r))),
    # over 25 rows torch.cdist switches to its matrix-product form
    ("32x8_4cls_shuffled", lambda r: (normal(r, 32, 8), balanced(4, 8, r))),
    ("lattice_ties", lattice),
    ("duplicate_rows", duplicates),
    ("zero_row", zero_row),
    ("singleton_classes", lambda r: (normal(r, 8, 3), ints([0, 0, 0, 1, 2, 3, 4, 4]))),
    ("single_class", lambda r: (normal(r, 6, 4), ints([2] * 6))),
    ("clustered_easy", lambda r: (clustered(r, balanced(3, 3), 4), balanced(3, 3))),
])
MARGINS = ["0.2", "1"]
EXTRA = [("12x6_3cls_shuffled", "0"), ("8x4_4cls", "2.5"), ("32x8_4cls_shuffled", "0.05")]


def build_cases():
    cases = []
    for miner_name in MINERS:
        for metric in METRICS:
            plan = [(shape, margin) for shape in SHAPES for margin in MARGINS] + EXTRA
            for shape, margin in plan:
                name = "%s/%s/%s/margin_%s" % (miner_name, metric, shape, margin)
                # The batch depends on the shape only, so every miner sees the same batches.
                x, labels = SHAPES[shape](np.random.default_rng(seed_for(shape)))
                cases.append({"name": name, "miner": miner_name, "metric": metric, "margin": margin,
                              "inputs": x, "labels": labels})
    names = [c["name"] for c in cases]
    dupes = [n for n, k in Counter(names).items() if k > 1]
    if dupes:
        sys.exit("duplicate case names: %s" % dupes)
    return cases


def main():
    check_provenance()
    torch.manual_seed(BASE_SEED)
    torch.set_num_threads(1)
    lines = []
    per_miner = Counter()
    for c in build_cases():
        rec = run_case(c)
        lines.append(json.dumps(rec, allow_nan=False, separators=(",", ":")))
        per_miner["%s/%s" % (c["miner"], c["metric"])] += 1
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")
    print("\nwrote %d cases to %s (%.2f MB)" % (len(lines), OUT_PATH, os.path.getsize(OUT_PATH) / 1e6))
    for key in sorted(per_miner):
        print("  %-44s %3d" % (key, per_miner[key]))


if __name__ == "__main__":
    main()
