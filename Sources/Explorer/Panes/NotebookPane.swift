import LossSession
import TerminalKit

/// The numbered cells and their short outputs; the newest at the bottom. Enter on a cell
/// edits it and re-runs the notebook from there.
enum NotebookPane {
    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let cells = model.snapshot.cells
        guard !cells.isEmpty || !model.pending.isEmpty else {
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
        if !model.pending.isEmpty {
            lines.append([TextView.Span("── \(model.pending.count) cells to go: . runs the next, > the rest", style: Style(.cyan))])
            for (offset, text) in model.pending.enumerated() {
                lines.append([TextView.Span("[\(cells.count + offset + 1)] ", style: Style(.brightBlack)),
                              TextView.Span(text, style: text.hasPrefix("#") ? Style(.green, dim: true) : Style(.brightBlack))])
            }
        }
        let followTail = model.notebookSelection == nil && model.pending.isEmpty
        var view = TextView(lines: lines, wrap: false, followTail: followTail, ascii: model.ascii)
        if model.notebookSelection == nil && !model.pending.isEmpty {
            view.scrollOffset = max(0, lines.count - model.pending.count - rect.height / 2)
        }
        if model.notebookSelection != nil { view.scrollOffset = max(0, selectedLine - rect.height / 2) }
        view.render(into: &buffer, in: rect)
    }
}
