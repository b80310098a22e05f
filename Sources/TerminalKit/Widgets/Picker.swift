/// A filterable list to choose one item from (loss, dataset, metric pickers): a framed box
/// with a filter line on top and the matching items below, the selected one highlighted.
///
/// Typing filters (case-insensitive, all space-separated words must occur in the item);
/// Backspace edits the filter; Up/Down/PgUp/PgDn/Home/End move, and so do `j`/`k` while the
/// filter is empty (once something is typed they are letters of it); Enter chooses; Esc cancels.
public struct Picker: Sendable {
    public enum Outcome: Hashable, Sendable {
        case handled
        case ignored
        /// Enter on an item: its index in `items`.
        case chosen(Int)
        case cancelled
    }

    public var title: String
    public var items: [String]
    /// Optional second column, e.g. a short description (same count as `items`, or empty),
    /// drawn after the widest item.
    public var details: [String]
    /// Items drawn in `detailStyle` when not selected: listed, but not a good choice (a loss
    /// that does not fit the data, with its reason as the detail).
    public var dimmedItems: Set<Int> = []
    public var filter: TextField
    /// Position of the selection within `matches`.
    public private(set) var selection: Int = 0
    public private(set) var scrollOffset: Int = 0
    public var ascii: Bool
    public var selectedStyle: Style
    public var detailStyle: Style
    /// Rows moved by PgUp/PgDn, and the window used to keep scrolling steady: set it to the
    /// number of list rows shown (the overlay height minus 3).
    public var pageSize: Int

    public init(
        title: String, items: [String], details: [String] = [], selected: Int? = nil,
        ascii: Bool = false, selectedStyle: Style = Style(.default, reverse: true),
        detailStyle: Style = Style(.brightBlack), pageSize: Int = 10
    ) {
        self.title = title
        self.items = items
        self.details = details
        self.filter = TextField(prompt: "/ ", placeholder: "filter")
        self.ascii = ascii
        self.selectedStyle = selectedStyle
        self.detailStyle = detailStyle
        self.pageSize = max(1, pageSize)
        if let selected, let position = matches.firstIndex(of: selected) { selection = position }
    }

    /// Indices into `items` that match the filter, in their original order.
    public var matches: [Int] {
        let words = filter.text.lowercased().split(separator: " ")
        guard !words.isEmpty else { return Array(items.indices) }
        return items.indices.filter { index in
            let item = items[index].lowercased()
            return words.allSatisfy { item.contains($0) }
        }
    }

    /// The index in `items` of the selected match, if any.
    public var selectedItem: Int? {
        let m = matches
        return m.isEmpty ? nil : m[min(selection, m.count - 1)]
    }

    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .enter:
            if let item = selectedItem { return .chosen(item) }
            return .handled
        case .escape:
            return .cancelled
        case .up, .control("p"):
            move(by: -1)
        case .down, .control("n"), .tab:
            move(by: 1)
        case .backTab:
            move(by: -1)
        case .character("j") where filter.text.isEmpty:
            move(by: 1)
        case .character("k") where filter.text.isEmpty:
            move(by: -1)
        case .pageUp:
            move(by: -pageSize)
        case .pageDown:
            move(by: pageSize)
        case .home:
            move(by: -selection)
        case .end:
            move(by: matches.count)
        default:
            let before = filter.text
            switch filter.handle(key) {
            case .handled:
                if filter.text != before { selection = 0; scrollOffset = 0 }
            default:
                return .ignored
            }
        }
        return .handled
    }

    private mutating func move(by delta: Int) {
        let count = matches.count
        guard count > 0 else { return }
        selection = min(max(0, selection + delta), count - 1)
        scrollOffset = Table.offset(
            keeping: selection, visibleRows: pageSize, currentOffset: scrollOffset, rowCount: count)
    }

    /// Height that shows every item (frame + filter line + items), for sizing the overlay.
    public var preferredHeight: Int { items.count + 3 }

    /// Width that shows every item and detail in full (frame included).
    public var preferredWidth: Int {
        let detail = details.map { TextMetrics.width($0) }.max() ?? 0
        return itemColumnWidth + (detail > 0 ? 2 + detail : 0) + 2
    }

    private var itemColumnWidth: Int { items.map { TextMetrics.width($0) }.max() ?? 0 }

    public func render(into buffer: inout Buffer, in rect: Rect) {
        buffer.clear(rect)
        let m = matches
        let inner = Box(title: title, rightTitle: "\(m.count)/\(items.count)", focused: true, ascii: ascii)
            .render(into: &buffer, in: rect)
        guard !inner.isEmpty else { return }
        filter.render(into: &buffer, in: inner.top(1))
        let list = inner.inset(top: 1)
        guard !list.isEmpty else { return }
        if m.isEmpty {
            buffer.put("no match", x: list.x, y: list.y, style: detailStyle, clip: list)
            return
        }
        let current = min(selection, m.count - 1)
        let offset = Table.offset(
            keeping: current, visibleRows: list.height, currentOffset: scrollOffset, rowCount: m.count)
        // Details line up after the widest item, as long as that leaves them some room.
        let detailX = list.x + min(itemColumnWidth + 2, max(list.width / 2, list.width - 24))
        for row in 0..<min(list.height, m.count - offset) {
            let position = offset + row
            let index = m[position]
            let line = list.row(row)
            let selected = position == current
            let look = selected ? selectedStyle : (dimmedItems.contains(index) ? detailStyle : .plain)
            buffer.clear(line, style: selected ? selectedStyle : .plain)
            let end = buffer.put(TextMetrics.truncate(items[index], toWidth: line.width), x: line.x, y: line.y, style: look, clip: line)
            if index < details.count, !details[index].isEmpty {
                let x = max(detailX, end + 2)
                let room = line.maxX - x
                if room >= 4 {
                    buffer.put(TextMetrics.truncate(details[index], toWidth: room), x: x, y: line.y,
                               style: selected ? selectedStyle : detailStyle, clip: line)
                }
            }
        }
    }
}
