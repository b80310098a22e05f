#!/usr/bin/env python3
"""Golden cases for MatryoshkaLoss from the real sentence-transformers 6.2.0 classes.

Runs sentence_transformers.sentence_transformer.losses.MatryoshkaLoss (PyTorch CPU, float64)
around the real inner losses and writes one JSON object per case to cases.jsonl beside this
file, in the format of Tests/Fixtures/golden62-new/cases.jsonl. Settings the reference refuses
go to rejected.jsonl with the exception's type and first line. Nothing here computes a loss: the
only code of ours between the inputs and the numbers is a stand-in encoder that returns the
case's embeddings as the sentence embedding (MatryoshkaLoss patches its forward, as it patches a
SentenceTransformer's).

    CUDA_VISIBLE_DEVICES="" HF_HUB_OFFLINE=1 ~/st62/bin/python Tests/Fixtures/golden62-matryoshka/generate.py

Conventions:
  * params: the strings of `losslab eval --set name=value`; the inner loss is `loss=NAME` and
    its settings `loss.NAME=value`; lists comma-joined (matryoshka_dims=16,8,4);
  * inputs are float32 values written exactly, computed as float64 leaf tensors; labels are
    written as float32 (or int64) values and fed as float64 (class ids as int64); a case without
    labels passes labels=None;
  * weights (SoftmaxLoss inside): the inner classifier's float32 values, installed as float64
    parameters, named as MatryoshkaLoss.named_parameters() names them (loss.classifier.weight);
  * guides (GIST inside): the guide model's embeddings, fed as float64, never truncated;
  * every case draws from its own generator seeded by BASE_SEED and its name.

Self-checks (not written out): with n_dims_per_step=-1 the value must equal the weighted sum of
the inner loss run by hand on each normalised truncation (to 1e-9 relative) unless the case is
marked as depending on the reference's chained truncation.
"""

import base64
import csv
import hashlib
import json
import logging
import math
import os
import sys
import warnings
import zlib
from collections import Counter, OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import sentence_transformers
from sentence_transformers import util
from sentence_transformers.sentence_transformer import losses
from sentence_transformers.sentence_transformer.losses import (
    BatchHardTripletLossDistanceFunction,
    SiameseDistanceMetric,
    TripletDistanceMetric,
)

BASE_SEED = 20261201
REFERENCE_VERSION = "6.2.0"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "cases.jsonl")
REJECTED_PATH = os.path.join(HERE, "rejected.jsonl")

REFERENCE_FILES = [
    "sentence_transformer/losses/matryoshka.py",
    "sentence_transformer/losses/multiple_negatives_ranking.py",
    "sentence_transformer/losses/cached_multiple_negatives_ranking.py",
    "sentence_transformer/losses/cosent.py",
    "sentence_transformer/losses/angle.py",
    "sentence_transformer/losses/triplet.py",
    "sentence_transformer/losses/batch_hard_triplet.py",
    "sentence_transformer/losses/batch_all_triplet.py",
    "sentence_transformer/losses/contrastive.py",
    "sentence_transformer/losses/online_contrastive.py",
    "sentence_transformer/losses/cosine_similarity.py",
    "sentence_transformer/losses/mega_batch_margin.py",
    "sentence_transformer/losses/mse.py",
    "sentence_transformer/losses/softmax.py",
    "sentence_transformer/losses/gist_embed.py",
    "sentence_transformer/losses/global_orthogonal_regularization.py",
    "base/losses/gradcache.py",
    "base/losses/merged_forward.py",
    "util/similarity.py",
]


def check_provenance():
    if sentence_transformers.__version__ != REFERENCE_VERSION:
        sys.exit("need sentence-transformers %s, found %s" % (REFERENCE_VERSION, sentence_transformers.__version__))
    pkg = os.path.dirname(sentence_transformers.__file__)
    record = os.path.join(os.path.dirname(pkg), "sentence_transformers-%s.dist-info" % REFERENCE_VERSION, "RECORD")
    hashes = {}
    with open(record, newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 2 and row[1].startswith("sha256="):
                hashes[row[0]] = row[1][len("sha256="):]
    bad = []
    for rel in REFERENCE_FILES:
        with open(os.path.join(pkg, rel), "rb") as f:
            digest = base64.urlsafe_b64encode(hashlib.sha256(f.read()).digest()).rstrip(b"=").decode()
        if hashes.get("sentence_transformers/" + rel) != digest:
            bad.append(rel)
    if bad:
        sys.exit("installed files differ from the 6.2.0 wheel RECORD: %s" % ", ".join(bad))
    print("sentence_transformers %s, torch %s: %d reference files match the wheel's RECORD"
          % (sentence_transformers.__version__, torch.__version__, len(REFERENCE_FILES)))


def make_tokenizer():
    """GIST compares the model's and the guide's tokenizers; both share this one."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast
    return PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab={"[UNK]": 0}, unk_token="[UNK]")))


TOKENIZER = None


class StandInEncoder(nn.Module):
    """forward(features) returns features[key] as the sentence embedding, in a new dict per call
    (as a SentenceTransformer returns its output dict). get_embedding_dimension() is the width
    MatryoshkaLoss checks its dimensions and the labels against; `calls` counts the forwards."""

    def __init__(self, key, dim):
        super().__init__()
        self.key = key
        self.dim = dim
        self.tokenizer = TOKENIZER
        self.max_seq_length = 512
        self.first_module = nn.Identity()
        self.calls = 0

    def __getitem__(self, index):
        if index != 0:
            raise IndexError(index)
        return self.first_module

    @property
    def device(self):
        return torch.device("cpu")

    def get_embedding_dimension(self):
        return self.dim

    def forward(self, features):
        self.calls += 1
        return {"sentence_embedding": features[self.key]}


# ---- parameter strings -> reference objects -------------------------------------

def parse_bool(s):
    return {"true": True, "false": False}[s.strip().lower()]


def key(s):
    return s.strip().split(".")[-1].lower()


def parse_similarity(s):
    return getattr(util, key(s))


def parse_triplet_metric(s):
    return {"euclidean": TripletDistanceMetric.EUCLIDEAN, "manhattan": TripletDistanceMetric.MANHATTAN,
            "cosine": TripletDistanceMetric.COSINE}[key(s)]


def parse_siamese_metric(s):
    return {"euclidean": SiameseDistanceMetric.EUCLIDEAN, "manhattan": SiameseDistanceMetric.MANHATTAN,
            "cosine": SiameseDistanceMetric.COSINE_DISTANCE}[key(s)]


def parse_batch_metric(s):
    return {"euclidean": BatchHardTripletLossDistanceFunction.euclidean_distance,
            "cosine": BatchHardTripletLossDistanceFunction.cosine_distance}[key(s)]


def parse_ints(s):
    return [int(p) for p in s.split(",") if p.strip()]


def parse_floats(s):
    return None if s.strip().lower() == "none" else [float(p) for p in s.split(",") if p.strip()]


INNER_PARSERS = {
    "MultipleNegativesRankingLoss": {"scale": float, "similarity_fct": parse_similarity},
    "CachedMultipleNegativesRankingLoss": {"scale": float, "similarity_fct": parse_similarity, "mini_batch_size": int},
    "CoSENTLoss": {"scale": float, "similarity_fct": parse_similarity},
    "AnglELoss": {"scale": float},
    "TripletLoss": {"distance_metric": parse_triplet_metric, "triplet_margin": float},
    "BatchHardTripletLoss": {"distance_metric": parse_batch_metric, "margin": float},
    "BatchAllTripletLoss": {"distance_metric": parse_batch_metric, "margin": float},
    "ContrastiveLoss": {"distance_metric": parse_siamese_metric, "margin": float, "size_average": parse_bool},
    "OnlineContrastiveLoss": {"distance_metric": parse_siamese_metric, "margin": float},
    "CosineSimilarityLoss": {},
    "MegaBatchMarginLoss": {"positive_margin": float, "negative_margin": float,
                            "use_mini_batched_version": parse_bool, "mini_batch_size": int},
    "MSELoss": {},
    "SoftmaxLoss": {"num_labels": int},
    "GISTEmbedLoss": {"temperature": float},
    "GlobalOrthogonalRegularizationLoss": {},
}
OUTER_PARSERS = {"matryoshka_dims": parse_ints, "matryoshka_weights": parse_floats, "n_dims_per_step": int}


def build(params, dim):
    """The reference MatryoshkaLoss for these settings, its model and the guide (or None)."""
    inner_name = params["loss"]
    inner_kwargs, outer_kwargs = {}, {}
    for name, value in params.items():
        if name == "loss":
            continue
        if name.startswith("loss."):
            inner_kwargs[name[len("loss."):]] = INNER_PARSERS[inner_name][name[len("loss."):]](value)
        else:
            outer_kwargs[name] = OUTER_PARSERS[name](value)
    model = StandInEncoder("emb", dim)
    guide = None
    cls = getattr(losses, inner_name)
    if inner_name == "GISTEmbedLoss":
        guide = StandInEncoder("guide", dim)
        inner = cls(model, guide, **inner_kwargs)
    elif inner_name == "SoftmaxLoss":
        inner_kwargs.setdefault("num_labels", 3)
        inner = cls(model, embedding_dimension=dim, **inner_kwargs)
    else:
        inner = cls(model, **inner_kwargs)
    matryoshka = losses.MatryoshkaLoss(model, inner, **outer_kwargs)
    return matryoshka, model


def labels_tensor(labels):
    if labels is None:
        return None
    if labels.dtype == np.int64:
        return torch.tensor(labels)
    return torch.tensor(labels.astype(np.float64))


def evaluate(case, weights=None):
    arrays, labels, guides = case["inputs"], case.get("labels"), case.get("guides")
    loss_module, model = build(case["params"], arrays[0].shape[1])
    installed = OrderedDict()
    if case["params"]["loss"] == "SoftmaxLoss":
        lin = loss_module.loss.classifier
        rng = rng_for(case["name"] + "#weights")
        w32 = weights["loss.classifier.weight"] if weights else (rng.standard_normal(tuple(lin.weight.shape)) * 0.4).astype(np.float32)
        b32 = weights["loss.classifier.bias"] if weights else (rng.standard_normal(tuple(lin.bias.shape)) * 0.1).astype(np.float32)
        lin.weight = nn.Parameter(torch.tensor(w32.astype(np.float64)))
        lin.bias = nn.Parameter(torch.tensor(b32.astype(np.float64)))
        installed["loss.classifier.weight"] = (w32, lin.weight)
        installed["loss.classifier.bias"] = (b32, lin.bias)
    leaves = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    features = []
    for i, leaf in enumerate(leaves):
        feat = {"emb": leaf}
        if guides is not None:
            feat["guide"] = torch.tensor(guides[i].astype(np.float64))
        features.append(feat)
    out = loss_module(features, labels_tensor(labels))
    if out.requires_grad:
        out.backward()
    grads = [(t.grad if t.grad is not None else torch.zeros_like(t)).detach().numpy().copy() for t in leaves]
    weight_grads = OrderedDict((k, (p.grad if p.grad is not None else torch.zeros_like(p)).detach().numpy().copy())
                               for k, (_, p) in installed.items())
    return out.item(), grads, OrderedDict((k, v[0]) for k, v in installed.items()), weight_grads


def by_hand(case, weights):
    """The weighted sum of the inner loss on each normalised truncation of the raw embeddings,
    the inner loss being the real 6.2.0 class run without MatryoshkaLoss."""
    params = case["params"]
    arrays, labels, guides = case["inputs"], case.get("labels"), case.get("guides")
    d = arrays[0].shape[1]
    dims = parse_ints(params["matryoshka_dims"])
    ws = parse_floats(params.get("matryoshka_weights", "none")) or [1] * len(dims)
    leaves = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    total = 0.0
    for dim, w in sorted(zip(dims, ws), key=lambda x: x[0], reverse=True):
        inner_params = {k[len("loss."):]: v for k, v in params.items() if k.startswith("loss.")}
        inner_name = params["loss"]
        model = StandInEncoder("emb", d)
        cls = getattr(losses, inner_name)
        kwargs = {k: INNER_PARSERS[inner_name][k](v) for k, v in inner_params.items()}
        if inner_name == "GISTEmbedLoss":
            inner = cls(model, StandInEncoder("guide", d), **kwargs)
        elif inner_name == "SoftmaxLoss":
            kwargs.setdefault("num_labels", 3)
            inner = cls(model, embedding_dimension=d, **kwargs)
            inner.classifier.weight = nn.Parameter(torch.tensor(weights["loss.classifier.weight"].astype(np.float64)))
            inner.classifier.bias = nn.Parameter(torch.tensor(weights["loss.classifier.bias"].astype(np.float64)))
        else:
            inner = cls(model, **kwargs)
        feats, normalised, detached = [], [], []
        for i, a in enumerate(arrays):
            # the inner loss gets a leaf of its own (a cached loss replays its forward in the
            # backward pass); its gradient is then pushed through the normalisation
            normalised.append(F.normalize(leaves[i][:, :dim], p=2, dim=-1))
            detached.append(normalised[-1].detach().requires_grad_())
            feat = {"emb": detached[-1]}
            if guides is not None:
                feat["guide"] = torch.tensor(guides[i].astype(np.float64))
            feats.append(feat)
        lab = labels_tensor(labels)
        if lab is not None and lab.ndim in (2, 3) and lab.shape[-1] == d:
            lab = lab[..., :dim]
        part = w * inner(feats, lab)
        if part.requires_grad:
            part.backward()
            for n, z in zip(normalised, detached):
                if z.grad is not None:
                    n.backward(z.grad)
        total += part.item()
    return total, [(t.grad if t.grad is not None else torch.zeros_like(t)).numpy() for t in leaves]


def close(a, b, rtol=1e-9):
    return abs(a - b) <= rtol * max(1.0, abs(b))


def close_grads(gs, hs, rtol=1e-9):
    return all(np.max(np.abs(g - h), initial=0.0) <= rtol * max(1.0, np.max(np.abs(h), initial=0.0)) for g, h in zip(gs, hs))


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


def run_case(case):
    loss, grads, weights, weight_grads = evaluate(case)
    hand, hand_grads = by_hand(case, weights)
    if not close(loss, hand):
        raise RuntimeError("%s: MatryoshkaLoss %r but the inner loss by hand %r" % (case["name"], loss, hand))
    if case.get("chained_truncation"):
        if close_grads(grads, hand_grads, rtol=1e-6):
            raise RuntimeError("%s: meant to depend on the chained truncation, but equals the plain one" % case["name"])
    elif not close_grads(grads, hand_grads):
        raise RuntimeError("%s: MatryoshkaLoss's gradients differ from the inner loss's by hand" % case["name"])
    rec = OrderedDict([
        ("name", case["name"]),
        ("loss", "MatryoshkaLoss"),
        ("reference", REFERENCE_VERSION),
        ("params", OrderedDict(case["params"])),
        ("inputs", [tensor_json(a) for a in case["inputs"]]),
    ])
    if case.get("guides") is not None:
        rec["guides"] = [tensor_json(g) for g in case["guides"]]
    rec["labels"] = labels_json(case.get("labels"))
    rec["weights"] = OrderedDict((k, tensor_json(v)) for k, v in weights.items())
    rec["expected"] = OrderedDict([
        ("loss", num(loss)),
        ("grad_inputs", [tensor_json(g) for g in grads]),
        ("grad_weights", OrderedDict((k, tensor_json(v)) for k, v in weight_grads.items())),
    ])
    return rec


def run_rejected(case):
    try:
        evaluate(case)
    except (ValueError, TypeError, RuntimeError, IndexError, AttributeError) as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return OrderedDict([("name", case["name"]), ("loss", "MatryoshkaLoss"), ("reference", REFERENCE_VERSION),
                            ("params", OrderedDict(case["params"])),
                            ("input_shapes", [list(a.shape) for a in case["inputs"]]),
                            ("labels", "none" if case.get("labels") is None else "%s%s" % (case["labels"].dtype, list(case["labels"].shape))),
                            ("error", type(e).__name__), ("message", msg)])
    raise RuntimeError("%s: expected the reference to refuse these settings, but it ran" % case["name"])


# ---- inputs ------------------------------------------------------------------------

def seed_for(name):
    return (BASE_SEED ^ zlib.crc32(name.encode("utf-8"))) & 0xFFFFFFFF


def rng_for(name):
    return np.random.default_rng(seed_for(name))


def normal(rng, n, d, scale=1.0):
    return (rng.standard_normal((n, d)) * scale).astype(np.float32)


def near(rng, x, mix=0.8, noise=0.6):
    return (x.astype(np.float64) * mix + rng.standard_normal(x.shape) * noise).astype(np.float32)


def retrieval(rng, n, d, cols):
    a = normal(rng, n, d)
    return [a, near(rng, a)] + [normal(rng, n, d) for _ in range(cols - 2)]


CASES, REJECTED = [], []


def case(name, params, inputs, labels=None, guides=None, **extra):
    CASES.append(dict(name=name, params=params, inputs=inputs, labels=labels, guides=guides, **extra))


def rejected(name, params, inputs, labels=None):
    REJECTED.append(dict(name=name, params=params, inputs=inputs, labels=labels))


def zero_prefix(rows, width):
    def edit(xs):
        for c, r in rows:
            xs[c][r, :width] = 0.0
    return edit


def build_cases():
    def add(name, params, n, d, cols, labels=None, edit=None, maker=None, **extra):
        r = rng_for(name)
        xs = maker(r, n, d, cols) if maker else retrieval(r, n, d, cols)
        lab = labels(r, n, d, xs) if labels else None
        if edit:
            edit(xs)
        case(name, params, xs, lab, **extra)

    scores = lambda r, n, d, xs: r.uniform(0, 1, n).astype(np.float32)
    binary = lambda r, n, d, xs: r.integers(0, 2, n).astype(np.float32)
    classes = lambda r, n, d, xs: np.asarray([i % 3 for i in range(n)], dtype=np.int64)

    M = "MultipleNegativesRankingLoss"
    dims = "16,8,4"
    add("mnrl/dims_16_8_4", {"loss": M, "matryoshka_dims": dims}, 8, 16, 2)
    add("mnrl/scale_10/dims_16_8_4/3_columns", {"loss": M, "loss.scale": "10", "matryoshka_dims": dims}, 8, 16, 3)
    add("mnrl/weights_1_0.5_0.25", {"loss": M, "matryoshka_dims": dims, "matryoshka_weights": "1,0.5,0.25"}, 8, 16, 2)
    add("mnrl/dims_unsorted_4_16_8/weights_3_1_2", {"loss": M, "matryoshka_dims": "4,16,8", "matryoshka_weights": "3,1,2"},
        8, 16, 2)
    add("mnrl/n_dims_per_step_-1", {"loss": M, "matryoshka_dims": dims, "n_dims_per_step": "-1"}, 8, 16, 2)
    add("mnrl/n_dims_per_step_3_of_3/all", {"loss": M, "matryoshka_dims": dims, "n_dims_per_step": "3"}, 8, 16, 2)
    add("mnrl/n_dims_per_step_0/all", {"loss": M, "matryoshka_dims": dims, "n_dims_per_step": "0"}, 8, 16, 2)
    add("mnrl/dims_without_full_8_4", {"loss": M, "matryoshka_dims": "8,4"}, 8, 16, 2)
    add("mnrl/single_dim_16", {"loss": M, "matryoshka_dims": "16"}, 8, 16, 2)
    add("mnrl/single_dim_3_odd", {"loss": M, "matryoshka_dims": "3"}, 6, 7, 2)
    add("mnrl/dims_1", {"loss": M, "matryoshka_dims": "7,1"}, 6, 7, 2)
    add("mnrl/duplicate_first_dim_16_16_8", {"loss": M, "matryoshka_dims": "16,16,8", "matryoshka_weights": "1,2,0.5"},
        8, 16, 2)
    add("mnrl/duplicate_later_dim_16_8_8", {"loss": M, "matryoshka_dims": "16,8,8"}, 8, 16, 2)
    add("mnrl/dot_score/dims_16_8_4", {"loss": M, "loss.similarity_fct": "dot_score", "matryoshka_dims": dims}, 8, 16, 3)
    add("mnrl/weights_negative_and_zero", {"loss": M, "matryoshka_dims": dims, "matryoshka_weights": "1,0,-0.5"}, 8, 16, 2)
    add("mnrl/zero_rows", {"loss": M, "matryoshka_dims": dims}, 8, 16, 2,
        edit=lambda xs: (xs[0].__setitem__(2, 0.0), xs[1].__setitem__(5, 0.0)), chained_truncation=True)
    # a row whose first 4 values are zero: 6.2.0 normalises the 8-prefix, cuts it to 4 and
    # normalises again (a zero prefix divided by eps twice along the chain)
    add("mnrl/zero_prefix_4/chained", {"loss": M, "loss.scale": "1e-10", "matryoshka_dims": dims}, 6, 16, 2,
        edit=zero_prefix([(0, 1), (1, 3)], 4), chained_truncation=True)
    add("mnrl/large_32x64/dims_64_32_16_8", {"loss": M, "matryoshka_dims": "64,32,16,8"}, 32, 64, 2)

    C = "CoSENTLoss"
    add("cosent/dims_16_8_4", {"loss": C, "matryoshka_dims": dims}, 8, 16, 2, labels=scores)
    add("cosent/scale_20/dims_16_4/weights_2_1", {"loss": C, "loss.scale": "20", "matryoshka_dims": "16,4",
                                                  "matryoshka_weights": "2,1"}, 8, 16, 2, labels=scores)
    add("cosent/scale_5/pairwise_dot_score", {"loss": C, "loss.scale": "5", "loss.similarity_fct": "pairwise_dot_score",
                                              "matryoshka_dims": dims}, 8, 16, 2, labels=scores)
    add("cosent/binary_labels/3_columns", {"loss": C, "matryoshka_dims": "12,6,3"}, 8, 12, 3, labels=binary)
    add("cosent/zero_rows", {"loss": C, "matryoshka_dims": dims}, 8, 16, 2, labels=scores,
        edit=lambda xs: xs[1].__setitem__(4, 0.0), chained_truncation=True)
    add("angle/dims_16_8_4", {"loss": "AnglELoss", "matryoshka_dims": dims}, 8, 16, 2, labels=scores)
    add("angle/odd_dims_15_7_3", {"loss": "AnglELoss", "matryoshka_dims": "15,7,3"}, 8, 15, 2, labels=scores)

    T = "TripletLoss"
    add("triplet/euclidean/dims_16_8_4", {"loss": T, "matryoshka_dims": dims}, 8, 16, 3)
    add("triplet/euclidean/margin_0.3", {"loss": T, "loss.triplet_margin": "0.3", "matryoshka_dims": dims,
                                         "matryoshka_weights": "1,1,2"}, 8, 16, 3)
    add("triplet/cosine/margin_0.5", {"loss": T, "loss.distance_metric": "cosine", "loss.triplet_margin": "0.5",
                                      "matryoshka_dims": dims}, 8, 16, 3)
    add("triplet/manhattan/margin_1", {"loss": T, "loss.distance_metric": "manhattan", "loss.triplet_margin": "1",
                                       "matryoshka_dims": "16,8"}, 8, 16, 3)

    def clustered(r, n, d, cols):
        centres = r.standard_normal((3, d)) * 2.0
        return [np.asarray([centres[i % 3] + r.standard_normal(d) * 0.8 for i in range(n)], dtype=np.float32)]
    add("batch_hard/euclidean/margin_0.5", {"loss": "BatchHardTripletLoss", "loss.margin": "0.5", "matryoshka_dims": dims},
        9, 16, 1, labels=classes, maker=clustered)
    add("batch_all/cosine/margin_0.2", {"loss": "BatchAllTripletLoss", "loss.distance_metric": "cosine",
                                        "loss.margin": "0.2", "matryoshka_dims": dims}, 9, 16, 1, labels=classes,
        maker=clustered)

    add("contrastive/cosine/margin_0.5", {"loss": "ContrastiveLoss", "matryoshka_dims": dims}, 8, 16, 2, labels=binary)
    add("contrastive/euclidean/margin_1", {"loss": "ContrastiveLoss", "loss.distance_metric": "euclidean",
                                           "loss.margin": "1", "matryoshka_dims": dims}, 8, 16, 2, labels=binary)
    add("online_contrastive/cosine", {"loss": "OnlineContrastiveLoss", "loss.margin": "0.8", "matryoshka_dims": dims},
        8, 16, 2, labels=binary)
    add("cosine_similarity/scores", {"loss": "CosineSimilarityLoss", "matryoshka_dims": dims}, 8, 16, 2, labels=scores)

    # gradient-caching inner losses: every dimension is normalised from the raw embeddings
    CM = "CachedMultipleNegativesRankingLoss"
    add("cached_mnrl/mbs_3/dims_16_8_4", {"loss": CM, "loss.mini_batch_size": "3", "matryoshka_dims": dims}, 8, 16, 2)
    add("cached_mnrl/mbs_4/weights/3_columns", {"loss": CM, "loss.mini_batch_size": "4", "loss.scale": "10",
                                                "matryoshka_dims": dims, "matryoshka_weights": "0.5,1,2"}, 8, 16, 3)
    add("cached_mnrl/mbs_3/zero_prefix_4", {"loss": CM, "loss.mini_batch_size": "3", "loss.scale": "1e-10",
                                            "matryoshka_dims": dims}, 6, 16, 2, edit=zero_prefix([(0, 1), (1, 3)], 4))
    MB = "MegaBatchMarginLoss"
    add("megabatch/mini_batched/mbs_3", {"loss": MB, "loss.mini_batch_size": "3", "matryoshka_dims": dims}, 8, 16, 2)
    add("megabatch/not_mini_batched", {"loss": MB, "loss.use_mini_batched_version": "false", "matryoshka_dims": dims},
        8, 16, 2)

    # teacher embeddings as wide as the model are cut to each dimension (not normalised)
    teacher = lambda r, n, d, xs: normal(r, n, d, 0.3)
    add("mse/teacher_width_16/cut", {"loss": "MSELoss", "matryoshka_dims": dims}, 8, 16, 1, labels=teacher)
    add("mse/teacher_width_16/2_columns", {"loss": "MSELoss", "matryoshka_dims": "16,8"}, 6, 16, 2, labels=teacher)

    add("softmax/full_width_only", {"loss": "SoftmaxLoss", "matryoshka_dims": "12"}, 8, 12, 2, labels=classes)
    add("softmax/full_width_twice/weights_1_0.5", {"loss": "SoftmaxLoss", "matryoshka_dims": "12,12",
                                                   "matryoshka_weights": "1,0.5"}, 8, 12, 2, labels=classes)

    def gist(name, params, n, d, gd, cols):
        r = rng_for(name)
        xs = retrieval(r, n, d, cols)
        w = r.standard_normal((d, gd)) / math.sqrt(d)
        gs = [(x.astype(np.float64) @ w + r.standard_normal((n, gd)) * 0.3).astype(np.float32) for x in xs]
        case(name, params, xs, None, guides=gs)
    gist("gist/dims_16_8_4/guide_not_cut", {"loss": "GISTEmbedLoss", "matryoshka_dims": dims}, 8, 16, 6, 2)
    gist("gist/temperature_0.05/3_columns", {"loss": "GISTEmbedLoss", "loss.temperature": "0.05",
                                             "matryoshka_dims": "16,8"}, 8, 16, 16, 3)

    r = rng_for("rejected")
    xs = retrieval(r, 6, 8, 2)
    rejected("rejected/dim_larger_than_model", {"loss": M, "matryoshka_dims": "16,8"}, xs)
    rejected("rejected/dim_0", {"loss": M, "matryoshka_dims": "8,0"}, xs)
    rejected("rejected/dims_empty", {"loss": M, "matryoshka_dims": ""}, xs)
    rejected("rejected/weights_length", {"loss": M, "matryoshka_dims": "8,4", "matryoshka_weights": "1,1,1"}, xs)
    rejected("rejected/gor_returns_terms", {"loss": "GlobalOrthogonalRegularizationLoss", "matryoshka_dims": "8,4"}, xs)
    rejected("rejected/softmax_classifier_narrower_dim", {"loss": "SoftmaxLoss", "matryoshka_dims": "8,4"}, xs,
             np.asarray([0, 1, 2, 0, 1, 2], dtype=np.int64))


def main():
    global TOKENIZER
    check_provenance()
    warnings.simplefilter("ignore")
    for name in ("sentence_transformers", "transformers"):
        logging.getLogger(name).setLevel(logging.ERROR)
    torch.manual_seed(BASE_SEED)
    torch.set_num_threads(1)
    TOKENIZER = make_tokenizer()
    build_cases()
    for group in (CASES, REJECTED):
        dupes = [n for n, k in Counter(c["name"] for c in group).items() if k > 1]
        if dupes:
            sys.exit("duplicate case names: %s" % dupes)
    lines = [json.dumps(run_case(c), allow_nan=False, separators=(",", ":")) for c in CASES]
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in lines))
    refused = [json.dumps(run_rejected(c), allow_nan=False, separators=(",", ":")) for c in REJECTED]
    with open(REJECTED_PATH, "w", encoding="utf-8") as f:
        f.write("".join(line + "\n" for line in refused))
    per_inner = Counter(c["params"]["loss"] for c in CASES)
    print("wrote %d cases to %s (%.2f MB)" % (len(lines), OUT_PATH, os.path.getsize(OUT_PATH) / 1e6))
    for name, count in sorted(per_inner.items()):
        print("  %-40s %3d" % (name, count))
    print("wrote %d refused configurations to %s" % (len(refused), REJECTED_PATH))


if __name__ == "__main__":
    main()
