#!/usr/bin/env python3
"""Golden-fixture generator for the losses LossLab adds from sentence-transformers 6.2.0.

Runs the REAL 6.2.0 loss classes (CoSENTLoss, AnglELoss, MultipleNegativesRankingLoss,
MultipleNegativesSymmetricRankingLoss, their Cached* GradCache variants, GISTEmbedLoss,
CachedGISTEmbedLoss and GlobalOrthogonalRegularizationLoss) on PyTorch (CPU, float64) and
writes one JSON object per case to cases.jsonl next to this file. Nothing here computes a loss
itself: the only code of ours between the inputs and the numbers is a pair of stand-in
encoders that hand the losses precomputed embeddings (see "stand-in encoders" below).

Configurations the reference refuses (it raises while constructing the loss or while computing
it) are written to rejected.jsonl instead, with the exception type and message, so that LossLab
can refuse the same settings.

Environment (nothing here is needed by CI, the output files are committed):

    sentence-transformers 6.2.0 installed in a venv, e.g. ~/st62, with its own torch
    CUDA_VISIBLE_DEVICES="" HF_HUB_OFFLINE=1 ~/st62/bin/python Tests/Fixtures/golden62-new/generate.py

Tested with torch 2.15.0, numpy 2.4.6, transformers 5.24.0, Python 3.11.

Provenance: the script refuses to run unless sentence_transformers.__version__ is "6.2.0", and
it checks the sha256 of every reference source file it depends on against the RECORD file of
the installed wheel (so a locally edited install is detected).

Conventions of the output (the same as Tests/Fixtures/golden/cases.jsonl, extended):
  * every case has "reference": "6.2.0";
  * inputs are drawn as float32 and written exactly (float(x) of a float32); the computation
    uses float64 leaf tensors made from those values;
  * torch's default dtype stays float32, as in real use, so reference-internal constants made
    without an explicit dtype are float32 (e.g. AnglE's default labels, torch.ones);
  * labels are float32 (or int64) torch tensors, as the 6.2.0 data collator makes them with
    torch.tensor(list_of_floats); a case without a label column passes labels=None, as the
    6.2.0 trainer does;
  * "params" holds the strings a user passes as --set name=value (lists comma-joined,
    booleans true/false, literals as plain strings, similarity functions by util name,
    "none" for a Python None);
  * "guides" (GIST losses only): one array per input column, the guide model's embeddings of
    the same texts (the guide dimension may differ from the model's); float32 values written
    exactly, fed to the loss as float64 tensors, like the inputs;
  * "expected": {"loss", "grad_inputs" (one per input column, zeros where no gradient),
    "grad_weights" (always {} here)}, plus "terms" for GlobalOrthogonalRegularizationLoss,
    which returns a dict of terms; "loss" is then their sum (as the 6.2.0 trainer sums them)
    and the gradients are those of the sum;
  * non-finite numbers are written as the strings "nan", "inf", "-inf";
  * every case uses its own random generator seeded from BASE_SEED and its name, so the file
    is deterministic and adding a case does not change the others.

Self-checks run on every case (nothing of them is written out):
  * Cached* losses: the stand-in encoder counts its calls, and the count must show the real
    GradCache path ran (a no-grad pass per mini-batch and a replay with gradients per
    mini-batch); their loss and gradients must also agree (to 1e-9 relative) with the
    non-cached loss of the same settings;
  * the deprecated *Symmetric* losses must agree with MultipleNegativesRankingLoss with
    directions=query_to_doc,doc_to_query and partition_mode=per_direction;
  * GIST losses: no guide similarity may lie within 1e-7 of its masking threshold unless it
    equals the threshold exactly (a deliberate tie from duplicated guide rows), and the loss
    must be bit-identical when the guides are fed as float32 instead of float64, so the
    fixtures do not depend on the guide's precision;
  * CoSENT / AnglE: the loss must be the same when the labels are float64 instead of float32,
    unless the case is marked as depending on the float32 label arithmetic.
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
from torch import nn

import sentence_transformers
from sentence_transformers import util
from sentence_transformers.sentence_transformer import losses

BASE_SEED = 20260620
REFERENCE_VERSION = "6.2.0"
HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "cases.jsonl")
REJECTED_PATH = os.path.join(HERE, "rejected.jsonl")

# Every reference source file whose code runs for these fixtures.
REFERENCE_FILES = [
    "sentence_transformer/losses/cosent.py",
    "sentence_transformer/losses/angle.py",
    "sentence_transformer/losses/multiple_negatives_ranking.py",
    "sentence_transformer/losses/multiple_negatives_symmetric_ranking.py",
    "sentence_transformer/losses/cached_multiple_negatives_ranking.py",
    "sentence_transformer/losses/cached_multiple_negatives_symmetric_ranking.py",
    "sentence_transformer/losses/gist_embed.py",
    "sentence_transformer/losses/cached_gist_embed.py",
    "sentence_transformer/losses/global_orthogonal_regularization.py",
    "base/losses/gradcache.py",
    "base/losses/merged_forward.py",
    "util/similarity.py",
    "util/tensor.py",
    "util/distributed.py",
]


# --------------------------------------------------------------------------
# provenance
# --------------------------------------------------------------------------

def check_provenance():
    if sentence_transformers.__version__ != REFERENCE_VERSION:
        sys.exit("need sentence-transformers %s, found %s" % (REFERENCE_VERSION, sentence_transformers.__version__))
    pkg = os.path.dirname(sentence_transformers.__file__)
    print("sentence_transformers %s from %s" % (sentence_transformers.__version__, pkg))
    print("torch %s, numpy %s" % (torch.__version__, np.__version__))
    record = os.path.join(os.path.dirname(pkg), "sentence_transformers-%s.dist-info" % REFERENCE_VERSION, "RECORD")
    if not os.path.isfile(record):
        sys.exit("no wheel RECORD at %s; cannot check the installed reference files" % record)
    hashes = {}
    with open(record, newline="") as f:
        for row in csv.reader(f):
            if len(row) >= 2 and row[1].startswith("sha256="):
                hashes[row[0]] = row[1][len("sha256="):]
    bad = []
    for rel in REFERENCE_FILES:
        key = "sentence_transformers/" + rel
        with open(os.path.join(pkg, rel), "rb") as f:
            digest = base64.urlsafe_b64encode(hashlib.sha256(f.read()).digest()).rstrip(b"=").decode()
        if hashes.get(key) != digest:
            bad.append(rel)
    if bad:
        sys.exit("installed files differ from the 6.2.0 wheel RECORD: %s" % ", ".join(bad))
    print("the %d reference files used match the wheel's RECORD hashes" % len(REFERENCE_FILES))


# --------------------------------------------------------------------------
# stand-in encoders
# --------------------------------------------------------------------------

def make_tokenizer():
    """A real transformers fast tokenizer (one-word vocabulary, built offline). GIST losses
    insist that model and guide carry a PreTrainedTokenizerBase; model and guide share this
    instance, so the vocabularies are equal and no re-tokenization happens."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerBase, PreTrainedTokenizerFast

    tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab={"[UNK]": 0}, unk_token="[UNK]")))
    assert isinstance(tok, PreTrainedTokenizerBase)
    return tok


class StandInEncoder(nn.Module):
    """Stands in for a SentenceTransformer: forward(features) returns features[key] as the
    sentence embedding. A feature dict holds "emb" (a float64 leaf tensor of the case's input
    column) and, for GIST cases, "guide" (that column's guide embeddings, no gradient). The
    model reads "emb", the guide reads "guide".

    The reference slices the feature dicts row-wise for the cached losses (gradcache
    _create_minibatch slices every tensor value along dim 0), so a mini-batch forward returns
    exactly the rows of the leaf for that mini-batch, and the replay-with-gradients pass of
    GradCache back-propagates the cached gradients into the leaf. `calls` records every
    forward (rows, grad enabled) so the cached path can be verified.

    `__getitem__(0)` exists because the cached losses inspect model[0] for a StaticEmbedding;
    `tokenizer` and `max_seq_length` exist because the GIST losses compare model and guide
    tokenizers."""

    def __init__(self, key, tokenizer):
        super().__init__()
        self.key = key
        self.tokenizer = tokenizer
        self.max_seq_length = 512
        self.first_module = nn.Identity()
        self.calls = []

    def __getitem__(self, index):
        if index != 0:
            raise IndexError(index)
        return self.first_module

    def forward(self, features):
        x = features[self.key]
        self.calls.append((int(x.shape[0]), torch.is_grad_enabled()))
        return {"sentence_embedding": x}


# --------------------------------------------------------------------------
# parameter strings -> reference objects
# --------------------------------------------------------------------------

def parse_bool(s):
    v = s.strip().lower()
    if v == "true":
        return True
    if v == "false":
        return False
    raise ValueError("bad bool %r" % s)


SIMILARITIES = {name: getattr(util, name) for name in (
    "cos_sim", "dot_score", "euclidean_sim", "manhattan_sim",
    "pairwise_cos_sim", "pairwise_dot_score", "pairwise_euclidean_sim", "pairwise_manhattan_sim",
    "pairwise_angle_sim")}


def parse_similarity(s):
    k = s.strip()
    if k.startswith("util."):
        k = k[len("util."):]
    if k not in SIMILARITIES:
        raise ValueError("unknown similarity %r" % s)
    return SIMILARITIES[k]


def parse_list(s):
    return tuple(part.strip() for part in s.split(",") if part.strip())


def parse_optional_literal(s):
    return None if s.strip().lower() == "none" else s.strip()


def parse_optional_float(s):
    return None if s.strip().lower() == "none" else float(s)


def parse_literal(s):
    return s.strip()


MNRL_PARAMS = {"scale": float, "similarity_fct": parse_similarity, "gather_across_devices": parse_bool,
               "directions": parse_list, "partition_mode": parse_literal,
               "hardness_mode": parse_optional_literal, "hardness_strength": float}
MNSRL_PARAMS = {"scale": float, "similarity_fct": parse_similarity, "gather_across_devices": parse_bool}
GIST_PARAMS = {"temperature": float, "margin_strategy": parse_literal, "margin": float,
               "contrast_anchors": parse_bool, "contrast_positives": parse_bool,
               "gather_across_devices": parse_bool}

PARAM_PARSERS = {
    "CoSENTLoss": {"scale": float, "similarity_fct": parse_similarity},
    "AnglELoss": {"scale": float},
    "MultipleNegativesRankingLoss": MNRL_PARAMS,
    "MultipleNegativesSymmetricRankingLoss": MNSRL_PARAMS,
    "CachedMultipleNegativesRankingLoss": dict(MNRL_PARAMS, mini_batch_size=int),
    "CachedMultipleNegativesSymmetricRankingLoss": dict(MNSRL_PARAMS, mini_batch_size=int),
    "GISTEmbedLoss": GIST_PARAMS,
    "CachedGISTEmbedLoss": dict(GIST_PARAMS, mini_batch_size=int),
    "GlobalOrthogonalRegularizationLoss": {"similarity_fct": parse_similarity,
                                           "mean_weight": parse_optional_float,
                                           "second_moment_weight": parse_optional_float,
                                           "aggregation": parse_literal},
}

GUIDED = ("GISTEmbedLoss", "CachedGISTEmbedLoss")
CACHED = ("CachedMultipleNegativesRankingLoss", "CachedMultipleNegativesSymmetricRankingLoss", "CachedGISTEmbedLoss")
NON_CACHED_TWIN = {"CachedMultipleNegativesRankingLoss": "MultipleNegativesRankingLoss",
                   "CachedMultipleNegativesSymmetricRankingLoss": "MultipleNegativesSymmetricRankingLoss",
                   "CachedGISTEmbedLoss": "GISTEmbedLoss"}


def build_kwargs(loss_name, params):
    parsers = PARAM_PARSERS[loss_name]
    kwargs = {}
    for key, value in params.items():
        if key not in parsers:
            raise ValueError("%s has no parameter %s" % (loss_name, key))
        kwargs[key] = parsers[key](value)
    return kwargs


def build_loss(loss_name, kwargs, model, guide):
    cls = getattr(losses, loss_name)
    if loss_name in GUIDED:
        return cls(model, guide, **kwargs)
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
    return OrderedDict([("dtype", "float32"), ("shape", list(labels.shape)),
                        ("data", [num(v) for v in labels.reshape(-1).tolist()])])


TOKENIZER = None


def evaluate(loss_name, params, arrays, labels, guides, label_dtype=torch.float32, guide_dtype=torch.float64):
    """Construct the reference loss for these settings and run forward + backward once.
    Returns (loss, terms or None, grads, model calls, guide calls)."""
    kwargs = build_kwargs(loss_name, params)
    model = StandInEncoder("emb", TOKENIZER)
    guide = StandInEncoder("guide", TOKENIZER) if loss_name in GUIDED else None
    loss_module = build_loss(loss_name, kwargs, model, guide)

    leaves = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    features = []
    for i, leaf in enumerate(leaves):
        feat = {"emb": leaf}
        if guides is not None:
            feat["guide"] = torch.tensor(guides[i], dtype=guide_dtype)
        features.append(feat)
    if labels is None:
        labels_t = None
    elif labels.dtype == np.int64:
        labels_t = torch.tensor(labels)
    else:
        labels_t = torch.tensor(labels, dtype=label_dtype)

    out = loss_module(features, labels_t)
    terms = None
    if isinstance(out, dict):
        terms = OrderedDict((k, v) for k, v in out.items())
        total = torch.stack(list(out.values())).sum()  # what the 6.2.0 trainer does with a dict
    else:
        total = out
    if total.requires_grad:
        total.backward()
    grads = [(t.grad if t.grad is not None else torch.zeros_like(t)).detach().numpy().copy() for t in leaves]
    term_values = None if terms is None else OrderedDict((k, v.item()) for k, v in terms.items())
    return total.item(), term_values, grads, model.calls, (guide.calls if guide is not None else [])


def close(a, b, rtol=1e-9, atol=1e-12):
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        return False
    return bool(np.all((a == b) | (np.abs(a - b) <= atol + rtol * np.abs(b)) | (np.isnan(a) & np.isnan(b))))


def check_cached_calls(case, model_calls, guide_calls):
    params = case["params"]
    n = case["inputs"][0].shape[0]
    mbs = int(params.get("mini_batch_size", "32"))
    chunks = [min(mbs, n - b) for b in range(0, n, mbs)]
    cols = len(case["inputs"])
    expect = [(r, False) for _ in range(cols) for r in chunks] + [(r, True) for _ in range(cols) for r in chunks]
    if model_calls != expect:
        raise RuntimeError("%s: the model was not called the GradCache way: %s" % (case["name"], model_calls))
    if case["loss"] == "CachedGISTEmbedLoss":
        gexpect = [(r, False) for _ in range(cols) for r in chunks]
        if guide_calls != gexpect:
            raise RuntimeError("%s: unexpected guide calls %s" % (case["name"], guide_calls))


def guide_threshold_report(case):
    """Recompute, from the guides alone, which candidates the GIST losses will mask (using the
    same torch cosine similarity the losses use) and refuse near-ties. Returns, per anchor row,
    the number of candidates left unmasked besides the protected positive."""
    params = case["params"]
    strategy = params.get("margin_strategy", "absolute")
    margin = float(params.get("margin", "0"))
    ca = params.get("contrast_anchors", "true") == "true"
    cp = params.get("contrast_positives", "true") == "true"
    g = [torch.tensor(x, dtype=torch.float64) for x in case["guides"]]
    cos = nn.CosineSimilarity(dim=-1)

    def sim(x, y):
        return cos(x.unsqueeze(1), y.unsqueeze(0))

    ap = sim(g[0], g[1])
    gs = ap.diagonal().view(-1, 1)
    thr = gs - margin if strategy == "absolute" else gs - gs.abs() * margin
    mats = [("ap", ap)]
    if ca:
        mats.append(("aa", sim(g[0], g[0])))
    if cp:
        mats.append(("pp", sim(g[1], g[1])))
    for k in range(2, len(g)):
        mats.append(("an%d" % (k - 1), sim(g[0], g[k])))
    n = ap.shape[0]
    unmasked = [0] * n
    for tag, m in mats:
        gap = m - thr
        bad = (gap != 0) & (gap.abs() < 1e-7)
        if tag == "ap":
            bad.fill_diagonal_(False)
        if bool(bad.any()):
            raise RuntimeError("%s: guide similarity within 1e-7 of its threshold in %s" % (case["name"], tag))
        keep = ~(m > thr)
        if tag == "ap":
            keep.fill_diagonal_(False)
        for i in range(n):
            unmasked[i] += int(keep[i].sum())
    return unmasked


def run_case(case):
    name, loss_name, params = case["name"], case["loss"], case["params"]
    arrays, labels, guides = case["inputs"], case.get("labels"), case.get("guides")
    for a in arrays:
        assert a.dtype == np.float32 and a.ndim == 2, name
    if guides is not None:
        assert loss_name in GUIDED and len(guides) == len(arrays), name
        for g, a in zip(guides, arrays):
            assert g.dtype == np.float32 and g.ndim == 2 and g.shape[0] == a.shape[0], name

    if guides is not None:
        unmasked = guide_threshold_report(case)
        for row in case.get("fully_masked_rows", []):
            if unmasked[row] != 0:
                raise RuntimeError("%s: row %d was meant to have every candidate masked" % (name, row))
        if case.get("min_masked_fraction"):
            n = arrays[0].shape[0]
            per_row = n * (len(arrays) - 1) - 1
            if params.get("contrast_anchors", "true") == "true":
                per_row += n
            if params.get("contrast_positives", "true") == "true":
                per_row += n
            frac = 1.0 - sum(unmasked) / float(n * per_row)
            if frac < case["min_masked_fraction"]:
                raise RuntimeError("%s: only %.2f of the candidates are masked" % (name, frac))

    loss, terms, grads, model_calls, guide_calls = evaluate(loss_name, params, arrays, labels, guides)

    # ---- self-checks (not written out) ----
    if loss_name in CACHED:
        check_cached_calls(case, model_calls, guide_calls)
        twin = NON_CACHED_TWIN[loss_name]
        if not (twin == "GISTEmbedLoss" and len(arrays) > 3):
            twin_params = {k: v for k, v in params.items() if k != "mini_batch_size"}
            l2, _, g2, _, _ = evaluate(twin, twin_params, arrays, labels, guides)
            if not (close(loss, l2) and all(close(a, b) for a, b in zip(grads, g2))):
                raise RuntimeError("%s: cached and non-cached reference disagree" % name)
    if loss_name in ("MultipleNegativesSymmetricRankingLoss", "CachedMultipleNegativesSymmetricRankingLoss"):
        sym = dict(params, directions="query_to_doc,doc_to_query", partition_mode="per_direction")
        l2, _, g2, _, _ = evaluate(loss_name.replace("Symmetric", ""), sym, arrays, labels, guides)
        if not (close(loss, l2) and all(close(a, b) for a, b in zip(grads, g2))):
            raise RuntimeError("%s: symmetric loss differs from MNRL(query_to_doc, doc_to_query, per_direction)" % name)
    if guides is not None:
        l32, _, _, _, _ = evaluate(loss_name, params, arrays, labels, guides, guide_dtype=torch.float32)
        if not (l32 == loss or (math.isnan(l32) and math.isnan(loss))):
            raise RuntimeError("%s: the loss depends on the guide precision (%r vs %r)" % (name, l32, loss))
    if labels is not None and labels.dtype == np.float32:
        l64, _, _, _, _ = evaluate(loss_name, params, arrays, labels, guides, label_dtype=torch.float64)
        same = close(l64, loss, rtol=1e-12, atol=0.0)
        if case.get("label_precision_sensitive"):
            if same:
                raise RuntimeError("%s: meant to depend on float32 label arithmetic, but does not" % name)
        elif not same:
            raise RuntimeError("%s: the loss depends on the label precision (%r vs %r)" % (name, l64, loss))

    expected = OrderedDict([("loss", num(loss))])
    if terms is not None:
        expected["terms"] = OrderedDict((k, num(v)) for k, v in terms.items())
    expected["grad_inputs"] = [tensor_json(g) for g in grads]
    expected["grad_weights"] = OrderedDict()

    rec = OrderedDict([
        ("name", name),
        ("loss", loss_name),
        ("reference", REFERENCE_VERSION),
        ("params", OrderedDict(params)),
        ("inputs", [tensor_json(a) for a in arrays]),
    ])
    if guides is not None:
        rec["guides"] = [tensor_json(g) for g in guides]
    rec["labels"] = labels_json(labels)
    rec["weights"] = OrderedDict()
    rec["expected"] = expected
    return rec


# --------------------------------------------------------------------------
# input makers
# --------------------------------------------------------------------------

def seed_for(name):
    return (BASE_SEED ^ zlib.crc32(name.encode("utf-8"))) & 0xFFFFFFFF


def rng_for(name):
    return np.random.default_rng(seed_for(name))


def f32(x):
    return np.asarray(x, dtype=np.float32)


def ints(values):
    return np.asarray(values, dtype=np.int64)


def normal(rng, n, d, scale=1.0):
    return (rng.standard_normal((n, d)) * scale).astype(np.float32)


def near(rng, x, mix=0.8, noise=0.6):
    """Rows correlated with x: mix * x + noise * N(0, 1)."""
    return (x.astype(np.float64) * mix + rng.standard_normal(x.shape) * noise).astype(np.float32)


def retrieval_columns(rng, n, d, cols):
    """anchor, a correlated positive, and cols - 2 hard negatives (weakly correlated)."""
    a = normal(rng, n, d)
    out = [a, near(rng, a, 0.8, 0.6)]
    for _ in range(cols - 2):
        out.append(near(rng, a, 0.4, 0.9))
    return out


# --------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------

CASES = []
REJECTED_CASES = []


def case(name, loss, params=None, inputs=None, labels=None, guides=None, **extra):
    c = {"name": name, "loss": loss, "params": dict(params or {}), "inputs": inputs, "labels": labels}
    if guides is not None:
        c["guides"] = guides
    c.update(extra)
    CASES.append(c)


def rejected(name, loss, params, inputs, labels=None, guides=None):
    c = {"name": name, "loss": loss, "params": dict(params), "inputs": inputs, "labels": labels}
    if guides is not None:
        c["guides"] = guides
    REJECTED_CASES.append(c)


# ---- CoSENT --------------------------------------------------------------

def cosent_cases():
    L = "CoSENTLoss"

    def add(suffix, params, n, d, labels=None, edit=None, **extra):
        name = "cosent/" + suffix
        r = rng_for(name)
        a = normal(r, n, d)
        b = near(r, a, 0.5, 0.9)
        y = f32(labels) if labels is not None else r.random(n).astype(np.float32)
        if isinstance(labels, np.ndarray) and labels.dtype == np.int64:
            y = labels
        if edit:
            edit(a, b)
        case(name, L, params, [a, b], y, **extra)

    add("default", {}, 8, 4)
    add("explicit_pairwise_cos_sim", {"similarity_fct": "pairwise_cos_sim", "scale": "20"}, 8, 4)
    add("util_prefix_spelling", {"similarity_fct": "util.pairwise_cos_sim"}, 6, 3)
    add("scale_1", {"scale": "1"}, 8, 4)
    add("scale_50", {"scale": "50"}, 9, 5)
    add("scale_0.5/odd_dim_7", {"scale": "0.5"}, 7, 7)
    add("scale_0/not_validated", {"scale": "0"}, 6, 4)
    add("scale_negative_5/not_validated", {"scale": "-5"}, 6, 4)
    add("pairwise_dot_score/scale_1", {"similarity_fct": "pairwise_dot_score", "scale": "1"}, 8, 4)
    add("pairwise_euclidean_sim/scale_1", {"similarity_fct": "pairwise_euclidean_sim", "scale": "1"}, 8, 4)
    add("pairwise_manhattan_sim/scale_0.5", {"similarity_fct": "pairwise_manhattan_sim", "scale": "0.5"}, 8, 4)
    add("pairwise_angle_sim", {"similarity_fct": "pairwise_angle_sim"}, 8, 4)
    add("label_ties", {}, 8, 4, [0.5, 0.5, 1.0, 1.0, 0.0, 0.5, 1.0, 0.0])
    add("label_ties/pairwise_dot_score", {"similarity_fct": "pairwise_dot_score", "scale": "2"}, 8, 4,
        [0.25, 0.75, 0.25, 0.75, 0.25, 0.75, 0.5, 0.5])
    add("all_labels_equal", {}, 6, 4, [0.7] * 6)
    add("negative_labels", {}, 6, 4, [-1.0, -0.5, 0.2, -2.0, 1.0, 3.0])
    add("binary_labels", {}, 10, 4, [1, 0, 0, 1, 1, 0, 1, 0, 0, 0])
    add("single_higher_label", {}, 6, 3, [0.1, 0.1, 0.1, 0.9, 0.1, 0.1])
    add("int64_labels", {}, 7, 4, ints([0, 2, 1, 2, 0, 1, 3]))
    add("single_row", {}, 1, 4, [0.3])
    add("two_rows", {}, 2, 3, [0.2, 0.8])
    add("two_rows/tied", {}, 2, 3, [0.5, 0.5])

    def zero(a, b):
        a[1] = 0.0
        b[3] = 0.0
    add("zero_rows", {}, 6, 4, [0.1, 0.9, 0.4, 0.6, 0.3, 0.8], zero)

    def dup(a, b):
        b[0] = a[0]
        b[2] = -a[2]
        b[4] = a[5]
        a[4] = a[5]
    add("identical_and_opposite_pairs", {}, 6, 4, [1.0, 0.2, -1.0, 0.5, 0.9, 0.3], dup)
    add("identical_and_opposite_pairs/pairwise_euclidean_sim",
        {"similarity_fct": "pairwise_euclidean_sim", "scale": "1"}, 6, 4, [1.0, 0.2, -1.0, 0.5, 0.9, 0.3], dup)
    add("identical_and_opposite_pairs/pairwise_manhattan_sim",
        {"similarity_fct": "pairwise_manhattan_sim", "scale": "1"}, 6, 4, [1.0, 0.2, -1.0, 0.5, 0.9, 0.3], dup)
    add("large_64x32", {}, 64, 32)
    name = "cosent/3_columns/third_column_ignored"
    r = rng_for(name)
    a = normal(r, 6, 4)
    case(name, L, {}, [a, near(r, a, 0.5, 0.9), normal(r, 6, 4)], r.random(6).astype(np.float32))

    r = rng_for("rejected/cosent")
    a, b = normal(r, 5, 3), normal(r, 5, 3)
    rejected("cosent/matrix_similarity_cos_sim", L, {"similarity_fct": "cos_sim"}, [a, b], r.random(5).astype(np.float32))
    rejected("cosent/no_labels", L, {}, [a, b], None)


# ---- AnglE ---------------------------------------------------------------

def angle_cases():
    L = "AnglELoss"

    def add(suffix, params, n, d, cols=2, labels="random", edit=None, **extra):
        name = "angle/" + suffix
        r = rng_for(name)
        a = normal(r, n, d)
        xs = [a, near(r, a, 0.5, 0.9)] + [near(r, a, 0.3, 1.0) for _ in range(cols - 2)]
        if isinstance(labels, str) and labels == "random":
            y = r.random(n).astype(np.float32)
        elif labels is None:
            y = None
        else:
            y = f32(labels)
        if edit:
            edit(xs)
        case(name, L, params, xs, y, **extra)

    add("default/dim_4", {}, 8, 4)
    add("default/dim_6", {}, 8, 6)
    add("odd_dim_1", {}, 6, 1)
    add("odd_dim_3", {}, 8, 3)
    add("odd_dim_5", {}, 8, 5)
    add("odd_dim_7/scale_1", {"scale": "1"}, 7, 7)
    add("scale_50", {"scale": "50"}, 8, 4)
    add("label_ties", {}, 8, 4, labels=[0.5, 0.5, 1.0, 1.0, 0.0, 0.5, 1.0, 0.0])
    add("all_labels_equal", {}, 5, 4, labels=[1.0] * 5)
    add("negative_labels", {}, 6, 4, labels=[-1.0, -0.5, 0.2, -2.0, 1.0, 3.0])
    add("single_row", {}, 1, 4)

    def zero(xs):
        xs[0][1] = 0.0
        xs[1][3] = 0.0
    add("zero_rows", {}, 6, 4, labels=[0.1, 0.9, 0.4, 0.6, 0.3, 0.8], edit=zero)

    def dup(xs):
        xs[1][0] = xs[0][0]
        xs[1][2] = -xs[0][2]
    add("identical_and_opposite_pairs", {}, 6, 4, labels=[1.0, 0.2, -1.0, 0.5, 0.9, 0.3], edit=dup)
    add("3_columns/no_labels", {}, 6, 4, cols=3, labels=None)
    add("3_columns/no_labels/odd_dim_5", {}, 6, 5, cols=3, labels=None)
    add("4_columns/no_labels", {}, 5, 4, cols=4, labels=None)
    add("5_columns/no_labels/scale_1", {"scale": "1"}, 4, 3, cols=5, labels=None)
    add("3_columns/dyadic_labels", {}, 6, 4, cols=3, labels=[1.0, 0.75, 0.5, 0.25, 1.0, 0.0])
    add("4_columns/labels_with_complement_ties", {}, 6, 4, cols=4, labels=[0.75, 0.25, 0.5, 1.0, 0.0, 0.75])
    # 1 - 0.01f in float32 equals 0.99f, in float64 it does not: the reference computes the
    # complement in the labels' dtype (float32 from the collator), which makes a tie here.
    def complement_tie(xs):
        # make the pair whose label differs between float32 and float64 dominate the loss:
        # negative 1 identical to anchor 1 (angle similarity 1), positive 0 at angle similarity ~0
        xs[2][1] = xs[0][1]
        x = xs[0][0].astype(np.float64)
        x = x / np.linalg.norm(x)
        h = len(x) // 2
        v = x + np.concatenate([x[h:], -x[:h]])
        y = xs[1][0].astype(np.float64)
        xs[1][0] = (y - v * (y @ v) / (v @ v)).astype(np.float32)
    add("3_columns/float32_complement_tie", {}, 4, 4, cols=3, labels=[0.99, 0.01, 0.3, 0.6], edit=complement_tie,
        label_precision_sensitive=True)
    add("large_48x16/3_columns", {}, 48, 16, cols=3, labels=None)

    r = rng_for("rejected/angle")
    a, b = normal(r, 5, 3), normal(r, 5, 3)
    rejected("angle/pairs_without_labels", L, {}, [a, b], None)


# ---- MultipleNegativesRankingLoss -------------------------------------------

QD, QQ, DQ, DD = "query_to_doc", "query_to_query", "doc_to_query", "doc_to_doc"


def mnrl_cases():
    L = "MultipleNegativesRankingLoss"

    def add(suffix, params, n, d, cols, edit=None):
        name = "mnrl/" + suffix
        r = rng_for(name)
        xs = retrieval_columns(r, n, d, cols)
        if edit:
            edit(xs)
        case(name, L, params, xs, None)

    # defaults with 0, 1, 2 hard-negative columns
    add("default/0_hard_negatives", {}, 8, 4, 2)
    add("default/1_hard_negative", {}, 8, 4, 3)
    add("default/2_hard_negatives", {}, 6, 5, 4)
    add("explicit_defaults", {"scale": "20", "similarity_fct": "cos_sim", "gather_across_devices": "false",
                              "directions": QD, "partition_mode": "joint", "hardness_mode": "none",
                              "hardness_strength": "0"}, 7, 4, 3)
    add("gather_across_devices_true/single_process", {"gather_across_devices": "true"}, 6, 4, 3)

    # directions, joint
    combos = [("qd_qq", [QD, QQ]), ("qd_dq", [QD, DQ]), ("qd_dd", [QD, DD]), ("qd_qq_dq", [QD, QQ, DQ]),
              ("qd_dq_dd", [QD, DQ, DD]), ("qd_qq_dd", [QD, QQ, DD]), ("all_four", [QD, QQ, DQ, DD])]
    for tag, dirs in combos:
        for cols in (2, 3):
            add("joint/%s/%d_columns" % (tag, cols), {"directions": ",".join(dirs)}, 7, 4, cols)
    add("joint/all_four/4_columns", {"directions": ",".join([QD, QQ, DQ, DD]), "partition_mode": "joint"}, 6, 4, 4)
    add("joint/all_four/dot_score/scale_1", {"directions": ",".join([QD, QQ, DQ, DD]),
                                             "similarity_fct": "dot_score", "scale": "1"}, 6, 4, 3)
    add("joint/query_to_doc_only/explicit", {"directions": QD, "partition_mode": "joint"}, 6, 4, 2)
    add("joint/directions_in_other_order", {"directions": ",".join([DD, DQ, QD])}, 6, 4, 3)

    # per_direction
    add("per_direction/query_to_doc_only", {"directions": QD, "partition_mode": "per_direction"}, 7, 4, 3)
    for cols in (2, 3, 4):
        add("per_direction/qd_dq/%d_columns" % cols, {"directions": "%s,%s" % (QD, DQ),
                                                      "partition_mode": "per_direction"}, 7, 4, cols)
    add("per_direction/qd_dq/repeated_direction", {"directions": "%s,%s,%s" % (QD, DQ, QD),
                                                   "partition_mode": "per_direction"}, 6, 4, 2)
    add("per_direction/qd_dq/dot_score/scale_1", {"directions": "%s,%s" % (QD, DQ), "partition_mode": "per_direction",
                                                  "similarity_fct": "dot_score", "scale": "1"}, 6, 4, 3)

    # hardness
    for mode in ("in_batch_negatives", "hard_negatives", "all_negatives"):
        add("hardness/%s/strength_default" % mode, {"hardness_mode": mode}, 7, 4, 3)
        add("hardness/%s/strength_0" % mode, {"hardness_mode": mode, "hardness_strength": "0"}, 7, 4, 3)
        for cols in (2, 3, 4):
            add("hardness/%s/strength_5/%d_columns" % (mode, cols),
                {"hardness_mode": mode, "hardness_strength": "5"}, 7, 4, cols)
        add("hardness/%s/strength_50" % mode, {"hardness_mode": mode, "hardness_strength": "50"}, 7, 4, 3)
    add("hardness/in_batch_negatives/strength_9/all_four_joint",
        {"hardness_mode": "in_batch_negatives", "hardness_strength": "9",
         "directions": ",".join([QD, QQ, DQ, DD])}, 6, 4, 3)
    add("hardness/all_negatives/strength_5/per_direction_qd_dq",
        {"hardness_mode": "all_negatives", "hardness_strength": "5", "directions": "%s,%s" % (QD, DQ),
         "partition_mode": "per_direction"}, 6, 4, 3)
    add("hardness/hard_negatives/strength_5/dot_score/scale_1",
        {"hardness_mode": "hard_negatives", "hardness_strength": "5", "similarity_fct": "dot_score", "scale": "1"},
        6, 4, 4)
    add("hardness/all_negatives/strength_2/euclidean_sim/scale_1",
        {"hardness_mode": "all_negatives", "hardness_strength": "2", "similarity_fct": "euclidean_sim", "scale": "1"},
        6, 4, 3)
    add("hardness_mode_none/strength_5_ignored", {"hardness_mode": "none", "hardness_strength": "5"}, 6, 4, 3)

    # similarity functions and scales
    add("dot_score/scale_1/0_hard_negatives", {"similarity_fct": "dot_score", "scale": "1"}, 8, 4, 2)
    add("dot_score/scale_1/1_hard_negative", {"similarity_fct": "dot_score", "scale": "1"}, 8, 4, 3)
    add("dot_score/default_scale", {"similarity_fct": "dot_score"}, 5, 3, 2)
    add("euclidean_sim/scale_1", {"similarity_fct": "euclidean_sim", "scale": "1"}, 6, 4, 3)
    add("euclidean_sim/qd_dd/scale_2", {"similarity_fct": "euclidean_sim", "scale": "2",
                                        "directions": "%s,%s" % (QD, DD)}, 6, 4, 3)
    add("manhattan_sim/scale_0.5", {"similarity_fct": "manhattan_sim", "scale": "0.5"}, 6, 4, 3)
    add("manhattan_sim/all_four/scale_0.5", {"similarity_fct": "manhattan_sim", "scale": "0.5",
                                             "directions": ",".join([QD, QQ, DQ, DD])}, 5, 3, 2)
    add("cos_sim/scale_1", {"scale": "1"}, 7, 4, 2)
    add("cos_sim/scale_50", {"scale": "50"}, 7, 4, 3)
    add("cos_sim/scale_0.5", {"scale": "0.5"}, 7, 4, 3)

    # edge shapes and degenerate rows
    add("single_row", {}, 1, 4, 2)
    add("single_row/all_four/3_columns", {"directions": ",".join([QD, QQ, DQ, DD])}, 1, 4, 3)
    add("single_row/per_direction_qd_dq", {"directions": "%s,%s" % (QD, DQ), "partition_mode": "per_direction"},
        1, 4, 2)

    def zero(xs):
        xs[0][1] = 0.0
        xs[1][3] = 0.0
    add("zero_rows/cos_sim", {}, 6, 4, 2, zero)
    add("zero_rows/cos_sim/all_four", {"directions": ",".join([QD, QQ, DQ, DD])}, 6, 4, 3, zero)
    add("zero_rows/dot_score", {"similarity_fct": "dot_score", "scale": "1"}, 6, 4, 2, zero)

    def dup(xs):
        xs[1][2] = xs[1][0]
        xs[0][4] = xs[0][3]
        xs[2][1] = xs[1][1]
    add("duplicate_rows/all_four", {"directions": ",".join([QD, QQ, DQ, DD])}, 6, 4, 3, dup)
    add("duplicate_rows/euclidean_sim/all_four", {"directions": ",".join([QD, QQ, DQ, DD]),
                                                  "similarity_fct": "euclidean_sim", "scale": "1"}, 6, 4, 3, dup)
    add("large_64x32/default", {}, 64, 32, 2)
    add("large_40x16/all_four/hardness_all_negatives_9", {"directions": ",".join([QD, QQ, DQ, DD]),
                                                          "hardness_mode": "all_negatives",
                                                          "hardness_strength": "9"}, 40, 16, 3)

    r = rng_for("rejected/mnrl")
    xs = retrieval_columns(r, 5, 3, 3)
    for d in (QQ, DQ, DD):
        rejected("mnrl/single_direction_%s" % d, L, {"directions": d}, xs)
    rejected("mnrl/directions_without_query_to_doc", L, {"directions": "%s,%s" % (DQ, DD)}, xs)
    rejected("mnrl/empty_directions", L, {"directions": ""}, xs)
    rejected("mnrl/unknown_direction", L, {"directions": "%s,doc_to_nowhere" % QD}, xs)
    rejected("mnrl/per_direction_with_query_to_query", L, {"directions": "%s,%s" % (QD, QQ),
                                                           "partition_mode": "per_direction"}, xs)
    rejected("mnrl/per_direction_with_doc_to_doc", L, {"directions": "%s,%s,%s" % (QD, DQ, DD),
                                                       "partition_mode": "per_direction"}, xs)
    rejected("mnrl/unknown_partition_mode", L, {"partition_mode": "separate"}, xs)
    rejected("mnrl/unknown_hardness_mode", L, {"hardness_mode": "semi_hard"}, xs)
    rejected("mnrl/negative_hardness_strength", L, {"hardness_mode": "all_negatives", "hardness_strength": "-1"}, xs)
    rejected("mnrl/scale_0", L, {"scale": "0"}, xs)
    rejected("mnrl/negative_scale", L, {"scale": "-20"}, xs)
    rejected("mnrl/single_column", L, {}, xs[:1])


def mnsrl_cases():
    L = "MultipleNegativesSymmetricRankingLoss"

    def add(suffix, params, n, d, cols, edit=None):
        name = "mnsrl/" + suffix
        r = rng_for(name)
        xs = retrieval_columns(r, n, d, cols)
        if edit:
            edit(xs)
        case(name, L, params, xs, None)

    add("default/0_hard_negatives", {}, 8, 4, 2)
    add("default/1_hard_negative_is_used", {}, 8, 4, 3)
    add("default/2_hard_negatives", {}, 6, 5, 4)
    add("scale_1", {"scale": "1"}, 7, 4, 2)
    add("scale_50", {"scale": "50"}, 7, 4, 2)
    add("dot_score/scale_1", {"similarity_fct": "dot_score", "scale": "1"}, 7, 4, 3)
    add("euclidean_sim/scale_1", {"similarity_fct": "euclidean_sim", "scale": "1"}, 6, 4, 2)
    add("manhattan_sim/scale_0.5", {"similarity_fct": "manhattan_sim", "scale": "0.5"}, 6, 4, 2)
    add("gather_across_devices_true/single_process", {"gather_across_devices": "true"}, 6, 4, 2)
    add("explicit_defaults", {"scale": "20", "similarity_fct": "cos_sim", "gather_across_devices": "false"}, 6, 4, 2)
    add("single_row", {}, 1, 4, 2)

    def zero(xs):
        xs[0][1] = 0.0
        xs[1][3] = 0.0
    add("zero_rows", {}, 6, 4, 2, zero)
    add("large_64x32", {}, 64, 32, 2)



def cached_mnrl_cases():
    L = "CachedMultipleNegativesRankingLoss"

    def add(suffix, params, n, d, cols, edit=None):
        name = "cached_mnrl/" + suffix
        r = rng_for(name)
        xs = retrieval_columns(r, n, d, cols)
        if edit:
            edit(xs)
        case(name, L, params, xs, None)

    for mbs in ("1", "3", "8"):
        add("default/mbs_%s/0_hard_negatives" % mbs, {"mini_batch_size": mbs}, 8, 4, 2)
        add("default/mbs_%s/1_hard_negative" % mbs, {"mini_batch_size": mbs}, 8, 4, 3)
    add("default/mbs_default_32_exceeds_batch", {}, 8, 4, 2)
    add("default/mbs_3/2_hard_negatives/remainder", {"mini_batch_size": "3"}, 7, 5, 4)
    for mbs in ("1", "3", "7"):
        add("joint/all_four/mbs_%s" % mbs, {"mini_batch_size": mbs, "directions": ",".join([QD, QQ, DQ, DD])},
            7, 4, 3)
        add("per_direction/qd_dq/mbs_%s" % mbs, {"mini_batch_size": mbs, "directions": "%s,%s" % (QD, DQ),
                                                 "partition_mode": "per_direction"}, 7, 4, 3)
    add("joint/qd_dd/mbs_2", {"mini_batch_size": "2", "directions": "%s,%s" % (QD, DD)}, 6, 4, 4)
    add("joint/qd_qq/mbs_4", {"mini_batch_size": "4", "directions": "%s,%s" % (QD, QQ)}, 6, 4, 2)
    for mode in ("in_batch_negatives", "hard_negatives", "all_negatives"):
        add("hardness/%s/strength_5/mbs_3" % mode, {"mini_batch_size": "3", "hardness_mode": mode,
                                                    "hardness_strength": "5"}, 7, 4, 4)
    add("hardness/in_batch_negatives/strength_default/mbs_3", {"mini_batch_size": "3",
                                                               "hardness_mode": "in_batch_negatives"}, 6, 4, 3)
    add("hardness/all_negatives/strength_9/all_four/mbs_2", {"mini_batch_size": "2", "hardness_mode": "all_negatives",
                                                             "hardness_strength": "9",
                                                             "directions": ",".join([QD, QQ, DQ, DD])}, 6, 4, 3)
    add("dot_score/scale_1/mbs_3", {"mini_batch_size": "3", "similarity_fct": "dot_score", "scale": "1"}, 8, 4, 3)
    add("euclidean_sim/scale_1/mbs_2", {"mini_batch_size": "2", "similarity_fct": "euclidean_sim", "scale": "1"},
        6, 4, 2)
    add("scale_50/mbs_4", {"mini_batch_size": "4", "scale": "50"}, 8, 4, 2)
    add("single_row/mbs_1", {"mini_batch_size": "1"}, 1, 4, 3)

    def zero(xs):
        xs[0][1] = 0.0
        xs[1][3] = 0.0
    add("zero_rows/mbs_2", {"mini_batch_size": "2"}, 6, 4, 2, zero)
    add("large_64x32/mbs_16", {"mini_batch_size": "16"}, 64, 32, 2)
    add("large_40x16/all_four/hardness/mbs_7", {"mini_batch_size": "7", "directions": ",".join([QD, QQ, DQ, DD]),
                                                "hardness_mode": "hard_negatives", "hardness_strength": "5"},
        40, 16, 3)

    r = rng_for("rejected/cached_mnrl")
    xs = retrieval_columns(r, 5, 3, 3)
    rejected("cached_mnrl/single_direction_doc_to_query", L, {"directions": DQ, "mini_batch_size": "2"}, xs)
    rejected("cached_mnrl/per_direction_with_doc_to_doc", L, {"directions": "%s,%s" % (QD, DD),
                                                              "partition_mode": "per_direction"}, xs)
    rejected("cached_mnrl/single_column", L, {"mini_batch_size": "2"}, xs[:1])
    rejected("cached_mnrl/mini_batch_size_0", L, {"mini_batch_size": "0"}, xs)
    rejected("cached_mnrl/mini_batch_size_negative", L, {"mini_batch_size": "-2"}, xs)


def cached_mnsrl_cases():
    L = "CachedMultipleNegativesSymmetricRankingLoss"

    def add(suffix, params, n, d, cols):
        name = "cached_mnsrl/" + suffix
        r = rng_for(name)
        case(name, L, params, retrieval_columns(r, n, d, cols), None)

    for mbs in ("1", "3", "8"):
        add("default/mbs_%s" % mbs, {"mini_batch_size": mbs}, 8, 4, 2)
    add("default/mbs_default_32_exceeds_batch", {}, 8, 4, 2)
    add("1_hard_negative/mbs_3", {"mini_batch_size": "3"}, 7, 4, 3)
    add("2_hard_negatives/mbs_2", {"mini_batch_size": "2"}, 5, 4, 4)
    add("dot_score/scale_1/mbs_3", {"mini_batch_size": "3", "similarity_fct": "dot_score", "scale": "1"}, 7, 4, 2)
    add("scale_50/mbs_4", {"mini_batch_size": "4", "scale": "50"}, 8, 4, 2)
    add("manhattan_sim/scale_0.5/mbs_3", {"mini_batch_size": "3", "similarity_fct": "manhattan_sim", "scale": "0.5"},
        6, 4, 2)
    add("gather_across_devices_true/mbs_3", {"mini_batch_size": "3", "gather_across_devices": "true"}, 6, 4, 2)
    add("large_64x32/mbs_20", {"mini_batch_size": "20"}, 64, 32, 2)


# ---- GIST --------------------------------------------------------------------

def guide_for(rng, xs, gd, noise=0.3):
    """Guide embeddings of the same 'texts': a fixed random linear map of the model inputs plus
    noise, so the guide roughly agrees with the model about which rows are close."""
    d = xs[0].shape[1]
    w = rng.standard_normal((d, gd)) / math.sqrt(d)
    return [(x.astype(np.float64) @ w + rng.standard_normal((x.shape[0], gd)) * noise).astype(np.float32)
            for x in xs]


def clustered_guides(rng, n, gd, cols, spread=0.25):
    """Every guide row close to one shared direction: for most anchors many candidates look
    more similar in the guide than the paired positive, so they get masked."""
    centre = rng.standard_normal(gd)
    # the guided positives are spread wider, so they tend to look less similar than the rest
    return [(centre + rng.standard_normal((n, gd)) * (spread * 3 if k == 1 else spread)).astype(np.float32)
            for k in range(cols)]


def gist_cases(loss_name, prefix, mbs_values):
    L = loss_name

    def add(suffix, params, n, d, gd, cols, guide_maker=None, edit=None, **extra):
        name = prefix + "/" + suffix
        r = rng_for(name)
        xs = retrieval_columns(r, n, d, cols)
        gs = guide_maker(r, xs) if guide_maker else guide_for(r, xs, gd)
        if edit:
            edit(xs, gs)
        case(name, L, params, xs, None, guides=gs, **extra)

    def with_mbs(params, mbs):
        if mbs is None:
            return dict(params)
        return dict(params, mini_batch_size=mbs)

    cached = loss_name == "CachedGISTEmbedLoss"
    plain = [None] if not cached else ["3"]

    for mbs in mbs_values:
        tag = "" if mbs is None else ("/mbs_" + mbs)
        add("default/2_columns" + tag, with_mbs({}, mbs), 8, 4, 6, 2)
        add("default/3_columns" + tag, with_mbs({}, mbs), 8, 4, 6, 3)
        add("contrast_anchors_false/contrast_positives_false/3_columns" + tag,
            with_mbs({"contrast_anchors": "false", "contrast_positives": "false"}, mbs), 7, 4, 5, 3)
    if cached:
        add("default/mbs_default_32_exceeds_batch", {}, 8, 4, 6, 2)

    for mbs in plain:
        tag = "" if mbs is None else ("/mbs_" + mbs)
        add("temperature_0.05" + tag, with_mbs({"temperature": "0.05"}, mbs), 8, 4, 6, 2)
        add("temperature_1/3_columns" + tag, with_mbs({"temperature": "1"}, mbs), 8, 4, 6, 3)
        add("absolute/margin_0.1" + tag, with_mbs({"margin_strategy": "absolute", "margin": "0.1"}, mbs), 8, 4, 6, 3)
        add("absolute/margin_negative_0.2" + tag, with_mbs({"margin": "-0.2"}, mbs), 8, 4, 6, 3)
        add("relative/margin_0" + tag, with_mbs({"margin_strategy": "relative"}, mbs), 8, 4, 6, 2)
        add("relative/margin_0.3" + tag, with_mbs({"margin_strategy": "relative", "margin": "0.3"}, mbs), 8, 4, 6, 3)
        add("relative/margin_negative_0.5" + tag,
            with_mbs({"margin_strategy": "relative", "margin": "-0.5"}, mbs), 8, 4, 6, 2)
        add("contrast_anchors_false" + tag, with_mbs({"contrast_anchors": "false"}, mbs), 7, 4, 6, 2)
        add("contrast_positives_false" + tag, with_mbs({"contrast_positives": "false"}, mbs), 7, 4, 6, 3)
        add("guide_dim_equals_model_dim" + tag, with_mbs({}, mbs), 6, 5, 5, 2)
        add("guide_dim_smaller/odd" + tag, with_mbs({"temperature": "0.1"}, mbs), 6, 6, 3, 3)
        add("gather_across_devices_true/single_process" + tag, with_mbs({"gather_across_devices": "true"}, mbs),
            6, 4, 6, 3)

        add("guide_masks_many/clustered" + tag, with_mbs({}, mbs), 8, 4, 5, 3,
            guide_maker=lambda r, xs: clustered_guides(r, xs[0].shape[0], 5, len(xs)), min_masked_fraction=0.4)
        add("guide_masks_many/clustered/relative_margin_0.1" + tag,
            with_mbs({"margin_strategy": "relative", "margin": "0.1", "temperature": "0.05"}, mbs), 8, 4, 5, 2,
            guide_maker=lambda r, xs: clustered_guides(r, xs[0].shape[0], 5, len(xs)), min_masked_fraction=0.4)

        def opposite_positive_rows(rows):
            def edit(xs, gs):
                for i in rows:
                    gs[1][i] = -gs[0][i]  # guided positive similarity -1: every other candidate is "more similar"
            return edit
        add("guide_masks_all_candidates_of_rows_0_3/3_columns" + tag, with_mbs({}, mbs), 6, 4, 5, 3,
            edit=opposite_positive_rows([0, 3]), fully_masked_rows=[0, 3])
        add("guide_masks_all_candidates_of_row_2/2_columns/contrast_anchors_false" + tag,
            with_mbs({"contrast_anchors": "false"}, mbs), 6, 4, 5, 2,
            edit=opposite_positive_rows([2]), fully_masked_rows=[2])
        add("guide_masks_all_candidates_of_every_row" + tag, with_mbs({}, mbs), 5, 4, 5, 3,
            edit=opposite_positive_rows(range(5)), fully_masked_rows=list(range(5)))

        def positive_equals_anchor(xs, gs):
            gs[1][1] = gs[0][1]  # tie: the anchor's self-similarity equals the threshold, so it is kept
            gs[1][4] = gs[0][4]
        add("guide_positive_equals_anchor/ties_kept" + tag, with_mbs({}, mbs), 6, 4, 5, 2, edit=positive_equals_anchor)

        def duplicate_candidates(xs, gs):
            gs[1][3] = gs[1][0]  # candidate 3 ties anchor 0's threshold: kept at margin 0
            gs[2][0] = gs[1][0]  # anchor 0's own negative ties too
        add("guide_duplicate_candidates/ties_kept" + tag, with_mbs({}, mbs), 6, 4, 5, 3, edit=duplicate_candidates)
        add("guide_duplicate_candidates/margin_0.05_masks_ties" + tag, with_mbs({"margin": "0.05"}, mbs), 6, 4, 5, 3,
            edit=duplicate_candidates)

        def zero_rows(xs, gs):
            xs[0][2] = 0.0
            xs[1][4] = 0.0
        add("model_zero_rows" + tag, with_mbs({}, mbs), 6, 4, 5, 3, edit=zero_rows)

        def guide_zero_row(xs, gs):
            gs[1][1] = 0.0
        add("guide_zero_row" + tag, with_mbs({}, mbs), 6, 4, 5, 2, edit=guide_zero_row)
        add("single_row/3_columns" + tag, with_mbs({}, mbs), 1, 4, 5, 3)

    if cached:
        add("4_columns/mbs_2", {"mini_batch_size": "2"}, 6, 4, 5, 4)
        add("5_columns/mbs_3/relative_margin_0.2", {"mini_batch_size": "3", "margin_strategy": "relative",
                                                     "margin": "0.2"}, 5, 4, 5, 5)
        add("large_48x16/mbs_10", {"mini_batch_size": "10"}, 48, 16, 12, 3)
    else:
        add("large_48x16/3_columns", {}, 48, 16, 12, 3)

    r = rng_for("rejected/" + prefix)
    xs = retrieval_columns(r, 5, 3, 4)
    gs = guide_for(r, xs, 4)
    extra = {"mini_batch_size": "2"} if cached else {}
    rejected(prefix + "/unknown_margin_strategy", L, dict(extra, margin_strategy="percent"), xs[:2], None, gs[:2])
    if not cached:
        rejected(prefix + "/4_columns", L, {}, xs, None, gs)
    rejected(prefix + "/single_column", L, extra, xs[:1], None, gs[:1])
    if cached:
        rejected(prefix + "/mini_batch_size_0", L, {"mini_batch_size": "0"}, xs[:3], None, gs[:3])


# ---- GOR ------------------------------------------------------------------------

def gor_cases():
    L = "GlobalOrthogonalRegularizationLoss"

    def add(suffix, params, n, d, cols, edit=None, maker=None):
        name = "gor/" + suffix
        r = rng_for(name)
        xs = maker(r, n, d, cols) if maker else [normal(r, n, d) for _ in range(cols)]
        if edit:
            edit(xs)
        case(name, L, params, xs, None)

    def skewed(r, n, d, cols):
        # rows around one shared direction: high mean similarity, second moment above 1/d
        c = r.standard_normal(d)
        return [(c + r.standard_normal((n, d)) * 0.5).astype(np.float32) for _ in range(cols)]

    add("default/1_column", {}, 8, 4, 1, maker=skewed)
    add("default/2_columns", {}, 8, 4, 2)
    add("default/3_columns/skewed", {}, 6, 5, 3, maker=skewed)
    add("aggregation_sum/2_columns", {"aggregation": "sum"}, 8, 4, 2, maker=skewed)
    add("aggregation_mean/explicit/3_columns", {"aggregation": "mean", "mean_weight": "1",
                                                "second_moment_weight": "1"}, 6, 4, 3)
    add("mean_weight_0/aggregation_sum", {"mean_weight": "0", "aggregation": "sum"}, 8, 4, 2, maker=skewed)
    add("mean_weight_none", {"mean_weight": "none"}, 8, 4, 2, maker=skewed)
    add("second_moment_weight_0", {"second_moment_weight": "0"}, 8, 4, 2, maker=skewed)
    add("second_moment_weight_none/aggregation_sum", {"second_moment_weight": "none", "aggregation": "sum"},
        7, 4, 3)
    add("weights_0.5_2", {"mean_weight": "0.5", "second_moment_weight": "2"}, 8, 4, 2, maker=skewed)
    add("negative_mean_weight/not_validated", {"mean_weight": "-1"}, 6, 4, 2, maker=skewed)
    def spread_out(r, n, d, cols):
        # nearly orthogonal rows (n <= d): the second moment falls below 1/d, so its relu is 0
        out = []
        for _ in range(cols):
            q, _ = np.linalg.qr(r.standard_normal((d, n)))
            out.append((q.T * 2.0 + r.standard_normal((n, d)) * 0.05).astype(np.float32))
        return out
    add("second_moment_below_1_over_d/relu_zero", {}, 8, 16, 2, maker=spread_out)
    add("dot_score", {"similarity_fct": "dot_score"}, 6, 4, 2)
    add("euclidean_sim", {"similarity_fct": "euclidean_sim"}, 6, 4, 2)
    add("manhattan_sim/aggregation_sum", {"similarity_fct": "manhattan_sim", "aggregation": "sum"}, 6, 3, 2)
    add("single_row/batch_of_one", {}, 1, 4, 2)
    add("two_rows", {}, 2, 3, 1)

    def zero(xs):
        xs[0][1] = 0.0
    add("zero_row", {}, 6, 4, 2, zero)

    def dup(xs):
        xs[0][3] = xs[0][0]
        xs[1][2] = -xs[1][5]
    add("duplicate_and_opposite_rows", {}, 6, 4, 2, dup)
    add("duplicate_rows/euclidean_sim", {"similarity_fct": "euclidean_sim"}, 6, 4, 2, dup)
    add("large_64x32/2_columns", {"aggregation": "sum"}, 64, 32, 2, maker=skewed)

    r = rng_for("rejected/gor")
    xs = [normal(r, 5, 3), normal(r, 5, 3)]
    rejected("gor/both_weights_zero", L, {"mean_weight": "0", "second_moment_weight": "0"}, xs)
    rejected("gor/both_weights_none", L, {"mean_weight": "none", "second_moment_weight": "none"}, xs)
    rejected("gor/unknown_aggregation", L, {"aggregation": "max"}, xs)


def build_cases():
    cosent_cases()
    angle_cases()
    mnrl_cases()
    mnsrl_cases()
    cached_mnrl_cases()
    cached_mnsrl_cases()
    gist_cases("GISTEmbedLoss", "gist", [None])
    gist_cases("CachedGISTEmbedLoss", "cached_gist", ["1", "3", "8"])
    gor_cases()
    for group in (CASES, REJECTED_CASES):
        names = [c["name"] for c in group]
        dupes = [n for n, k in Counter(names).items() if k > 1]
        if dupes:
            sys.exit("duplicate case names: %s" % dupes)


def run_rejected(c):
    try:
        evaluate(c["loss"], c["params"], c["inputs"], c.get("labels"), c.get("guides"))
    except (ValueError, TypeError, RuntimeError, IndexError, AttributeError) as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        rec = OrderedDict([("name", c["name"]), ("loss", c["loss"]), ("reference", REFERENCE_VERSION),
                           ("params", OrderedDict(c["params"])),
                           ("input_shapes", [list(a.shape) for a in c["inputs"]]),
                           ("labels", "none" if c.get("labels") is None else "float32[%d]" % len(c["labels"])),
                           ("error", type(e).__name__), ("message", msg)])
        return rec
    raise RuntimeError("%s: expected the reference to refuse these settings, but it ran" % c["name"])


def main():
    global TOKENIZER
    if os.environ.get("PYTHONHASHSEED") != "0":
        # some reference error messages print Python sets; fix the hash seed so that
        # rejected.jsonl is byte-for-byte reproducible
        os.execve(sys.executable, [sys.executable] + sys.argv, dict(os.environ, PYTHONHASHSEED="0"))
    check_provenance()
    warnings.simplefilter("ignore")
    for logger_name in ("sentence_transformers", "transformers"):
        logging.getLogger(logger_name).setLevel(logging.ERROR)
    torch.manual_seed(BASE_SEED)
    torch.set_num_threads(1)
    TOKENIZER = make_tokenizer()
    build_cases()

    lines, per_loss, nonfinite = [], Counter(), []
    for c in CASES:
        rec = run_case(c)  # any failure stops the run: every listed case must be computable
        line = json.dumps(rec, allow_nan=False, separators=(",", ":"))
        if '"nan"' in line or '"inf"' in line or '"-inf"' in line:
            nonfinite.append(c["name"])
        lines.append(line)
        per_loss[c["loss"]] += 1
    with open(OUT_PATH, "w", encoding="utf-8") as f:
        for line in lines:
            f.write(line + "\n")

    rejected_lines = [json.dumps(run_rejected(c), allow_nan=False, separators=(",", ":")) for c in REJECTED_CASES]
    with open(REJECTED_PATH, "w", encoding="utf-8") as f:
        for line in rejected_lines:
            f.write(line + "\n")

    print("\nwrote %d cases to %s (%.2f MB)" % (len(lines), OUT_PATH, os.path.getsize(OUT_PATH) / 1e6))
    for loss in PARAM_PARSERS:
        print("  %-46s %3d" % (loss, per_loss[loss]))
    print("wrote %d refused configurations to %s" % (len(rejected_lines), REJECTED_PATH))
    if nonfinite:
        print("cases with non-finite numbers (written as strings): %s" % ", ".join(nonfinite))


if __name__ == "__main__":
    main()
