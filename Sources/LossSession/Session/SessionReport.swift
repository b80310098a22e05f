import Foundation
import LossData
import LossKit

/// The text `show WHAT` prints: the same facts the explorer's panes show.
public enum SessionReport {
    public static let topics = ["triplets", "params", "metrics", "data", "losses", "warnings", "census", "histogram", "forces", "softmax", "layers", "dimensions"]

    static func show(_ what: String, in session: Session) throws -> String {
        switch what {
        case "triplets", "tuples", "pairs", "mined": return tuples(session)
        case "params", "parameters", "settings": return parameters(session)
        case "metrics": return metrics(session)
        case "data", "dataset": return session.dataset.map { ([session.describe($0)] + $0.notes).joined(separator: "\n") } ?? "no data loaded"
        case "losses": return losses(session)
        case "warnings": return session.warnings.isEmpty ? "no warnings" : session.warnings.map { "warning: " + $0 }.joined(separator: "\n")
        case "census": return census(session)
        case "forces": return forces(session)
        case "softmax": return softmax(session)
        case "layers":
            return LayerTable(step: session.history.last, evaluation: session.evaluations.last)?.lines.joined(separator: "\n")
                ?? "no per-layer numbers: they come from an encoder with layers (`encoder mlp layers=3`), after a step or an evaluation"
        case "dimensions", "dims", "matryoshka": return DimensionReport.text(session)
        case "histogram", "margin": return MarginHistogram(session.lastBatch?.mining, margin: marginValue(session)).text(width: 40)
        default: throw CommandError("show needs one of \(topics.joined(separator: ", ")), got '\(what)'")
        }
    }

    static func tuples(_ session: Session, limit: Int = 12) -> String {
        guard let batch = session.lastBatch else { return "no step taken yet" }
        let c = batch.mining.counts
        var lines = ["step \(batch.step): \(batch.mining.kind.rawValue)s valid \(c.valid), used \(c.used), active \(c.active); census hard \(c.hard), semi-hard \(c.semiHard), easy \(c.easy)"]
        let item = { (row: Int, column: Int) -> Int in
            let col = min(column, batch.items.count - 1)
            return row < batch.items[col].count ? batch.items[col][row] : row
        }
        for tuple in batch.mining.tuples.sorted(by: { $0.loss > $1.loss }).prefix(limit) {
            let multiColumn = batch.items.count > 1
            let anchor = item(tuple.anchor, 0)
            let positive = item(tuple.positive, multiColumn ? 1 : 0)
            var line = "  a=\(anchor) p=\(positive)"
            if let negative = tuple.negative { line += " n=\(item(negative, multiColumn ? min(2, batch.items.count - 1) : 0))" }
            line += String(format: "  ap=%.4g", tuple.positiveScore)
            if let score = tuple.negativeScore { line += String(format: " an=%.4g", score) }
            line += String(format: "  loss=%.4g", tuple.loss)
            if let hardness = tuple.hardness { line += "  \(hardness.rawValue)" }
            if tuple.fallback { line += " (fallback)" }
            lines.append(line)
        }
        if batch.mining.tuples.count > limit { lines.append("  … \(batch.mining.tuples.count - limit) more") }
        var texts: [Int: String] = [:]
        if let all = session.dataset?.texts {
            for item in batch.items.joined() where item < all.count { texts[item] = all[item] }
        }
        lines += LossInsight(batch: batch, texts: texts, settings: session.loss.settings).lines(width: 120).map(\.text)
        return lines.joined(separator: "\n")
    }

    static func parameters(_ session: Session) -> String {
        [
            "loss: " + session.describeLoss(),
            "encoder: " + session.encoderChoice.summary,
            "set " + session.settings.summary.map { "\($0.0)=\($0.1)" }.joined(separator: " "),
        ].joined(separator: "\n")
    }

    static func metrics(_ session: Session) -> String {
        var lines: [String] = []
        if let last = session.history.last {
            lines.append(last.metrics.map { String(format: "%@ %.5g", $0.0, $0.1) }.joined(separator: ", "))
        } else {
            lines.append("no step taken yet")
        }
        if let last = session.history.last, !last.groupNorms.isEmpty {
            lines.append("gradient norm by parameter: " + last.groupNorms.sorted { $0.key < $1.key }.map { String(format: "%@ %.4g", $0.key, $0.value) }.joined(separator: ", "))
        }
        if let batch = session.lastBatch, !batch.largestGradients.isEmpty {
            let item = { (row: Int) in batch.items[0].indices.contains(row) ? batch.items[0][row] : row }
            lines.append("largest per-example gradients: " + batch.largestGradients.map { String(format: "item %d %.4g", item($0.row), $0.norm) }.joined(separator: ", "))
        }
        if let evaluation = session.evaluations.last { lines.append(evaluation.summary) }
        if let rival = session.rival { lines.append("duel " + rival.duelStatus) }
        return lines.joined(separator: "\n")
    }

    /// Hardness over the last steps: the share of hard, semi-hard and easy triplets and of
    /// active terms, every tenth of the run.
    static func census(_ session: Session) -> String {
        guard !session.history.isEmpty else { return "no step taken yet" }
        let stride = max(1, session.history.count / 10)
        // The counts only some losses report, as their own columns.
        let extra = ["inversions", "comparable_pairs", "masked"].filter { name in session.history.last?.extras.contains { $0.0 == name } == true }
        var lines = ["  step     hard  semi-hard   easy  active" + extra.map { "  " + $0 }.joined()]
        for record in Swift.stride(from: stride - 1, to: session.history.count, by: stride).map({ session.history[$0] }) {
            let values = Dictionary(record.metrics, uniquingKeysWith: { $1 })
            lines.append(String(format: "%6d   %5.1f%%    %5.1f%%  %5.1f%%  %5.1f%%", record.step, 100 * (values["hard_fraction"] ?? 0),
                                100 * (values["semi_hard_fraction"] ?? 0), 100 * (values["easy_fraction"] ?? 0), 100 * record.activeFraction)
                         + extra.map { name in "  " + String(repeating: " ", count: max(name.count - 6, 0)) + String(format: "%6.0f", values[name] ?? 0) }.joined())
        }
        return lines.joined(separator: "\n")
    }

    /// The text form of the forces view: the batch items the loss pushes hardest, how many
    /// tuples each takes part in, and the items it ignores this step.
    static func forces(_ session: Session) -> String {
        guard let batch = session.lastBatch, let gradients = batch.embeddingGradients else { return "no step taken yet" }
        var norms: [Int: Double] = [:]
        for (row, item) in batch.items.flatMap({ $0 }).enumerated() where row < gradients.rows {
            var sum = 0.0
            for k in 0..<gradients.cols { sum += Double(gradients[row, k]) * Double(gradients[row, k]) }
            norms[item, default: 0] += sum
        }
        var roles: [Int: Int] = [:]
        for row in tupleItems(batch) { for item in row { roles[item, default: 0] += 1 } }
        let idle = norms.filter { $0.value == 0 }.count
        var lines = ["\(norms.count) batch items; \(idle) get no gradient this step (the loss ignores them)"]
        for (item, squared) in norms.filter({ $0.value > 0 }).sorted(by: { $0.value > $1.value }).prefix(10) {
            lines.append(String(format: "  item %5d  |grad| %.4g  in %d mined tuples", item, squared.squareRoot(), roles[item] ?? 0))
        }
        return lines.joined(separator: "\n")
    }

    /// The softmax inspector for the anchor with the largest loss in the last batch.
    static func softmax(_ session: Session) -> String {
        guard let batch = session.lastBatch, batch.mining.kind == .ranking else {
            return "the softmax inspector is for the ranking losses (\(rankingLosses)): take a step with one first"
        }
        guard let worst = batch.mining.tuples.max(by: { $0.loss < $1.loss }) else { return "no anchors in the last batch" }
        let scale = session.loss.value(of: .scale).flatMap(Double.init) ?? 20
        guard let inspection = RankingInspection(batch: batch, anchor: worst.anchor, scale: scale,
                                                 cosine: session.loss.value(of: .metric)?.hasSuffix("dot_score") != true) else {
            return "the last batch's scores were not kept (a cached loss never holds them all; the others keep at most \(MiningReport.scoreLimit) anchor-candidate pairs)"
        }
        return inspection.lines().joined(separator: "\n")
    }

    static func marginValue(_ session: Session) -> Double? {
        session.loss.value(of: .margin).flatMap(Double.init)
    }

    /// The losses the softmax inspector explains.
    public static var rankingLosses: String {
        LossCatalog.all.filter { $0.insightView == .ranking }.map { $0.className }.joined(separator: ", ")
    }

    /// The items of each mined tuple of the batch (anchor, positive, negative).
    static func tupleItems(_ batch: BatchOutcome) -> [[Int]] {
        batch.mining.tuples.enumerated().map { index, tuple in
            let row = MinedTupleRow(index: index, tuple: tuple, batch: batch)
            return [row.anchorItem, row.positiveItem] + (row.negativeItem.map { [$0] } ?? [])
        }
    }

    static func losses(_ session: Session) -> String {
        SessionLoss.all.map { type in
            let fit = session.dataset.flatMap { Session.mismatch($0, type) }
            return "  \(type.className)" + (fit.map { " (does not fit: \($0))" } ?? "")
        }.joined(separator: "\n")
    }
}
