import LossKit
import LossSession
import TerminalKit

/// The softmax inspector overlay: RankingInspection of the selected anchor at the current scale.
enum SoftmaxInspector {
    static func lines(_ model: ExplorerModel) -> [(String, Style?)] {
        let scale = model.snapshot.lossParameter(.scale).flatMap { Double($0.value) } ?? 1
        let cosine = model.snapshot.lossParameter(.metric)?.value != "dot_score"
        guard let batch = model.snapshot.batch, let selected = model.selectedTuple,
              let inspection = RankingInspection(batch: batch, anchor: selected.tuple.anchor, scale: scale, cosine: cosine) else {
            return [("no ranking batch yet", nil)]
        }
        var lines: [(String, Style?)] = inspection.lines().enumerated().map { index, text in
            switch index {
            case 0: return (text, Style(.default, bold: true))
            case 2: return (text, Style(.brightBlack))
            case 3: return (text, Style(.default, underline: true))
            default: return (text, text.contains("positive ") && index > 3 ? Style(.green, bold: true) : nil)
            }
        }
        lines.insert(("", nil), at: 3)
        lines.append(("", nil))
        lines.append(("+/- change the scale: the softmax sharpens or flattens", Style(.brightBlack)))
        return lines
    }
}
