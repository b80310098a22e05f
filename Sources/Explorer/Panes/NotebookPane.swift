import LossSession
import TerminalKit

/// The numbered cells and their short outputs; the newest at the bottom. Enter on a cell
/// edits it and re-runs the notebook from there.
enum NotebookPane {
    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let cells = model.snapshot.cells
        guard !cells.isEmpty else {
            buffer.put("type : and a command, e.g. :step 100", in: rect.row(0), style: Style(.brightBlack))
            return
        }
        var lines: [[TextView.Span]] = []
        var selectedLine = 0
        for (index, cell) in cells.enumerated() {
            let selected = model.notebookSelection == index && model.focus == .notebook
            if selected { selectedLine = lines.count }
            let number = TextView.Span("[\(index + 1)] ", style: Style(.brightBlack))
            let textStyle = cell.isProse ? Style(.green) : (cell.isError ? Style(.red) : Style(.default, bold: true))
            lines.append([number, TextView.Span(cell.text, style: selected ? textStyle.reversed : textStyle)])
            if !cell.output.isEmpty {
                let first = cell.output.split(separator: "\n").first.map(String.init) ?? ""
                lines.append([TextView.Span("    → " + first, style: cell.isError ? Style(.red) : Style(.brightBlack))])
            }
        }
        var view = TextView(lines: lines, wrap: false, followTail: model.notebookSelection == nil, ascii: model.ascii)
        if model.notebookSelection != nil { view.scrollOffset = max(0, selectedLine - rect.height / 2) }
        view.render(into: &buffer, in: rect)
    }
}
