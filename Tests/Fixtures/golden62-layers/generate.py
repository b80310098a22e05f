#!/usr/bin/env python3
"""Golden cases for AdaptiveLayerLoss and Matryoshka2dLoss from the real sentence-transformers 6.2.0 classes.

These losses train the layers of a model, so a case is a whole model, not a batch of embeddings:
a SentenceTransformer equal to LossLab's `encoder mlp layers=N` (the weights are the case's), the
batch's input vectors, and the real 6.2.0 loss around a real inner loss. The numbers written out
are the loss and the gradient of every encoder weight, from PyTorch's autograd in float64.

    CUDA_VISIBLE_DEVICES="" HF_HUB_OFFLINE=1 ~/st62/bin/python Tests/Fixtures/golden62-layers/generate.py

The model, module by module (what `Encoder.swift` computes for `.mlp(hidden, output, layers)`):
  0. LayeredVectors, a stand-in for the Transformer module (AdaptiveLayerLoss asserts that
     model[0] is one and reads its hidden states): h_1 = relu(x W_0 + b_0), h_k = relu(h_(k-1) W_k + b_k),
     each a one-token sequence; with output_hidden_states it returns all of them as
     all_layer_embeddings, as a Hugging Face model returns its hidden states (index 0: the first
     layer), and h_N as the token embeddings;
  1. Pooling (mean over the one token, which is the token itself);
  2. Dense(hidden, output, identity activation): LossLab's output layer;
  3. Normalize, when the case normalises.
So the embedding of layer k is Dense(h_k) (normalised), as 6.2.0 pools and projects any hidden
state of a transformer.

Conventions (cases.json, a list of objects):
  * loss, params: the class and the strings LossLab's settings take (`loss=NAME`, `loss.X=value`);
  * encoder: input, hidden, output, layers, normalize; weights: LossLab's names and layout
    (in, out), `mlp.0.weight` ... `mlp.(2N).bias`, row-major values;
  * vectors: (items, input) row-major; columns: the item ids of each sentence_features column;
    labels: floats (class ids as whole numbers) or absent;
  * chosen_layers: the earlier layers (6.2.0's indices) the case uses, in order: with
    n_layers_per_step sampling, random.sample is made to return them (LossLab takes the same
    list), otherwise every earlier layer;
  * expected: loss, and grads by weight name in LossLab's layout.
Self-check (not written out): every case's loss is recomputed by hand from the inner loss on each
layer's embeddings and the KL term as read in adaptive_layer.py, to 1e-9 relative.
"""

import json
import math
import os
import random
import types

import torch
import torch.nn.functional as F
from torch import nn

from sentence_transformers.base.modules import Dense, Normalize, Transformer
from sentence_transformers.sentence_transformer import SentenceTransformer, losses
from sentence_transformers.sentence_transformer.modules import Pooling

HERE = os.path.dirname(os.path.abspath(__file__))
OUT_PATH = os.path.join(HERE, "cases.json")
BASE_SEED = 20261201


class LayeredVectors(Transformer):
    """The mlp's ReLU layers in the place of a transformer: reads `vectors`, gives hidden states."""

    def __init__(self, weights, layers):
        nn.Module.__init__(self)
        self.model = nn.Module()
        self.model.config = types.SimpleNamespace(output_hidden_states=False)
        self.model.layers = nn.ModuleList()
        for k in range(layers):
            weight = torch.tensor(weights["mlp.%d.weight" % (2 * k)], dtype=torch.float64)
            bias = torch.tensor(weights["mlp.%d.bias" % (2 * k)], dtype=torch.float64).reshape(-1)
            linear = nn.Linear(weight.shape[0], weight.shape[1], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(weight.T)
                linear.bias.copy_(bias)
            self.model.layers.append(linear)

    def forward(self, features, **kwargs):
        h = features["vectors"]
        states = []
        for linear in self.model.layers:
            h = torch.relu(linear(h))
            states.append(h.unsqueeze(1))
        # Written into the features dict as Transformer.forward writes them.
        features["token_embeddings"] = states[-1]
        if self.model.config.output_hidden_states:
            features["all_layer_embeddings"] = tuple(states)
        return features


def build_model(case):
    enc = case["encoder"]
    weights = {name: torch.tensor(values, dtype=torch.float64).reshape(shape)
               for name, (shape, values) in case["weights_shaped"].items()}
    layers = enc["layers"]
    first = LayeredVectors({k: v.tolist() for k, v in weights.items()}, layers)
    pooling = Pooling(enc["hidden"], "mean")
    dense = Dense(enc["hidden"], enc["output"], activation_function=nn.Identity())
    dense = dense.double()
    with torch.no_grad():
        dense.linear.weight.copy_(weights["mlp.%d.weight" % (2 * layers)].T)
        dense.linear.bias.copy_(weights["mlp.%d.bias" % (2 * layers)].reshape(-1))
    modules = [first, pooling, dense] + ([Normalize()] if enc["normalize"] else [])
    model = SentenceTransformer(modules=modules, device="cpu")
    return model, first, dense


def inner_loss(model, name, params):
    own = {k[len("loss."):]: v for k, v in params.items() if k.startswith("loss.")}
    if name == "MultipleNegativesRankingLoss":
        return losses.MultipleNegativesRankingLoss(model, scale=float(own.get("scale", 20)))
    if name == "CoSENTLoss":
        return losses.CoSENTLoss(model, scale=float(own.get("scale", 20)))
    if name == "TripletLoss":
        return losses.TripletLoss(model, triplet_margin=float(own.get("triplet_margin", 5)))
    raise ValueError(name)


def number(params, name, default):
    return float(params[name]) if name in params else default


def wrapper(model, case):
    p = case["params"]
    base = inner_loss(model, p.get("loss", "MultipleNegativesRankingLoss"), p)
    common = dict(
        n_layers_per_step=int(p.get("n_layers_per_step", 1)),
        last_layer_weight=number(p, "last_layer_weight", 1.0),
        prior_layers_weight=number(p, "prior_layers_weight", 1.0),
        kl_div_weight=number(p, "kl_div_weight", 1.0),
        kl_temperature=number(p, "kl_temperature", 0.3),
        layer_weighting=p.get("layer_weighting", "uniform"),
    )
    if case["loss"] == "AdaptiveLayerLoss":
        return losses.AdaptiveLayerLoss(model, base, **common)
    dims = [int(d) for d in p["matryoshka_dims"].split(",")]
    weights = [float(w) for w in p["matryoshka_weights"].split(",")] if "matryoshka_weights" in p else None
    return losses.Matryoshka2dLoss(model, base, dims, matryoshka_weights=weights,
                                   n_dims_per_step=int(p.get("n_dims_per_step", 1)), **common)


def weight_names(layers):
    return ["mlp.%d.%s" % (2 * k, part) for k in range(layers + 1) for part in ("weight", "bias")]


def make_case(name, loss, params, layers, hidden=6, output=8, inputs=5, rows=6, columns=2, labels=None,
              normalize=False, chosen=None):
    rng = random.Random("%d/%s" % (BASE_SEED, name))
    shaped = {}
    for k in range(layers + 1):
        fan_in = inputs if k == 0 else hidden
        width = output if k == layers else hidden
        bound = 1 / math.sqrt(fan_in)
        shaped["mlp.%d.weight" % (2 * k)] = ([fan_in, width], [rng.uniform(-bound, bound) for _ in range(fan_in * width)])
        shaped["mlp.%d.bias" % (2 * k)] = ([1, width], [rng.uniform(-bound, bound) for _ in range(width)])
    items = rows * columns
    vectors = [rng.gauss(0, 1) for _ in range(items * inputs)]
    column_items = [[c * rows + r for r in range(rows)] for c in range(columns)]
    if labels == "scores":
        labels = [round(rng.uniform(0, 1), 3) for _ in range(rows)]
    return {
        "name": name, "loss": loss, "params": params,
        "encoder": {"input": inputs, "hidden": hidden, "output": output, "layers": layers, "normalize": normalize},
        "weights_shaped": shaped, "vectors": vectors, "columns": column_items, "labels": labels,
        "chosen_layers": chosen if chosen is not None else list(range(layers - 1)),
    }


def run(case):
    model, first, dense = build_model(case)
    loss = wrapper(model, case)
    inputs = case["encoder"]["input"]
    x = torch.tensor(case["vectors"], dtype=torch.float64).reshape(-1, inputs)
    features = [{"vectors": x[ids], "attention_mask": torch.ones(len(ids), 1, dtype=torch.int64)} for ids in case["columns"]]
    labels = torch.tensor(case["labels"], dtype=torch.float64) if case["labels"] is not None else None
    if labels is None:
        labels = torch.zeros(len(case["columns"][0]))
    scripted = [list(case["chosen_layers"])]
    original_sample = random.sample

    def sample(population, k):
        # AdaptiveLayerLoss's one draw: the case's layers (the dimension draws are off: n_dims_per_step=-1).
        assert scripted, "random.sample called more than once"
        chosen = scripted.pop()
        assert len(chosen) == k and set(chosen) <= set(population), (chosen, k, list(population))
        return chosen

    random.sample = sample
    try:
        value = loss(features, labels)
    finally:
        random.sample = original_sample
    value.backward()
    layers = case["encoder"]["layers"]
    wanted = int(case["params"].get("n_layers_per_step", 1))
    assert (not scripted) == (0 < wanted < layers - 1), "the layer draw happened exactly when 6.2.0 samples"
    grads = {}
    for k, linear in enumerate(first.model.layers):
        grads["mlp.%d.weight" % (2 * k)] = linear.weight.grad.T.reshape(-1).tolist()
        grads["mlp.%d.bias" % (2 * k)] = linear.bias.grad.reshape(-1).tolist()
    grads["mlp.%d.weight" % (2 * layers)] = dense.linear.weight.grad.T.reshape(-1).tolist()
    grads["mlp.%d.bias" % (2 * layers)] = dense.linear.bias.grad.reshape(-1).tolist()
    return float(value.detach()), grads, features, labels


def by_hand(case):
    """The loss recomputed from adaptive_layer.py's formula with the inner loss on each layer."""
    model, first, dense = build_model(case)
    p = case["params"]
    inputs = case["encoder"]["input"]
    x = torch.tensor(case["vectors"], dtype=torch.float64).reshape(-1, inputs)
    normalize = case["encoder"]["normalize"]

    def embed(ids):
        h, out = x[ids], []
        for linear in first.model.layers:
            h = torch.relu(linear(h))
            e = dense.linear(h)
            out.append(F.normalize(e, dim=-1) if normalize else e)
        return out

    per_column = [embed(ids) for ids in case["columns"]]
    labels = torch.tensor(case["labels"], dtype=torch.float64) if case["labels"] is not None else torch.zeros(len(case["columns"][0]))

    class Fixed(nn.Module):
        def __init__(self, layer):
            super().__init__()
            self.layer = layer
            self.call = 0

        def forward(self, features):
            embedding = per_column[self.call % len(per_column)][self.layer]
            self.call += 1
            return {"sentence_embedding": embedding}

    def inner_at(layer):
        fixed = Fixed(layer)
        if case["loss"] == "AdaptiveLayerLoss":
            return inner_loss(fixed, p.get("loss", "MultipleNegativesRankingLoss"), p)(features_stub, labels)
        dims = [int(d) for d in p["matryoshka_dims"].split(",")]
        weights = [float(w) for w in p["matryoshka_weights"].split(",")] if "matryoshka_weights" in p else [1] * len(dims)
        total = 0.0
        for d, w in sorted(zip(dims, weights), key=lambda t: -t[0]):
            class Cut(nn.Module):
                def __init__(self):
                    super().__init__()
                    self.call = 0

                def forward(self, features):
                    e = per_column[self.call % len(per_column)][layer]
                    self.call += 1
                    return {"sentence_embedding": F.normalize(e[:, :d], dim=-1)}
            total = total + w * inner_loss(Cut(), p.get("loss", "MultipleNegativesRankingLoss"), p)(features_stub, labels)
        return total

    features_stub = [{} for _ in case["columns"]]
    layers = case["encoder"]["layers"]
    t = number(p, "kl_temperature", 0.3)
    weighting = p.get("layer_weighting", "uniform")
    weight = {"uniform": lambda i: 1.0, "log": lambda i: 1 / (1 + math.log(1 + i)), "linear": lambda i: 1 / (1 + i)}[weighting]
    total = inner_at(layers - 1) * number(p, "last_layer_weight", 1.0)
    final = torch.cat([per_column[c][layers - 1] for c in range(len(per_column))])
    teacher = F.softmax(final / t, dim=-1) if t > 0 else None
    chosen = case["chosen_layers"]
    for i in chosen:
        total = total + inner_at(i) * weight(i) / len(chosen) * number(p, "prior_layers_weight", 1.0)
        if t > 0:
            student = torch.cat([per_column[c][i] for c in range(len(per_column))])
            log_q = F.log_softmax(student / t, dim=-1)
            kl = (teacher * (teacher.log() - log_q)).sum() / student.shape[0]
            total = total + kl * t * number(p, "kl_div_weight", 1.0)
    return float(total)


def cases():
    al, m2d = "AdaptiveLayerLoss", "Matryoshka2dLoss"
    mnrl = {"loss": "MultipleNegativesRankingLoss", "n_layers_per_step": "-1"}
    yield make_case("al/mnrl/3_layers/defaults_all_layers", al, dict(mnrl), layers=3)
    yield make_case("al/mnrl/2_layers/default_sampling_covers_the_one_earlier_layer", al, {"loss": "MultipleNegativesRankingLoss"}, layers=2)
    yield make_case("al/mnrl/3_negatives_columns/no_kl", al, dict(mnrl, **{"kl_temperature": "0", "loss.scale": "7"}),
                    layers=3, columns=3)
    yield make_case("al/mnrl/normalized/log_weighting/weights", al,
                    dict(mnrl, layer_weighting="log", last_layer_weight="0.7", prior_layers_weight="1.3",
                         kl_div_weight="0.5", kl_temperature="0.5"), layers=4, normalize=True)
    yield make_case("al/mnrl/sampled_2_of_4/linear", al,
                    {"loss": "MultipleNegativesRankingLoss", "n_layers_per_step": "2", "layer_weighting": "linear"},
                    layers=5, chosen=[3, 0])
    yield make_case("al/mnrl/sampled_1_of_3", al, {"loss": "MultipleNegativesRankingLoss"}, layers=4, chosen=[1])
    yield make_case("al/cosent/scores/temperature_2", al,
                    {"loss": "CoSENTLoss", "n_layers_per_step": "-1", "kl_temperature": "2", "loss.scale": "10"},
                    layers=3, labels="scores")
    yield make_case("al/triplet/normalized", al,
                    {"loss": "TripletLoss", "n_layers_per_step": "0", "loss.triplet_margin": "0.5"},
                    layers=3, columns=3, normalize=True)
    yield make_case("m2d/mnrl/all_dims_all_layers", m2d,
                    {"loss": "MultipleNegativesRankingLoss", "matryoshka_dims": "8,4,2", "n_dims_per_step": "-1", "n_layers_per_step": "-1"},
                    layers=3)
    yield make_case("m2d/mnrl/weights/log/normalized", m2d,
                    {"loss": "MultipleNegativesRankingLoss", "matryoshka_dims": "3,8,5", "matryoshka_weights": "0.5,1,2",
                     "n_dims_per_step": "-1", "n_layers_per_step": "-1", "layer_weighting": "log", "kl_temperature": "0.4"},
                    layers=3, normalize=True)
    yield make_case("m2d/cosent/sampled_layer", m2d,
                    {"loss": "CoSENTLoss", "matryoshka_dims": "8,6,3", "n_dims_per_step": "-1", "kl_div_weight": "2",
                     "prior_layers_weight": "0.5"},
                    layers=4, labels="scores", chosen=[2])


def main():
    torch.manual_seed(0)
    written = []
    for case in cases():
        value, grads, _, _ = run(case)
        check = by_hand(case)
        assert abs(value - check) <= 1e-9 * max(1, abs(value)), (case["name"], value, check)
        layers = case["encoder"]["layers"]
        case["weights"] = {name: case["weights_shaped"][name][1] for name in weight_names(layers)}
        del case["weights_shaped"]
        case["expected"] = {"loss": value, "grads": grads}
        written.append(case)
        print("%-60s loss %.12g" % (case["name"], value))
    with open(OUT_PATH, "w") as f:
        json.dump(written, f, indent=1)
        f.write("\n")
    print("wrote %d cases to %s" % (len(written), OUT_PATH))


if __name__ == "__main__":
    main()
