"""Times forward + backward of sentence-transformers 6.2.0's ranking, guided, regulariser,
distillation and contrastive-tension losses, and MatryoshkaLoss around MultipleNegativesRankingLoss
(dims: the width, its half, quarter and eighth, LossLab's default), on random float32 embeddings,
the PyTorch side of LossLab's `losslab bench` for them.

The layer losses (AdaptiveLayerLoss, and Matryoshka2dLoss with every dimension at each layer) train
a model's layers, so their case is one whole training step instead: a SentenceTransformer equal to
LossLab's `encoder mlp hidden=D dim=D layers=3` on random (rows, D) input vectors, built as the
layer losses' golden cases build it (Tests/Fixtures/golden62-layers/generate.py), in float32; the
forward pass, the loss and the backward pass into every weight are timed. Each side samples its
one earlier layer per step from its own seeded generator (Python's `random`, seeded once).

The "model" is a small nn.Module whose forward hands back the embedding tensor of its feature
dict (a leaf that requires grad), so the loss is timed on the embeddings alone; cached losses
slice that dict per mini-batch, as their GradCache code does. Prints one JSON object per case:
{"loss", "batch", "dim", "median_ms", "repeats", "status"}. The process's data segment is
capped (--memory-gb, default 12): a case that needs more (6.2.0's GISTEmbedLoss broadcasts a
(B, B, D) tensor per similarity matrix, about 24 GB at 1024 x 768) is reported with status
"out of memory" instead of the kernel killing the whole run.

Usage: python torch62_new_losses.py [--loss NAME ...] [--batch N ...] [--dim D] [--seconds S] [--threads T]
                                    [--memory-gb G]
"""
import argparse
import gc
import json
import random
import resource
import statistics
import time
import types

import torch
from torch import nn
from sentence_transformers.sentence_transformer import losses

LOSSES = ["MultipleNegativesRankingLoss", "MultipleNegativesSymmetricRankingLoss",
          "CachedMultipleNegativesRankingLoss", "CachedMultipleNegativesSymmetricRankingLoss",
          "GISTEmbedLoss", "CachedGISTEmbedLoss", "GlobalOrthogonalRegularizationLoss",
          "MarginMSELoss", "DistillKLDivLoss", "EmbedDistillLoss", "ContrastiveTensionLoss",
          "ContrastiveTensionLossInBatchNegatives", "MatryoshkaLoss", "CoSENTLoss", "AnglELoss",
          "AdaptiveLayerLoss", "Matryoshka2dLoss"]
# The layer losses' model: LossLab's BenchCase.layeredEncoder (mlp, hidden = output = input = dim).
LAYER_LOSSES = ("AdaptiveLayerLoss", "Matryoshka2dLoss")
LAYERS = 3
# The columns and labels `losslab bench` gives each loss (BenchCase.makeBatch): the query and
# two candidates with the teacher's score of each, one column with a teacher embedding per row,
# pairs with 1/0 labels, pairs with uniform scores in [0, 1).
COLUMNS = {"GlobalOrthogonalRegularizationLoss": 1, "MarginMSELoss": 3, "DistillKLDivLoss": 3, "EmbedDistillLoss": 1}


def make_labels(name, batch, dim):
    if name in ("MarginMSELoss", "DistillKLDivLoss"):
        return torch.randn(batch, 2)
    if name == "EmbedDistillLoss":
        return torch.randn(batch, dim)
    if name == "ContrastiveTensionLoss":
        return (torch.arange(batch) % 2).float()
    if name in ("CoSENTLoss", "AnglELoss"):
        return torch.rand(batch)
    return None


def one_word_tokenizer():
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from transformers import PreTrainedTokenizerFast
    return PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocab={"[UNK]": 0}, unk_token="[UNK]")))


class Passthrough(nn.Module):
    """Returns features[key] as the sentence embedding; enough of a SentenceTransformer for the losses' checks."""

    def __init__(self, key, tokenizer, dim=None):
        super().__init__()
        self.key = key
        self.dim = dim
        self.tokenizer = tokenizer
        self.max_seq_length = 512
        self.inner = nn.Identity()

    def __getitem__(self, index):
        return self.inner

    def get_embedding_dimension(self):
        return None

    def forward(self, features):
        return {"sentence_embedding": features[self.key]}

    def get_embedding_dimension(self):
        return self.dim


def matryoshka_dims(dim):
    """LossLab's default: the width, its half, quarter and eighth."""
    return [d for d in dict.fromkeys(dim // k for k in (1, 2, 4, 8)) if d > 0]


def make_loss(name, tokenizer, dim):
    model = Passthrough("emb", tokenizer, dim)
    if name == "MatryoshkaLoss":
        # around MultipleNegativesRankingLoss, LossLab's default inner loss
        return losses.MatryoshkaLoss(model, losses.MultipleNegativesRankingLoss(model), matryoshka_dims(dim))
    if "GIST" in name:
        return getattr(losses, name)(model, guide=Passthrough("guide", tokenizer))
    return getattr(losses, name)(model)


def layered_model(dim, layers):
    """A SentenceTransformer computing LossLab's `mlp` encoder with `layers` ReLU layers, all
    `dim` wide: the golden cases' construction (a Transformer stand-in giving hidden states,
    mean pooling over one token, a Dense output layer), float32, nn.Linear's own initialisation."""
    from sentence_transformers.base.modules import Dense, Transformer
    from sentence_transformers.sentence_transformer import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Pooling

    class LayeredVectors(Transformer):
        def __init__(self):
            nn.Module.__init__(self)
            self.model = nn.Module()
            self.model.config = types.SimpleNamespace(output_hidden_states=False)
            self.model.layers = nn.ModuleList([nn.Linear(dim, dim) for _ in range(layers)])

        def forward(self, features, **kwargs):
            h = features["vectors"]
            states = []
            for linear in self.model.layers:
                h = torch.relu(linear(h))
                states.append(h.unsqueeze(1))
            features["token_embeddings"] = states[-1]
            if self.model.config.output_hidden_states:
                features["all_layer_embeddings"] = tuple(states)
            return features

    modules = [LayeredVectors(), Pooling(dim, "mean"), Dense(dim, dim, activation_function=nn.Identity())]
    return SentenceTransformer(modules=modules, device="cpu")


def make_layer_loss(name, dim):
    model = layered_model(dim, LAYERS)
    inner = losses.MultipleNegativesRankingLoss(model)
    if name == "AdaptiveLayerLoss":
        return model, losses.AdaptiveLayerLoss(model, inner)
    # Every dimension at each layer (n_dims_per_step=-1), so that both sides do the same work
    # whichever dimensions a sampler would pick; one earlier layer per step, as by default.
    return model, losses.Matryoshka2dLoss(model, inner, matryoshka_dims(dim), n_dims_per_step=-1)


def layer_step(name, batch, dim):
    """One training step's forward + loss + backward, as a closure, and what to free after."""
    model, loss = make_layer_loss(name, dim)
    vectors = [torch.randn(batch, dim) for _ in range(2)]
    ones = torch.ones(batch, 1, dtype=torch.int64)
    labels = torch.zeros(batch)

    def step():
        features = [{"vectors": v, "attention_mask": ones} for v in vectors]
        loss(features, labels).backward()
        for parameter in model.parameters():
            parameter.grad = None

    return step, (model, loss, vectors)


def median_ms(budget, body):
    body()
    times = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < budget and len(times) < 50):
        t0 = time.perf_counter()
        body()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--loss", action="append", default=[])
    parser.add_argument("--batch", action="append", type=int, default=[])
    parser.add_argument("--dim", type=int, default=768)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--memory-gb", type=float, default=12.0)
    args = parser.parse_args()
    limit = int(args.memory_gb * 2**30)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, resource.getrlimit(resource.RLIMIT_DATA)[1]))
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    tokenizer = one_word_tokenizer()
    random.seed(0)
    for name in args.loss or LOSSES:
        for batch in args.batch or [256, 1024]:
            if name in LAYER_LOSSES:
                step, held = layer_step(name, batch, args.dim)
                result = {"loss": name, "batch": batch, "dim": args.dim, "layers": LAYERS}
                ms, repeats = median_ms(args.seconds, step)
                result.update(median_ms=round(ms, 3), repeats=repeats, status="ok")
                del step, held
                gc.collect()
                print(json.dumps(result), flush=True)
                continue
            loss = make_loss(name, tokenizer, args.dim)
            columns = [torch.randn(batch, args.dim, requires_grad=True) for _ in range(COLUMNS.get(name, 2))]
            guides = [torch.randn(batch, args.dim) for _ in columns]
            labels = make_labels(name, batch, args.dim)

            def step():
                features = [{"emb": c, "guide": g} for c, g in zip(columns, guides)]
                out = loss(features, labels)
                if isinstance(out, dict):
                    out = torch.stack(list(out.values())).sum()
                out.backward()
                for c in columns:
                    c.grad = None

            result = {"loss": name, "batch": batch, "dim": args.dim}
            try:
                ms, repeats = median_ms(args.seconds, step)
                result.update(median_ms=round(ms, 3), repeats=repeats, status="ok")
            except (RuntimeError, MemoryError) as error:
                if "memory" not in str(error).lower():
                    raise
                result.update(status=f"out of memory (over {args.memory_gb:g} GB)")
            del loss, columns, guides, labels, step
            gc.collect()
            print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
