import LossSession
import TerminalKit

/// Every hyperparameter under its sentence-transformers or `set` name; Enter edits, +/- nudge.
enum ParametersPane {
    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let rows = ParameterRow.rows(for: model.snapshot)
        let cells = rows.map { [$0.group.rawValue, $0.name, $0.value] }
        var table = Table(columns: [.init("", width: .fixed(8)), .init("name", width: .flexible), .init("value", width: .flexible)],
                          cells: cells, selectedRow: model.focus == .parameters && !rows.isEmpty ? min(model.parameterSelection, rows.count - 1) : nil)
        table.showHeader = false
        table.ascii = model.ascii
        table.scrollToSelection(visibleRows: table.visibleRowCount(height: rect.height))
        table.render(into: &buffer, in: rect)
    }
}
