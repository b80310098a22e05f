import LossSession
import TerminalKit

/// The held-out metric against the width the embeddings are cut to (the curve the Matryoshka
/// papers draw), from the last evaluation that measured widths, one bar per width; in a duel
/// the rival's bar beside each. Drawn under the loss per dimension in the terms chart.
struct DimensionCurve {
    struct Side {
        var name: String
        var step: Int
        var values: [Int: Double]
        var style: Style
    }

    var metric: String
    var dimensions: [Int]
    var sides: [Side]

    /// nil when neither side has an evaluation by dimension.
    init?(_ snapshot: TrainingSnapshot) {
        let measured = [snapshot.evaluations, snapshot.rivalLoss == nil ? [] : snapshot.rivalEvaluations]
            .map { $0.last { !$0.byDimension.isEmpty } }
        // The headline metric (recall_at_1, spearman...) of whichever side was measured.
        guard let metric = measured.compactMap({ $0?.byDimension.first?.metric }).first else { return nil }
        let names = [snapshot.lossName, "duel " + (snapshot.rivalLoss ?? "")]
        let styles = [Style(.cyan, bold: true), Style(.green, bold: true)]
        sides = measured.enumerated().compactMap { index, record in
            guard let record, let curve = record.byDimension.first(where: { $0.metric == metric }) else { return nil }
            return Side(name: names[index], step: record.step,
                        values: Dictionary(curve.points.map { ($0.dimension, $0.value) }, uniquingKeysWith: { $1 }), style: styles[index])
        }
        self.metric = metric
        dimensions = Set(sides.flatMap(\.values.keys)).sorted(by: >)
    }

    /// A title, then a row per width with each side's bar and value when the rows fit; else a
    /// row per side listing its values.
    func render(into buffer: inout Buffer, in rect: Rect, ascii: Bool) {
        guard rect.height > 0 else { return }
        let steps = Set(sides.map(\.step)).sorted().map(String.init).joined(separator: "/")
        let title = "held-out \(metric) by dimension (step \(steps))"
        buffer.put(TextMetrics.width(title) <= rect.width ? title : "held-out \(metric)@d (step \(steps))", in: rect.row(0),
                   style: Style(.default, bold: true))
        let rows = rect.height - 1
        if rows >= tableRows {
            table(into: &buffer, in: Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rows), ascii: ascii)
        } else {
            // The values first: the side's name is what a narrow pane cuts.
            for (index, side) in sides.enumerated() where index < rows {
                let values = dimensions.map { d in "\(d) " + (side.values[d].map(Self.number) ?? "—") }.joined(separator: " · ")
                buffer.put(values + "  " + side.name, in: rect.row(index + 1), style: side.style)
            }
        }
    }

    /// The rows the bars take below the title: a row per width, and the sides' names in a duel.
    var tableRows: Int { dimensions.count + (sides.count > 1 ? 1 : 0) }

    /// The rows it draws in at most `height`: the title and the bars when the rest keeps
    /// `leaving` rows, else half.
    func height(in height: Int, leaving: Int) -> Int {
        height - (1 + tableRows) >= leaving ? 1 + tableRows : height / 2
    }

    private func table(into buffer: inout Buffer, in rect: Rect, ascii: Bool) {
        let label = max(dimensions.map { "\($0)".count }.max() ?? 1, 3) + 1
        let columnWidth = (rect.width - label) / max(sides.count, 1)
        var y = 0
        if sides.count > 1 {
            for (index, side) in sides.enumerated() {
                buffer.put(side.name, in: Rect(x: rect.x + label + index * columnWidth, y: rect.y, width: columnWidth - 1, height: 1), style: side.style)
            }
            y = 1
        }
        for dimension in dimensions where y < rect.height {
            buffer.put(String(repeating: " ", count: label - 1 - "\(dimension)".count) + "\(dimension)", in: Rect(x: rect.x, y: rect.y + y, width: label, height: 1))
            for (index, side) in sides.enumerated() {
                let cell = Rect(x: rect.x + label + index * columnWidth, y: rect.y + y, width: columnWidth - 1, height: 1)
                guard let value = side.values[dimension] else { buffer.put("—", in: cell, style: Style(.brightBlack)); continue }
                let text = Self.number(value)
                let barWidth = max(cell.width - text.count - 1, 0)
                buffer.put(Self.bar(value, width: barWidth, ascii: ascii) + " " + text, in: cell, style: side.style)
            }
            y += 1
        }
    }

    static func number(_ value: Double) -> String { value.isFinite ? String(format: "%.3f", value) : NumberText.short(value) }

    /// A bar of `width` cells at 1, in eighths (the metrics run from 0 to 1; below 0 is empty).
    static func bar(_ value: Double, width: Int, ascii: Bool) -> String {
        let eighths = Int((min(max(value, 0), 1) * Double(width * 8)).rounded())
        if ascii { return String(repeating: "#", count: eighths / 8) + String(repeating: " ", count: width - eighths / 8) }
        let partial = eighths % 8 == 0 ? "" : String(Array("▏▎▍▌▋▊▉")[eighths % 8 - 1])
        let filled = String(repeating: "█", count: eighths / 8) + partial
        return filled + String(repeating: " ", count: max(width - filled.count, 0))
    }
}
