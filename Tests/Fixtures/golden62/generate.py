#!/usr/bin/env python3
"""Golden-fixture generator for LossLab, reference sentence-transformers 6.2.0.

Sibling of ../golden/generate.py (the 1.2.0 fixtures) and written to the same
output format, so one fixture reader serves both files. It runs the REAL loss
classes of sentence-transformers 6.2.0 on PyTorch (CPU, float64) and writes
one JSON object per test case to cases.jsonl next to this file. Nothing here
re-implements a loss.

Environment (the output file is committed; nothing here is needed by CI):

    # a venv with sentence-transformers 6.2.0 and its dependencies (torch,
    # transformers 5.x, scikit-learn, scipy, safetensors, ...), e.g.
    python3 -m venv ~/st62 && ~/st62/bin/pip install sentence-transformers==6.2.0
    CUDA_VISIBLE_DEVICES="" HF_HUB_OFFLINE=1 ~/st62/bin/python Tests/Fixtures/golden62/generate.py

Tested with torch 2.15.0, numpy 2.4.6, transformers 5.24.0, Python 3.11.

Imports: 6.2 keeps the sentence-transformer losses in
sentence_transformers.sentence_transformer.losses (snake_case modules);
`sentence_transformers.losses` and the old TitleCase module paths only exist
as deprecated aliases, so they are not used here.

Provenance: the script refuses to run unless sentence_transformers.__version__
(and the installed distribution's metadata) is "6.2.0". It prints a SHA-256 prefix
of every reference file it relies on; if a git mirror of the reference is
present (ST_MIRROR, default /work/.mirror/UKPLab+sentence-transformers/repo)
it also checks those files against tag v6.2.0.

After writing cases.jsonl it compares every case that also exists, with the
same inputs, in ../golden/cases.jsonl (the 1.2.0 fixtures: same BASE_SEED,
same seeding scheme, same case names) and prints which of them changed from
1.2.0 to 6.2.0. That listing is informational; DIFFERENCES.md is the spec.

Conventions of the output (identical to the 1.2.0 file, plus "reference"):
  * every case carries "reference": "6.2.0";
  * inputs are drawn as float32 and written exactly (float(x) of a float32);
    the computation uses float64 leaf tensors made from those values;
  * torch's default dtype is left at float32, as in real use, so internal
    reference constants (torch.eye, .float() masks, torch.tensor([0.0])) are
    float32 and get promoted to float64 when mixed;
  * "params" holds the strings a user passes as --set name=value, with the
    6.2 parameter names (SoftmaxLoss: embedding_dimension);
  * float labels are handed to the loss as float64 tensors holding the
    float32 values (the reference's own .float() casts are therefore exact);
  * trainable weights owned by a loss (SoftmaxLoss's classifier, MSELoss's
    projection) are drawn per case as float32, written under "weights", and
    their gradients are written under expected.grad_weights;
  * non-finite numbers are written as the strings "nan", "inf", "-inf";
  * a column that gets no gradient gets zeros;
  * every case uses its own generator seeded from BASE_SEED and its name, so
    the file is deterministic and adding a case does not change the others.
"""

import hashlib
import importlib.metadata
import json
import math
import os
import subprocess
import sys
import warnings
import zlib
from collections import Counter, OrderedDict

import numpy as np
import torch
from torch import nn

import sentence_transformers
from sentence_transformers import util
from sentence_transformers.sentence_transformer import losses
from sentence_transformers.sentence_transformer.losses import (
    BatchHardTripletLossDistanceFunction,
    SiameseDistanceMetric,
    TripletDistanceMetric,
)

REFERENCE = "6.2.0"
BASE_SEED = 20210517  # the 1.2.0 generator's seed: same names give the same inputs
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "cases.jsonl")
OLD_FIXTURES = os.path.join(os.path.dirname(HERE), "golden", "cases.jsonl")
MIRROR = os.environ.get("ST_MIRROR", "/work/.mirror/UKPLab+sentence-transformers/repo")
REFERENCE_FILES = [
    "sentence_transformer/losses/batch_all_triplet.py",
    "sentence_transformer/losses/batch_hard_soft_margin_triplet.py",
    "sentence_transformer/losses/batch_hard_triplet.py",
    "sentence_transformer/losses/batch_semi_hard_triplet.py",
    "sentence_transformer/losses/contrastive.py",
    "sentence_transformer/losses/cosine_similarity.py",
    "sentence_transformer/losses/embed_distill.py",
    "sentence_transformer/losses/mse.py",
    "sentence_transformer/losses/mega_batch_margin.py",
    "sentence_transformer/losses/multiple_negatives_ranking.py",
    "sentence_transformer/losses/online_contrastive.py",
    "sentence_transformer/losses/softmax.py",
    "sentence_transformer/losses/triplet.py",
    "base/losses/gradcache.py",
    "base/losses/merged_forward.py",
    "util/similarity.py",
    "util/tensor.py",
]


# --------------------------------------------------------------------------
# provenance
# --------------------------------------------------------------------------

def check_provenance():
    found = sentence_transformers.__version__
    if found != REFERENCE:
        sys.exit("need sentence-transformers %s, found %s" % (REFERENCE, found))
    try:
        dist = importlib.metadata.version("sentence-transformers")
    except importlib.metadata.PackageNotFoundError:
        dist = None
    if dist is not None and dist != REFERENCE:
        sys.exit("sentence_transformers says %s but the installed distribution is %s" % (found, dist))
    pkg = os.path.dirname(sentence_transformers.__file__)
    print("sentence_transformers %s from %s" % (found, pkg))
    print("torch %s, numpy %s, python %s" % (torch.__version__, np.__version__, sys.version.split()[0]))
    for rel in REFERENCE_FILES:
        with open(os.path.join(pkg, rel), "rb") as f:
            print("  sha256 %s  %s" % (hashlib.sha256(f.read()).hexdigest()[:16], rel))
    if not os.path.isdir(MIRROR):
        print("reference mirror not found; skipped the comparison with tag v%s" % REFERENCE)
        return
    bad = []
    for rel in REFERENCE_FILES:
        try:
            ref = subprocess.run(["git", "-C", MIRROR, "show", "v%s:sentence_transformers/%s" % (REFERENCE, rel)],
                                 check=True, capture_output=True).stdout
        except (OSError, subprocess.CalledProcessError) as e:
            print("could not read %s from the mirror: %s" % (rel, e))
            return
        with open(os.path.join(pkg, rel), "rb") as f:
            if f.read().replace(b"\r", b"") != ref.replace(b"\r", b""):
                bad.append(rel)
    if bad:
        sys.exit("installed files differ from tag v%s: %s" % (REFERENCE, ", ".join(bad)))
    print("installed reference files equal tag v%s of the mirror (%d files)" % (REFERENCE, len(REFERENCE_FILES)))


# --------------------------------------------------------------------------
# the stand-in model: features {"emb": tensor} -> {"sentence_embedding": tensor}
# --------------------------------------------------------------------------

class IdentityEmbedder(nn.Module):
    """Hands the features' tensor to the loss unchanged as the sentence
    embedding. Besides forward, 6.2's losses touch a few SentenceTransformer
    attributes, provided here:
      * `device` (SoftmaxLoss and MSELoss build their Linear layers on it);
      * `get_embedding_dimension()` (MSELoss with projection_dim);
      * `model[0]` (MegaBatchMarginLoss checks whether the first module is a
        StaticEmbedding; this stand-in is not one).
    The features dict has no input_ids/attention_mask, so 6.2's column merging
    (base/losses/merged_forward.py) embeds every column in its own call, and
    the gradient-cached mini-batches of MegaBatchMarginLoss are row slices of
    the same leaf tensor."""

    def __init__(self, dim):
        super().__init__()
        self.dim = dim

    def forward(self, features):
        return {"sentence_embedding": features["emb"]}

    @property
    def device(self):
        return torch.device("cpu")

    def get_embedding_dimension(self):
        return self.dim

    def __getitem__(self, index):
        return self


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
    if k in ("euclidean", "euclidean_distance", "eucledian", "eucledian_distance"):
        return BatchHardTripletLossDistanceFunction.euclidean_distance
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
    # cos_sim and dot_score existed in 1.2.0; euclidean_sim and manhattan_sim
    # are util functions that 6.2 added (negated cdist distances)
    k = _metric_key(s)
    table = {"cos_sim": util.cos_sim, "dot_score": util.dot_score,
             "euclidean_sim": util.euclidean_sim, "manhattan_sim": util.manhattan_sim}
    if k not in table:
        raise ValueError("unknown similarity %r" % s)
    return table[k]


# parameter name -> parser, per loss (the 6.2 names)
PARAM_PARSERS = {
    "BatchAllTripletLoss": {"distance_metric": parse_batch_metric, "margin": float},
    "BatchHardTripletLoss": {"distance_metric": parse_batch_metric, "margin": float},
    "BatchSemiHardTripletLoss": {"distance_metric": parse_batch_metric, "margin": float},
    "BatchHardSoftMarginTripletLoss": {"distance_metric": parse_batch_metric},
    "ContrastiveLoss": {"distance_metric": parse_siamese_metric, "margin": float,
                        "size_average": parse_bool},
    "OnlineContrastiveLoss": {"distance_metric": parse_siamese_metric, "margin": float},
    "CosineSimilarityLoss": {},
    "MSELoss": {"projection_dim": int},
    "MultipleNegativesRankingLoss": {"scale": float, "similarity_fct": parse_similarity},
    "MegaBatchMarginLoss": {"positive_margin": float, "negative_margin": float,
                            "use_mini_batched_version": parse_bool, "mini_batch_size": int},
    "SoftmaxLoss": {"num_labels": int, "embedding_dimension": int,
                    # the 1.2.0 name, still accepted by 6.2 with a deprecation warning
                    "sentence_embedding_dimension": int,
                    "concatenation_sent_rep": parse_bool,
                    "concatenation_sent_difference": parse_bool,
                    "concatenation_sent_multiplication": parse_bool},
    "TripletLoss": {"distance_metric": parse_triplet_metric, "triplet_margin": float},
}


def build_loss(loss_name, params, model, dim):
    parsers = PARAM_PARSERS[loss_name]
    kwargs = {}
    for key, value in params.items():
        if key not in parsers:
            raise ValueError("%s has no parameter %s" % (loss_name, key))
        kwargs[key] = parsers[key](value)
    cls = getattr(losses, loss_name)
    if loss_name == "SoftmaxLoss":
        kwargs.setdefault("num_labels", 3)
        if "embedding_dimension" not in kwargs and "sentence_embedding_dimension" not in kwargs:
            kwargs["embedding_dimension"] = dim
        return cls(model=model, **kwargs)
    return cls(model, **kwargs)


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
    if labels is None:
        return None
    if labels.dtype == np.int64:
        return OrderedDict([("dtype", "int64"), ("shape", list(labels.shape)),
                            ("data", [int(v) for v in labels.reshape(-1).tolist()])])
    assert labels.dtype == np.float32
    t = tensor_json(labels)
    return OrderedDict([("dtype", "float32"), ("shape", t["shape"]), ("data", t["data"])])


def replace_linear(rng, lin, weight_scale, bias_scale):
    """Draws float32 weights for one nn.Linear owned by the loss, installs them
    as float64 parameters and returns the float32 arrays that get written."""
    w32 = (rng.standard_normal(tuple(lin.weight.shape)) * weight_scale).astype(np.float32)
    b32 = (rng.standard_normal(tuple(lin.bias.shape)) * bias_scale).astype(np.float32)
    lin.weight = nn.Parameter(torch.tensor(w32.astype(np.float64)))
    lin.bias = nn.Parameter(torch.tensor(b32.astype(np.float64)))
    return w32, b32


def owned_linears(loss_name, loss_module):
    if loss_name == "SoftmaxLoss":
        return [("classifier", loss_module.classifier)]
    if loss_name == "MSELoss" and loss_module.projection is not None:
        return [("projection", loss_module.projection)]
    return []


def run_case(case):
    name, loss_name, params = case["name"], case["loss"], case["params"]
    arrays = case["inputs"]
    for a in arrays:
        assert a.dtype == np.float32 and a.ndim == 2, name
    labels = case.get("labels")
    rng = np.random.default_rng(seed_for(name + "#weights"))

    dim = arrays[0].shape[1]
    model = IdentityEmbedder(dim)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. the deprecated sentence_embedding_dimension
        loss_module = build_loss(loss_name, params, model, dim)

    weights_out = OrderedDict()
    linears = owned_linears(loss_name, loss_module)
    for prefix, lin in linears:
        w32, b32 = replace_linear(rng, lin, 0.4, 0.1)
        weights_out[prefix + ".weight"] = tensor_json(w32)
        weights_out[prefix + ".bias"] = tensor_json(b32)

    leaves = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    features = [{"emb": t} for t in leaves]
    if labels is None:
        labels_t = torch.zeros(arrays[0].shape[0], dtype=torch.long)  # dummy, ignored by the loss
    elif labels.dtype == np.int64:
        labels_t = torch.tensor(labels)
    else:
        labels_t = torch.tensor(labels.astype(np.float64))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. the non-binary label warning of the contrastive losses
        out = loss_module(features, labels_t)
    loss_value = out.item()
    if out.requires_grad:
        out.backward()

    grads = [(t.grad if t.grad is not None else torch.zeros_like(t)).detach().numpy() for t in leaves]
    grad_w = OrderedDict()
    for prefix, lin in linears:
        for part in ("weight", "bias"):
            p = getattr(lin, part)
            g = p.grad if p.grad is not None else torch.zeros_like(p)
            grad_w[prefix + "." + part] = tensor_json(g.detach().numpy())

    return OrderedDict([
        ("name", name),
        ("loss", loss_name),
        ("reference", REFERENCE),
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


def rng_for(name):
    return np.random.default_rng(seed_for(name))


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


BATCH_TAGS = OrderedDict([("BatchHardTripletLoss", "batch_hard"), ("BatchAllTripletLoss", "batch_all"),
                          ("BatchSemiHardTripletLoss", "batch_semi_hard"),
                          ("BatchHardSoftMarginTripletLoss", "batch_hard_soft_margin")])


def batch_loss_cases():
    for loss, tag in BATCH_TAGS.items():
        has_margin = loss != "BatchHardSoftMarginTripletLoss"

        def add(suffix, params, make):
            name = "%s/%s" % (tag, suffix)
            r = rng_for(name)
            x, y = make(r)
            case(name, loss, params, [x], y)

        # --- the 1.2.0 file's cases (same names, so the same inputs) ---
        add("euclidean/default", {}, lambda r: (normal(r, 8, 4), balanced_labels(4, 2)))
        add("cosine/default", {"distance_metric": "cosine"},
            lambda r: (normal(r, 9, 5), balanced_labels(3, 3)))
        old_spelling = {"BatchHardTripletLoss": "BatchHardTripletLossDistanceFunction.eucledian_distance",
                        "BatchAllTripletLoss": "BatchHardTripletLossDistanceFunction.cosine_distance",
                        "BatchSemiHardTripletLoss": "eucledian_distance",
                        "BatchHardSoftMarginTripletLoss": "BatchHardTripletLossDistanceFunction.cosine_distance"}[loss]
        add("%s/enum_spelling" % ("cosine" if "cosine" in old_spelling else "euclidean"),
            {"distance_metric": old_spelling}, lambda r: (normal(r, 6, 3), ints([0, 1, 0, 1, 2, 2])))
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

        # --- new in this file ---
        # 6.2's correct spelling of the metric (1.2.0 only had eucledian_distance)
        add("euclidean/spelling_euclidean_distance",
            {"distance_metric": "BatchHardTripletLossDistanceFunction.euclidean_distance"},
            lambda r: (normal(r, 6, 3), ints([0, 1, 0, 1, 2, 2])))
        # labels given as an (N, 1) column: 6.2 flattens them (labels.view(-1));
        # 1.2.0 broadcast them into wrong masks
        add("euclidean/labels_column_vector", {"margin": "2"} if has_margin else {},
            lambda r: (normal(r, 8, 4), ints([[0], [1], [0], [1], [2], [2], [3], [3]])))
        add("cosine/singleton_classes", {"distance_metric": "cosine"},
            lambda r: (normal(r, 5, 4), ints([0, 1, 2, 3, 4])))
        add("euclidean/single_row", {}, lambda r: (normal(r, 1, 3), ints([0])))

    # --- BatchSemiHardTripletLoss: the sort/search rewrite and the clamped denominator ---
    S = "BatchSemiHardTripletLoss"

    def semi(suffix, params, make):
        name = "batch_semi_hard/" + suffix
        r = rng_for(name)
        x, y = make(r)
        case(name, S, params, [x], y)

    def far_outlier(r):
        # a singleton-class row about 1.5e9 away: it is the largest distance of
        # every row, so 1.2.0's masked minimum ((d - rowmax) * mask, min, + rowmax)
        # rounds the chosen negative distance by up to ~1e-7, 6.2 takes it exactly
        x = normal(r, 9, 4)
        x[8] = f32([1.0e9, -1.0e9, 5.0e8, 2.0e8])
        return x, ints([0, 0, 0, 1, 1, 1, 2, 2, 9])
    semi("euclidean/far_outlier_row", {"margin": "1"}, far_outlier)

    def equal_distance_negative(r):
        # row 3 (class 1) duplicates row 1 (class 0): from anchor 0 the negative
        # 3 sits exactly at the positive distance d(0, 1), which does not count
        # as "farther" (strict >) in either version
        x = normal(r, 6, 3)
        x[3] = x[1]
        return x, ints([0, 0, 0, 1, 1, 2])
    semi("euclidean/negative_at_positive_distance", {"margin": "1"}, equal_distance_negative)
    semi("cosine/negative_at_positive_distance", {"distance_metric": "cosine", "margin": "0.3"},
         equal_distance_negative)

    def tied_negatives(r):
        # two identical negatives (same class) at the semi-hard distance
        x = normal(r, 7, 3)
        x[5] = x[4]
        return x, ints([0, 0, 0, 1, 1, 1, 2])
    semi("euclidean/tied_negatives", {"margin": "3"}, tied_negatives)
    semi("euclidean/pairs_and_singletons", {"margin": "1"},
         lambda r: (normal(r, 6, 3), ints([0, 0, 1, 2, 3, 4])))

    # --- BatchHardSoftMarginTripletLoss: softplus (threshold 20) instead of log1p(exp(x)) ---
    H = "BatchHardSoftMarginTripletLoss"

    def soft(suffix, params, make):
        name = "batch_hard_soft_margin/" + suffix
        r = rng_for(name)
        x, y = make(r)
        case(name, H, params, [x], y)

    def spread(gap):
        def make(r):
            # every class has one row near the origin and one about `gap` away
            # along the first axis, so for every anchor the hardest positive is
            # ~gap away and the hardest negative within ~1: softplus input ~gap
            y = ints([0, 0, 1, 1, 2, 2])
            x = normal(r, 6, 3, 0.3)
            x[1::2, 0] += gap
            return x.astype(np.float32), y
        return make
    soft("euclidean/gap_over_20", {}, spread(30.0))
    soft("euclidean/gap_over_710_overflows_in_1.2.0", {}, spread(800.0))
    soft("euclidean/gap_below_minus_20", {},
         lambda r: (clustered(r, balanced_labels(3, 2), 4, sep=40.0, noise=0.1), balanced_labels(3, 2)))

    # a couple of larger batches
    for loss, tag, params in [("BatchHardTripletLoss", "batch_hard", {}),
                              ("BatchAllTripletLoss", "batch_all", {"distance_metric": "cosine", "margin": "0.5"}),
                              ("BatchSemiHardTripletLoss", "batch_semi_hard", {"margin": "1"}),
                              ("BatchHardSoftMarginTripletLoss", "batch_hard_soft_margin", {"distance_metric": "cosine"})]:
        name = "%s/large_64x32" % tag
        r = rng_for(name)
        y = ints(r.integers(0, 8, size=64))
        case(name, loss, params, [normal(r, 64, 32)], y)
    name = "batch_semi_hard/large_48x8/many_singletons"
    r = rng_for(name)
    case(name, S, {"margin": "0.5"}, [normal(r, 48, 8)], ints(r.integers(0, 30, size=48)))


def contrastive_cases():
    L = "ContrastiveLoss"

    def add(suffix, params, n, d, labels=None, edit=None, float_labels=False, scale=1.0):
        name = "contrastive/" + suffix
        r = rng_for(name)
        a, b = normal(r, n, d, scale), normal(r, n, d, scale)
        if labels is None:
            y = ints(r.integers(0, 2, size=n))
        else:
            y = f32(labels) if float_labels else ints(labels)
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

    # new: the pairwise_distance eps (1e-6) is STILL there in 6.2's ContrastiveLoss
    add("manhattan/identical_pairs", {"distance_metric": "manhattan", "margin": "1"}, 6, 4, [1, 0, 1, 0, 1, 0], dup)
    add("euclidean/tiny_scale_1e-6", {"distance_metric": "euclidean", "margin": "1e-5"}, 6, 3,
        [1, 0, 1, 0, 1, 0], scale=1e-6)
    # new: labels as an (N, 1) column (6.2 flattens them; 1.2.0 broadcast to N x N)
    add("euclidean/labels_column_vector", {"distance_metric": "euclidean", "margin": "3"}, 6, 3,
        [[1], [0], [0], [1], [1], [0]])
    # new: non-binary labels weight the two terms directly (same in both versions; 6.2 warns once)
    add("cosine/non_binary_float_labels", {}, 6, 4, [0.25, 1.0, 0.0, 0.5, 2.0, -1.0], float_labels=True)
    add("euclidean/large_64x32", {"distance_metric": "euclidean", "margin": "8"}, 64, 32)


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

    # new: "at least one" (6.2) versus "more than one" (1.2.0) positive/negative
    add("euclidean/one_positive", {"distance_metric": "euclidean", "margin": "4"}, 8, 3, [0, 0, 0, 0, 1, 0, 0, 0])
    add("manhattan/one_negative", {"distance_metric": "manhattan", "margin": "6"}, 8, 3, [1, 1, 0, 1, 1, 1, 1, 1])
    def far_positive(pos, neg):
        def edit(a, b):
            b[pos] = -a[pos]                     # cosine distance 2: the only positive is far
            b[neg] = (a[neg] * 1.01).astype(np.float32)  # the only negative is close
        return edit
    add("cosine/one_positive_one_negative", {"margin": "1"}, 2, 4, [0, 1], far_positive(1, 0))
    add("cosine/one_positive_one_negative_rest_label_2", {"margin": "1"}, 6, 4, [2, 1, 2, 0, 2, 2],
        far_positive(1, 3))

    def far_single_positive(a, b):
        b[2] = -a[2]
    add("cosine/one_far_positive", {"margin": "2.5"}, 6, 4, [0, 0, 1, 0, 0, 0], far_single_positive)
    add("euclidean/one_positive_no_negatives", {"distance_metric": "euclidean"}, 3, 4, [1, 2, 2])
    add("euclidean/one_negative_no_positives", {"distance_metric": "euclidean", "margin": "5"}, 3, 4, [0, 2, 2])
    add("cosine/two_positives_two_negatives", {"margin": "1"}, 4, 4, [1, 0, 1, 0])
    add("cosine/labels_column_vector", {"margin": "1"}, 6, 4, [[1], [0], [0], [1], [1], [0]])
    add("cosine/no_binary_labels", {}, 4, 3, [2, 3, 2, 5])


def cosine_similarity_cases():
    L = "CosineSimilarityLoss"

    def add(suffix, n, d, labels=None, edit=None, int_labels=False):
        name = "cosine_similarity/" + suffix
        r = rng_for(name)
        a, b = normal(r, n, d), normal(r, n, d)
        if labels is None:
            y = r.random(n).astype(np.float32)
        else:
            y = ints(labels) if int_labels else f32(labels)
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
    # new: integer labels (6.2 casts them with labels.float())
    add("int_labels", 6, 4, [1, 0, 1, 1, 0, 0], int_labels=True)
    add("labels_column_vector", 5, 3, [[0.5], [1.0], [0.0], [0.25], [0.75]])


def mse_cases():
    L = "MSELoss"

    def add(suffix, n, d, cols=1, teacher="2d", same=None, params=None, teacher_dim=None):
        """teacher "2d": one (n, teacher_dim) target shared by every column;
        "3d": (n, cols, teacher_dim), one target per column. same=k makes
        column k's target equal to its input (2d: column 0)."""
        name = "mse/" + suffix
        r = rng_for(name)
        xs = [normal(r, n, d) for _ in range(cols)]
        td = teacher_dim or d
        if teacher == "2d":
            t = xs[0].copy() if same is not None else normal(r, n, td)
        else:
            t = np.stack([normal(r, n, td) for _ in range(cols)], axis=1).astype(np.float32)
            if same is not None:
                t[:, same] = xs[same]
        case(name, L, params or {}, xs, t)

    add("default", 6, 4)
    add("single_row", 1, 3)
    add("teacher_equals_input", 4, 5, same=0)
    add("large_64x32", 64, 32)
    # new: several columns. 6.2 averages the per-column MSE over the columns; 1.2.0 used column 0 only
    add("2_columns/shared_teacher", 6, 4, cols=2)
    add("3_columns/shared_teacher", 5, 3, cols=3)
    add("2_columns/shared_teacher_equals_column_0", 5, 4, cols=2, same=0)
    add("1_column/teacher_3d", 6, 4, cols=1, teacher="3d")
    add("2_columns/teacher_3d", 6, 4, cols=2, teacher="3d")
    add("3_columns/teacher_3d", 4, 5, cols=3, teacher="3d")
    add("3_columns/teacher_3d/column_1_exact", 4, 3, cols=3, teacher="3d", same=1)
    add("3_columns/large_32x16/shared_teacher", 32, 16, cols=3)
    # new parameter projection_dim: a trainable Linear(d -> projection_dim) on the student side
    add("projection_dim_6/1_column", 5, 4, params={"projection_dim": "6"}, teacher_dim=6)
    add("projection_dim_2/2_columns/shared_teacher", 6, 4, cols=2, params={"projection_dim": "2"}, teacher_dim=2)
    add("projection_dim_3/3_columns/teacher_3d", 4, 5, cols=3, teacher="3d", params={"projection_dim": "3"},
        teacher_dim=3)
    add("projection_dim_4/same_width", 6, 4, params={"projection_dim": "4"}, teacher_dim=4)


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

    # new: default options only (directions, partition_mode, hardness_* and
    # gather_across_devices are covered elsewhere)
    add("cos_sim/3_hard_negatives", {}, 5, 4, 5)
    add("cos_sim/scale_0.05", {"scale": "0.05"}, 6, 4, 2)
    add("dot_score/scale_0.1/1_hard_negative", {"similarity_fct": "dot_score", "scale": "0.1"}, 6, 4, 3)
    # similarity functions that 6.2's util offers beyond cos_sim/dot_score
    add("euclidean_sim/scale_1/0_hard_negatives", {"similarity_fct": "euclidean_sim", "scale": "1"}, 6, 4, 2)
    add("euclidean_sim/default_scale/1_hard_negative", {"similarity_fct": "util.euclidean_sim"}, 6, 3, 3)
    add("euclidean_sim/scale_1/duplicate_rows", {"similarity_fct": "euclidean_sim", "scale": "1"}, 6, 4, 3, dup)
    add("manhattan_sim/scale_0.5/0_hard_negatives", {"similarity_fct": "manhattan_sim", "scale": "0.5"}, 6, 4, 2)
    add("manhattan_sim/scale_1/1_hard_negative", {"similarity_fct": "util.manhattan_sim", "scale": "1"}, 5, 3, 3)


def megabatch_cases():
    L = "MegaBatchMarginLoss"

    def add(suffix, params, n, d, edit=None, seed_name=None):
        name = "megabatch/" + suffix
        r = rng_for(seed_name or name)
        a, p = normal(r, n, d), normal(r, n, d)
        p = (p * 0.6 + a * 0.8).astype(np.float32)  # positives correlated with anchors
        if edit:
            edit(a, p)
        case(name, L, params, [a, p], None)

    nm = {"use_mini_batched_version": "false"}
    add("full/default_margins", nm, 8, 4)
    add("full/margins_0.5_0.1", dict(nm, positive_margin="0.5", negative_margin="0.1"), 8, 4)
    add("full/margins_1_0", dict(nm, positive_margin="1", negative_margin="0"), 10, 6)
    # the mini-batched path: 6.2 returns the whole-batch mean for every mini_batch_size
    add("mini/default_size_50_exceeds_batch", {}, 8, 4)
    add("mini/size_4_divides_8", {"mini_batch_size": "4"}, 8, 4)
    add("mini/size_4_remainder_10", {"mini_batch_size": "4"}, 10, 4)
    add("mini/size_3_remainder_7/margins", {"mini_batch_size": "3", "positive_margin": "0.9",
                                             "negative_margin": "0.0"}, 7, 3)
    add("mini/size_1", {"mini_batch_size": "1", "use_mini_batched_version": "true"}, 5, 3)
    add("mini/size_equals_batch", {"mini_batch_size": "6"}, 6, 4)

    def dup(a, p):
        p[3] = p[1]   # tie for the hardest negative
        a[5] = a[0]
    add("full/duplicate_rows", nm, 6, 4, dup)
    add("mini/duplicate_rows/size_4", {"mini_batch_size": "4"}, 6, 4, dup)

    def zero(a, p):
        a[2] = 0.0
        p[4] = 0.0
    add("full/zero_rows", nm, 6, 4, zero)
    add("mini/zero_rows/size_4", {"mini_batch_size": "4"}, 6, 4, zero)
    add("mini/large_64x32/size_16", {"mini_batch_size": "16"}, 64, 32)

    # new
    add("mini/size_2_remainder_7", {"mini_batch_size": "2"}, 7, 3)
    add("mini/large_64x32/size_20", {"mini_batch_size": "20"}, 64, 32)
    # one input set under five settings: in 6.2 all five give the same loss and gradients
    # (up to summation order); in 1.2.0 each mini_batch_size gave a different answer
    for suffix, params in [("full", nm), ("mini/size_1", {"mini_batch_size": "1"}),
                           ("mini/size_3", {"mini_batch_size": "3"}), ("mini/size_4", {"mini_batch_size": "4"}),
                           ("mini/size_50", {})]:
        add("shared_7x3/" + suffix, params, 7, 3, seed_name="megabatch/shared_7x3")
    # one row: no negative exists. 6.2 masks the diagonal with -inf (negative term 0);
    # 1.2.0 subtracted 2, so its "negative" was the own positive at cos - 2
    add("full/single_row", nm, 1, 4)
    add("full/single_row/negative_margin_-1.5", dict(nm, negative_margin="-1.5"), 1, 4)
    add("mini/single_row/negative_margin_-1.5", {"negative_margin": "-1.5"}, 1, 4)
    # negative margin below -1 on a larger batch (every off-diagonal score counts)
    add("full/negative_margin_-1.2", dict(nm, negative_margin="-1.2"), 5, 3)

    def tiny(a, p):
        a[1] *= 1e-10   # row norm below F.cosine_similarity's eps 1e-8, above F.normalize's 1e-12
        p[3] *= 1e-10
    add("mini/tiny_rows/size_4", {"mini_batch_size": "4"}, 6, 4, tiny)
    add("full/tiny_rows", nm, 6, 4, tiny)


def softmax_cases():
    L = "SoftmaxLoss"

    def add(suffix, params, n, d, num_labels=3, labels=None, edit=None, dim_param=True, soft=None):
        name = "softmax/" + suffix
        r = rng_for(name)
        a, b = normal(r, n, d), normal(r, n, d)
        if soft is not None:
            y = soft(r, n, num_labels)
        elif labels is not None:
            y = ints(labels)
        else:
            y = ints(r.integers(0, num_labels, size=n))
        if edit:
            edit(a, b)
        params = dict(params)
        if dim_param:
            params.setdefault("embedding_dimension", str(d))
        case(name, L, params, [a, b], y)

    for rep in ("true", "false"):
        for diff in ("true", "false"):
            for mult in ("true", "false"):
                if rep == diff == mult == "false":
                    continue  # 6.2 raises ValueError in the constructor (no features to classify)
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

    # new: the dimension parameter left out (taken from the inputs) and given by its deprecated 1.2.0 name
    add("3_labels/dimension_inferred", {"num_labels": "3"}, 6, 4, dim_param=False)
    add("3_labels/deprecated_sentence_embedding_dimension", {"num_labels": "3", "sentence_embedding_dimension": "4"},
        6, 4, dim_param=False)
    # new: labels shaped like the logits (N, num_labels) are class probabilities (soft targets) in 6.2
    def probabilities(r, n, k):
        p = r.random((n, k)) + 0.05
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)

    def one_hot(r, n, k):
        return np.eye(k, dtype=np.float32)[r.integers(0, k, size=n)]

    def unnormalised(r, n, k):
        p = (r.random((n, k)) * 2.0).astype(np.float32)
        p[0] = 0.0  # an all-zero target row contributes 0
        return p
    add("3_labels/soft_labels", {"num_labels": "3"}, 6, 4, soft=probabilities)
    add("3_labels/soft_labels/one_hot", {"num_labels": "3"}, 6, 4, soft=one_hot)
    add("4_labels/soft_labels/unnormalised_rows", {"num_labels": "4", "concatenation_sent_multiplication": "true"},
        5, 3, num_labels=4, soft=unnormalised)
    add("2_labels/soft_labels/rep_only", {"num_labels": "2", "concatenation_sent_difference": "false"},
        5, 3, num_labels=2, soft=probabilities)
    # an (N, 1) integer column is still flattened to class indices
    add("3_labels/labels_column_vector", {"num_labels": "3"}, 5, 3, labels=[[0], [2], [1], [1], [0]])


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

    # new: where 1.2.0's F.pairwise_distance eps (1e-6, added to x - y) and
    # F.cosine_similarity eps (1e-8) matter and 6.2's plain norms / F.normalize (1e-12) do not
    def identical_ap(a, p, ng):
        p[:] = a
    add("euclidean/anchor_equals_positive", {"triplet_margin": "5"}, 5, 3, identical_ap)
    add("manhattan/anchor_equals_positive", {"distance_metric": "manhattan", "triplet_margin": "8"}, 5, 3, identical_ap)
    add("cosine/anchor_equals_positive", {"distance_metric": "cosine", "triplet_margin": "2"}, 5, 3, identical_ap)

    def identical_an(a, p, ng):
        ng[:] = a
    add("euclidean/anchor_equals_negative", {"triplet_margin": "0.5"}, 5, 3, identical_an)
    add("manhattan/anchor_equals_negative", {"distance_metric": "manhattan", "triplet_margin": "0.5"}, 5, 3,
        identical_an)

    def tiny_scale(r, n, d):
        return [normal(r, n, d, 1e-6) for _ in range(3)]
    add("euclidean/tiny_scale_1e-6", {"triplet_margin": "1e-6"}, 6, 3, maker=tiny_scale)
    add("manhattan/tiny_scale_1e-6", {"distance_metric": "manhattan", "triplet_margin": "2e-6"}, 6, 3,
        maker=tiny_scale)

    def near(r, n, d):
        # positives one float32 step or so away from the anchors, negatives far
        a = normal(r, n, d)
        p = (a + normal(r, n, d, 1e-6)).astype(np.float32)
        ng = normal(r, n, d)
        return [a, p, ng]
    add("euclidean/tiny_anchor_positive_gaps", {"triplet_margin": "5"}, 6, 4, maker=near)
    add("manhattan/tiny_anchor_positive_gaps", {"distance_metric": "manhattan", "triplet_margin": "5"}, 6, 4,
        maker=near)

    def tiny_rows(a, p, ng):
        a[0] *= 1e-10   # norm ~1e-10: below 1e-8, above 1e-12
        p[1] *= 1e-10
        ng[2] *= 1e-10
        p[3] *= 1e-14   # below both eps values
    add("cosine/tiny_norm_rows", {"distance_metric": "cosine", "triplet_margin": "1"}, 5, 3, tiny_rows)
    add("manhattan/zero_rows", {"distance_metric": "manhattan"}, 5, 3, zero)

    def zero_pair(a, p, ng):
        a[0] = 0.0
        p[0] = 0.0
        a[1] = 0.0
        ng[1] = 0.0
    add("euclidean/zero_anchor_and_positive", {"triplet_margin": "1"}, 4, 3, zero_pair)
    add("cosine/zero_anchor_and_positive", {"distance_metric": "cosine", "triplet_margin": "1"}, 4, 3, zero_pair)


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


# --------------------------------------------------------------------------
# informational: which cases shared with the 1.2.0 file changed
# --------------------------------------------------------------------------

def _as_floats(values):
    return np.array([float(v) for v in values], dtype=np.float64)  # float() reads "nan"/"inf"/"-inf"


def _close(a, b, rtol=1e-9, atol=1e-12):
    a, b = _as_floats(a), _as_floats(b)
    if a.shape != b.shape:
        return False
    return bool(np.all((np.isnan(a) & np.isnan(b)) | (a == b) | (np.abs(a - b) <= atol + rtol * np.abs(b))))


def compare_with_1_2_0(records):
    if not os.path.exists(OLD_FIXTURES):
        print("no 1.2.0 fixtures at %s; skipped the comparison" % OLD_FIXTURES)
        return
    old = {}
    with open(OLD_FIXTURES, encoding="utf-8") as f:
        for line in f:
            c = json.loads(line)
            old[c["name"]] = c
    renamed = {"embedding_dimension", "sentence_embedding_dimension"}
    same, changed, not_comparable = [], [], []
    for rec in records:
        o = old.get(rec["name"])
        if o is None:
            continue
        p_new = {k: v for k, v in rec["params"].items() if k not in renamed}
        p_old = {k: v for k, v in o["params"].items() if k not in renamed}
        if (p_new != p_old or o["loss"] != rec["loss"] or o["labels"] != json.loads(json.dumps(rec["labels"]))
                or [i["data"] for i in o["inputs"]] != [i["data"] for i in rec["inputs"]]
                or {k: v["data"] for k, v in o["weights"].items()} != {k: v["data"] for k, v in rec["weights"].items()}):
            not_comparable.append(rec["name"])
            continue
        e_new, e_old = rec["expected"], o["expected"]
        what = []
        if not _close([e_new["loss"]], [e_old["loss"]]):
            what.append("loss %s -> %s" % (e_old["loss"], e_new["loss"]))
        if not all(_close(a["data"], b["data"]) for a, b in zip(e_new["grad_inputs"], e_old["grad_inputs"])):
            what.append("grad_inputs")
        if not all(_close(e_new["grad_weights"][k]["data"], e_old["grad_weights"][k]["data"])
                   for k in e_old["grad_weights"]):
            what.append("grad_weights")
        (changed if what else same).append((rec["name"], ", ".join(what)))
    print("\ncompared with the 1.2.0 fixtures (same name and inputs; rtol 1e-9): %d equal, %d changed"
          % (len(same), len(changed)))
    for n, why in changed:
        print("  changed  %-60s %s" % (n, why))
    if not_comparable:
        print("  same name but different inputs/params (not compared): %s" % ", ".join(not_comparable))


def main():
    check_provenance()
    torch.manual_seed(BASE_SEED)
    torch.set_num_threads(1)
    build_cases()
    lines, records, skipped = [], [], []
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
        records.append(rec)
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
    compare_with_1_2_0(records)


if __name__ == "__main__":
    main()
