/// Display widths of text on a terminal, in cells, as the C library's `wcwidth` gives them
/// (ncurses places text by the same function): East-Asian wide and fullwidth characters and
/// emoji take two cells, combining marks and zero-width format characters take none. The
/// widths come from `WidthTable`, generated from glibc's `wcwidth`. Control characters take
/// none (and are not drawn); code points `wcwidth` calls unprintable (unassigned ones) take one,
/// as a terminal shows them.
public enum TextMetrics {
    /// Width in cells of one Unicode scalar: 0, 1 or 2.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x300 { return (v < 0x20 || (v >= 0x7F && v < 0xA0)) ? 0 : 1 }  // Latin text (the table has nothing below U+0300)
        if v < 0x10000 { return Int(basicPlaneWidths[Int(v)]) }
        return searchedWidth(v)
    }

    /// The width of every code point of the Basic Multilingual Plane, read from `WidthTable`
    /// once: every cell of a frame (box lines, braille dots, glyphs) asks, and two binary
    /// searches per cell were a tenth of a frame.
    private static let basicPlaneWidths: [UInt8] = (0..<UInt32(0x10000)).map { UInt8(searchedWidth($0)) }

    private static func searchedWidth(_ v: UInt32) -> Int {
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if v < 0x300 { return 1 }
        if contains(WidthTable.zeroWidth, v) { return 0 }
        if contains(WidthTable.doubleWidth, v) { return 2 }
        return 1
    }

    /// Width in cells of one grapheme (a `Character`): the width of its scalars added up and
    /// capped at 2, so "e" + combining accent is 1, an emoji with modifiers is 2, a flag is 2.
    /// Control characters (tab, newline, ...) have width 0.
    public static func width(of character: Character) -> Int {
        var scalars = character.unicodeScalars.makeIterator()
        guard let first = scalars.next() else { return 0 }
        let firstWidth = width(of: first)
        if firstWidth == 0 && isControl(first) { return 0 }
        var total = firstWidth
        while let scalar = scalars.next() {
            total += width(of: scalar)
            if total >= 2 { return 2 }
        }
        return total
    }

    /// Width in cells of a string.
    public static func width<S: StringProtocol>(_ text: S) -> Int {
        var total = 0
        for character in text { total += width(of: character) }
        return total
    }

    /// Whether a scalar is a C0/C1 control character.
    public static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || (v >= 0x7F && v < 0xA0)
    }

    /// The longest prefix of `text` that fits in `width` cells; when the text had to be cut,
    /// the prefix ends with `ellipsis` (which is dropped too if even it does not fit).
    public static func truncate(_ text: String, toWidth width: Int, ellipsis: String = "…") -> String {
        guard width > 0 else { return "" }
        if self.width(text) <= width { return text }
        let ellipsisWidth = self.width(ellipsis)
        let budget = ellipsisWidth <= width ? width - ellipsisWidth : width
        var result = ""
        var used = 0
        for character in text {
            let w = self.width(of: character)
            if used + w > budget { break }
            result.append(character)
            used += w
        }
        if ellipsisWidth <= width { result += ellipsis }
        return result
    }

    /// Text fitted to exactly `width` cells: truncated with an ellipsis when too long, padded
    /// with spaces according to `alignment` when too short.
    public static func fit(
        _ text: String, width: Int, alignment: Alignment = .left, ellipsis: String = "…"
    ) -> String {
        guard width > 0 else { return "" }
        let cut = truncate(text, toWidth: width, ellipsis: ellipsis)
        let slack = width - self.width(cut)
        guard slack > 0 else { return cut }
        switch alignment {
        case .left:
            return cut + String(repeating: " ", count: slack)
        case .right:
            return String(repeating: " ", count: slack) + cut
        case .center:
            let left = slack / 2
            return String(repeating: " ", count: left) + cut
                + String(repeating: " ", count: slack - left)
        }
    }

    /// Word-wraps one paragraph (no newlines expected; they are treated as spaces) into rows of
    /// at most `width` cells. Words longer than a row are broken; an empty paragraph gives one
    /// empty row. Spaces at the start of continuation rows are dropped.
    public static func wrap(_ text: String, width: Int) -> [String] {
        let characters = text.map { $0.isNewline ? " " : $0 }
        return wrapRanges(characters, width: width) { self.width(of: $0) }.map {
            String(characters[$0])
        }
    }

    /// The wrapping engine shared by `wrap` and `TextView`: returns index ranges into `items`,
    /// one per row, without the spaces at which rows were broken. `cellWidth` gives each
    /// item's width; runs of `isSpace` items are the break opportunities.
    static func wrapRanges<T>(
        _ items: [T], width: Int, isSpace: (T) -> Bool, cellWidth: (T) -> Int
    ) -> [Range<Int>] {
        let width = max(1, width)
        var rows: [Range<Int>] = []
        func closeRow(_ start: Int, _ end: Int) {
            var end = end
            while end > start && isSpace(items[end - 1]) { end -= 1 }
            rows.append(start..<end)
        }
        var start = 0
        var used = 0
        var lastBreak: Int? = nil  // first index after the latest run of spaces in this row
        var index = 0
        while index < items.count {
            let item = items[index]
            let w = cellWidth(item)
            if isSpace(item) {
                // Spaces never force a wrap; trailing ones are dropped when the row closes.
                used += w
                index += 1
                lastBreak = index
                continue
            }
            if used + w <= width {
                used += w
                index += 1
                continue
            }
            if let cut = lastBreak, cut > start {
                closeRow(start, cut)
                start = cut
                used = 0
                for j in start..<index { used += cellWidth(items[j]) }
                lastBreak = nil
            } else if used > 0 {
                closeRow(start, index)
                start = index
                used = 0
                lastBreak = nil
            } else {
                // One item wider than the whole row: it gets a row of its own.
                rows.append(index..<(index + 1))
                index += 1
                start = index
                used = 0
                lastBreak = nil
            }
        }
        if start < items.count || rows.isEmpty {
            closeRow(start, items.count)
        }
        return rows
    }

    static func wrapRanges(
        _ characters: [Character], width: Int, cellWidth: (Character) -> Int
    ) -> [Range<Int>] {
        wrapRanges(characters, width: width, isSpace: { $0 == " " }, cellWidth: cellWidth)
    }

    private static func contains(_ ranges: [ClosedRange<UInt32>], _ value: UInt32) -> Bool {
        var low = 0
        var high = ranges.count - 1
        while low <= high {
            let mid = (low + high) / 2
            let range = ranges[mid]
            if value < range.lowerBound {
                high = mid - 1
            } else if value > range.upperBound {
                low = mid + 1
            } else {
                return true
            }
        }
        return false
    }
}

/// Horizontal alignment of text inside a cell range.
public enum Alignment: Hashable, Sendable {
    case left, center, right
}
