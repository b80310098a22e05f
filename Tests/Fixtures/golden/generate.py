#!/usr/bin/env python3
"""Golden-fixture generator for LossLab.

Runs the REAL loss classes of sentence-transformers 1.2.0 on PyTorch (CPU,
float64) and writes one JSON object per test case to cases.jsonl next to this
file. Nothing here re-implements a loss, with one clearly labelled exception:
`megabatch_backprop_all_mini_batches` (the LossLab-only option
`backprop_all_mini_batches=true`, which has no counterpart in the reference).

Environment (reproducible; nothing here is needed by CI, the output file is
committed):

    # PyTorch 2.x CPU and numpy must already be importable by python3
    python3 -m venv --system-site-packages /tmp/st120-venv
    /tmp/st120-venv/bin/pip install --no-deps sentence-transformers==1.2.0
    # the minimal dependencies that `import sentence_transformers` needs;
    # transformers must be a 4.x that still exports AdamW (4.44.2 does),
    # torchvision and sentencepiece are not needed for the import
    /tmp/st120-venv/bin/pip install nltk tqdm scikit-learn "transformers==4.44.2"
    /tmp/st120-venv/bin/python Tests/Fixtures/golden/generate.py

Tested with torch 2.13.0+cpu, numpy 2.4, transformers 4.44.2, Python 3.11.

Provenance: the script refuses to run unless sentence_transformers.__version__
is "1.2.0". If a git mirror of the reference is present (ST_MIRROR, default
/work/.mirror/UKPLab+sentence-transformers/repo) it also checks that the
installed losses/*.py and util.py equal tag v1.2.0 (ignoring CR line ends;
the PyPI sdist ships CRLF files) and prints the result.

Conventions of the output (see the LossLab fixture reader):
  * inputs are drawn as float32 and written exactly (float(x) of a float32);
    the computation uses float64 leaf tensors made from those values;
  * torch's default dtype is left at float32, as in real use, so internal
    reference constants (torch.eye, .float() masks, torch.tensor([0.0])) are
    float32 and get promoted to float64 when mixed;
  * "params" holds the strings a user passes as --set name=value;
  * non-finite numbers are written as the strings "nan", "inf", "-inf";
  * a column that gets no gradient (e.g. the labels-only columns) gets zeros;
  * every case uses its own generator seeded from BASE_SEED and its name, so
    the file is deterministic and adding a case does not change the others.
"""

import inspect
import json
import math
import os
import subprocess
import sys
import textwrap
import zlib
from collections import Counter, OrderedDict

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

import sentence_transformers
from sentence_transformers import losses, util
from sentence_transformers.losses.BatchHardTripletLoss import BatchHardTripletLossDistanceFunction
from sentence_transformers.losses.ContrastiveLoss import SiameseDistanceMetric
from sentence_transformers.losses.TripletLoss import TripletDistanceMetric

BASE_SEED = 20210517
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "cases.jsonl")
MIRROR = os.environ.get("ST_MIRROR", "/work/.mirror/UKPLab+sentence-transformers/repo")
REFERENCE_FILES = [
    "losses/BatchAllTripletLoss.py", "losses/BatchHardSoftMarginTripletLoss.py",
    "losses/BatchHardTripletLoss.py", "losses/BatchSemiHardTripletLoss.py",
    "losses/ContrastiveLoss.py", "losses/CosineSimilarityLoss.py", "losses/MSELoss.py",
    "losses/MegaBatchMarginLoss.py", "losses/MultipleNegativesRankingLoss.py",
    "losses/OnlineContrastiveLoss.py", "losses/SoftmaxLoss.py", "losses/TripletLoss.py",
    "util.py",
]


# --------------------------------------------------------------------------
# provenance
# --------------------------------------------------------------------------

def check_provenance():
    if sentence_transformers.__version__ != "1.2.0":
        sys.exit("need sentence-transformers 1.2.0, found %s" % sentence_transformers.__version__)
    print("sentence_transformers %s from %s" % (sentence_transformers.__version__,
                                                os.path.dirname(sentence_transformers.__file__)))
    print("torch %s, numpy %s" % (torch.__version__, np.__version__))
    if not os.path.isdir(MIRROR):
        print("reference mirror not found; skipped file comparison")
        return
    pkg = os.path.dirname(sentence_transformers.__file__)
    bad = []
    for rel in REFERENCE_FILES:
        try:
            ref = subprocess.run(["git", "-C", MIRROR, "show", "v1.2.0:sentence_transformers/" + rel],
                                 check=True, capture_output=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            print("could not read %s from mirror: %s" % (rel, e))
            return
        with open(os.path.join(pkg, rel), "rb") as f:
            installed = f.read()
        if ref.replace(b"\r", b"") != installed.replace(b"\r", b""):
            bad.append(rel)
    if bad:
        sys.exit("installed files differ from tag v1.2.0: %s" % ", ".join(bad))
    print("installed loss files and util.py equal tag v1.2.0 of the mirror (%d files)" % len(REFERENCE_FILES))


# --------------------------------------------------------------------------
# the stand-in model: features {"emb": tensor} -> {"sentence_embedding": tensor}
# --------------------------------------------------------------------------

class IdentityEmbedder(nn.Module):
    """Returns the features' tensor unchanged as the sentence embedding, so the
    loss sees exactly the input embeddings. Works with the row-sliced and
    row-stacked feature dicts of MegaBatchMarginLoss's mini-batched path."""

    def forward(self, features):
        return {"sentence_embedding": features["emb"]}


# --------------------------------------------------------------------------
# parameter strings -> reference objects
# --------------------------------------------------------------------------

def parse_bool(s):
    v = s.strip().lower()
    if v in ("true", "1", "yes"):
        return True
    if v in ("false", "0", "no"):
        return False
    raise ValueError("bad bool %r" % s)


def _metric_key(s):
    return s.strip().split(".")[-1].lower()


def parse_batch_metric(s):
    k = _metric_key(s)
    if k in ("euclidean", "eucledian_distance", "euclidean_distance", "eucledian"):
        return BatchHardTripletLossDistanceFunction.eucledian_distance
    if k in ("cosine", "cosine_distance"):
        return BatchHardTripletLossDistanceFunction.cosine_distance
    raise ValueError("unknown batch distance %r" % s)


def parse_siamese_metric(s):
    k = _metric_key(s)
    if k == "euclidean":
        return SiameseDistanceMetric.EUCLIDEAN
    if k == "manhattan":
        return SiameseDistanceMetric.MANHATTAN
    if k in ("cosine", "cosine_distance"):
        return SiameseDistanceMetric.COSINE_DISTANCE
    raise ValueError("unknown siamese distance %r" % s)


def parse_triplet_metric(s):
    k = _metric_key(s)
    if k == "euclidean":
        return TripletDistanceMetric.EUCLIDEAN
    if k == "manhattan":
        return TripletDistanceMetric.MANHATTAN
    if k in ("cosine", "cosine_distance"):
        return TripletDistanceMetric.COSINE
    raise ValueError("unknown triplet distance %r" % s)


def parse_similarity(s):
    k = _metric_key(s)
    if k == "cos_sim":
        return util.cos_sim
    if k == "dot_score":
        return util.dot_score
    raise ValueError("unknown similarity %r" % s)


BATCH_LOSSES = ("BatchAllTripletLoss", "BatchHardTripletLoss", "BatchSemiHardTripletLoss")

# parameter name -> parser, per loss (sentence_embedding_dimension is set from d)
PARAM_PARSERS = {
    "BatchAllTripletLoss": {"distance_metric": parse_batch_metric, "margin": float},
    "BatchHardTripletLoss": {"distance_metric": parse_batch_metric, "margin": float},
    "BatchSemiHardTripletLoss": {"distance_metric": parse_batch_metric, "margin": float},
    "BatchHardSoftMarginTripletLoss": {"distance_metric": parse_batch_metric},
    "ContrastiveLoss": {"distance_metric": parse_siamese_metric, "margin": float,
                        "size_average": parse_bool},
    "OnlineContrastiveLoss": {"distance_metric": parse_siamese_metric, "margin": float},
    "CosineSimilarityLoss": {},
    "MSELoss": {},
    "MultipleNegativesRankingLoss": {"scale": float, "similarity_fct": parse_similarity},
    "MegaBatchMarginLoss": {"positive_margin": float, "negative_margin": float,
                            "use_mini_batched_version": parse_bool, "mini_batch_size": int},
    "SoftmaxLoss": {"num_labels": int, "concatenation_sent_rep": parse_bool,
                    "concatenation_sent_difference": parse_bool,
                    "concatenation_sent_multiplication": parse_bool},
    "TripletLoss": {"distance_metric": parse_triplet_metric, "triplet_margin": float},
}

LOSSLAB_ONLY_PARAMS = {"backprop_all_mini_batches"}


def build_loss(loss_name, params, model, dim):
    parsers = PARAM_PARSERS[loss_name]
    kwargs = {}
    for key, value in params.items():
        if key in LOSSLAB_ONLY_PARAMS:
            continue
        if key not in parsers:
            raise ValueError("%s has no parameter %s" % (loss_name, key))
        kwargs[key] = parsers[key](value)
    cls = getattr(losses, loss_name)
    if loss_name == "SoftmaxLoss":
        kwargs.setdefault("num_labels", 3)
        return cls(model=model, sentence_embedding_dimension=dim, **kwargs)
    return cls(model, **kwargs)


# --------------------------------------------------------------------------
# LossLab-only variant (NOT reference behaviour): backprop_all_mini_batches
# --------------------------------------------------------------------------

def megabatch_backprop_all_mini_batches(loss_module, anchor, positive):
    """LossLab's `backprop_all_mini_batches=true` for MegaBatchMarginLoss.

    The reference's mini-batched forward mines, for every anchor row, the most
    cosine-similar positive row other than its own (over the WHOLE batch, with a
    no-grad pass), then walks the batch in chunks of mini_batch_size and takes
    the mean over the chunk of relu(pos_margin - cos(a, p)) + relu(cos(a, n) -
    neg_margin). Its "backprop every chunk but the last" test can never be true,
    so upstream only the last chunk reaches the gradient. This variant calls
    backward on EVERY chunk (so the input grads hold the sum of all chunk-mean
    gradients) and returns the SUM of the chunk means, the value whose gradient
    LossLab reports. Only the reference's util.pytorch_cos_sim and torch ops are
    used; the hyper-parameters are read from the constructed reference module.
    """
    a_all = anchor["emb"]
    p_all = positive["emb"]
    n = p_all.shape[0]
    step = loss_module.mini_batch_size
    with torch.no_grad():
        p_fixed = p_all.detach()
    total = 0.0
    for lo in range(0, n, step):
        hi = min(lo + step, n)
        a = a_all[lo:hi]
        with torch.no_grad():
            sims = util.pytorch_cos_sim(a, p_fixed)
            own = torch.zeros_like(sims)
            own[torch.arange(hi - lo), torch.arange(lo, hi)] = 2.0
            hardest = torch.max(sims - own, dim=1)[1]
        p = p_all[lo:hi]
        neg = torch.stack([p_all[j] for j in hardest])
        chunk = (F.relu(loss_module.positive_margin - F.cosine_similarity(a, p))
                 + F.relu(F.cosine_similarity(a, neg) - loss_module.negative_margin)).mean()
        chunk.backward()
        total += chunk.item()
    return total


def source_patched_reference_grads(loss_module, arrays):
    """Cross-check only: the reference's own forward_mini_batched source with its
    backward test changed to compare against the whole batch length. Returns the
    input gradients after the patched forward plus backward of its return value.
    Used to assert the hand-written variant above agrees; never written out."""
    mod = sys.modules[type(loss_module).__module__]
    src = textwrap.dedent(inspect.getsource(type(loss_module).forward_mini_batched))
    old = "if end_idx < len(cos_scores):"
    if src.count(old) != 1:
        raise RuntimeError("unexpected reference source; cannot patch")
    src = src.replace(old, "if end_idx < len(all_positive_emb):")
    namespace = {}
    exec(compile(src, "<patched forward_mini_batched>", "exec"), dict(vars(mod)), namespace)
    patched = namespace["forward_mini_batched"]
    leaves = [torch.tensor(x.astype(np.float64), requires_grad=True) for x in arrays]
    feats = [{"emb": t} for t in leaves]
    out = patched(loss_module, feats, torch.zeros(len(arrays[0]), dtype=torch.long))
    out.backward()
    return [t.grad.clone() if t.grad is not None else torch.zeros_like(t) for t in leaves]


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
    return {"shape": list(arr.shape), "data": [num(v) for v in arr.reshape(-1).tolist()]}


def labels_json(labels):
    if labels is None:
        return None
    out = tensor_json(labels)
    if labels.dtype == np.int64:
        out["data"] = [int(v) for v in labels.reshape(-1).tolist()]
        return OrderedDict([("dtype", "int64"), ("shape", out["shape"]), ("data", out["data"])])
    assert labels.dtype == np.float32
    return OrderedDict([("dtype", "float32"), ("shape", out["shape"]), ("data", out["data"])])


def run_case(case):
    name, loss_name, params = case["name"], case["loss"], case["params"]
    arrays = case["inputs"]
    for a in arrays:
        assert a.dtype == np.float32 and a.ndim == 2, name
    labels = case.get("labels")
    rng = np.random.default_rng(seed_for(name + "#weights"))

    model = IdentityEmbedder()
    dim = arrays[0].shape[1]
    loss_module = build_loss(loss_name, params, model, dim)

    weights_out = {}
    if loss_name == "SoftmaxLoss":
        lin = loss_module.classifier
        w32 = (rng.standard_normal(tuple(lin.weight.shape)) * 0.4).astype(np.float32)
        b32 = (rng.standard_normal(tuple(lin.bias.shape)) * 0.1).astype(np.float32)
        lin.weight = nn.Parameter(torch.tensor(w32.astype(np.float64)))
        lin.bias = nn.Parameter(torch.tensor(b32.astype(np.float64)))
        weights_out = OrderedDict([("classifier.weight", tensor_json(w32)),
                                   ("classifier.bias", tensor_json(b32))])

    leaves = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    features = [{"emb": t} for t in leaves]
    if labels is None:
        labels_t = torch.zeros(arrays[0].shape[0], dtype=torch.long)  # dummy, ignored by the loss
    elif labels.dtype == np.int64:
        labels_t = torch.tensor(labels)
    else:
        labels_t = torch.tensor(labels.astype(np.float64))

    if params.get("backprop_all_mini_batches") == "true":
        assert loss_name == "MegaBatchMarginLoss"
        assert params.get("use_mini_batched_version", "true") == "true"
        loss_value = megabatch_backprop_all_mini_batches(loss_module, features[0], features[1])
        check = source_patched_reference_grads(loss_module, arrays)
        for t, g in zip(leaves, check):
            got = t.grad if t.grad is not None else torch.zeros_like(t)
            if not torch.allclose(got, g, rtol=1e-12, atol=1e-14):
                raise RuntimeError("backprop_all variant disagrees with the source-patched reference")
    else:
        out = loss_module(features, labels_t)
        loss_value = out.item()
        if out.requires_grad:
            out.backward()

    grads = [(t.grad if t.grad is not None else torch.zeros_like(t)).detach().numpy() for t in leaves]
    grad_w = {}
    if loss_name == "SoftmaxLoss":
        lin = loss_module.classifier
        gw = lin.weight.grad if lin.weight.grad is not None else torch.zeros_like(lin.weight)
        gb = lin.bias.grad if lin.bias.grad is not None else torch.zeros_like(lin.bias)
        grad_w = OrderedDict([("classifier.weight", tensor_json(gw.detach().numpy())),
                              ("classifier.bias", tensor_json(gb.detach().numpy()))])

    return OrderedDict([
        ("name", name),
        ("loss", loss_name),
        ("params", OrderedDict(params)),
        ("inputs", [tensor_json(a) for a in arrays]),
        ("labels", labels_json(labels)),
        ("weights", weights_out),
        ("expected", OrderedDict([
            ("loss", num(loss_value)),
            ("grad_inputs", [tensor_json(g) for g in grads]),
            ("grad_weights", grad_w),
        ])),
    ])


# --------------------------------------------------------------------------
# input makers
# --------------------------------------------------------------------------

def seed_for(name):
    return (BASE_SEED ^ zlib.crc32(name.encode("utf-8"))) & 0xFFFFFFFF


def f32(x):
    return np.asarray(x, dtype=np.float32)


def normal(rng, n, d, scale=1.0):
    return (rng.standard_normal((n, d)) * scale).astype(np.float32)


def ints(values):
    return np.asarray(values, dtype=np.int64)


def clustered(rng, labels, d, sep=6.0, noise=0.3):
    """Rows around one far-apart centre per class."""
    classes = sorted(set(int(v) for v in labels))
    centres = {c: rng.standard_normal(d) * sep for c in classes}
    return f32([centres[int(c)] + rng.standard_normal(d) * noise for c in labels])


def balanced_labels(num_classes, per_class):
    return ints([c for c in range(num_classes) for _ in range(per_class)])


# --------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------

CASES = []


def case(name, loss, params=None, inputs=None, labels=None):
    CASES.append({"name": name, "loss": loss, "params": dict(params or {}),
                  "inputs": inputs, "labels": labels})


def rng_for(name):
    return np.random.default_rng(seed_for(name))


def batch_loss_cases():
    short = {"BatchHardTripletLoss": "batch_hard", "BatchAllTripletLoss": "batch_all",
             "BatchSemiHardTripletLoss": "batch_semi_hard",
             "BatchHardSoftMarginTripletLoss": "batch_hard_soft_margin"}
    for loss, tag in short.items():
        has_margin = loss != "BatchHardSoftMarginTripletLoss"

        def add(suffix, params, make):
            name = "%s/%s" % (tag, suffix)
            r = rng_for(name)
            x, y = make(r)
            case(name, loss, params, [x], y)

        add("euclidean/default", {}, lambda r: (normal(r, 8, 4), balanced_labels(4, 2)))
        add("cosine/default", {"distance_metric": "cosine"},
            lambda r: (normal(r, 9, 5), balanced_labels(3, 3)))
        # one spelling variant of the metric per loss
        spelling = {"BatchHardTripletLoss": "BatchHardTripletLossDistanceFunction.eucledian_distance",
                    "BatchAllTripletLoss": "BatchHardTripletLossDistanceFunction.cosine_distance",
                    "BatchSemiHardTripletLoss": "eucledian_distance",
                    "BatchHardSoftMarginTripletLoss": "BatchHardTripletLossDistanceFunction.cosine_distance"}[loss]
        add("%s/enum_spelling" % ("cosine" if "cosine" in spelling else "euclidean"), {"distance_metric": spelling},
            lambda r: (normal(r, 6, 3), ints([0, 1, 0, 1, 2, 2])))
        if has_margin:
            add("euclidean/margin_1.5", {"margin": "1.5"},
                lambda r: (normal(r, 10, 6), balanced_labels(5, 2)))
            add("cosine/margin_0.2", {"distance_metric": "cosine", "margin": "0.2"},
                lambda r: (normal(r, 12, 8), balanced_labels(4, 3)))
            if loss in ("BatchHardTripletLoss", "BatchAllTripletLoss"):
                add("euclidean/margin_0", {"margin": "0"},
                    lambda r: (normal(r, 8, 3), balanced_labels(2, 4)))
            add("euclidean/all_easy_small_margin", {"margin": "0.1"},
                lambda r: (clustered(r, balanced_labels(3, 3), 4), balanced_labels(3, 3)))
            add("cosine/all_easy_small_margin", {"distance_metric": "cosine", "margin": "0.05"},
                lambda r: (clustered(r, balanced_labels(3, 3), 6, sep=5.0, noise=0.05), balanced_labels(3, 3)))
        else:
            add("euclidean/all_easy", {},
                lambda r: (clustered(r, balanced_labels(3, 3), 4), balanced_labels(3, 3)))
        add("euclidean/single_class", {}, lambda r: (normal(r, 5, 4), ints([3] * 5)))
        if loss in ("BatchHardTripletLoss", "BatchSemiHardTripletLoss"):
            add("cosine/single_class", {"distance_metric": "cosine"}, lambda r: (normal(r, 5, 4), ints([3] * 5)))

        def dup(r):
            x = normal(r, 8, 4)
            x[3] = x[0]
            x[5] = x[2]  # different classes
            x[7] = x[6]
            return x, ints([0, 1, 2, 0, 1, 2, 3, 3])
        add("euclidean/duplicate_rows", {}, dup)
        add("cosine/duplicate_rows", {"distance_metric": "cosine"}, dup)

        def zero_row(r):
            x = normal(r, 7, 5)
            x[2] = 0.0
            return x, ints([0, 0, 1, 1, 2, 2, 2])
        add("euclidean/zero_row", {}, zero_row)
        add("cosine/zero_row", {"distance_metric": "cosine"}, zero_row)
        add("euclidean/unbalanced", {"margin": "2"} if has_margin else {},
            lambda r: (normal(r, 9, 4), ints([0, 0, 0, 0, 0, 1, 1, 2, 0])))
        add("euclidean/singleton_classes", {}, lambda r: (normal(r, 6, 3), ints([0, 1, 2, 3, 4, 5])))
        add("cosine/mixed_singletons", {"distance_metric": "cosine"},
            lambda r: (normal(r, 7, 4), ints([0, 0, 1, 2, 2, 3, 4])))
        add("euclidean/sparse_label_ids", {},
            lambda r: (normal(r, 8, 4), ints([7, 100, -3, 7, 100, -3, 2, 2])))
        add("euclidean/two_rows", {}, lambda r: (normal(r, 2, 2), ints([0, 1])))
    # a couple of larger batches
    for loss, tag, params in [("BatchHardTripletLoss", "batch_hard", {}),
                              ("BatchAllTripletLoss", "batch_all", {"distance_metric": "cosine", "margin": "0.5"}),
                              ("BatchSemiHardTripletLoss", "batch_semi_hard", {"margin": "1"}),
                              ("BatchHardSoftMarginTripletLoss", "batch_hard_soft_margin", {"distance_metric": "cosine"})]:
        name = "%s/large_64x32" % tag
        r = rng_for(name)
        y = ints(r.integers(0, 8, size=64))
        case(name, loss, params, [normal(r, 64, 32)], y)


def contrastive_cases():
    L = "ContrastiveLoss"

    def add(suffix, params, n, d, labels=None, edit=None):
        name = "contrastive/" + suffix
        r = rng_for(name)
        a, b = normal(r, n, d), normal(r, n, d)
        y = ints(labels) if labels is not None else ints(r.integers(0, 2, size=n))
        if edit:
            edit(a, b)
        case(name, L, params, [a, b], y)

    add("cosine/default", {}, 8, 4)
    add("euclidean", {"distance_metric": "euclidean", "margin": "5"}, 8, 4)
    add("manhattan", {"distance_metric": "manhattan", "margin": "8"}, 8, 4)
    add("cosine/enum_spelling/margin_0.9", {"distance_metric": "SiameseDistanceMetric.COSINE_DISTANCE", "margin": "0.9"}, 10, 6)
    add("euclidean/enum_spelling", {"distance_metric": "SiameseDistanceMetric.EUCLIDEAN", "margin": "2"}, 6, 3)
    add("manhattan/enum_spelling", {"distance_metric": "SiameseDistanceMetric.MANHATTAN", "margin": "3.5"}, 6, 3)
    add("cosine/size_average_false", {"size_average": "false"}, 9, 5)
    add("euclidean/size_average_false", {"distance_metric": "euclidean", "size_average": "false", "margin": "4"}, 9, 5)

    def dup(a, b):
        b[0] = a[0]
        b[1] = a[1]
    add("euclidean/identical_pairs", {"distance_metric": "euclidean", "margin": "1"}, 6, 4, [1, 0, 1, 0, 1, 0], dup)
    add("cosine/identical_pairs", {}, 6, 4, [1, 0, 1, 0, 1, 0], dup)

    def zero(a, b):
        a[0] = 0.0
        b[3] = 0.0
    add("cosine/zero_rows", {}, 6, 4, [1, 0, 1, 0, 1, 0], zero)
    add("euclidean/zero_rows", {"distance_metric": "euclidean"}, 6, 4, [1, 0, 1, 0, 1, 0], zero)
    add("cosine/all_positive", {}, 5, 3, [1] * 5)
    add("cosine/all_negative", {}, 5, 3, [0] * 5)


def online_contrastive_cases():
    L = "OnlineContrastiveLoss"

    def add(suffix, params, n, d, labels, edit=None):
        name = "online_contrastive/" + suffix
        r = rng_for(name)
        a, b = normal(r, n, d), normal(r, n, d)
        if edit:
            edit(a, b)
        case(name, L, params, [a, b], ints(labels))

    mixed = [1, 0, 0, 1, 1, 0, 1, 0, 0, 1]
    add("cosine/default", {}, 10, 4, mixed)
    add("euclidean", {"distance_metric": "euclidean", "margin": "4"}, 10, 4, mixed)
    add("manhattan", {"distance_metric": "manhattan", "margin": "6"}, 10, 4, mixed)
    add("cosine/enum_spelling/margin_1", {"distance_metric": "SiameseDistanceMetric.COSINE_DISTANCE", "margin": "1"}, 10, 4, mixed)
    add("cosine/one_positive", {}, 6, 4, [0, 0, 1, 0, 0, 0])
    add("cosine/one_negative", {}, 6, 4, [1, 1, 1, 0, 1, 1])
    add("cosine/no_negatives", {}, 5, 4, [1, 1, 1, 1, 1])
    add("cosine/no_positives", {}, 5, 4, [0, 0, 0, 0, 0])
    add("euclidean/one_positive_one_negative", {"distance_metric": "euclidean", "margin": "5"}, 2, 3, [1, 0])

    def dup(a, b):
        b[0] = a[0]
        b[2] = a[2]
    add("euclidean/identical_pairs", {"distance_metric": "euclidean", "margin": "3"}, 8, 4, [1, 0, 0, 1, 1, 0, 1, 0], dup)

    def zero(a, b):
        a[1] = 0.0
        b[4] = 0.0
    add("cosine/zero_rows", {}, 8, 4, [1, 0, 0, 1, 1, 0, 1, 0], zero)


def cosine_similarity_cases():
    L = "CosineSimilarityLoss"

    def add(suffix, n, d, labels=None, edit=None):
        name = "cosine_similarity/" + suffix
        r = rng_for(name)
        a, b = normal(r, n, d), normal(r, n, d)
        y = f32(labels) if labels is not None else r.random(n).astype(np.float32)
        if edit:
            edit(a, b)
        case(name, L, {}, [a, b], y)

    add("default", 8, 4)
    add("labels_2_and_negative", 5, 3, [2.0, -1.0, 0.0, 1.0, 0.5])

    def zero(a, b):
        a[0] = 0.0
        b[2] = 0.0
        a[3] = 0.0
        b[3] = 0.0
    add("zero_rows", 6, 4, None, zero)

    def dup(a, b):
        b[1] = a[1]
        b[4] = -a[4]
    add("identical_and_opposite_pairs", 6, 4, None, dup)
    add("single_row", 1, 5)
    add("large_64x32", 64, 32)


def mse_cases():
    L = "MSELoss"

    def add(suffix, n, d, same=False):
        name = "mse/" + suffix
        r = rng_for(name)
        x = normal(r, n, d)
        t = x.copy() if same else normal(r, n, d)
        case(name, L, {}, [x], t)

    add("default", 6, 4)
    add("single_row", 1, 3)
    add("teacher_equals_input", 4, 5, same=True)
    add("large_64x32", 64, 32)


def mnrl_cases():
    L = "MultipleNegativesRankingLoss"

    def add(suffix, params, n, d, cols, edit=None):
        name = "mnrl/" + suffix
        r = rng_for(name)
        xs = [normal(r, n, d) for _ in range(cols)]
        if edit:
            edit(xs)
        case(name, L, params, xs, None)

    add("cos_sim/default/0_hard_negatives", {}, 8, 4, 2)
    add("cos_sim/default/1_hard_negative", {}, 8, 4, 3)
    add("cos_sim/default/2_hard_negatives", {}, 6, 5, 4)
    add("dot_score/scale_1/0_hard_negatives", {"similarity_fct": "dot_score", "scale": "1"}, 8, 4, 2)
    add("dot_score/scale_1/1_hard_negative", {"similarity_fct": "dot_score", "scale": "1"}, 8, 4, 3)
    add("dot_score/scale_1/2_hard_negatives", {"similarity_fct": "util.dot_score", "scale": "1"}, 5, 3, 4)
    add("dot_score/default_scale", {"similarity_fct": "dot_score"}, 4, 3, 2)
    add("cos_sim/scale_1", {"similarity_fct": "cos_sim", "scale": "1"}, 7, 4, 2)
    add("cos_sim/scale_50", {"similarity_fct": "util.cos_sim", "scale": "50"}, 7, 4, 3)
    add("cos_sim/single_pair", {}, 1, 4, 2)
    add("cos_sim/single_pair_with_hard_negative", {}, 1, 4, 3)

    def zero(xs):
        xs[0][1] = 0.0
        xs[1][3] = 0.0
    add("cos_sim/zero_rows", {}, 6, 4, 2, zero)
    add("dot_score/zero_rows", {"similarity_fct": "dot_score", "scale": "1"}, 6, 4, 2, zero)

    def dup(xs):
        xs[1][2] = xs[1][0]
        xs[0][4] = xs[0][3]
        xs[2][1] = xs[1][1]
    add("cos_sim/duplicate_rows", {}, 6, 4, 3, dup)
    add("cos_sim/large_64x32", {}, 64, 32, 2)


def megabatch_cases():
    L = "MegaBatchMarginLoss"

    def add(suffix, params, n, d, edit=None):
        name = "megabatch/" + suffix
        r = rng_for(name)
        a, p = normal(r, n, d), normal(r, n, d)
        p = (p * 0.6 + a * 0.8).astype(np.float32)  # positives correlated with anchors
        if edit:
            edit(a, p)
        case(name, L, params, [a, p], None)

    nm = {"use_mini_batched_version": "false"}
    add("full/default_margins", nm, 8, 4)
    add("full/margins_0.5_0.1", dict(nm, positive_margin="0.5", negative_margin="0.1"), 8, 4)
    add("full/margins_1_0", dict(nm, positive_margin="1", negative_margin="0"), 10, 6)
    add("mini/default_size_50_exceeds_batch", {}, 8, 4)
    add("mini/size_4_divides_8", {"mini_batch_size": "4"}, 8, 4)
    add("mini/size_4_remainder_10", {"mini_batch_size": "4"}, 10, 4)
    add("mini/size_3_remainder_7/margins", {"mini_batch_size": "3", "positive_margin": "0.9",
                                             "negative_margin": "0.0"}, 7, 3)
    add("mini/size_1", {"mini_batch_size": "1", "use_mini_batched_version": "true"}, 5, 3)
    add("mini/size_equals_batch", {"mini_batch_size": "6"}, 6, 4)
    add("mini/backprop_all/size_4_divides_8", {"mini_batch_size": "4", "backprop_all_mini_batches": "true"}, 8, 4)
    add("mini/backprop_all/size_4_remainder_10", {"mini_batch_size": "4", "backprop_all_mini_batches": "true"}, 10, 4)
    add("mini/backprop_all/size_3_remainder_7/margins", {"mini_batch_size": "3", "positive_margin": "0.9",
                                                          "negative_margin": "0.0",
                                                          "backprop_all_mini_batches": "true"}, 7, 3)
    add("mini/backprop_all/size_1", {"mini_batch_size": "1", "backprop_all_mini_batches": "true"}, 5, 3)
    add("mini/backprop_all/default_size_50_exceeds_batch", {"backprop_all_mini_batches": "true"}, 8, 4)

    def dup(a, p):
        p[3] = p[1]   # tie for the hardest negative
        a[5] = a[0]
    add("full/duplicate_rows", nm, 6, 4, dup)
    add("mini/duplicate_rows/size_4", {"mini_batch_size": "4"}, 6, 4, dup)
    add("mini/backprop_all/duplicate_rows/size_4", {"mini_batch_size": "4", "backprop_all_mini_batches": "true"}, 6, 4, dup)

    def zero(a, p):
        a[2] = 0.0
        p[4] = 0.0
    add("full/zero_rows", nm, 6, 4, zero)
    add("mini/zero_rows/size_4", {"mini_batch_size": "4"}, 6, 4, zero)
    add("mini/large_64x32/size_16", {"mini_batch_size": "16"}, 64, 32)
    add("mini/backprop_all/large_64x32/size_20", {"mini_batch_size": "20", "backprop_all_mini_batches": "true"}, 64, 32)


def softmax_cases():
    L = "SoftmaxLoss"

    def add(suffix, params, n, d, num_labels=3, labels=None, edit=None):
        name = "softmax/" + suffix
        r = rng_for(name)
        a, b = normal(r, n, d), normal(r, n, d)
        y = ints(labels) if labels is not None else ints(r.integers(0, num_labels, size=n))
        if edit:
            edit(a, b)
        case(name, L, params, [a, b], y)

    for rep in ("true", "false"):
        for diff in ("true", "false"):
            for mult in ("true", "false"):
                params = {"num_labels": "3", "concatenation_sent_rep": rep,
                          "concatenation_sent_difference": diff,
                          "concatenation_sent_multiplication": mult}
                add("3_labels/rep_%s/diff_%s/mult_%s" % (rep, diff, mult), params, 7, 4)
    add("2_labels/defaults", {"num_labels": "2"}, 6, 3, num_labels=2)
    add("4_labels/defaults/all_label_3", {"num_labels": "4"}, 5, 3, num_labels=4, labels=[3] * 5)

    def dup(a, b):
        b[0] = a[0]
        b[2] = a[2]
    add("3_labels/identical_pairs/all_on", {"num_labels": "3", "concatenation_sent_multiplication": "true"},
        5, 4, labels=[0, 1, 2, 2, 1], edit=dup)

    def zero(a, b):
        a[1] = 0.0
        b[3] = 0.0
    add("3_labels/zero_rows", {"num_labels": "3"}, 5, 4, labels=[2, 0, 1, 1, 0], edit=zero)
    add("3_labels/single_row", {"num_labels": "3"}, 1, 2, labels=[2])
    add("3_labels/large_64x16", {"num_labels": "3", "concatenation_sent_multiplication": "true"}, 64, 16)


def triplet_cases():
    L = "TripletLoss"

    def add(suffix, params, n, d, edit=None, maker=None):
        name = "triplet/" + suffix
        r = rng_for(name)
        if maker:
            xs = maker(r, n, d)
        else:
            xs = [normal(r, n, d) for _ in range(3)]
        if edit:
            edit(*xs)
        case(name, L, params, xs, None)

    add("euclidean/default", {}, 8, 4)
    add("cosine", {"distance_metric": "cosine", "triplet_margin": "0.5"}, 8, 4)
    add("manhattan", {"distance_metric": "manhattan", "triplet_margin": "3"}, 8, 4)
    add("euclidean/enum_spelling/margin_1", {"distance_metric": "TripletDistanceMetric.EUCLIDEAN", "triplet_margin": "1"}, 6, 5)
    add("cosine/enum_spelling", {"distance_metric": "TripletDistanceMetric.COSINE"}, 6, 5)
    add("manhattan/enum_spelling", {"distance_metric": "TripletDistanceMetric.MANHATTAN"}, 6, 5)

    def easy(r, n, d):
        a = normal(r, n, d)
        p = (a + normal(r, n, d, 0.05)).astype(np.float32)
        ng = (-a * 3 + normal(r, n, d, 0.05)).astype(np.float32)
        return [a, p, ng]
    add("euclidean/all_easy_small_margin", {"triplet_margin": "0.1"}, 6, 4, maker=easy)
    add("cosine/all_easy_small_margin", {"distance_metric": "cosine", "triplet_margin": "0.1"}, 6, 4, maker=easy)

    def dup(a, p, ng):
        p[0] = a[0]
        ng[1] = a[1]
        p[2] = a[2]
        ng[2] = a[2]
    add("euclidean/duplicate_rows", {}, 5, 3, dup)
    add("manhattan/duplicate_rows", {"distance_metric": "manhattan"}, 5, 3, dup)
    add("cosine/duplicate_rows", {"distance_metric": "cosine", "triplet_margin": "1"}, 5, 3, dup)

    def zero(a, p, ng):
        a[0] = 0.0
        p[1] = 0.0
        ng[2] = 0.0
    add("cosine/zero_rows", {"distance_metric": "cosine", "triplet_margin": "1"}, 5, 3, zero)
    add("euclidean/zero_rows", {}, 5, 3, zero)
    add("euclidean/large_64x32", {"triplet_margin": "2"}, 64, 32)


def build_cases():
    batch_loss_cases()
    contrastive_cases()
    online_contrastive_cases()
    cosine_similarity_cases()
    mse_cases()
    mnrl_cases()
    megabatch_cases()
    softmax_cases()
    triplet_cases()
    names = [c["name"] for c in CASES]
    dupes = [n for n, k in Counter(names).items() if k > 1]
    if dupes:
        sys.exit("duplicate case names: %s" % dupes)


def main():
    check_provenance()
    torch.manual_seed(BASE_SEED)
    torch.set_num_threads(1)
    build_cases()
    lines, skipped = [], []
    per_loss = Counter()
    nonfinite = []
    for c in CASES:
        try:
            rec = run_case(c)
        except Exception as e:  # a reference call that raises: record and go on
            skipped.append((c["name"], "%s: %s" % (type(e).__name__, e)))
            print("SKIP %-60s %s: %s" % (c["name"], type(e).__name__, str(e).splitlines()[0] if str(e) else ""))
            continue
        line = json.dumps(rec, allow_nan=False, separators=(",", ":"))
        if '"nan"' in line or '"inf"' in line or '"-inf"' in line:
            nonfinite.append(c["name"])
        lines.append(line)
        per_loss[c["loss"]] += 1
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")
    size = os.path.getsize(OUT_PATH)
    print("\nwrote %d cases to %s (%.2f MB)" % (len(lines), OUT_PATH, size / 1e6))
    for loss in sorted(per_loss):
        print("  %-32s %3d" % (loss, per_loss[loss]))
    if nonfinite:
        print("cases with non-finite numbers (written as strings): %s" % ", ".join(nonfinite))
    print("skipped %d case(s)%s" % (len(skipped), ":" if skipped else ""))
    for n, why in skipped:
        print("  %s -- %s" % (n, why.splitlines()[0]))


if __name__ == "__main__":
    main()
