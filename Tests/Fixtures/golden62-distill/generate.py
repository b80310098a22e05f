#!/usr/bin/env python3
"""Golden cases for LossLab's distillation and contrastive-tension losses, computed by the REAL
sentence-transformers 6.2.0 classes (MarginMSELoss, DistillKLDivLoss, EmbedDistillLoss,
ContrastiveTensionLoss, ContrastiveTensionLossInBatchNegatives) on PyTorch CPU in float64.

    CUDA_VISIBLE_DEVICES="" HF_HUB_OFFLINE=1 ~/st62/bin/python Tests/Fixtures/golden62-distill/generate.py

writes cases.jsonl (the format of Tests/Fixtures/golden62-new/cases.jsonl, see its NOTES.md)
and rejected.jsonl (configurations 6.2.0 refuses) next to this file. Nothing here computes a
loss: a stand-in encoder hands each loss the case's embeddings as float64 leaf tensors.

Conventions, as in golden62-new: inputs drawn as float32 and written exactly; labels are float32
values, fed as float32 torch tensors (what the 6.2.0 collator makes of a list of floats), so
MarginMSELoss's score differences run in float32 as in real use; DistillKLDivLoss's are fed as
float64 tensors (dtype "float64" in the case; see `label_dtype`); owned weights (EmbedDistillLoss's projection,
ContrastiveTensionLossInBatchNegatives's logit_scale) are float32 values installed into the
loss, which is then converted to float64 (`loss.double()`), and their gradients are written
under expected.grad_weights. Non-finite numbers are the strings "nan", "inf", "-inf".

The contrastive-tension losses build model1 as a deep copy of the model. For
ContrastiveTensionLoss column 0 goes to model1 and column 1 to model2, as its forward does. For
the in-batch version 6.2.0 feeds sentence_features[0] to both models, so the generator passes
one feature dict holding both columns and points the copy (model1) at column 0 and the model
(model2) at column 1: column 0 is model 1's embeddings, column 1 model 2's, of the same texts.
"""

import base64
import copy
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
from torch import nn

import sentence_transformers
from sentence_transformers import util
from sentence_transformers.sentence_transformer import losses

BASE_SEED = 20261201
REFERENCE_VERSION = "6.2.0"
HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE_FILES = [
    "sentence_transformer/losses/margin_mse.py",
    "sentence_transformer/losses/distill_kl_div.py",
    "sentence_transformer/losses/embed_distill.py",
    "sentence_transformer/losses/contrastive_tension.py",
    "base/losses/merged_forward.py",
    "util/similarity.py",
    "util/misc.py",
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
    for rel in REFERENCE_FILES:
        with open(os.path.join(pkg, rel), "rb") as f:
            digest = base64.urlsafe_b64encode(hashlib.sha256(f.read()).digest()).rstrip(b"=").decode()
        if hashes.get("sentence_transformers/" + rel) != digest:
            sys.exit("installed %s differs from the 6.2.0 wheel RECORD" % rel)
    print("sentence_transformers %s, torch %s: %d reference files match the wheel RECORD"
          % (sentence_transformers.__version__, torch.__version__, len(REFERENCE_FILES)))


class StandIn(nn.Module):
    """forward(features) returns features[key] as the sentence embedding."""

    def __init__(self, key, dim):
        super().__init__()
        self.key = key
        self.dim = dim

    @property
    def device(self):
        return torch.device("cpu")

    def get_embedding_dimension(self):
        return self.dim

    def forward(self, features):
        return {"sentence_embedding": features[self.key]}


SIMILARITIES = {n: getattr(util, n) for n in (
    "cos_sim", "dot_score", "euclidean_sim", "manhattan_sim", "pairwise_cos_sim", "pairwise_dot_score",
    "pairwise_euclidean_sim", "pairwise_manhattan_sim", "pairwise_angle_sim")}


def similarity(s):
    return SIMILARITIES[s.strip()]


def optional_float(s):
    return None if s.strip().lower() == "none" else float(s)


def optional_int(s):
    return None if s.strip().lower() == "none" else int(s)


PARSERS = {
    "MarginMSELoss": {"similarity_fct": similarity},
    "DistillKLDivLoss": {"similarity_fct": similarity, "temperature": float,
                         "student_temperature": optional_float, "teacher_temperature": optional_float},
    "EmbedDistillLoss": {"distance_metric": str, "projection_dim": optional_int},
    "ContrastiveTensionLoss": {},
    "ContrastiveTensionLossInBatchNegatives": {"scale": float, "similarity_fct": similarity},
}


def num(x):
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def tensor_json(a):
    a = np.asarray(a)
    return OrderedDict([("shape", list(a.shape)), ("data", [num(v) for v in a.reshape(-1).tolist()])])


def rng_for(name):
    return np.random.default_rng([BASE_SEED, zlib.crc32(name.encode())])


def normal(r, *shape, scale=1.0):
    return (r.standard_normal(shape) * scale).astype(np.float32)


def label_dtype(loss_name):
    """DistillKLDivLoss's teacher scores are fed as float64 tensors: on a float32 tensor PyTorch's
    softmax uses an approximate vectorised exp (about 1e-7 relative), which no other code
    reproduces bit for bit; with float64 the cases test the loss's own arithmetic to 1e-9.
    `check_float32_labels` confirms the float32 run agrees to 1e-6."""
    return torch.float64 if loss_name == "DistillKLDivLoss" else torch.float32


def evaluate(loss_name, params, inputs, labels, weights):
    """Builds the real loss, runs forward and backward once; returns loss, input grads, weight grads."""
    kwargs = {k: PARSERS[loss_name][k](v) for k, v in params.items()}
    dim = inputs[0].shape[1]
    model = StandIn("emb", dim)
    loss = getattr(losses, loss_name)(model, **kwargs)
    leaves = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in inputs]
    labels_t = None if labels is None else torch.tensor(labels, dtype=label_dtype(loss_name))
    owned = {}
    if loss_name == "EmbedDistillLoss" and loss.projection is not None:
        owned = {"projection.weight": loss.projection.weight, "projection.bias": loss.projection.bias}
    if loss_name == "ContrastiveTensionLossInBatchNegatives":
        owned = {"logit_scale": loss.logit_scale}
    with torch.no_grad():
        for name, value in weights.items():
            owned[name].copy_(torch.tensor(value))
    loss.double()
    if loss_name == "ContrastiveTensionLossInBatchNegatives":
        assert loss.model2 is model and loss.model1 is not model
        loss.model2.key = "emb1"   # model 2: column 1; model 1 (the deep copy): column 0
        features = [{"emb": leaves[0], "emb1": leaves[1]}]
    else:
        features = [{"emb": leaf} for leaf in leaves]
        if loss_name == "ContrastiveTensionLoss":
            assert loss.model2 is model and loss.model1 is not model
    out = loss(features, labels_t)
    if out.requires_grad:
        out.backward()
    grads = [(t.grad if t.grad is not None else torch.zeros_like(t)).numpy().copy() for t in leaves]
    weight_grads = OrderedDict()
    if loss_name == "EmbedDistillLoss" and loss.projection is not None:
        weight_grads["projection.weight"] = loss.projection.weight.grad.numpy().copy()
        weight_grads["projection.bias"] = loss.projection.bias.grad.numpy().copy()
    if loss_name == "ContrastiveTensionLossInBatchNegatives":
        weight_grads["logit_scale"] = loss.logit_scale.grad.numpy().copy()
    return out.item(), grads, weight_grads


CASES, REJECTED = [], []


def case(name, loss_name, params, inputs, labels=None, weights=None):
    CASES.append(dict(name=name, loss=loss_name, params=params, inputs=inputs, labels=labels, weights=weights or {}))


def rejected(name, loss_name, params, inputs, labels=None):
    REJECTED.append(dict(name=name, loss=loss_name, params=params, inputs=inputs, labels=labels))


def run_case(c):
    value, grads, weight_grads = evaluate(c["loss"], c["params"], c["inputs"], c["labels"], c["weights"])
    labels = c["labels"]
    if c["loss"] == "DistillKLDivLoss":
        check_float32_labels(c, value)
    return OrderedDict([
        ("name", c["name"]), ("loss", c["loss"]), ("reference", REFERENCE_VERSION), ("params", OrderedDict(c["params"])),
        ("inputs", [tensor_json(a) for a in c["inputs"]]),
        ("labels", None if labels is None else OrderedDict([("dtype", "float64" if c["loss"] == "DistillKLDivLoss" else "float32"), ("shape", list(labels.shape)),
                                                            ("data", [num(v) for v in labels.reshape(-1).tolist()])])),
        ("weights", OrderedDict((k, tensor_json(v)) for k, v in c["weights"].items())),
        ("expected", OrderedDict([("loss", num(value)), ("grad_inputs", [tensor_json(g) for g in grads]),
                                  ("grad_weights", OrderedDict((k, tensor_json(v)) for k, v in weight_grads.items()))])),
    ])


def check_float32_labels(c, value):
    kwargs = {k: PARSERS[c["loss"]][k](v) for k, v in c["params"].items()}
    loss = losses.DistillKLDivLoss(StandIn("emb", c["inputs"][0].shape[1]), **kwargs)
    features = [{"emb": torch.tensor(a.astype(np.float64))} for a in c["inputs"]]
    single = loss(features, torch.tensor(c["labels"])).item()
    if not (math.isnan(single) and math.isnan(value)) and abs(single - value) > 1e-6 * max(1, abs(value)):
        raise RuntimeError("%s: float32 teacher scores give %r, float64 %r" % (c["name"], single, value))


def run_rejected(c):
    try:
        evaluate(c["loss"], c["params"], c["inputs"], c["labels"], {})
    except (ValueError, TypeError, RuntimeError, IndexError) as e:
        return OrderedDict([("name", c["name"]), ("loss", c["loss"]), ("reference", REFERENCE_VERSION),
                            ("params", OrderedDict(c["params"])), ("input_shapes", [list(a.shape) for a in c["inputs"]]),
                            ("labels", "none" if c["labels"] is None else "float32%s" % list(c["labels"].shape)),
                            ("error", type(e).__name__), ("message", str(e).strip().splitlines()[0])])
    raise RuntimeError("%s: expected 6.2.0 to refuse this" % c["name"])


# ---- MarginMSELoss ----------------------------------------------------------------

def margin_mse_cases():
    L = "MarginMSELoss"

    def add(suffix, n, d, negatives, layout, params=None, edit=None):
        name = "margin_mse/" + suffix
        r = rng_for(name)
        xs = [normal(r, n, d) for _ in range(2 + negatives)]
        if layout == "scores":           # the teacher's score of the positive and of every negative
            labels = normal(r, n, 1 + negatives, scale=3.0)
        elif layout == "margins":        # (B, n_neg) margins
            labels = normal(r, n, negatives, scale=2.0)
        else:                            # (B,) margins, one negative
            labels = normal(r, n, scale=2.0)
        if edit:
            edit(xs, labels)
        case(name, L, params or {}, xs, labels)

    add("default/1_negative/margins_1d", 8, 4, 1, "flat")
    add("default/1_negative/margins_2d", 8, 4, 1, "margins")
    add("default/1_negative/teacher_scores", 8, 4, 1, "scores")
    add("default/3_negatives/margins", 6, 5, 3, "margins")
    add("default/3_negatives/teacher_scores", 6, 5, 3, "scores")
    add("default/2_negatives/teacher_scores/large_32x16", 32, 16, 2, "scores")
    for sim in ("pairwise_cos_sim", "pairwise_euclidean_sim", "pairwise_manhattan_sim", "pairwise_angle_sim"):
        add("%s/2_negatives/teacher_scores" % sim, 7, 5, 2, "scores", {"similarity_fct": sim})
        add("%s/1_negative/margins_1d" % sim, 6, 4, 1, "flat", {"similarity_fct": sim})
    add("pairwise_dot_score/explicit/2_negatives/margins", 5, 3, 2, "margins", {"similarity_fct": "pairwise_dot_score"})

    def float32_difference(xs, labels):
        labels[:, 0] = np.float32(0.7)      # 0.7f - 0.1f in float32 differs from the float64 difference
        labels[:, 1] = np.float32(0.1)
    add("teacher_scores/float32_difference", 4, 3, 1, "scores", edit=float32_difference)

    def exact(xs, labels):
        s = lambda a, b: (a.astype(np.float64) * b).sum(1)
        labels[:] = (s(xs[0], xs[1]) - s(xs[0], xs[2])).astype(np.float32)
    add("margins_equal_student/near_zero", 5, 3, 1, "flat", edit=exact)

    def zero_rows(xs, labels):
        xs[0][1] = 0
        xs[2][3] = 0
    add("pairwise_cos_sim/zero_rows", 5, 4, 1, "scores", {"similarity_fct": "pairwise_cos_sim"}, edit=zero_rows)
    add("single_row/2_negatives", 1, 4, 2, "scores")

    r = rng_for("rejected/margin_mse")
    xs = [normal(r, 4, 3) for _ in range(3)]
    rejected("margin_mse/labels_3_per_row_for_1_negative", L, {}, xs, normal(r, 4, 3))


# ---- DistillKLDivLoss ---------------------------------------------------------------

def distill_kl_cases():
    L = "DistillKLDivLoss"

    def add(suffix, n, d, candidates, params=None, spread=2.0, edit=None):
        name = "distill_kl/" + suffix
        r = rng_for(name)
        xs = [normal(r, n, d) for _ in range(1 + candidates)]
        labels = normal(r, n, candidates, scale=spread)
        if edit:
            edit(xs, labels)
        case(name, L, params or {}, xs, labels)

    add("default/2_candidates", 8, 4, 2)
    add("default/4_candidates", 6, 5, 4)
    add("default/3_candidates/large_32x16", 32, 16, 3)
    add("temperature_2", 6, 4, 3, {"temperature": "2"})
    add("temperature_0.5", 6, 4, 3, {"temperature": "0.5"})
    add("student_temperature_3", 6, 4, 3, {"student_temperature": "3"})
    add("teacher_temperature_0.25", 6, 4, 3, {"teacher_temperature": "0.25"})
    add("temperature_2/student_0.5/teacher_4", 6, 4, 3, {"temperature": "2", "student_temperature": "0.5",
                                                       "teacher_temperature": "4"})
    add("student_temperature_none/teacher_temperature_none", 5, 4, 2,
        {"student_temperature": "none", "teacher_temperature": "none", "temperature": "1.5"})
    for sim in ("pairwise_cos_sim", "pairwise_euclidean_sim", "pairwise_manhattan_sim", "pairwise_angle_sim"):
        add(sim + "/3_candidates", 6, 5, 3, {"similarity_fct": sim, "temperature": "0.2" if sim != "pairwise_manhattan_sim" else "1"})

    def minus_inf(xs, labels):
        labels[0, 2] = -np.inf
        labels[3, 1] = -np.inf
        labels[3, 2] = -np.inf
    add("teacher_minus_inf/excluded_candidates", 5, 4, 3, edit=minus_inf)

    def all_minus_inf(xs, labels):
        labels[1, :] = -np.inf
    add("teacher_minus_inf/whole_row_nan", 4, 3, 3, edit=all_minus_inf)

    def plus_inf(xs, labels):
        labels[2, 0] = np.inf
    add("teacher_plus_inf/row_nan", 4, 3, 3, edit=plus_inf)

    def underflow(xs, labels):
        labels[:, 0] = 0
        labels[:, 1] = -200
    add("teacher_underflow/probability_0", 4, 3, 2, edit=underflow)
    add("sharp_teacher/spread_30", 6, 4, 3, spread=30.0)
    add("single_row", 1, 4, 3)

    r = rng_for("rejected/distill_kl")
    xs = [normal(r, 4, 3) for _ in range(3)]
    rejected("distill_kl/2_columns", L, {}, xs[:2], normal(r, 4, 1))
    rejected("distill_kl/labels_wrong_width", L, {}, xs, normal(r, 4, 3))
    rejected("distill_kl/temperature_0", L, {"temperature": "0"}, xs, normal(r, 4, 2))
    rejected("distill_kl/student_temperature_negative", L, {"student_temperature": "-1"}, xs, normal(r, 4, 2))
    # (A NaN teacher score, which 6.2.0 refuses, is a Swift test: this file's labels are random.)


# ---- EmbedDistillLoss -----------------------------------------------------------------

def embed_distill_cases():
    L = "EmbedDistillLoss"

    def add(suffix, n, d, cols, params=None, teacher="2d", teacher_dim=None, edit=None):
        name = "embed_distill/" + suffix
        r = rng_for(name)
        xs = [normal(r, n, d) for _ in range(cols)]
        width = teacher_dim or d
        labels = normal(r, n, width) if teacher == "2d" else normal(r, n, cols, width)
        weights = {}
        p = (params or {}).get("projection_dim", "none")
        if p != "none":
            bound = 1 / math.sqrt(d)
            weights = {"projection.weight": r.uniform(-bound, bound, (int(p), d)).astype(np.float32),
                       "projection.bias": r.uniform(-bound, bound, (int(p),)).astype(np.float32)}
        if edit:
            edit(xs, labels)
        case(name, L, params or {}, xs, labels, weights)

    for metric in ("mse", "l2", "cosine"):
        ps = {"distance_metric": metric}
        add(metric + "/1_column", 8, 4, 1, ps)
        add(metric + "/3_columns/shared_teacher", 6, 5, 3, ps)
        add(metric + "/2_columns/teacher_3d", 6, 4, 2, ps, teacher="3d")
        add(metric + "/projection_dim_6/1_column", 5, 4, 1, dict(ps, projection_dim="6"), teacher_dim=6)
        add(metric + "/projection_dim_3/3_columns/teacher_3d", 4, 5, 3, dict(ps, projection_dim="3"), teacher="3d",
            teacher_dim=3)
        add(metric + "/projection_dim_2/2_columns/shared_teacher", 6, 4, 2, dict(ps, projection_dim="2"), teacher_dim=2)

        def same_row(xs, labels):
            labels[2] = xs[0][2]       # a student row equal to its teacher: zero distance
        add(metric + "/row_equals_teacher", 5, 4, 1, ps, edit=same_row)

        def zero_row(xs, labels):
            xs[0][1] = 0
        add(metric + "/zero_student_row", 5, 4, 1, ps, edit=zero_row)
    add("default_cosine/2_columns", 6, 4, 2)
    add("default_cosine/large_32x16/2_columns", 32, 16, 2)
    add("projection_dim_none/explicit", 5, 4, 1, {"projection_dim": "none", "distance_metric": "l2"})

    r = rng_for("rejected/embed_distill")
    xs = [normal(r, 4, 3) for _ in range(2)]
    rejected("embed_distill/unknown_metric", L, {"distance_metric": "dot"}, xs, normal(r, 4, 3))
    rejected("embed_distill/teacher_3d_wrong_columns", L, {}, xs, normal(r, 4, 3, 3))


# ---- contrastive tension ---------------------------------------------------------------

def contrastive_tension_cases():
    L = "ContrastiveTensionLoss"

    def add(suffix, n, d, scale=1.0, labels_maker=None, edit=None):
        name = "ct/" + suffix
        r = rng_for(name)
        a = normal(r, n, d, scale=scale)
        b = normal(r, n, d, scale=scale)
        labels = labels_maker(r, n) if labels_maker else np.array([1.0 if i % 4 == 0 else 0.0 for i in range(n)], np.float32)
        if edit:
            edit(a, b)
        case(name, L, {}, [a, b], labels)

    add("default/8_pairs_1_in_4_positive", 8, 4)
    add("default/large_32x16", 32, 16, scale=0.5)
    add("all_positive", 6, 4, labels_maker=lambda r, n: np.ones(n, np.float32))
    add("all_negative", 6, 4, labels_maker=lambda r, n: np.zeros(n, np.float32))
    add("large_scores/stable_log_sigmoid", 6, 8, scale=4.0)
    add("soft_labels", 6, 4, labels_maker=lambda r, n: r.uniform(0, 1, n).astype(np.float32))

    def identical(a, b):
        b[0] = a[0]
    add("positive_identical_rows", 8, 4, edit=identical)
    add("single_pair", 1, 4, labels_maker=lambda r, n: np.ones(n, np.float32))

    L = "ContrastiveTensionLossInBatchNegatives"

    def add_ib(suffix, n, d, params=None, logit_scale=None, edit=None):
        name = "ct_in_batch/" + suffix
        r = rng_for(name)
        a = normal(r, n, d)
        b = (a + normal(r, n, d, scale=0.5)).astype(np.float32)
        if edit:
            edit(a, b)
        weights = {} if logit_scale is None else {"logit_scale": np.array(logit_scale, dtype=np.float32)}
        case(name, L, params or {}, [a, b], None, weights)

    add_ib("default/initial_logit_scale", 8, 4)
    add_ib("default/large_32x16", 32, 16)
    add_ib("scale_5", 6, 4, {"scale": "5"})
    add_ib("scale_1", 6, 4, {"scale": "1"})
    add_ib("logit_scale_trained_1.25", 6, 4, logit_scale=1.25)
    add_ib("logit_scale_trained_0", 6, 4, logit_scale=0.0)
    for sim in ("dot_score", "euclidean_sim", "manhattan_sim"):
        add_ib(sim, 6, 4, {"similarity_fct": sim, "scale": "1"})
    add_ib("cos_sim/explicit/scale_30", 7, 5, {"similarity_fct": "cos_sim", "scale": "30"})

    def zero_row(a, b):
        a[2] = 0
    add_ib("cos_sim/zero_row", 5, 4, edit=zero_row)
    add_ib("single_row", 1, 4)


def main():
    if os.environ.get("PYTHONHASHSEED") != "0":
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
    check_provenance()
    warnings.simplefilter("ignore")
    logging.getLogger("sentence_transformers").setLevel(logging.ERROR)
    torch.set_num_threads(1)
    margin_mse_cases()
    distill_kl_cases()
    embed_distill_cases()
    contrastive_tension_cases()
    for group in (CASES, REJECTED):
        dupes = [n for n, k in Counter(c["name"] for c in group).items() if k > 1]
        if dupes:
            sys.exit("duplicate case names: %s" % dupes)
    per_loss = Counter(c["loss"] for c in CASES)
    with open(os.path.join(HERE, "cases.jsonl"), "w", encoding="utf-8") as f:
        for c in CASES:
            f.write(json.dumps(run_case(c), allow_nan=False, separators=(",", ":")) + "\n")
    with open(os.path.join(HERE, "rejected.jsonl"), "w", encoding="utf-8") as f:
        for c in REJECTED:
            f.write(json.dumps(run_rejected(c), allow_nan=False, separators=(",", ":")) + "\n")
    print("wrote %d cases (%s), %d refused configurations"
          % (len(CASES), ", ".join("%s %d" % kv for kv in per_loss.items()), len(REJECTED)))


if __name__ == "__main__":
    main()
