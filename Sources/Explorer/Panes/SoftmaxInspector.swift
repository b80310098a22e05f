import Foundation
import LossKit
import LossSession
import TerminalKit

/// MultipleNegativesRankingLoss seen from one anchor: the softmax over its in-batch candidates
/// at the current scale, where the positive ranks, the entropy, and the lowest loss the scale
/// allows.
enum SoftmaxInspector {
    static func lines(_ model: ExplorerModel) -> [(String, Style?)] {
        guard let batch = model.snapshot.batch, let scores = batch.mining.scores, batch.mining.scoreColumns > 0,
              let selected = model.selectedTuple else { return [("no ranking batch yet", nil)] }
        let columns = batch.mining.scoreColumns
        let anchor = selected.tuple.anchor
        guard (anchor + 1) * columns <= scores.count else { return [("no scores for this anchor", nil)] }
        let settings = Dictionary(model.snapshot.lossSettings.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        let scale = Double(settings["scale"] ?? "20") ?? 20
        // Similarities from the last step, scaled by the current setting: +/- show at once
        // what another scale would make of the same batch.
        let similarities = Array(scores[(anchor * columns)..<((anchor + 1) * columns)])
        let row = similarities.map { $0 * scale }
        let top = row.max() ?? 0
        let exps = row.map { Foundation.exp($0 - top) }
        let total = exps.reduce(0, +)
        let probabilities = exps.map { $0 / total }
        let entropy = -probabilities.reduce(0) { $0 + ($1 > 0 ? $1 * Foundation.log($1) : 0) }
        let rank = 1 + row.indices.filter { $0 != anchor && row[$0] > row[anchor] }.count
        var lines: [(String, Style?)] = [
            (String(format: "anchor item %d · scale %.4g · %d candidates", selected.anchorItem, scale, columns), Style(.default, bold: true)),
            (String(format: "positive ranks %d · p(positive) %.3f · loss %.4f · entropy %.3f (uniform %.3f)", rank, probabilities[anchor],
                    -Foundation.log(max(probabilities[anchor], 1e-300)), entropy, Foundation.log(Double(columns))), nil),
        ]
        if settings["similarity_fct"] == "cos_sim" {
            // Best case for cosine: positive at +1, every negative at -1.
            let floor = Foundation.log1p(Double(columns - 1) * Foundation.exp(-2 * scale))
            lines.append((String(format: "loss floor at this scale: %.4g (positive at cos 1, negatives at -1)", floor), Style(.brightBlack)))
        } else {
            lines.append(("dot_score has no floor: scores grow with the vectors' norms", Style(.brightBlack)))
        }
        lines.append(("", nil))
        lines.append(("  rank  candidate        sim        p", Style(.default, underline: true)))
        let n = max(batch.items.first?.count ?? 1, 1)
        for (place, index) in row.indices.sorted(by: { row[$0] > row[$1] }).prefix(10).enumerated() {
            let column = 1 + index / n
            let item = column < batch.items.count && index % n < batch.items[column].count ? batch.items[column][index % n] : index
            let role = index == anchor ? "positive" : (column > 1 ? "hard neg" : "in-batch")
            let bar = String(repeating: "█", count: Int((probabilities[index] * 20).rounded()))
            lines.append((String(format: "  %4d  %5d %-9@ %7.3f  %6.3f %@", place + 1, item, role, similarities[index],
                                 probabilities[index], bar), index == anchor ? Style(.green, bold: true) : nil))
        }
        lines.append(("", nil))
        lines.append(("+/- change the scale: the softmax sharpens or flattens", Style(.brightBlack)))
        return lines
    }
}
