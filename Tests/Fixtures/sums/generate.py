#!/usr/bin/env python3
"""Golden cases for LossLab's weighted loss sums (`loss A + 0.1 * B`), from the real
sentence-transformers 6.2 loss classes in float64.

A sum is computed the way a 6.2 user trains one: a small nn.Module calls each loss on the same
features and returns its weighted terms as a dict; the 6.2 trainer sums the dict's values
(SentenceTransformerTrainer.compute_loss stacks them) and back-propagates that total. Each case
is one line of cases.jsonl in the format of Tests/Fixtures/golden*/cases.jsonl, with the sum in
"loss" as `losslab eval --loss` takes it and the weighted terms under "terms".

    CUDA_VISIBLE_DEVICES="" HF_HUB_OFFLINE=1 ~/st62/bin/python Tests/Fixtures/sums/generate.py
"""

import json
import math
import os
from collections import OrderedDict

import numpy as np
import torch
from torch import nn

import sentence_transformers
from sentence_transformers import util
from sentence_transformers.sentence_transformer import losses

assert sentence_transformers.__version__.startswith("6.2"), sentence_transformers.__version__
torch.set_default_dtype(torch.float64)


class Columns(nn.Module):
    """Stands in for the model: a column's features are its embeddings."""

    def __init__(self):
        super().__init__()
        self.first = nn.Identity()
        self.device = torch.device("cpu")

    def __getitem__(self, index):
        return self.first

    def forward(self, features):
        return {"sentence_embedding": features["emb"]}


def number(x):
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def array_json(a):
    a = np.asarray(a)
    return OrderedDict([("shape", list(a.shape)), ("data", [number(v) for v in a.reshape(-1).tolist()])])


def weighted_terms(terms, features, labels):
    """The summing module's forward: {term name: weight * value}, a loss's own dict entries weighted one by one."""
    out = OrderedDict()
    for names, weight, loss in terms:
        value = loss(features, labels)
        values = list(value.values()) if isinstance(value, dict) else [value]
        assert len(values) == len(names), (names, values)
        for name, v in zip(names, values):
            out[name] = weight * v
    return out


def case(name, text, terms, columns, labels=None, weights=None):
    leaves = [torch.tensor(c, requires_grad=True) for c in columns]
    features = [{"emb": leaf} for leaf in leaves]
    labels_t = None if labels is None else torch.tensor(labels)
    out = weighted_terms(terms, features, labels_t)
    total = torch.stack(list(out.values())).sum()
    total.backward()
    expected = OrderedDict([("loss", number(total.item())),
                            ("terms", OrderedDict((k, number(v.item())) for k, v in out.items())),
                            ("grad_inputs", [array_json(leaf.grad.numpy()) for leaf in leaves])])
    line = OrderedDict([("name", name), ("loss", text), ("reference", "6.2.0"), ("params", {}),
                        ("inputs", [array_json(c.astype(np.float32).astype(np.float64)) for c in columns])])
    if labels is not None:
        line["labels"] = OrderedDict([("dtype", "int64" if labels.dtype == np.int64 else "float32"), ("shape", list(labels.shape)),
                                      ("data", [number(v) for v in labels.reshape(-1).tolist()])])
    if weights:
        line["weights"] = OrderedDict((k, array_json(p.detach().numpy())) for k, p in weights.items())
        expected["grad_weights"] = OrderedDict((k, array_json(p.grad.numpy())) for k, p in weights.items())
    line["expected"] = expected
    return line


def main():
    rng = np.random.default_rng(14)
    model = Columns()

    def columns(count, rows, dim):
        # float32-representable values, so that the float32 JSON inputs are these exactly.
        return [rng.standard_normal((rows, dim)).astype(np.float32).astype(np.float64) for _ in range(count)]

    gor = ["gor_mean", "gor_second_moment"]
    lines = []
    lines.append(case("mnrl+gor", "MultipleNegativesRankingLoss scale=20 + 0.1 * GlobalOrthogonalRegularizationLoss",
                      [(["MultipleNegativesRankingLoss"], 1.0, losses.MultipleNegativesRankingLoss(model, scale=20.0)),
                       (gor, 0.1, losses.GlobalOrthogonalRegularizationLoss(model))], columns(3, 8, 6)))
    scores = rng.uniform(0, 1, 7).astype(np.float32)
    lines.append(case("cosent+gor-sum", "CoSENTLoss scale=10 + 0.5 * GlobalOrthogonalRegularizationLoss aggregation=sum mean_weight=2",
                      [(["CoSENTLoss"], 1.0, losses.CoSENTLoss(model, scale=10.0)),
                       (gor, 0.5, losses.GlobalOrthogonalRegularizationLoss(model, aggregation="sum", mean_weight=2.0))],
                      columns(2, 7, 5), labels=scores))
    softmax = losses.SoftmaxLoss(model, embedding_dimension=4, num_labels=3)
    with torch.no_grad():
        for p in softmax.classifier.parameters():
            p.copy_(torch.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32).astype(np.float64)))
    classes = np.array([0, 2, 1, 1, 0, 2], dtype=np.int64)
    lines.append(case("softmax+gor", "SoftmaxLoss num_labels=3 + -0.25 * GlobalOrthogonalRegularizationLoss second_moment_weight=none",
                      [(["SoftmaxLoss"], 1.0, softmax),
                       (["gor_mean"], -0.25, losses.GlobalOrthogonalRegularizationLoss(model, second_moment_weight=None))],
                      columns(2, 6, 4), labels=classes,
                      weights=OrderedDict([("losses.0.classifier.weight", softmax.classifier.weight),
                                           ("losses.0.classifier.bias", softmax.classifier.bias)])))
    lines.append(case("mnrl+mnrl", "MultipleNegativesRankingLoss + 0.5 * MultipleNegativesRankingLoss scale=5 similarity_fct=dot_score",
                      [(["MultipleNegativesRankingLoss"], 1.0, losses.MultipleNegativesRankingLoss(model)),
                       (["MultipleNegativesRankingLoss_2"], 0.5, losses.MultipleNegativesRankingLoss(model, scale=5.0, similarity_fct=util.dot_score))],
                      columns(2, 5, 3)))
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.jsonl")
    with open(path, "w") as f:
        for line in lines:
            f.write(json.dumps(line, separators=(",", ":")) + "\n")
    print("wrote %d cases to %s" % (len(lines), path))


if __name__ == "__main__":
    main()
