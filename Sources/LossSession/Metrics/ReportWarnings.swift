import Foundation
import LossData
import LossKit

/// Warnings read from what the loss reported about its own batch, each naming the anchor and
/// the numbers that show it: GIST masking every candidate of an anchor, and a hardness
/// strength that lets penalised negatives swamp the positive.
extension TrainingWarnings {
    static func fromReport(loss: any EmbeddingLoss, report: MiningReport, dataset: Dataset, items: [[Int]],
                           history: [StepRecord]) -> [String] {
        var warnings: [String] = []
        func item(_ row: Int, _ column: Int) -> Int {
            column < items.count && row < items[column].count ? items[column][row] : row
        }
        func named(_ item: Int) -> String {
            guard let texts = dataset.texts, texts.indices.contains(item) else { return "item \(item)" }
            let text = texts[item]
            return "item \(item) " + LossInsight.quote(text, 40)
        }
        if let row = report.unopposed.first {
            let mine = report.masked.filter { $0.anchor == row }
            let others = report.unopposed.count - 1
            var text = "\(loss.className) masked every candidate of anchor \(named(item(row, 0)))"
            if let lowest = mine.min(by: { $0.guideScore < $1.guideScore }) {
                let strategy = loss.settings.first { $0.name == "margin_strategy" }?.value ?? "absolute"
                let margin = loss.settings.first { $0.name == "margin" }?.value ?? "0"
                text += String(format: ": the guide rates all %d above %.3f (its positive's guide similarity %.3f, margin %@ %@), the lowest at %.3f (item %d)",
                               mine.count, lowest.threshold, lowest.positiveGuideScore, strategy, margin, lowest.guideScore,
                               item(lowest.row, lowest.column))
            }
            text += "; its softmax holds only the positive, so its term is 0 and it teaches nothing"
            if others > 0 { text += " (and \(others) more anchor\(others == 1 ? "" : "s") alike)" }
            text += ". Check the pair's positive, or the guide"
            warnings.append(text)
        }
        if let warning = hardnessWarning(loss: loss, report: report, history: history, item: item, named: named) { warnings.append(warning) }
        return warnings
    }

    /// hardness_strength at least the scale, and most anchors' positive outranked by a
    /// penalised negative: named with the worst anchor's weights.
    static func hardnessWarning(loss: any EmbeddingLoss, report: MiningReport, history: [StepRecord],
                                item: (Int, Int) -> Int, named: (Int) -> String) -> String? {
        guard let mode = loss.value(of: .hardness), mode != "none", let strength = loss.number(of: .hardnessStrength),
              let scale = loss.number(of: .scale), strength > 0, strength >= scale,
              let record = history.last, record.counts.used > 0, record.counts.hard * 2 > record.counts.used else { return nil }
        var text = String(format: "hardness_strength %g is at least the scale %g: penalised negatives get (scale + strength) · similarity against the positive's scale · similarity, and in %d of %d anchors one outranks the positive; the loss mostly pushes negatives and barely pulls the positive (lower hardness_strength)",
                          strength, scale, record.counts.hard, record.counts.used)
        let outranked = report.tuples.filter { ($0.label ?? 1) > 1 && $0.negativeWeight != nil }
        if let worst = outranked.max(by: { ($0.negativeWeight!, -$0.anchor) < ($1.negativeWeight!, -$1.anchor) }),
           let negative = worst.negative, let similarity = worst.negativeScore {
            let n = max(report.tuples.count, 1)
            let negativeItem = item(negative % n, 1 + negative / n)
            text += String(format: ". Evidence, anchor %@: its positive (sim %.3f, weight 1) against negative item %d (sim %.3f, weight e^(%g · %.3f) = %@)",
                           named(item(worst.anchor, 0)), worst.positiveScore, negativeItem, similarity, strength, similarity,
                           LossInsight.number(worst.negativeWeight!))
            if let weights = report.weights, report.scoreColumns > 0 {
                let base = worst.anchor * report.scoreColumns
                if base + max(negative, worst.anchor) < weights.probabilities.count {
                    text += String(format: ": softmax share %.3f for the positive, %.3f for that negative", weights.probabilities[base + worst.anchor],
                                   weights.probabilities[base + negative])
                }
            }
        }
        return text
    }
}
