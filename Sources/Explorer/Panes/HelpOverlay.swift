import LossSession
import TerminalKit

/// The keys overlay, made from the key table: one section per scope, in as many columns as
/// the screen has room for, scrolling when even that is too tall.
enum HelpOverlay {
    static let labelWidth = KeyTable.bindings.filter { $0.scope != .help && $0.scope != .rowDetail }.map { TextMetrics.width($0.label) }.max()! + 2

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
        for text in ["Commands (after :): " + Command.verbs.joined(separator: ", "), LossSpec.usage] {
            for row in TextMetrics.wrap(text, width: max(width, 20)) { lines.append((row, Style(.brightBlack))) }
        }
        return lines
    }

    /// How the help is laid out on a screen: its lines, columns and the rows of each.
    struct Layout {
        var lines: [(String, Style?)]
        var columnWidth: Int
        var columns: Int
        var rowsPerColumn: Int
        var rect: Rect

        init(width: Int, height: Int) {
            columnWidth = KeyTable.bindings.map { HelpOverlay.labelWidth + TextMetrics.width($0.help) }.max()! + 3
            lines = HelpOverlay.lines(width: columnWidth - 3)
            let innerHeight = max(height - 4, 1)
            let fitting = max(1, (width - 4) / columnWidth)
            columns = min(fitting, (lines.count + innerHeight - 1) / innerHeight)
            rowsPerColumn = (lines.count + columns - 1) / columns
            rect = Rect(x: 0, y: 0, width: width, height: height)
                .centered(width: min(columns * columnWidth + 2, width - 2), height: min(rowsPerColumn + 2, height - 2))
        }

        /// The largest useful scroll: the last row at the bottom of the box.
        var maxScroll: Int { max(rowsPerColumn - (rect.height - 2), 0) }
    }

    static func render(_ model: ExplorerModel, into buffer: inout Buffer) {
        let layout = Layout(width: model.width, height: model.height)
        buffer.clear(layout.rect)
        let title = layout.maxScroll > 0 ? "Keys (j/k scroll, any other key closes)" : "Keys (any key closes)"
        let inner = Box(title: title, focused: true, ascii: model.ascii).render(into: &buffer, in: layout.rect)
        let offset = min(model.helpScroll, layout.maxScroll)
        for column in 0..<layout.columns {
            let start = column * layout.rowsPerColumn
            let slice = layout.lines[min(start, layout.lines.count)..<min(start + layout.rowsPerColumn, layout.lines.count)]
            for (row, line) in slice.dropFirst(offset).prefix(inner.height).enumerated() {
                let x = inner.x + 1 + column * layout.columnWidth
                buffer.put(line.0, in: Rect(x: x, y: inner.y + row, width: max(min(layout.columnWidth - 1, inner.maxX - x), 0), height: 1),
                           style: line.1 ?? .plain)
            }
        }
    }
}
