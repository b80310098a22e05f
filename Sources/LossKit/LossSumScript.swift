/// How the exported training script builds a weighted sum: each term's own constructor call,
/// inside a small `nn.Module` whose forward returns the weighted terms as a dict, which 6.2's
/// trainer sums (and logs one by one). Its `nn.ModuleList` names the terms' weights
/// `losses.<k>.…`, as LossLab does.
extension LossSum {
    public static let scriptClass = "WeightedLossSum"

    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss {
        if isBare { return terms[0].loss.scriptLoss(context) }
        let calls = terms.map { $0.loss.scriptLoss(context) }
        var result = ScriptLoss(callee: Self.scriptClass)
        let rows = zip(zip(termNames, terms), calls).map { pair, call in
            let (names, term) = pair
            return "        ([" + names.map(ScriptLoss.pythonString).joined(separator: ", ") + "], \(ScriptLoss.pythonNumber(term.weight)), \(call.call)),"
        }
        result.arguments = [ScriptLoss.Argument("terms", "[\n" + rows.joined(separator: "\n") + "\n    ]")]
        for import_ in ["import torch"] + calls.flatMap(\.imports) where !result.imports.contains(import_) { result.imports.append(import_) }
        var definitions: [String] = []
        for call in calls where !call.definitions.isEmpty && !definitions.contains(call.definitions) { definitions.append(call.definitions) }
        definitions.append(Self.moduleDefinition)
        result.definitions = definitions.joined(separator: "\n\n\n")
        for (index, call) in calls.enumerated() {
            result.notes += call.notes.map { "term \(index + 1) (\(terms[index].loss.className)): " + $0 }
        }
        result.prepareDataset = calls.compactMap(\.prepareDataset).first
        return result
    }

    static let moduleDefinition = """
        class WeightedLossSum(torch.nn.Module):
            \"\"\"LossLab's `loss A + w * B`: each term's loss on the same batch, weighted, returned as a
            dict that the trainer sums and logs term by term.\"\"\"

            def __init__(self, model, terms):
                super().__init__()
                self.model = model
                self.names = [names for names, _, _ in terms]
                self.weights = [weight for _, weight, _ in terms]
                self.losses = torch.nn.ModuleList(loss for _, _, loss in terms)

            def forward(self, sentence_features, labels=None):
                if labels is None:
                    # Asked for a classifier's logits (the held-out evaluator): the term with one answers.
                    for loss in self.losses:
                        if hasattr(loss, "classifier"):
                            return loss(sentence_features, labels)
                terms = {}
                for names, weight, loss in zip(self.names, self.weights, self.losses):
                    value = loss(sentence_features, labels)
                    values = list(value.values()) if isinstance(value, dict) else [value]
                    for name, term in zip(names, values):
                        terms[name] = weight * term
                return terms
        """
}
