import LossSession
import TerminalKit

/// The keys overlay, made from the key table: one section per scope, in as many columns as
/// the screen has room for, scrolling when even that is too tall.
enum HelpOverlay {
    static let labelWidth = KeyTable.bindings.filter { $0.scope != .help }.map { TextMetrics.width($0.label) }.max()! + 2

    /// The help as one column of lines: headings, then each binding's keys and what they do.
    static func lines(width: Int) -> [(String, Style?)] {
        var lines: [(String, Style?)] = []
        for scope in KeyTable.scopes {
            if !lines.isEmpty { lines.append(("", nil)) }
            lines.append((scope.heading, Style(.cyan, bold: true)))
            for binding in KeyTable.bindings(in: scope) {
                let label = binding.label.padding(toLength: max(labelWidth, TextMetrics.width(binding.label) + 1), withPad: " ", startingAt: 0)
                lines.append((label + binding.help, nil))
            }
        }
        lines.append(("", nil))
        for row in TextMetrics.wrap("Commands (after :): " + Command.verbs.joined(separator: ", "), width: max(width, 20)) {
            lines.append((row, Style(.brightBlack)))
        }
        return lines
    }

    static func render(_ model: ExplorerModel, into buffer: inout Buffer) {
        let columnWidth = KeyTable.bindings.map { labelWidth + TextMetrics.width($0.help) }.max()! + 3
        let innerHeight = max(model.height - 4, 1)
        let fitting = max(1, (model.width - 4) / columnWidth)
        let all = lines(width: columnWidth - 3)
        let needed = (all.count + innerHeight - 1) / innerHeight
        let columns = min(fitting, needed)
        let width = min(columns * columnWidth + 2, model.width - 2)
        let rowsPerColumn = (all.count + columns - 1) / columns
        let height = min(rowsPerColumn + 2, model.height - 2)
        let rect = Rect(x: 0, y: 0, width: model.width, height: model.height).centered(width: width, height: height)
        buffer.clear(rect)
        let scrolls = rowsPerColumn > height - 2
        let title = scrolls ? "Keys (j/k scroll, any other key closes)" : "Keys (any key closes)"
        let inner = Box(title: title, focused: true, ascii: model.ascii).render(into: &buffer, in: rect)
        let offset = min(model.helpScroll, max(rowsPerColumn - inner.height, 0))
        for column in 0..<columns {
            let start = column * rowsPerColumn
            let slice = all[min(start, all.count)..<min(start + rowsPerColumn, all.count)]
            for (row, line) in slice.dropFirst(offset).prefix(inner.height).enumerated() {
                let x = inner.x + 1 + column * columnWidth
                buffer.put(line.0, in: Rect(x: x, y: inner.y + row, width: max(min(columnWidth - 1, inner.maxX - x), 0), height: 1),
                           style: line.1 ?? .plain)
            }
        }
    }
}
