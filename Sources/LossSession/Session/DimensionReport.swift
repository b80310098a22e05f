import Foundation
import LossKit

/// `show dimensions`: what a model trained with MatryoshkaLoss keeps when its embeddings are
/// cut to fewer dimensions. Per width, the last step's loss at that width (`loss@d`) and the
/// last held-out evaluation's metrics on the truncated, re-normalised embeddings
/// (`recall_at_1@d`...); in a duel the rival's beside them under its `expect` names (`duel_...`).
enum DimensionReport {
    static func text(_ session: Session) -> String {
        let sides = [(prefix: "", session: session)] + (session.rival.map { [(prefix: "duel_", session: $0)] } ?? [])
        guard !session.evaluationDimensions.isEmpty else {
            return "nothing is measured by dimension: the held-out evaluation cuts the embeddings to fewer dimensions when the loss, or a duel's rival, trains narrower widths (\(LossCatalog.truncatingNames))"
        }
        let evaluations = sides.map { $0.session.evaluations.last { !$0.byDimension.isEmpty } }
        let losses = sides.map { side in
            Dictionary(side.session.history.last?.terms.compactMap { term in
                EvaluationRecord.truncation(of: term.name).map { ($0.dimension, term.value) }
            } ?? [], uniquingKeysWith: { $1 })
        }
        var widths = Set(losses.flatMap(\.keys))
        for evaluation in evaluations { for curve in evaluation?.byDimension ?? [] { widths.formUnion(curve.points.map(\.dimension)) } }

        // Columns: each side's training loss at the width (when its loss has one), then its held-out metrics.
        var columns: [(name: String, value: (Int) -> Double?)] = []
        for (index, side) in sides.enumerated() {
            if !losses[index].isEmpty { columns.append((side.prefix + "loss", { losses[index][$0] })) }
            for curve in evaluations[index]?.byDimension ?? [] {
                let values = Dictionary(curve.points.map { ($0.dimension, $0.value) }, uniquingKeysWith: { $1 })
                columns.append((side.prefix + curve.metric, { values[$0] }))
            }
        }
        var lines = [heading(sides.map(\.session), evaluations)]
        lines.append("   dim" + columns.map { "  " + pad($0.name, to: max($0.name.count, 8)) }.joined())
        for width in widths.sorted(by: >) {
            lines.append(pad("\(width)", to: 6) + columns.map { column in
                "  " + pad(column.value(width).map { String(format: "%.4g", $0) } ?? "—", to: max(column.name.count, 8))
            }.joined())
        }
        if evaluations.allSatisfy({ $0 == nil }) {
            lines.append("no held-out evaluation by dimension yet: `eval` (or set eval_every=N) measures each width")
        }
        return lines.joined(separator: "\n")
    }

    /// Who is measured, and when: "MatryoshkaLoss (held-out at step 200) against duel
    /// MultipleNegativesRankingLoss (step 200); loss@d: the last step's, weighted".
    static func heading(_ sessions: [Session], _ evaluations: [EvaluationRecord?]) -> String {
        let named = zip(sessions, evaluations).enumerated().map { index, pair in
            (index == 0 ? "" : "duel ") + pair.0.loss.className + (pair.1.map { " (held-out at step \($0.step))" } ?? "")
        }
        return "by dimension, on the first d coordinates re-normalised: " + named.joined(separator: " against ")
    }

    static func pad(_ text: String, to width: Int) -> String {
        String(repeating: " ", count: max(width - text.count, 0)) + text
    }
}
