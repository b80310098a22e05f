#!/usr/bin/env python3
"""Golden values for LossLab's TSDAE decoder (Sources/LossKit/Denoising), from PyTorch.

What this checks: LossLab's OWN small TSDAE architecture -- a one-layer torch.nn.GRU whose
initial hidden state is the sentence embedding, fed the start token (id 0) and then the target
tokens shifted by one, with logits h_t . E^T + output_bias where E is the encoder's token table
(tied: the same tensor is the decoder's input embedding and output projection), and
F.cross_entropy(ignore_index=0) averaged over the non-padding targets -- computed by PyTorch's
autograd in float64. The "tsdae_*" cases put LossLab's bag-of-words encoder (mean of the token
rows, padding id 0 left out, optionally followed by F.normalize) in front, so the gradient of
the tied table is the sum of the encoder's and the decoder's uses.

What this does NOT check: sentence-transformers' DenoisingAutoEncoderLoss itself, whose decoder
is a pretrained HuggingFace transformer with cross-attention; building it needs model files
from the HuggingFace hub, which are not available here. Only the objective's structure (noise
on the input, reconstruction of the original, causal shift, tied embeddings, ignore_index
cross-entropy) is shared with it.

Run from anywhere: python3 generate.py  (writes cases.json next to this file).
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
START = 0
PAD = 0


def tensor_json(t):
    t = t.detach()
    return {"shape": list(t.shape), "data": [float(v) for v in t.reshape(-1).tolist()]}


def pad(lists, length=None):
    length = max([len(x) for x in lists] + [0]) if length is None else length
    return torch.tensor([x + [PAD] * (length - len(x)) for x in lists], dtype=torch.long).reshape(len(lists), length)


def random_parameters(generator, vocab, dim, scale):
    def normal(*shape):
        return (torch.randn(*shape, generator=generator) * scale).requires_grad_()

    return {
        "tokens.weight": normal(vocab, dim),
        "decoder.weight_ih": normal(3 * dim, dim),
        "decoder.weight_hh": normal(3 * dim, dim),
        "decoder.bias_ih": normal(1, 3 * dim),
        "decoder.bias_hh": normal(1, 3 * dim),
        "decoder.output_bias": normal(1, vocab),
    }


def decode(params, embeddings, targets):
    """Loss and token accuracy of the GRU decoder on padded targets (B, L)."""
    table = params["tokens.weight"]
    dim = table.shape[1]
    batch, steps = targets.shape
    gru = torch.nn.GRU(dim, dim, num_layers=1, batch_first=True)
    with torch.no_grad():
        gru.weight_ih_l0.copy_(params["decoder.weight_ih"])
        gru.weight_hh_l0.copy_(params["decoder.weight_hh"])
        gru.bias_ih_l0.copy_(params["decoder.bias_ih"].reshape(-1))
        gru.bias_hh_l0.copy_(params["decoder.bias_hh"].reshape(-1))
    start = torch.full((batch, 1), START, dtype=torch.long)
    inputs = torch.cat([start, targets[:, :-1]], dim=1)  # causal shift
    x = F.embedding(inputs, table)  # tied input embedding; no padding_idx, row 0 is the start embedding
    outputs, _ = gru(x, embeddings.unsqueeze(0))
    logits = outputs @ table.T + params["decoder.output_bias"]  # tied output projection
    flat_logits = logits.reshape(-1, table.shape[0])
    flat_targets = targets.reshape(-1)
    loss = F.cross_entropy(flat_logits, flat_targets, ignore_index=PAD)
    mask = flat_targets != PAD
    accuracy = (flat_logits.argmax(dim=1)[mask] == flat_targets[mask]).double().mean().item()
    return loss, accuracy, int(mask.sum().item()), gru


def bag_of_words(table, lists, normalize):
    ids = pad(lists)
    mask = (ids != PAD).unsqueeze(-1).to(table.dtype)
    summed = (F.embedding(ids, table) * mask).sum(dim=1)
    pooled = summed / mask.sum(dim=1).clamp(min=1e-9)
    return F.normalize(pooled, p=2, dim=1) if normalize else pooled


def parameter_gradients(params, gru):
    return {
        "tokens.weight": tensor_json(params["tokens.weight"].grad),
        "decoder.weight_ih": tensor_json(gru.weight_ih_l0.grad),
        "decoder.weight_hh": tensor_json(gru.weight_hh_l0.grad),
        "decoder.bias_ih": tensor_json(gru.bias_ih_l0.grad.reshape(1, -1)),
        "decoder.bias_hh": tensor_json(gru.bias_hh_l0.grad.reshape(1, -1)),
        "decoder.output_bias": tensor_json(params["decoder.output_bias"].grad),
    }


def decoder_case(name, seed, vocab, dim, targets, scale=0.5):
    generator = torch.Generator().manual_seed(seed)
    params = random_parameters(generator, vocab, dim, scale)
    embeddings = torch.randn(len(targets), dim, generator=generator).requires_grad_()
    loss, accuracy, count, gru = decode(params, embeddings, pad(targets))
    loss.backward()
    gradients = parameter_gradients(params, gru)
    gradients["embeddings"] = tensor_json(embeddings.grad)
    return {
        "name": name, "vocabulary_size": vocab, "dimension": dim, "targets": targets,
        "embeddings": tensor_json(embeddings),
        "parameters": {k: tensor_json(v) for k, v in params.items()},
        "expected": {"loss": loss.item(), "token_accuracy": accuracy, "target_count": count, "gradients": gradients},
    }


def tsdae_case(name, seed, vocab, dim, sentences, items, noisy, normalize, scale=0.5):
    generator = torch.Generator().manual_seed(seed)
    params = random_parameters(generator, vocab, dim, scale)
    embeddings = bag_of_words(params["tokens.weight"], noisy, normalize)
    embeddings.retain_grad()
    targets = [[t for t in sentences[i] if t != PAD] for i in items]
    loss, accuracy, count, gru = decode(params, embeddings, pad(targets))
    loss.backward()
    gradients = parameter_gradients(params, gru)
    gradients["embeddings"] = tensor_json(embeddings.grad)
    return {
        "name": name, "vocabulary_size": vocab, "dimension": dim,
        "encoder": {"sentences": sentences, "items": items, "noisy": noisy, "normalize": normalize},
        "embeddings": tensor_json(embeddings),
        "parameters": {k: tensor_json(v) for k, v in params.items()},
        "expected": {"loss": loss.item(), "token_accuracy": accuracy, "target_count": count, "gradients": gradients},
    }


def main():
    cases = [
        # Lengths 6, 1, 4: padding at the ends of the shorter rows.
        decoder_case("decoder_small", 11, 12, 5, [[3, 7, 7, 2, 11, 5], [9], [4, 1, 10, 6]]),
        # A padding id inside a row (ignored as a target, still fed as an input), an empty row,
        # and large weights so that some gates saturate.
        decoder_case("decoder_padding_inside", 12, 12, 5, [[5, 0, 8, 3], [], [2, 2, 2], [11, 4, 0]], scale=1.5),
        decoder_case("decoder_wider", 13, 25, 7,
                     [[17, 3, 22, 24, 8, 8, 12, 20, 2], [5, 6], [13, 21, 14, 1, 23], [9, 18, 19, 4], [16]], scale=0.4),
        # Whole TSDAE steps: sentences with padding, repeated items, given corrupted inputs.
        tsdae_case("tsdae_bag_of_words", 21, 20, 6,
                   sentences=[[4, 9, 13, 0, 0], [7, 7, 17, 2, 18], [15, 3], [11, 0, 19, 12, 6, 5], [1, 14, 8]],
                   items=[0, 3, 1, 3, 4], noisy=[[9], [19, 6], [7, 2], [11, 12], [14]], normalize=False),
        tsdae_case("tsdae_bag_of_words_normalized", 22, 20, 6,
                   sentences=[[4, 9, 13, 0, 0], [7, 7, 17, 2, 18], [15, 3], [11, 0, 19, 12, 6, 5], [1, 14, 8]],
                   items=[2, 1, 0, 4], noisy=[[3], [7, 17], [4, 13], [1, 8]], normalize=True),
    ]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases.json")
    with open(path, "w") as out:
        json.dump({"generator": "generate.py", "torch": torch.__version__, "cases": cases}, out, separators=(",", ":"))
        out.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
