/// Display widths of text on a terminal, in cells, after the idea of POSIX `wcwidth`:
/// East-Asian wide and fullwidth characters and most emoji take two cells, combining marks
/// and zero-width format characters take none, control characters take none (and are not
/// drawn). The table is compact and covers the common ranges, not every Unicode corner.
public enum TextMetrics {
    /// Width in cells of one Unicode scalar: 0, 1 or 2.
    public static func width(of scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if v < 0x300 { return 1 }  // fast path for Latin text
        if contains(zeroWidthRanges, v) { return 0 }
        if v < 0x1100 { return 1 }
        if contains(wideRanges, v) { return 2 }
        return 1
    }

    /// Width in cells of one grapheme (a `Character`): the width of its scalars added up and
    /// capped at 2, so "e" + combining accent is 1, an emoji with modifiers is 2, a flag is 2.
    /// Control characters (tab, newline, ...) have width 0.
    public static func width(of character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        if first.value < 0x80 && scalars.count == 1 {
            return (first.value < 0x20 || first.value == 0x7F) ? 0 : 1
        }
        let firstWidth = width(of: first)
        if firstWidth == 0 && isControl(first) { return 0 }
        var total = firstWidth
        for scalar in scalars.dropFirst() {
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

    /// Combining marks, zero-width spaces and joiners, variation selectors, skin-tone
    /// modifiers (sorted, non-overlapping).
    private static let zeroWidthRanges: [ClosedRange<UInt32>] = [
        0x0300...0x036F, 0x0483...0x0489, 0x0591...0x05BD, 0x05BF...0x05BF,
        0x05C1...0x05C2, 0x05C4...0x05C5, 0x05C7...0x05C7, 0x0610...0x061A,
        0x064B...0x065F, 0x0670...0x0670, 0x06D6...0x06DC, 0x06DF...0x06E4,
        0x06E7...0x06E8, 0x06EA...0x06ED, 0x0900...0x0902, 0x093A...0x093A,
        0x093C...0x093C, 0x0941...0x0948, 0x094D...0x094D, 0x0951...0x0957,
        0x0962...0x0963, 0x0E31...0x0E31, 0x0E34...0x0E3A, 0x0E47...0x0E4E,
        0x1160...0x11FF, 0x1AB0...0x1AFF, 0x1DC0...0x1DFF, 0x200B...0x200F,
        0x202A...0x202E, 0x2060...0x2064, 0x20D0...0x20FF, 0x302A...0x302D,
        0x3099...0x309A, 0xFE00...0xFE0F, 0xFE20...0xFE2F, 0xFEFF...0xFEFF,
        0x1F3FB...0x1F3FF, 0xE0000...0xE007F, 0xE0100...0xE01EF,
    ]

    /// East-Asian wide/fullwidth blocks and emoji shown in emoji presentation by default
    /// (sorted, non-overlapping).
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x23E9...0x23EC,
        0x23F0...0x23F0, 0x23F3...0x23F3, 0x25FD...0x25FE, 0x2614...0x2615,
        0x2648...0x2653, 0x267F...0x267F, 0x2693...0x2693, 0x26A1...0x26A1,
        0x26AA...0x26AB, 0x26BD...0x26BE, 0x26C4...0x26C5, 0x26CE...0x26CE,
        0x26D4...0x26D4, 0x26EA...0x26EA, 0x26F2...0x26F3, 0x26F5...0x26F5,
        0x26FA...0x26FA, 0x26FD...0x26FD, 0x2705...0x2705, 0x270A...0x270B,
        0x2728...0x2728, 0x274C...0x274C, 0x274E...0x274E, 0x2753...0x2755,
        0x2757...0x2757, 0x2795...0x2797, 0x27B0...0x27B0, 0x27BF...0x27BF,
        0x2B1B...0x2B1C, 0x2B50...0x2B50, 0x2B55...0x2B55, 0x2E80...0x303E,
        0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF,
        0xA960...0xA97F, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE10...0xFE19,
        0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6, 0x16FE0...0x16FE4,
        0x17000...0x18AFF, 0x1B000...0x1B2FF, 0x1F004...0x1F004, 0x1F0CF...0x1F0CF,
        0x1F18E...0x1F18E, 0x1F191...0x1F19A, 0x1F200...0x1F202, 0x1F210...0x1F23B,
        0x1F240...0x1F248, 0x1F250...0x1F251, 0x1F260...0x1F265, 0x1F300...0x1F320,
        0x1F32D...0x1F335, 0x1F337...0x1F37C, 0x1F37E...0x1F393, 0x1F3A0...0x1F3CA,
        0x1F3CF...0x1F3D3, 0x1F3E0...0x1F3F0, 0x1F3F4...0x1F3F4, 0x1F3F8...0x1F3FA,
        0x1F400...0x1F43E, 0x1F440...0x1F440, 0x1F442...0x1F4FC, 0x1F4FF...0x1F53D,
        0x1F54B...0x1F54E, 0x1F550...0x1F567, 0x1F57A...0x1F57A, 0x1F595...0x1F596,
        0x1F5A4...0x1F5A4, 0x1F5FB...0x1F64F, 0x1F680...0x1F6C5, 0x1F6CC...0x1F6CC,
        0x1F6D0...0x1F6D2, 0x1F6D5...0x1F6D7, 0x1F6EB...0x1F6EC, 0x1F6F4...0x1F6FC,
        0x1F7E0...0x1F7EB, 0x1F90C...0x1F93A, 0x1F93C...0x1F945, 0x1F947...0x1F9FF,
        0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]
}

/// Horizontal alignment of text inside a cell range.
public enum Alignment: Hashable, Sendable {
    case left, center, right
}
