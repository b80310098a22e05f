import LossData

/// The sentence-transformers evaluator that measures what LossLab's held-out evaluation
/// reports for a data shape (see HeldOutEvaluation), on the script's test rows.
struct TrainingScriptEvaluator {
    /// Names imported from sentence_transformers.sentence_transformer.evaluation.
    var imports: [String]
    /// `def make_evaluator(...)`.
    var definition: String
    /// How main() calls it.
    var call: String

    static func make(shape: DatasetShape, tokenLevel: Bool, data: TrainingScriptData) -> TrainingScriptEvaluator? {
        if tokenLevel || shape == .sentences {
            // Sentences: LossLab reports topic retrieval when the sentences have classes.
            guard data.test.contains(where: { $0.name == "label" }) else { return nil }
            return retrieval(text: data.textColumn)
        }
        switch shape {
        case .labelledItems: return retrieval(text: data.textColumn)
        case .scoredPairs:
            return TrainingScriptEvaluator(imports: ["EmbeddingSimilarityEvaluator"], definition: """
                def make_evaluator(train_dataset, eval_dataset):
                    \"\"\"LossLab's held-out `spearman`: Spearman correlation of cos(u, v) with the score.\"\"\"
                    return EmbeddingSimilarityEvaluator(
                        sentences1=eval_dataset["sentence1"], sentences2=eval_dataset["sentence2"], scores=eval_dataset["score"], name="heldout"
                    )
                """, call: "make_evaluator(train_dataset, eval_dataset)")
        case .binaryPairs:
            return TrainingScriptEvaluator(imports: ["BinaryClassificationEvaluator"], definition: """
                def make_evaluator(train_dataset, eval_dataset):
                    \"\"\"LossLab's held-out `pair_accuracy`: accuracy of cos(u, v) at its best threshold (cosine_accuracy).\"\"\"
                    return BinaryClassificationEvaluator(
                        sentences1=eval_dataset["sentence1"], sentences2=eval_dataset["sentence2"], labels=eval_dataset["label"], name="heldout"
                    )
                """, call: "make_evaluator(train_dataset, eval_dataset)")
        case .triplets, .teacherScored:
            let negative = data.test.contains { $0.name == "negative" } ? "negative" : "negative_1"
            return TrainingScriptEvaluator(imports: ["TripletEvaluator"], definition: """
                def make_evaluator(train_dataset, eval_dataset):
                    \"\"\"LossLab's held-out `triplet_accuracy`: the share of cos(a, p) > cos(a, n) (cosine_accuracy).\"\"\"
                    return TripletEvaluator(
                        anchors=eval_dataset["anchor"], positives=eval_dataset["positive"], negatives=eval_dataset["\(negative)"], name="heldout"
                    )
                """, call: "make_evaluator(train_dataset, eval_dataset)")
        case .anchorPositive:
            return TrainingScriptEvaluator(imports: ["InformationRetrievalEvaluator"], definition: """
                def make_evaluator(train_dataset, eval_dataset):
                    \"\"\"LossLab's held-out `retrieval_accuracy` and `mrr`: each test anchor ranks every test
                    positive; accuracy@1 and MRR of its own.\"\"\"
                    queries = {f"q{i}": text for i, text in enumerate(eval_dataset["anchor"])}
                    corpus = {f"d{i}": text for i, text in enumerate(eval_dataset["positive"])}
                    relevant = {f"q{i}": {f"d{i}"} for i in range(len(queries))}
                    return InformationRetrievalEvaluator(
                        queries, corpus, relevant, accuracy_at_k=[1], precision_recall_at_k=[1],
                        mrr_at_k=[len(corpus)], ndcg_at_k=[10], map_at_k=[100], name="heldout",
                    )
                """, call: "make_evaluator(train_dataset, eval_dataset)")
        case .classPairs:
            return TrainingScriptEvaluator(imports: ["SentenceEvaluator"], definition: """
                class ClassifierAccuracyEvaluator(SentenceEvaluator):
                    \"\"\"LossLab's held-out `accuracy` for class pairs: the share of test pairs the loss's
                    classifier labels right. (LabelAccuracyEvaluator needs the v2 fit API's collate.)\"\"\"

                    def __init__(self, dataset, loss, name="heldout", batch_size=32):
                        super().__init__()
                        self.dataset, self.loss, self.name, self.batch_size = dataset, loss, name, batch_size
                        self.primary_metric = "accuracy"

                    def __call__(self, model, output_path=None, epoch=-1, steps=-1):
                        columns = [c for c in self.dataset.column_names if c != "label"]
                        correct = 0
                        model.eval()
                        for start in range(0, len(self.dataset), self.batch_size):
                            rows = self.dataset[start : start + self.batch_size]
                            features = []
                            for column in columns:
                                inputs = model.preprocess(rows[column])
                                features.append({k: v.to(model.device) if hasattr(v, "to") else v for k, v in inputs.items()})
                            with torch.no_grad():
                                _, logits = self.loss(features, labels=None)
                            predicted = torch.argmax(logits, dim=1).cpu()
                            correct += int((predicted == torch.tensor(rows["label"])).sum())
                        metrics = {"accuracy": correct / max(len(self.dataset), 1)}
                        metrics = self.prefix_name_to_metrics(metrics, self.name)
                        self.store_metrics_in_model_card_data(model, metrics, epoch, steps)
                        return metrics


                def make_evaluator(train_dataset, eval_dataset, loss):
                    return ClassifierAccuracyEvaluator(eval_dataset, loss)
                """, call: "make_evaluator(train_dataset, eval_dataset, loss)")
        case .teacherItems:
            return TrainingScriptEvaluator(imports: ["MSEEvaluator"], definition: """
                def make_evaluator(train_dataset, eval_dataset, teacher):
                    \"\"\"LossLab's held-out `mse`: the student's embeddings against the teacher's.\"\"\"
                    sentences = eval_dataset["sentence"]
                    return MSEEvaluator(source_sentences=sentences, target_sentences=sentences, teacher_model=teacher, name="heldout")
                """, call: "make_evaluator(train_dataset, eval_dataset, teacher)")
        case .sentences:
            return nil
        }
    }

    /// recall_at_1 / recall_at_5 of LossLab: does a test sentence retrieve one of its class?
    static func retrieval(text: String) -> TrainingScriptEvaluator {
        TrainingScriptEvaluator(imports: ["InformationRetrievalEvaluator"], definition: """
            def make_evaluator(train_dataset, eval_dataset):
                \"\"\"LossLab's held-out `recall_at_1` and `recall_at_5` (accuracy@1, accuracy@5 here): each test
                sentence retrieves from the training sentences, and a hit is one of its class. (LossLab
                searches every other item; the evaluator would count a query finding itself.)\"\"\"
                corpus = {f"train{j}": text for j, text in enumerate(train_dataset["\(text)"])}
                queries = {f"test{i}": text for i, text in enumerate(eval_dataset["\(text)"])}
                train_labels = train_dataset["label"]
                relevant = {
                    f"test{i}": {f"train{j}" for j, other in enumerate(train_labels) if other == label}
                    for i, label in enumerate(eval_dataset["label"])
                }
                return InformationRetrievalEvaluator(
                    queries, corpus, relevant, accuracy_at_k=[1, 5], precision_recall_at_k=[1, 5],
                    mrr_at_k=[10], ndcg_at_k=[10], map_at_k=[100], name="heldout",
                )
            """, call: "make_evaluator(train_dataset, eval_dataset)")
    }
}
