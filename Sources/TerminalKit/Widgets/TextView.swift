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

    /// The rows of one logical line at `width`.
    private func rows(of line: [Span], width: Int) -> [ArraySlice<Glyph>] {
        let g = glyphs(of: line)
        guard wrap else { return [g[...]] }
        return TextMetrics.wrapRanges(
            g, width: width, isSpace: { $0.character == " " }, cellWidth: { $0.width }
        ).map { g[$0] }
    }

    /// How many rows one logical line takes at `width`. Printable-ASCII lines (the common
    /// case) are measured on their bytes, without building glyphs.
    private func rowCount(of line: [Span], width: Int) -> Int {
        guard wrap else { return 1 }
        var bytes = 0
        var ascii = true
        for span in line {
            for byte in span.text.utf8 where byte < 0x20 || byte >= 0x7F {
                ascii = false
                break
            }
            if !ascii { break }
            bytes += span.text.utf8.count
        }
        if ascii {
            if bytes <= width { return 1 }
            var all: [UInt8] = []
            all.reserveCapacity(bytes)
            for span in line { all.append(contentsOf: span.text.utf8) }
            return TextMetrics.wrapRanges(all, width: width, isSpace: { $0 == 0x20 }, cellWidth: { _ in 1 })
                .count
        }
        // Text without tabs, emoji or joiners: every character's width is the sum of its
        // scalars' widths, and zero-width scalars never start a row, so measuring scalars
        // gives the same rows as measuring characters, only faster.
        var widths: [UInt8] = []
        for span in line {
            for scalar in span.text.unicodeScalars {
                let v = scalar.value
                if v == 0x09 || v == 0x200D || v == 0xFE0F || v >= 0x1F000 {
                    return rows(of: line, width: width).count
                }
                widths.append(v == 0x20 ? 0x80 | 1 : UInt8(TextMetrics.width(of: scalar)))
            }
        }
        return TextMetrics.wrapRanges(
            widths, width: width, isSpace: { $0 & 0x80 != 0 }, cellWidth: { Int($0 & 0x7F) }
        ).count
    }

    /// How many rows the text takes at `width` (without a scrollbar column).
    public func rowCount(width: Int) -> Int {
        let w = max(1, width)
        return lines.reduce(0) { $0 + rowCount(of: $1, width: w) }
    }

    /// The largest useful scroll offset for a rect (accounting for the scrollbar).
    public func maxScrollOffset(in rect: Rect) -> Int {
        max(0, layout(rect).counts.reduce(0, +) - rect.height)
    }

    /// The offset actually drawn for `rect`: `scrollOffset` clamped, or the end with
    /// `followTail`.
    public func effectiveOffset(in rect: Rect) -> Int {
        let maximum = maxScrollOffset(in: rect)
        return followTail ? maximum : min(max(0, scrollOffset), maximum)
    }

    /// Row counts per logical line, the text width and whether a scrollbar is shown.
    private func layout(_ rect: Rect) -> (counts: [Int], textWidth: Int, scrollbar: Bool) {
        let fullWidth = max(1, rect.width)
        // More logical lines than rows: the scrollbar is needed for sure, measure only once.
        if showScrollbar && rect.width >= 2 && lines.count > rect.height {
            return (lines.map { rowCount(of: $0, width: rect.width - 1) }, rect.width - 1, true)
        }
        let full = lines.map { rowCount(of: $0, width: fullWidth) }
        if showScrollbar && rect.width >= 2 && full.reduce(0, +) > rect.height {
            return (lines.map { rowCount(of: $0, width: rect.width - 1) }, rect.width - 1, true)
        }
        return (full, fullWidth, false)
    }

    public func render(into buffer: inout Buffer, in rect: Rect) {
        let area = rect.intersection(buffer.bounds)
        guard !area.isEmpty else { return }
        let (counts, textWidth, scrollbar) = layout(rect)
        let total = counts.reduce(0, +)
        let maximum = max(0, total - rect.height)
        let offset = followTail ? maximum : min(max(0, scrollOffset), maximum)
        let textArea = Rect(x: rect.x, y: rect.y, width: textWidth, height: rect.height)
            .intersection(area)

        // Find the logical line holding row `offset`, then wrap only what is visible.
        var lineIndex = 0
        var firstRow = 0  // index of the first row of `lineIndex`
        while lineIndex < lines.count && firstRow + counts[lineIndex] <= offset {
            firstRow += counts[lineIndex]
            lineIndex += 1
        }
        var skip = offset - firstRow
        var y = rect.y
        while y < rect.maxY && lineIndex < lines.count {
            for row in rows(of: lines[lineIndex], width: textWidth) {
                if skip > 0 {
                    skip -= 1
                    continue
                }
                guard y < rect.maxY else { break }
                var x = rect.x
                for glyph in row {
                    if x + glyph.width > rect.x + textWidth { break }
                    buffer.put(glyph.character, x: x, y: y, style: glyph.style, clip: textArea)
                    x += glyph.width
                }
                y += 1
            }
            lineIndex += 1
        }
        if scrollbar {
            let barX = rect.maxX - 1
            let height = rect.height
            let thumbSize = min(height, max(1, (height * height + total / 2) / max(1, total)))
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
