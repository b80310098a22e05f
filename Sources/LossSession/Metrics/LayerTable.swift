import Foundation

/// Loss and held-out metric per layer of an encoder with layers (`encoder mlp layers=N`): the
/// last step's per-layer loss and KL term (AdaptiveLayerLoss reports them) and the last held-out
/// evaluation's loss and main metric of each layer as a model cut after it. The mining pane
/// draws it above the loss's view; `show layers` prints it.
public struct LayerTable: Sendable {
    public struct Row: Sendable, Equatable {
        public var layer: Int
        public var trainLoss: Double?
        public var divergence: Double?
        public var heldOutLoss: Double?
        public var metric: Double?
    }

    public var rows: [Row]
    /// The held-out metric of the data's shape ("recall_at_1", "mrr"...), nil before an evaluation.
    public var metricName: String?

    /// nil when neither the step nor the evaluation has per-layer numbers (an encoder with one layer).
    public init?(step: StepRecord?, evaluation: EvaluationRecord?) {
        let stepValues = Dictionary((step?.extras ?? []).map { ($0.0, $0.1) }, uniquingKeysWith: { $1 })
        let heldOut = evaluation.map { Dictionary($0.metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }) } ?? [:]
        func layer(of name: String) -> Int? {
            guard name.hasPrefix("layer_") else { return nil }
            return Int(name.dropFirst("layer_".count).prefix { $0.isNumber })
        }
        let trained = stepValues.keys.compactMap(layer).max() ?? 0
        let evaluated = heldOut.keys.compactMap(layer).max().map { $0 + 1 } ?? 0
        let count = max(trained, evaluated)
        guard count > 1 else { return nil }
        let metricName = evaluation?.metrics.first { $0.name != "test_loss" && layer(of: $0.name) == nil }?.name
        self.metricName = metricName
        rows = (1...count).map { k in
            let last = k == count
            let prefix = "layer_\(k)_"
            func known(_ value: Double?) -> Double? { value.flatMap { $0.isNaN ? nil : $0 } }
            return Row(layer: k, trainLoss: known(stepValues[prefix + "loss"]), divergence: known(stepValues[prefix + "kl"]),
                       heldOutLoss: known(last ? heldOut["test_loss"] : heldOut[prefix + "test_loss"]),
                       metric: metricName.flatMap { known(last ? heldOut[$0] : heldOut[prefix + $0]) })
        }
    }

    /// The table as text: a heading and one line per layer, the last marked.
    public var lines: [String] {
        func right(_ text: String) -> String { String(repeating: " ", count: max(14 - text.count, 0)) + text }
        func cell(_ value: Double?) -> String { right(value.map { String(format: "%.4g", $0) } ?? "–") }
        let headings = ["train loss", "KL", "held-out loss"] + (metricName.map { [$0] } ?? [])
        var lines = ["layer     " + headings.map(right).joined()]
        for row in rows {
            let name = String(format: "%5d", row.layer) + (row.layer == rows.count ? " last" : "     ")
            lines.append(name + cell(row.trainLoss) + cell(row.divergence) + cell(row.heldOutLoss) + (metricName == nil ? "" : cell(row.metric)))
        }
        return lines
    }
}
