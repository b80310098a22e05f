#!/usr/bin/env python3
"""Writes the guide files of samples/sentences/: a guide model's embedding of every text, for
GISTEmbedLoss (`load ... guide=FILE guide_key=NAME`).

The guide is all-MiniLM-L6-v2 compressed to 64 dimensions: the 600 committed MiniLM vectors
(topics.npy, made by make_embeddings.py) projected on their first 64 principal axes and
normalised again. It keeps the model's notion of which sentences are close, in another
dimension than the data's 384, so a lesson can train a small model against it. Needs only
numpy (2.4.6 was used); deterministic: each axis's sign is fixed so that its largest
coordinate is positive, and `--check` compares the committed files with a fresh run.

Files written:
  guide.npz           "topics" (600 x 64, float32): a row per topics.npy item, same order;
                      "paraphrases" (360 x 64): a row per paraphrases.npy item, same order
  pairs.guide.jsonl   one record per line of pairs.jsonl, same order: {"guide": [[anchor's 64],
                      [positive's 64]]}, rounded to 4 decimals
"""
import io
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DIMENSIONS = 64
DECIMALS = 4


def texts_of(tsv):
    with open(os.path.join(HERE, tsv), encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        column = header.index("text")
        return [line.rstrip("\n").split("\t")[column] for line in handle]


def main():
    check = "--check" in sys.argv[1:]
    vectors = np.load(os.path.join(HERE, "topics.npy")).astype(np.float64)
    texts = texts_of("topics.labels.tsv")
    row = {text: index for index, text in enumerate(texts)}

    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    axes = axes[:DIMENSIONS]
    axes *= np.sign(axes[np.arange(DIMENSIONS), np.abs(axes).argmax(axis=1)])[:, None]
    guide = centred @ axes.T
    guide /= np.linalg.norm(guide, axis=1, keepdims=True)
    guide = guide.astype(np.float32)
    kept = np.linalg.svd(centred, compute_uv=False) ** 2
    print(f"{DIMENSIONS} of {vectors.shape[1]} axes keep {kept[:DIMENSIONS].sum() / kept.sum():.1%} of the variance")

    paraphrases = [row[text] for text in texts_of("paraphrases.labels.tsv")]
    archive = {"topics": guide, "paraphrases": guide[paraphrases]}

    lines = []
    with open(os.path.join(HERE, "pairs.jsonl"), encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            pair = [record["anchor"], record["positive"]]
            vectors_of_pair = [[round(float(x), DECIMALS) for x in guide[row[text]]] for text in pair]
            lines.append(json.dumps({"guide": vectors_of_pair}, separators=(",", ":")) + "\n")
    records = "".join(lines)

    archive_path = os.path.join(HERE, "guide.npz")
    records_path = os.path.join(HERE, "pairs.guide.jsonl")
    if check:
        differences = []
        with np.load(archive_path) as committed:
            for key, value in archive.items():
                if key not in committed or not np.allclose(committed[key], value, atol=1e-5):
                    differences.append(f"guide.npz: '{key}' differs")
        with open(records_path, encoding="utf-8") as handle:
            if handle.read() != records:
                differences.append("pairs.guide.jsonl differs (the last decimal may differ on another CPU)")
        print("\n".join(differences) if differences else "all files match a fresh run")
        sys.exit(1 if differences else 0)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **archive)
    with open(archive_path, "wb") as handle:
        handle.write(buffer.getvalue())
    with open(records_path, "w", encoding="utf-8") as handle:
        handle.write(records)
    for path in (archive_path, records_path):
        print(f"wrote {os.path.basename(path)} ({os.path.getsize(path) / 1024:.0f} KiB)")


if __name__ == "__main__":
    main()
