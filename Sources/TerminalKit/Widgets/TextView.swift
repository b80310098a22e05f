/// Multi-line, word-wrapped, vertically scrollable text made of styled spans (the notebook,
/// the help overlay, long messages).
///
/// `scrollOffset` counts wrapped rows. It is clamped when drawing, so the app can add or
/// subtract freely; `followTail` pins the view to the end (for a log that grows).
public struct TextView: Sendable {
    public struct Span: Hashable, Sendable {
        public var text: String
        public var style: Style

        public init(_ text: String, style: Style = .plain) {
            self.text = text
            self.style = style
        }
    }

    /// Logical lines (paragraphs), each a run of spans without line breaks.
    public var lines: [[Span]]
    public var scrollOffset: Int
    public var wrap: Bool
    public var followTail: Bool
    public var showScrollbar: Bool
    public var ascii: Bool
    public var tabWidth: Int
    public var scrollbarStyle: Style

    public init(
        lines: [[Span]], scrollOffset: Int = 0, wrap: Bool = true, followTail: Bool = false,
        showScrollbar: Bool = true, ascii: Bool = false, tabWidth: Int = 4,
        scrollbarStyle: Style = Style(.brightBlack)
    ) {
        self.lines = lines
        self.scrollOffset = scrollOffset
        self.wrap = wrap
        self.followTail = followTail
        self.showScrollbar = showScrollbar
        self.ascii = ascii
        self.tabWidth = tabWidth
        self.scrollbarStyle = scrollbarStyle
    }

    /// Plain text; "\n" separates lines.
    public init(text: String, style: Style = .plain, scrollOffset: Int = 0) {
        self.init(lines: TextView.lines(from: text, style: style), scrollOffset: scrollOffset)
    }

    /// Splits text at line breaks into one-span lines.
    public static func lines(from text: String, style: Style = .plain) -> [[Span]] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map {
            [Span(String($0), style: style)]
        }
    }

    /// Appends a line (e.g. new notebook output).
    public mutating func append(_ text: String, style: Style = .plain) {
        lines.append(contentsOf: TextView.lines(from: text, style: style))
    }

    private struct Glyph {
        var character: Character
        var style: Style
        var width: Int
    }

    /// One logical line as drawable glyphs: tabs expanded, controls dropped.
    private func glyphs(of line: [Span]) -> [Glyph] {
        var result: [Glyph] = []
        var column = 0
        for span in line {
            for c in span.text {
                if c == "\t" {
                    let stop = max(1, tabWidth)
                    let spaces = stop - column % stop
                    for _ in 0..<spaces { result.append(Glyph(character: " ", style: span.style, width: 1)) }
                    column += spaces
                    continue
                }
                let w = TextMetrics.width(of: c)
                guard w > 0 else { continue }
                result.append(Glyph(character: c, style: span.style, width: w))
                column += w
            }
        }
        return result
    }

    private func rows(width: Int) -> [ArraySlice<Glyph>] {
        var rows: [ArraySlice<Glyph>] = []
        for line in lines {
            let g = glyphs(of: line)
            if !wrap {
                rows.append(g[...])
                continue
            }
            let ranges = TextMetrics.wrapRanges(
                g, width: width, isSpace: { $0.character == " " }, cellWidth: { $0.width })
            for range in ranges { rows.append(g[range]) }
        }
        return rows
    }

    /// How many rows the text takes at `width` (without a scrollbar column).
    public func rowCount(width: Int) -> Int {
        rows(width: max(1, width)).count
    }

    /// The largest useful scroll offset for a rect (accounting for the scrollbar).
    public func maxScrollOffset(in rect: Rect) -> Int {
        let layout = self.layout(rect)
        return max(0, layout.rows.count - rect.height)
    }

    /// The offset actually drawn for `rect`: `scrollOffset` clamped, or the end with
    /// `followTail`.
    public func effectiveOffset(in rect: Rect) -> Int {
        let maximum = maxScrollOffset(in: rect)
        return followTail ? maximum : min(max(0, scrollOffset), maximum)
    }

    private func layout(_ rect: Rect) -> (rows: [ArraySlice<Glyph>], textWidth: Int, scrollbar: Bool) {
        let full = rows(width: max(1, rect.width))
        if showScrollbar && rect.width >= 2 && full.count > rect.height {
            return (rows(width: rect.width - 1), rect.width - 1, true)
        }
        return (full, rect.width, false)
    }

    public func render(into buffer: inout Buffer, in rect: Rect) {
        let area = rect.intersection(buffer.bounds)
        guard !area.isEmpty else { return }
        let (allRows, textWidth, scrollbar) = layout(rect)
        let maximum = max(0, allRows.count - rect.height)
        let offset = followTail ? maximum : min(max(0, scrollOffset), maximum)
        let textArea = Rect(x: rect.x, y: rect.y, width: textWidth, height: rect.height)
            .intersection(area)
        for r in 0..<rect.height {
            let index = offset + r
            guard index < allRows.count else { break }
            var x = rect.x
            let y = rect.y + r
            for glyph in allRows[index] {
                if x + glyph.width > rect.x + textWidth { break }
                buffer.put(glyph.character, x: x, y: y, style: glyph.style, clip: textArea)
                x += glyph.width
            }
        }
        if scrollbar {
            let barX = rect.maxX - 1
            let total = allRows.count
            let height = rect.height
            let thumbSize = max(1, height * height / max(1, total))
            let travel = height - thumbSize
            let thumbStart = maximum > 0 ? (travel * offset + maximum / 2) / maximum : 0
            for r in 0..<height {
                let inThumb = r >= thumbStart && r < thumbStart + thumbSize
                let glyph: Character = ascii ? (inThumb ? "#" : "|") : (inThumb ? "┃" : "│")
                buffer.put(glyph, x: barX, y: rect.y + r, style: inThumb ? scrollbarStyle.bold : scrollbarStyle, clip: area)
            }
        }
    }
}
