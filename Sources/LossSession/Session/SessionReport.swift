import Foundation
import LossData
import LossKit

/// The text `show WHAT` prints: the same facts the explorer's panes show.
enum SessionReport {
    static let topics = ["triplets", "params", "metrics", "data", "losses", "warnings", "census", "histogram"]

    static func show(_ what: String, in session: Session) throws -> String {
        switch what {
        case "triplets", "tuples", "pairs", "mined": return tuples(session)
        case "params", "parameters", "settings": return parameters(session)
        case "metrics": return metrics(session)
        case "data", "dataset": return session.dataset.map { session.describe($0) } ?? "no data loaded"
        case "losses": return losses(session)
        case "warnings": return session.warnings.isEmpty ? "no warnings" : session.warnings.map { "warning: " + $0 }.joined(separator: "\n")
        case "census": return census(session)
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
        return lines.joined(separator: "\n")
    }

    /// Hardness over the last steps: the share of hard, semi-hard and easy triplets and of
    /// active terms, every tenth of the run.
    static func census(_ session: Session) -> String {
        guard !session.history.isEmpty else { return "no step taken yet" }
        let stride = max(1, session.history.count / 10)
        var lines = ["  step     hard  semi-hard   easy  active"]
        for record in Swift.stride(from: stride - 1, to: session.history.count, by: stride).map({ session.history[$0] }) {
            let values = Dictionary(record.metrics, uniquingKeysWith: { $1 })
            lines.append(String(format: "%6d   %5.1f%%    %5.1f%%  %5.1f%%  %5.1f%%", record.step, 100 * (values["hard_fraction"] ?? 0),
                                100 * (values["semi_hard_fraction"] ?? 0), 100 * (values["easy_fraction"] ?? 0), 100 * record.activeFraction))
        }
        return lines.joined(separator: "\n")
    }

    static func marginValue(_ session: Session) -> Double? {
        session.loss.settings.first { ["margin", "triplet_margin"].contains($0.name) }.flatMap { Double($0.value) }
    }

    static func losses(_ session: Session) -> String {
        LossCatalog.names.map { name in
            let fit = session.dataset.flatMap { $0.shape.mismatch(with: name) }
            return "  \(name)" + (fit.map { " (does not fit: \($0))" } ?? "")
        }.joined(separator: "\n")
    }
}
