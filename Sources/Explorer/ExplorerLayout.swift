import TerminalKit

/// Where each pane goes for a terminal size: two status rows on top, the message / command
/// row and the key footer at the bottom, embeddings and mining on the left, charts,
/// parameters and notebook on the right.
public struct ExplorerLayout {
    public let status: Rect
    public let panes: [(ExplorerModel.Pane, Rect)]
    public let commandRow: Rect
    public let footer: Rect

    public init(width: Int, height: Int) {
        let screen = Rect(x: 0, y: 0, width: width, height: height)
        status = screen.top(2)
        footer = screen.bottom(1)
        commandRow = Rect(x: 0, y: max(height - 2, 0), width: width, height: 1)
        let middle = Rect(x: 0, y: 2, width: width, height: max(height - 4, 0))
        let columns = middle.splitColumns([.percent(55), .fill])
        let left = columns[0].splitRows([.percent(58), .fill])
        let right = columns[1].splitRows([.percent(42), .percent(28), .fill])
        panes = [(.embeddings, left[0]), (.mining, left[1]), (.charts, right[0]), (.parameters, right[1]), (.notebook, right[2])]
    }

    public func rect(of pane: ExplorerModel.Pane) -> Rect {
        panes.first { $0.0 == pane }?.1 ?? .zero
    }
}
