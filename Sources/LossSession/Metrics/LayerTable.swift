import Foundation

/// Loss and held-out metrics per layer of an encoder with layers (`encoder mlp layers=N`): the
/// last step's per-layer loss and KL term (AdaptiveLayerLoss reports them) and the last held-out
/// evaluation's loss and metrics of each layer as a model cut after it. The mining pane
/// draws it above the loss's view; `show layers` prints it.
public struct LayerTable: Sendable {
    public struct Row: Sendable, Equatable {
        public var layer: Int
        public var trainLoss: Double?
        public var divergence: Double?
        public var heldOutLoss: Double?
        /// One per `metricNames`.
        public var metrics: [Double?]
    }

    public var rows: [Row]
    /// The held-out metrics of the data's shape ("recall_at_1", "map_at_r"...), empty before an evaluation.
    public var metricNames: [String]

    /// nil when neither the step nor the evaluation has per-layer numbers (an encoder with one layer).
    public init?(step: StepRecord?, evaluation: EvaluationRecord?) {
        let stepValues = Dictionary((step?.extras ?? []).map { ($0.0, $0.1) }, uniquingKeysWith: { $1 })
        let heldOut = evaluation.map { Dictionary($0.metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }) } ?? [:]
        func layer(of name: String) -> Int? {
            guard name.hasPrefix("layer_") else { return nil }
            return Int(name.dropFirst("layer_".count).prefix { $0.isNumber })
        }
        let count = max(stepValues.keys.compactMap(layer).max() ?? 0, heldOut.keys.compactMap(layer).max() ?? 0)
        guard count > 1 else { return nil }
        let metricNames = (evaluation?.metrics ?? []).map(\.name).filter { $0 != "test_loss" && layer(of: $0) == nil }
        self.metricNames = metricNames
        rows = (1...count).map { k in
            let prefix = "layer_\(k)_"
            func known(_ value: Double?) -> Double? { value.flatMap { $0.isNaN ? nil : $0 } }
            return Row(layer: k, trainLoss: known(stepValues[prefix + "loss"]), divergence: known(stepValues[prefix + "kl"]),
                       heldOutLoss: known(heldOut[prefix + "test_loss"]), metrics: metricNames.map { known(heldOut[prefix + $0]) })
        }
    }

    /// The table as text: a heading and one line per layer, the last marked.
    public var lines: [String] {
        func right(_ text: String) -> String { String(repeating: " ", count: max(12 - text.count, 0)) + text }
        func cell(_ value: Double?) -> String { right(value.map { String(format: "%.4g", $0) } ?? "–") }
        let headings = ["train loss", "KL", "test loss"] + metricNames
        var lines = ["layer     " + headings.map(right).joined()]
        for row in rows {
            let name = String(format: "%5d", row.layer) + (row.layer == rows.count ? " last" : "     ")
            lines.append(name + ([row.trainLoss, row.divergence, row.heldOutLoss] + row.metrics).map(cell).joined())
        }
        return lines
    }
}
