import Testing
@testable import TerminalKit

@Suite("Text widths")
struct TextMetricsTests {
    @Test func widthsOfCommonCharacters() {
        #expect(TextMetrics.width(of: "a" as Character) == 1)
        #expect(TextMetrics.width(of: "界" as Character) == 2)
        #expect(TextMetrics.width(of: "한" as Character) == 2)
        #expect(TextMetrics.width(of: "ｱ" as Character) == 1)  // halfwidth katakana
        #expect(TextMetrics.width(of: "Ａ" as Character) == 2)  // fullwidth Latin
        #expect(TextMetrics.width(of: "😀" as Character) == 2)
        #expect(TextMetrics.width(of: "🇫🇷" as Character) == 2)
        #expect(TextMetrics.width(of: "👍🏽" as Character) == 2)
        #expect(TextMetrics.width(of: "e\u{301}" as Character) == 1)
        #expect(TextMetrics.width(of: "\t" as Character) == 0)
        #expect(TextMetrics.width(of: "\u{1B}" as Character) == 0)
        #expect(TextMetrics.width(of: "⠿" as Character) == 1)
        #expect(TextMetrics.width(of: "─" as Character) == 1)
        #expect(TextMetrics.width(of: "…" as Character) == 1)
        #expect(TextMetrics.width(of: Unicode.Scalar(0x200B)!) == 0)
        #expect(TextMetrics.width("ab界c") == 5)
    }

    @Test func truncateAndFit() {
        #expect(TextMetrics.truncate("hello world", toWidth: 8) == "hello w…")
        #expect(TextMetrics.truncate("hello", toWidth: 5) == "hello")
        #expect(TextMetrics.truncate("hello", toWidth: 0) == "")
        #expect(TextMetrics.truncate("界界界", toWidth: 4) == "界…")
        #expect(TextMetrics.truncate("abc", toWidth: 2, ellipsis: "...") == "ab")
        #expect(TextMetrics.fit("ab", width: 5, alignment: .right) == "   ab")
        #expect(TextMetrics.fit("ab", width: 5, alignment: .center) == " ab  ")
        #expect(TextMetrics.fit("abcdef", width: 4) == "abc…")
    }

    @Test func wrapBreaksAtSpacesAndInsideLongWords() {
        #expect(TextMetrics.wrap("the quick brown fox", width: 10) == ["the quick", "brown fox"])
        #expect(TextMetrics.wrap("abcdefghij", width: 4) == ["abcd", "efgh", "ij"])
        #expect(TextMetrics.wrap("", width: 4) == [""])
        #expect(TextMetrics.wrap("a  b", width: 1) == ["a", "b"])
        #expect(TextMetrics.wrap("  indented text", width: 20) == ["  indented text"])
        #expect(TextMetrics.wrap("界界界", width: 4) == ["界界", "界"])
        #expect(TextMetrics.wrap("界", width: 1) == ["界"])
    }
}

@Suite("Buffer")
struct BufferTests {
    @Test func putWritesTextAndReturnsNextColumn() {
        var buffer = Buffer(width: 10, height: 2)
        let end = buffer.put("hello", x: 2, y: 1)
        #expect(end == 7)
        #expect(buffer.lines() == ["", "  hello"])
        #expect(buffer[2, 1].character == "h")
        #expect(buffer[-1, 0] == .blank)
        #expect(buffer[10, 0] == .blank)
    }

    @Test func putClipsToBufferAndClipRect() {
        var buffer = Buffer(width: 8, height: 1)
        buffer.put("abcdefghij", x: -2, y: 0)
        #expect(buffer.lines() == ["cdefghij"])
        var clipped = Buffer(width: 8, height: 1)
        clipped.put("abcdefgh", x: 0, y: 0, clip: Rect(x: 2, y: 0, width: 3, height: 1))
        #expect(clipped.lines() == ["  cde"])
        var outside = Buffer(width: 8, height: 1)
        outside.put("abc", x: 0, y: 3)
        #expect(outside.lines() == [""])
    }

    @Test func wideCharactersTakeTwoCells() {
        var buffer = Buffer(width: 6, height: 1)
        let end = buffer.put("a界b", x: 0, y: 0)
        #expect(end == 4)
        #expect(buffer[1, 0].isWide)
        #expect(buffer[2, 0].isContinuation)
        #expect(buffer[3, 0].character == "b")
        #expect(buffer.lines() == ["a界b"])
    }

    @Test func wideCharacterThatDoesNotFitBecomesSpace() {
        var buffer = Buffer(width: 3, height: 1)
        buffer.put("ab界", x: 0, y: 0)
        #expect(buffer.lines() == ["ab"])
        #expect(!buffer[2, 0].isWide)
        var clipped = Buffer(width: 6, height: 1)
        clipped.put("界界", x: 0, y: 0, clip: Rect(x: 0, y: 0, width: 3, height: 1))
        #expect(clipped.lines() == ["界"])
        #expect(!clipped[2, 0].isWide && !clipped[2, 0].isContinuation)
        var left = Buffer(width: 6, height: 1)
        left.put("界x", x: 0, y: 0, clip: Rect(x: 1, y: 0, width: 5, height: 1))
        #expect(left.lines() == ["  x"])
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var buffer = Buffer(width: 6, height: 1)
        buffer.put("界界", x: 0, y: 0)
        buffer.put("x", x: 1, y: 0)  // right half of the first
        #expect(buffer.lines() == [" x界"])
        #expect(!buffer[0, 0].isWide)
        buffer.put("y", x: 2, y: 0)  // left half of the second
        #expect(buffer.lines() == [" xy"])
        #expect(!buffer[3, 0].isContinuation)
        buffer.put("界", x: 3, y: 0)
        buffer.put("世", x: 2, y: 0)  // covers the left half of 界 at 3
        #expect(buffer.lines() == [" x世"])
        #expect(buffer[4, 0].character == " " && !buffer[4, 0].isContinuation)
    }

    @Test func continuationCellsCannotBeWrittenDirectly() {
        var buffer = Buffer(width: 4, height: 1)
        buffer[1, 0] = .continuation(style: .plain)
        #expect(!buffer[1, 0].isContinuation)
    }

    @Test func fillAndStyleUpdates() {
        var buffer = Buffer(width: 5, height: 3)
        buffer.put("界界", x: 0, y: 1)
        buffer.fill(Rect(x: 1, y: 0, width: 2, height: 3), character: "#")
        #expect(buffer.lines() == [" ##", " ##", " ##"])
        #expect(!buffer[0, 1].isWide)
        buffer.fill(Rect(x: 3, y: 0, width: 10, height: 10), character: "界")
        #expect(buffer.lines() == [" ##界", " ##界", " ##界"])
        buffer.updateStyle(in: Rect(x: 0, y: 2, width: 5, height: 1)) { $0 = $0.reversed }
        #expect(buffer[1, 2].style.isReversed)
        #expect(!buffer[1, 1].style.isReversed)
    }

    @Test func combiningCharactersStayInOneCell() {
        var buffer = Buffer(width: 4, height: 1)
        buffer.put("e\u{301}x", x: 0, y: 0)
        #expect(buffer.lines() == ["e\u{301}x"])
        #expect(buffer[1, 0].character == "x")
    }

    @Test func controlCharactersAreSkipped() {
        var buffer = Buffer(width: 6, height: 1)
        buffer.put("a\tb\nc", x: 0, y: 0)
        #expect(buffer.lines() == ["abc"])
    }

    @Test func drawCopiesAnotherBuffer() {
        var overlay = Buffer(width: 3, height: 1)
        overlay.put("界z", x: 0, y: 0)
        var buffer = Buffer(width: 4, height: 2)
        buffer.put("....", x: 0, y: 1)
        buffer.draw(overlay, x: 1, y: 1)
        #expect(buffer.lines() == ["", ".界z"])
        var clipped = Buffer(width: 4, height: 1)
        clipped.draw(overlay, x: 3, y: 0)
        #expect(clipped.lines() == [""])
    }

    @Test func diffListsOnlyChangedCells() {
        var before = Buffer(width: 5, height: 2)
        before.put("hello", x: 0, y: 0)
        var after = before
        #expect(after.diff(against: before).isEmpty)
        after.put("j", x: 0, y: 0)
        after.put("!", x: 4, y: 1, style: Style(.red))
        let changes = after.diff(against: before)
        #expect(changes.map { [$0.x, $0.y] } == [[0, 0], [4, 1]])
        #expect(changes[1].cell.style.foreground == .red)
    }

    @Test func diffOfWideCharactersNamesTheLeadingCell() {
        var before = Buffer(width: 4, height: 1)
        before.put("界", x: 0, y: 0)
        var after = before
        after.put("界", x: 0, y: 0, style: Style(.green))
        let changes = after.diff(against: before)
        #expect(changes.count == 1)
        #expect(changes[0].x == 0 && changes[0].cell.isWide)
        var shifted = before
        shifted.put(" 界", x: 0, y: 0)
        #expect(shifted.diff(against: before).map(\.x) == [0, 1])
    }

    @Test func cellsAreEqualWhenTheyShowTheSameScalarsInTheSameStyle() {
        #expect(Cell("⠿", style: Style(.cyan)) == Cell("⠿", style: Style(.cyan)))
        #expect(Cell("⠿", style: Style(.cyan)) != Cell("⠾", style: Style(.cyan)))
        #expect(Cell("⠿", style: Style(.cyan)) != Cell("⠿", style: Style(.cyan, bold: true)))
        #expect(Cell("界") != Cell.continuation(style: .plain))
        // Canonically equal but spelled differently: redrawn, as the terminal gets other bytes.
        #expect(Cell("\u{E9}") != Cell("e\u{301}"))
        let set: Set<Cell> = [Cell("a"), Cell("a"), Cell("b")]
        #expect(set.count == 2)
    }

    @Test func diffWithoutOrDifferentPreviousListsEverything() {
        var buffer = Buffer(width: 3, height: 2)
        buffer.put("界", x: 0, y: 0)
        #expect(buffer.diff(against: nil).count == 5)
        #expect(buffer.diff(against: Buffer(width: 2, height: 2)).count == 5)
    }

    @Test func monochromeKeepsAttributes() {
        var buffer = Buffer(width: 2, height: 1)
        buffer.put("x", x: 0, y: 0, style: Style(.red, background: .blue, bold: true, reverse: true))
        let mono = buffer.monochrome()
        #expect(mono[0, 0].style == Style(foreground: .default, background: .default, attributes: [.bold, .reverse]))
        #expect(Style(.indexed(200), underline: true).monochrome.isUnderlined)
        #expect(Style(.red).resolved(colorEnabled: false) == .plain)
    }

    @Test func putFittedTextInRect() {
        var buffer = Buffer(width: 10, height: 1)
        buffer.put("abcdefghijkl", in: Rect(x: 1, y: 0, width: 6, height: 1))
        buffer.put("r", in: Rect(x: 7, y: 0, width: 3, height: 1), alignment: .right)
        #expect(buffer.lines() == [" abcde…  r"])
    }
}

@Suite("Styles and colours")
struct StyleTests {
    @Test func colourApproximation() {
        #expect(Color.brightRed.approximated(maxColors: 8) == .red)
        #expect(Color.brightRed.approximated(maxColors: 16) == .brightRed)
        #expect(Color.indexed(196).approximated(maxColors: 256) == .indexed(196))
        #expect(Color.indexed(196).approximated(maxColors: 16) == .brightRed)
        #expect(Color.indexed(21).approximated(maxColors: 8) == .blue)
        #expect(Color.indexed(244).approximated(maxColors: 16) == .brightBlack)
        #expect(Color.default.approximated(maxColors: 8) == .default)
        #expect(Color.red.approximated(maxColors: 2) == .default)
        #expect(Color(paletteIndex: 3) == .yellow)
        #expect(Color(paletteIndex: -1) == .default)
        #expect(Color.indexed(9).paletteIndex == 9)
    }

    @Test func noColorEnvironment() {
        #expect(colorDisabled(environment: ["NO_COLOR": "1"]))
        #expect(!colorDisabled(environment: ["NO_COLOR": ""]))
        #expect(colorDisabled(environment: ["TERM": "dumb"]))
        #expect(!colorDisabled(environment: ["TERM": "xterm-256color"]))
    }

    @Test func numberFormatting() {
        #expect(NumberFormat.compact(0) == "0")
        #expect(NumberFormat.compact(0.123456) == "0.1235")
        #expect(NumberFormat.compact(12.5) == "12.5")
        #expect(NumberFormat.compact(3) == "3")
        #expect(NumberFormat.compact(1234.56) == "1235")
        #expect(NumberFormat.compact(-0.5) == "-0.5")
        #expect(NumberFormat.compact(0.000123) == "1.23e-4")
        #expect(NumberFormat.compact(2_500_000) == "2.5e6")
        #expect(NumberFormat.compact(.nan) == "nan")
        #expect(NumberFormat.compact(-.infinity) == "-inf")
        #expect(NumberFormat.compact(0.001) == "0.001")
        #expect(NumberFormat.compact(9.99996) == "10")
        #expect(NumberFormat.scientific(9.999e-5) == "1e-4")
    }
}

@Suite("Keys")
struct KeyTests {
    @Test func decodingCharacterCodes() {
        #expect(Key.decode(characterCode: 1) == .control("a"))
        #expect(Key.decode(characterCode: 23) == .control("w"))
        #expect(Key.decode(characterCode: 9) == .tab)
        #expect(Key.decode(characterCode: 13) == .enter)
        #expect(Key.decode(characterCode: 10) == .enter)
        #expect(Key.decode(characterCode: 127) == .backspace)
        #expect(Key.decode(characterCode: 8) == .backspace)
        #expect(Key.decode(characterCode: 27) == .escape)
        #expect(Key.decode(characterCode: 65) == .character("A"))
        #expect(Key.decode(characterCode: 0x754C) == .character("界"))
        #expect(Key.decode(characterCode: 0x9B) == .unknown(0x9B))
        #expect(Key.decode(characterCode: 0xD800) == .unknown(0xD800))
        #expect(Key.control("x").displayName == "C-x")
        #expect(Key.function(5).displayName == "F5")
    }
}
