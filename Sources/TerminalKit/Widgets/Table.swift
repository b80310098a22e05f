/// Rows of text under a header, with a highlighted selected row, vertical scrolling and a sort
/// indicator.
///
/// Rendering always shows the selected row: if `scrollOffset` would hide it, the drawn window
/// moves just enough. To keep scrolling smooth between frames, store the adjusted offset with
/// `scrollToSelection(visibleRows:)` (or `Table.offset(keeping:...)`) after each move.
public struct Table: Sendable {
    public enum Width: Hashable, Sendable {
        /// Exactly this many cells.
        case fixed(Int)
        /// A share (by weight) of the space the fixed columns leave, at least `min` cells.
        case flexible(min: Int, weight: Int)

        public static let flexible = Width.flexible(min: 1, weight: 1)
    }

    public enum SortDirection: Hashable, Sendable {
        case ascending, descending
    }

    public struct Column: Hashable, Sendable {
        public var title: String
        public var width: Width
        public var alignment: Alignment

        public init(_ title: String, width: Width = .flexible, alignment: Alignment = .left) {
            self.title = title
            self.width = width
            self.alignment = alignment
        }
    }

    public struct Row: Hashable, Sendable {
        public var cells: [String]
        /// Style for the row when it is not selected (nil: the table's `rowStyle`).
        public var style: Style?

        public init(_ cells: [String], style: Style? = nil) {
            self.cells = cells
            self.style = style
        }
    }

    public var columns: [Column]
    public var rows: [Row]
    public var selectedRow: Int?
    /// Index of the first row drawn (before adjustment for the selection).
    public var scrollOffset: Int
    public var sortColumn: Int?
    public var sortDirection: SortDirection
    public var showHeader: Bool
    public var columnSpacing: Int
    public var ascii: Bool
    public var headerStyle: Style
    public var rowStyle: Style
    public var selectedStyle: Style
    public var emptyText: String
    /// Arrows in the right-most column when rows are hidden above/below (they cover that
    /// column's last character).
    public var showScrollHints: Bool

    public init(
        columns: [Column], rows: [Row] = [], selectedRow: Int? = nil, scrollOffset: Int = 0,
        sortColumn: Int? = nil, sortDirection: SortDirection = .ascending, showHeader: Bool = true,
        columnSpacing: Int = 1, ascii: Bool = false, headerStyle: Style = Style(.default, bold: true, underline: true),
        rowStyle: Style = .plain, selectedStyle: Style = Style(.default, reverse: true),
        emptyText: String = "(empty)", showScrollHints: Bool = false
    ) {
        self.columns = columns
        self.rows = rows
        self.selectedRow = selectedRow
        self.scrollOffset = scrollOffset
        self.sortColumn = sortColumn
        self.sortDirection = sortDirection
        self.showHeader = showHeader
        self.columnSpacing = columnSpacing
        self.ascii = ascii
        self.headerStyle = headerStyle
        self.rowStyle = rowStyle
        self.selectedStyle = selectedStyle
        self.emptyText = emptyText
        self.showScrollHints = showScrollHints
    }

    /// Convenience: rows given as plain string arrays.
    public init(columns: [Column], cells: [[String]], selectedRow: Int? = nil) {
        self.init(columns: columns, rows: cells.map { Row($0) }, selectedRow: selectedRow)
    }

    /// Number of body rows that fit in a rect of the given height.
    public func visibleRowCount(height: Int) -> Int {
        max(0, height - (showHeader ? 1 : 0))
    }

    /// The first row to draw so that `selected` is visible, moving `offset` as little as
    /// possible and never leaving empty rows below the last one when scrolled.
    public static func offset(
        keeping selected: Int?, visibleRows: Int, currentOffset: Int, rowCount: Int
    ) -> Int {
        guard visibleRows > 0, rowCount > 0 else { return 0 }
        let maxOffset = max(0, rowCount - visibleRows)
        var offset = min(max(0, currentOffset), maxOffset)
        if let selected {
            let s = min(max(0, selected), rowCount - 1)
            if s < offset { offset = s }
            if s >= offset + visibleRows { offset = s - visibleRows + 1 }
        }
        return offset
    }

    /// Stores the scroll offset that keeps the selection visible in `visibleRows` rows.
    public mutating func scrollToSelection(visibleRows: Int) {
        scrollOffset = Table.offset(
            keeping: selectedRow, visibleRows: visibleRows, currentOffset: scrollOffset,
            rowCount: rows.count)
    }

    /// Moves the selection by `delta` rows (clamped), selecting the first row if none was.
    public mutating func moveSelection(by delta: Int) {
        guard !rows.isEmpty else {
            selectedRow = nil
            return
        }
        let current = selectedRow ?? (delta >= 0 ? -1 : rows.count)
        selectedRow = min(max(0, current + delta), rows.count - 1)
    }

    /// Column widths for a total width: fixed columns first (shrunk from the right when they
    /// do not fit), then flexible columns share what is left by weight.
    public func columnWidths(totalWidth: Int) -> [Int] {
        guard !columns.isEmpty else { return [] }
        let spacing = max(0, columnSpacing) * (columns.count - 1)
        var remaining = max(0, totalWidth - spacing)
        var widths = [Int](repeating: 0, count: columns.count)
        for (i, column) in columns.enumerated() {
            switch column.width {
            case .fixed(let n):
                widths[i] = min(max(0, n), remaining)
                remaining -= widths[i]
            case .flexible(let minimum, _):
                widths[i] = min(max(0, minimum), remaining)
                remaining -= widths[i]
            }
        }
        let flexible = columns.enumerated().compactMap { entry -> (Int, Int)? in
            if case .flexible(_, let weight) = entry.element.width { return (entry.offset, max(0, weight)) }
            return nil
        }
        let totalWeight = flexible.reduce(0) { $0 + $1.1 }
        if totalWeight > 0 && remaining > 0 {
            var given = 0
            for (index, weight) in flexible {
                let share = remaining * weight / totalWeight
                widths[index] += share
                given += share
            }
            var leftover = remaining - given
            for (index, weight) in flexible where leftover > 0 && weight > 0 {
                widths[index] += 1
                leftover -= 1
            }
        }
        return widths
    }

    public func render(into buffer: inout Buffer, in rect: Rect) {
        let area = rect.intersection(buffer.bounds)
        guard !area.isEmpty else { return }
        let widths = columnWidths(totalWidth: area.width)
        let gap = max(0, columnSpacing)
        var y = area.y

        func drawRow(_ cells: [String], style: Style, header: Bool) {
            buffer.clear(Rect(x: area.x, y: y, width: area.width, height: 1), style: style)
            var x = area.x
            for (i, column) in columns.enumerated() {
                let w = widths[i]
                if w > 0 {
                    var text = i < cells.count ? cells[i] : ""
                    var alignment = column.alignment
                    if header && sortColumn == i {
                        let arrow = ascii
                            ? (sortDirection == .ascending ? "^" : "v")
                            : (sortDirection == .ascending ? "▲" : "▼")
                        // The arrow stays visible even when the title has to be cut.
                        let titleRoom = max(0, w - 1)
                        text = TextMetrics.truncate(text, toWidth: titleRoom) + arrow
                        if alignment == .center { alignment = .left }
                    }
                    let fitted = TextMetrics.fit(text, width: w, alignment: alignment)
                    buffer.put(fitted, x: x, y: y, style: style, clip: area)
                }
                x += w + gap
            }
        }

        if showHeader {
            drawRow(columns.map(\.title), style: headerStyle, header: true)
            y += 1
        }
        let visible = max(0, area.maxY - y)
        guard visible > 0 else { return }
        guard !rows.isEmpty else {
            let text = TextMetrics.truncate(emptyText, toWidth: area.width)
            buffer.put(text, x: area.x, y: y, style: rowStyle.dim, clip: area)
            return
        }
        let first = Table.offset(
            keeping: selectedRow, visibleRows: visible, currentOffset: scrollOffset,
            rowCount: rows.count)
        let last = min(rows.count, first + visible)
        for index in first..<last {
            let row = rows[index]
            let style = index == selectedRow ? selectedStyle : (row.style ?? rowStyle)
            drawRow(row.cells, style: style, header: false)
            y += 1
        }
        guard showScrollHints else { return }
        let hintX = area.maxX - 1
        let bodyTop = area.maxY - visible
        if first > 0 {
            buffer.put(ascii ? "^" : "↑", x: hintX, y: bodyTop, style: rowStyle.dim, clip: area)
        }
        if last < rows.count {
            buffer.put(ascii ? "v" : "↓", x: hintX, y: area.maxY - 1, style: rowStyle.dim, clip: area)
        }
    }
}
