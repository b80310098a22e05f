import LossSession
import TerminalKit

/// The point under the embeddings cursor and its nearest neighbours, over the bottom of the
/// plot (or its top, when the cursor is down there). Tall panes list the five neighbours
/// with their texts; short ones put them on one line.
enum CursorPanel {
    /// A pane at least this tall lists each neighbour on its own row.
    static let fullHeight = 14

    static func lines(_ model: ExplorerModel, cursor item: Int, width: Int, full: Bool) -> [(String, Style)] {
        let s = model.snapshot
        let dot = model.ascii ? " - " : " · "
        func describe(_ item: Int, _ text: String?) -> String {
            let label = model.classLabel(of: item)
            return "item \(item)" + (label.isEmpty ? "" : dot + label) + (text.map { dot + "“\($0)”" } ?? "")
        }
        guard let found = s.cursor, found.item == item else {
            return [("@ " + describe(item, nil), Style(.default, bold: true)), (model.ascii ? "finding its nearest neighbours..." : "finding its nearest neighbours…", Style(.brightBlack))]
        }
        var lines: [(String, Style)] = [("@ " + describe(item, found.text), Style(.default, bold: true))]
        let among = found.searched < found.itemCount ? ", among the \(found.searched) drawn of \(found.itemCount)" : ""
        let measure = found.measure.rawValue
        if found.neighbours.isEmpty {
            lines.append(("no other point to compare with", Style(.brightBlack)))
        } else if full {
            lines.append(("\(found.neighbours.count) nearest by \(measure) in the \(found.dimension)-D embedding, not this 2-D view\(among)",
                          Style(.brightBlack)))
            for (rank, n) in found.neighbours.enumerated() {
                lines.append(("\(rank + 1) \(NumberText.short(n.value))" + dot + describe(n.item, n.text), .plain))
            }
        } else {
            let list = found.neighbours.enumerated().map { "\($0.offset + 1):\($0.element.item) \(NumberText.short($0.element.value))" }
            lines.append(("nearest by \(measure), \(found.dimension)-D\(among): " + list.joined(separator: "  "), .plain))
        }
        return lines.map { (TextMetrics.truncate($0.0, toWidth: width, ellipsis: model.ascii ? "~" : "…"), $0.1) }
    }

    static func render(_ model: ExplorerModel, into buffer: inout Buffer, plot: Rect) {
        guard let item = model.cursorItem, model.snapshot.pointItems.contains(item), plot.height >= 4 else { return }
        let lines = lines(model, cursor: item, width: plot.width, full: plot.height >= fullHeight)
        let height = min(lines.count, plot.height - 2)
        var top = plot.maxY - height
        let cursor = EmbeddingsCursor(model)
        if let index = model.snapshot.pointItems.firstIndex(of: item), let dot = cursor.dot(index), plot.y + Int(dot.y) / 4 >= top - 1 {
            top = plot.y
        }
        let area = Rect(x: plot.x, y: top, width: plot.width, height: height)
        buffer.clear(area)
        for (offset, line) in lines.prefix(height).enumerated() {
            buffer.put(line.0, in: area.row(offset), style: line.1)
        }
    }
}
