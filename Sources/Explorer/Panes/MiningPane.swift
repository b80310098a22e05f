import LossKit
import LossSession
import TerminalKit

/// The last batch's mined tuples: indices, labels, distances, the tuple's loss and its
/// hardness; sortable with `s`, the selected row marked in the embeddings pane.
enum MiningPane {
    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        guard let batch = model.snapshot.batch else {
            buffer.put("no step yet: press n (one step) or Space (run)", in: rect.row(0), style: Style(.brightBlack))
            return
        }
        let c = batch.mining.counts
        let census = batch.mining.kind == .triplet
            ? "valid \(c.valid) · hard \(c.hard) · semi-hard \(c.semiHard) · easy \(c.easy)"
            : "used \(c.used) · active \(c.active)"
        buffer.put(census, in: rect.row(0), style: Style(.brightBlack))
        // The loss's own view (inversions, directions, weights, masked candidates) above its table.
        // An encoder with layers: loss and held-out metric per layer first.
        let layers = LayerTable(step: model.snapshot.history.last, evaluation: model.snapshot.evaluations.last)?.lines ?? []
        let insight = layers.enumerated().map { LossInsight.Line($0.element, $0.offset == 0 ? .heading : .plain) }
            + LossInsight(batch: batch, texts: model.snapshot.batchTexts, settings: model.snapshot.lossSettings)
            .lines(width: rect.width, anchor: model.selectedTuple?.tuple.anchor)
        let shown = insight.prefix(max(min(insight.count, (rect.height - 3) / 2), 0))
        for (offset, line) in shown.enumerated() {
            buffer.put(line.text, in: rect.row(1 + offset), style: style(line.emphasis))
        }
        let top = 1 + shown.count
        let body = Rect(x: rect.x, y: rect.y + top, width: rect.width, height: max(rect.height - top, 0))
        // Only the rows on screen are formatted: the table scrolls to the selection exactly as
        // it would over all of them, and is handed that window.
        let tuples = model.sortedTuples
        let selected = tuples.isEmpty ? nil : min(model.miningSelection, tuples.count - 1)
        let visibleRows = max(body.intersection(buffer.bounds).height - 1, 0)  // below the header
        let first = Table.offset(keeping: selected, visibleRows: visibleRows, currentOffset: 0, rowCount: tuples.count)
        let window = Array(tuples[first..<min(tuples.count, first + visibleRows)])
        let (columns, rows) = contents(model, batch: batch, tuples: window)
        let table = Table(columns: columns, rows: rows, selectedRow: selected.map { $0 - first }, ascii: model.ascii, emptyText: "(nothing mined)")
        table.render(into: &buffer, in: body)
    }

    static func style(_ emphasis: LossInsight.Emphasis) -> Style {
        switch emphasis {
        case .heading: return Style(.default, bold: true)
        case .plain: return .plain
        case .alert: return Style(.red)
        case .positive: return Style(.green)
        case .dim: return Style(.brightBlack)
        }
    }

    /// The table's rows, as the search reads them too.
    static func rows(_ model: ExplorerModel) -> [Table.Row] {
        guard let batch = model.snapshot.batch else { return [] }
        return contents(model, batch: batch, tuples: model.sortedTuples).rows
    }

    /// The columns, and the rows of `tuples` (the sorted tuples or a window of them).
    static func contents(_ model: ExplorerModel, batch: BatchOutcome, tuples: [MinedTupleRow]) -> (columns: [Table.Column], rows: [Table.Row]) {
        let kind = batch.mining.kind
        let names = model.snapshot.classNames
        // The group of each item the rows name, from one pass over the points (not one per cell);
        // the rows' items are flagged in an array, so the pass hashes none of the 20,000 points.
        let named = tuples.flatMap { [$0.anchorItem, $0.positiveItem] + ($0.negativeItem.map { [$0] } ?? []) }
        var isNamed = [Bool](repeating: false, count: (named.max() ?? -1) + 1)
        for item in named where item >= 0 { isNamed[item] = true }
        var groupOf: [Int: Int] = [:]
        for (index, item) in model.snapshot.pointItems.enumerated() where item >= 0 && item < isNamed.count && isNamed[item] && groupOf[item] == nil {
            groupOf[item] = model.snapshot.points[index].group
        }
        func label(_ item: Int) -> String {
            guard let group = groupOf[item], group >= 0 else { return "" }
            return group < names.count ? names[group] : "\(group)"
        }
        var columns: [Table.Column]
        var rows: [Table.Row] = []
        // With text data, the sentences behind each tuple: what a person debugging mining reads.
        let texts = model.snapshot.batchTexts
        func sentences(_ row: MinedTupleRow) -> String {
            let items = [row.anchorItem] + (kind == .item ? [] : [row.positiveItem]) + (row.negativeItem.map { [$0] } ?? [])
            return items.map { texts[$0].map { "“\($0)”" } ?? "" }.joined(separator: model.ascii ? " | " : " │ ")
        }
        switch kind {
        case .triplet:
            columns = [.init("a", width: .fixed(5), alignment: .right), .init("p", width: .fixed(5), alignment: .right),
                       .init("n", width: .fixed(5), alignment: .right), .init("labels"), .init("d(a,p)", width: .fixed(7), alignment: .right),
                       .init("d(a,n)", width: .fixed(7), alignment: .right), .init("loss", width: .fixed(7), alignment: .right),
                       .init("kind", width: .fixed(9))]
            rows = tuples.map { row in
                let t = row.tuple
                let labels = [label(row.anchorItem), label(row.positiveItem), row.negativeItem.map(label) ?? ""].joined(separator: "/")
                let style: Style? = t.hardness == .hard ? Style(.red) : (t.hardness == .semiHard ? Style(.yellow) : nil)
                return Table.Row(["\(row.anchorItem)", "\(row.positiveItem)", row.negativeItem.map { "\($0)" } ?? "-", labels,
                                  NumberText.short(t.positiveScore), t.negativeScore.map(NumberText.short) ?? "-",
                                  NumberText.short(t.loss), (t.hardness?.rawValue ?? "") + (t.fallback ? "*" : "")], style: style)
            }
        case .ranking:
            columns = [.init("anchor", width: .fixed(6), alignment: .right), .init("pos", width: .fixed(6), alignment: .right),
                       .init("rank", width: .fixed(5), alignment: .right), .init("best neg", width: .fixed(8), alignment: .right),
                       .init("sim(a,p)", width: .fixed(8), alignment: .right), .init("sim(a,n)", width: .fixed(8), alignment: .right),
                       .init("loss", width: .flexible, alignment: .right)]
            // GIST: how many of each anchor's candidates the guide masked.
            let masks = batch.mining.namedCounts.contains { $0.name == "masked" } ? LossInsight.maskedCounts(batch.mining) : nil
            if masks != nil { columns.insert(.init("masked", width: .fixed(6), alignment: .right), at: 6) }
            rows = tuples.map { row in
                let t = row.tuple
                var cells = ["\(row.anchorItem)", "\(row.positiveItem)", t.label.map { "\(Int($0))" } ?? "",
                             row.negativeItem.map { "\($0)" } ?? "-", NumberText.short(t.positiveScore),
                             t.negativeScore.map(NumberText.short) ?? "-", NumberText.short(t.loss)]
                if let masks { cells.insert("\(masks[t.anchor] ?? 0)", at: 6) }
                return Table.Row(cells, style: (t.label ?? 1) > 1 ? Style(.red) : nil)
            }
        case .pair, .item:
            columns = [.init("a", width: .fixed(6), alignment: .right), .init("b", width: .fixed(6), alignment: .right),
                       .init("label", width: .fixed(7), alignment: .right), .init("score", width: .fixed(9), alignment: .right),
                       .init("loss", width: .flexible, alignment: .right)]
            rows = tuples.map { row in
                let t = row.tuple
                return Table.Row(["\(row.anchorItem)", kind == .item ? "-" : "\(row.positiveItem)", t.label.map(NumberText.short) ?? "",
                                  NumberText.short(t.positiveScore), NumberText.short(t.loss)], style: t.loss > 0 ? nil : Style(.brightBlack))
            }
            if batch.mining.namedCounts.contains(where: { $0.name == "inversions" }) {
                // CoSENT/AnglE: each pair's place by label and by score; where they differ, it is out of order.
                let labelRanks = LossInsight.labelRanks(batch.mining.tuples), scoreRanks = LossInsight.scoreRanks(batch.mining.tuples)
                columns.insert(contentsOf: [.init("#label", width: .fixed(6), alignment: .right), .init("#score", width: .fixed(6), alignment: .right)], at: 4)
                rows = zip(rows, tuples).map { tableRow, tuple in
                    var extended = tableRow
                    extended.cells.insert(contentsOf: ["\(labelRanks[tuple.index])", "\(scoreRanks[tuple.index])"], at: 4)
                    if labelRanks[tuple.index] != scoreRanks[tuple.index] && tuple.tuple.loss > 0 { extended.style = Style(.yellow) }
                    return extended
                }
            }
        }
        if !texts.isEmpty {
            // The sentences get the room a flexible labels column would take.
            columns = columns.map { column in
                var fixed = column
                if column.title == "labels" { fixed.width = .fixed(9) }
                return fixed
            }
            columns.append(.init(model.ascii ? "texts (anchor | positive | negative)" : "texts (anchor │ positive │ negative)"))
            rows = zip(rows, tuples).map { tableRow, tuple in
                var extended = tableRow
                extended.cells.append(sentences(tuple))
                return extended
            }
        }
        return (columns, rows)
    }
}
