import Testing
@testable import TerminalKit

@Suite("Box")
struct BoxTests {
    @Test func roundedWithTitle() {
        let buffer = rendered(width: 14, height: 4) { b in
            let inner = Box(title: "Loss").render(into: &b, in: b.bounds)
            b.put("inside", x: inner.x, y: inner.y)
        }
        expectSnapshot(buffer, """
        ╭─ Loss ─────╮
        │inside      │
        │            │
        ╰────────────╯
        """)
        #expect(Box().inner(buffer.bounds) == Rect(x: 1, y: 1, width: 12, height: 2))
    }

    @Test func focusedUsesHeavyLinesAndReversedTitle() {
        var buffer = Buffer(width: 16, height: 3)
        Box(title: "Mining", rightTitle: "3", focused: true).render(into: &buffer, in: buffer.bounds)
        expectSnapshot(buffer, """
        ┏━ Mining ━ 3 ━┓
        ┃              ┃
        ┗━━━━━━━━━━━━━━┛
        """)
        #expect(buffer[3, 0].style.isReversed)
        #expect(!buffer[12, 0].style.isReversed && buffer[12, 0].character == "3")
        #expect(buffer[0, 0].style.isBold)
    }

    @Test func asciiAndLongTitle() {
        var buffer = Buffer(width: 10, height: 3)
        Box(title: "Hyperparameters", ascii: true).render(into: &buffer, in: buffer.bounds)
        expectSnapshot(buffer, """
        +- Hype…-+
        |        |
        +--------+
        """)
        var focused = Buffer(width: 6, height: 2)
        Box(focused: true, ascii: true).render(into: &focused, in: focused.bounds)
        expectSnapshot(focused, """
        +====+
        +====+
        """)
    }

    @Test func tinyRectsDrawNothing() {
        var buffer = Buffer(width: 3, height: 3)
        let inner = Box(title: "x").render(into: &buffer, in: Rect(x: 0, y: 0, width: 1, height: 3))
        #expect(inner.isEmpty)
        #expect(buffer.lines() == ["", "", ""])
        // A box partly outside the buffer is clipped.
        Box().render(into: &buffer, in: Rect(x: 1, y: 1, width: 5, height: 5))
        expectSnapshot(buffer, """

         ╭─
         │
        """)
    }
}

@Suite("BrailleCanvas")
struct BrailleCanvasTests {
    @Test func dotsMapToBraillePatterns() {
        var canvas = BrailleCanvas(width: 3, height: 1)
        canvas.set(x: 0, y: 0)  // dot 1
        canvas.set(x: 3, y: 3)  // dot 8 of the second cell
        for y in 0..<4 { canvas.set(x: 4, y: y); canvas.set(x: 5, y: y) }  // full cell
        #expect(canvas.glyph(cellX: 0, cellY: 0) == "⠁")
        #expect(canvas.glyph(cellX: 1, cellY: 0) == "⢀")
        #expect(canvas.glyph(cellX: 2, cellY: 0) == "⣿")
        #expect(canvas.isSet(x: 3, y: 3) && !canvas.isSet(x: 2, y: 3))
        canvas.unset(x: 3, y: 3)
        #expect(canvas.glyph(cellX: 1, cellY: 0) == nil)
        canvas.set(x: 99, y: -1)  // ignored
        #expect(canvas.pixelWidth == 6 && canvas.pixelHeight == 4)
    }

    @Test func bresenhamLines() {
        var canvas = BrailleCanvas(width: 4, height: 2)
        canvas.line(x0: 0, y0: 7, x1: 7, y1: 0)
        canvas.line(x0: 0, y0: 0, x1: 7, y1: 0)
        let buffer = rendered(width: 4, height: 2) { canvas.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        ⠉⠉⡩⠋
        ⡠⠊
        """)
        #expect(canvas.isSet(x: 0, y: 7) && canvas.isSet(x: 7, y: 0) && canvas.isSet(x: 4, y: 3))
    }

    @Test func colourOfLastWriterWinsAndOverlayCharacters() {
        var canvas = BrailleCanvas(width: 2, height: 1)
        canvas.set(x: 0, y: 0, style: Style(.red))
        canvas.set(x: 1, y: 1, style: Style(.blue))
        canvas.put("A", cellX: 1, cellY: 0, style: Style(.green))
        var buffer = Buffer(width: 3, height: 1)
        buffer.put("zzz", x: 0, y: 0)
        canvas.render(into: &buffer, in: Rect(x: 1, y: 0, width: 2, height: 1))
        #expect(buffer.lines() == ["z⠑A"])
        #expect(buffer[1, 0].style.foreground == .blue)
        #expect(buffer[2, 0].style.foreground == .green)
    }

    @Test func asciiAndHalfBlockModes() {
        var ascii = BrailleCanvas(width: 4, height: 1, mode: .ascii)
        ascii.set(x: 0, y: 0)
        for y in 0..<2 { ascii.set(x: 2, y: y) }
        for y in 0..<4 { ascii.set(x: 4, y: y) }
        for y in 0..<4 { ascii.set(x: 6, y: y); ascii.set(x: 7, y: y) }
        let a = rendered(width: 4, height: 1) { ascii.render(into: &$0, in: $0.bounds) }
        #expect(a.lines() == [".:*#"])

        var half = BrailleCanvas(width: 3, height: 1, mode: .halfBlock)
        #expect(half.pixelWidth == 3 && half.pixelHeight == 2)
        half.set(x: 0, y: 0)
        half.set(x: 1, y: 1)
        half.verticalLine(x: 2, y0: 0, y1: 1)
        let h = rendered(width: 3, height: 1) { half.render(into: &$0, in: $0.bounds) }
        #expect(h.lines() == ["▀▄█"])
    }
}

@Suite("LineChart")
struct LineChartTests {
    @Test func risingSeriesWithLabels() {
        let chart = LineChart(series: [.init(values: [0, 1, 2, 3, 4, 5, 6, 7], style: Style(.cyan))])
        let buffer = rendered(width: 8, height: 2) { chart.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        7┤   ⡠⠔⠉
        0┤⡠⠔⠉  7
        """)
        #expect(buffer[6, 0].style.foreground == .cyan)
        #expect(buffer[7, 1].style.isBold && buffer[7, 1].style.foreground == .cyan)
    }

    @Test func fixedRangeXLabelsAndNames() {
        let chart = LineChart(
            series: [
                .init(name: "train", values: [1, 0.5, 0.25, 0.125], startX: 100, stepX: 10),
                .init(name: "eval", points: [(x: 100, y: 0.9), (x: 130, y: 0.3)]),
            ],
            yRange: 0...1, showXLabels: true)
        let buffer = rendered(width: 16, height: 4) { chart.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        1┤⠓⠦⢤train 0.125
         │   ⠈⠑⠫eval 0.3
        0┤        ⠈⠉⠑⠒⠢⠭
          100     120
        """)
    }

    @Test func stepAxisTicksAreRoundValues() {
        #expect(LineChart.ticks(from: 0, to: 1000, count: 5) == [0, 200, 400, 600, 800, 1000])
        #expect(LineChart.ticks(from: 3, to: 97, count: 4) == [20, 40, 60, 80])
        #expect(LineChart.ticks(from: 1, to: 5000, count: 10, logarithmic: true) == [1, 10, 100, 1000])
        #expect(LineChart.ticks(from: 5, to: 5, count: 3).isEmpty)
    }

    @Test func aLogStepAxisGivesTheFirstStepsRoom() {
        var chart = LineChart(series: [.init(name: "", values: (1...1000).map { 1 / Double($0) }, startX: 1)], showYLabels: false,
                              showXLabels: true, showCurrentValue: false)
        chart.logX = true
        let buffer = rendered(width: 30, height: 4) { chart.render(into: &$0, in: $0.bounds) }
        let cells = (0..<30).map { String(buffer[$0, 3].character) }
        let axis = cells.joined()
        #expect(axis.split(separator: " ") == ["1", "10", "100", "1000"], "\(axis)")
        // 10 sits a third of the way along, not at 1% of it.
        let ten = (0..<29).first { cells[$0] == "1" && cells[$0 + 1] == "0" }
        #expect(ten.map { (7...12).contains($0) } == true, "\(axis)")
    }

    @Test func emptyAndAllNaNSeriesShowPlaceholder() {
        let empty = rendered(width: 11, height: 3) { b in
            LineChart(series: []).render(into: &b, in: b.bounds)
        }
        expectSnapshot(empty, """

          no data
        """)
        let nan = rendered(width: 11, height: 3) { b in
            LineChart(series: [.init(values: [.nan, .infinity])], emptyText: "waiting").render(into: &b, in: b.bounds)
        }
        expectSnapshot(nan, """

          waiting
        """)
    }

    @Test func nanValuesLeaveGapsAndCurrentValueShowsNaN() {
        let chart = LineChart(series: [.init(values: [1, 1, 2, 2, .nan, 3, 3, 3, .nan])], showYLabels: false)
        let buffer = rendered(width: 9, height: 2) { chart.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
          ⣀⡀ ⠈⠉⠉
        ⣀⡰⠁   nan
        """)
        #expect(chart.resolvedYRange() == 1...3)
        #expect(buffer[4, 0].character == " ")  // the gap where the NaN is
    }

    @Test func constantAndSinglePointSeriesSitInTheMiddle() {
        let constant = LineChart(series: [.init(values: [2, 2, 2, 2])], showCurrentValue: false)
        let c = rendered(width: 8, height: 3) { constant.render(into: &$0, in: $0.bounds) }
        expectSnapshot(c, """
        2.2┤
           │⠤⠤⠤⠤
        1.8┤
        """)
        let single = LineChart(series: [.init(values: [0])], showYLabels: false, showCurrentValue: false)
        let s = rendered(width: 4, height: 3) { single.render(into: &$0, in: $0.bounds) }
        expectSnapshot(s, """

        ⠂
        """)
        #expect(single.resolvedYRange() == -1...1)
        #expect(single.resolvedXRange() == 0...1)
    }

    @Test func logScaleSkipsNonPositiveValues() {
        let chart = LineChart(series: [.init(values: [100, 10, 1, 0, -1])], logScale: true, showCurrentValue: false)
        #expect(chart.resolvedYRange() == 0...2)
        let buffer = rendered(width: 8, height: 2) { chart.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        100┤⠱⡀
          1┤ ⠘⡄
        """)
    }

    @Test func asciiModeAndTinyRects() {
        let chart = LineChart(series: [.init(values: [0, 3, 1, 2])], mode: .ascii, showCurrentValue: false)
        let buffer = rendered(width: 6, height: 2) { chart.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        3+:*.:
        0+* :.
        """)
        // Too narrow for labels: only the plot; no rect: nothing, no crash.
        let narrow = rendered(width: 3, height: 1) { chart.render(into: &$0, in: $0.bounds) }
        #expect(narrow.lines() == [":::"])
        var zero = Buffer(width: 0, height: 0)
        chart.render(into: &zero, in: zero.bounds)
    }

    @Test func manyPointsAreFoldedPerColumn() {
        var values: [Double] = []
        for i in 0..<200_000 { values.append(Double(i % 100)) }
        let chart = LineChart(series: [.init(values: values)], showYLabels: false, showCurrentValue: false)
        let clock = ContinuousClock()
        var buffer = Buffer(width: 40, height: 10)
        let elapsed = clock.measure { chart.render(into: &buffer, in: buffer.bounds) }
        #expect(elapsed < .seconds(2))
        #expect(buffer.line(0).contains("⣿"))
    }

    @Test func seriesGivenAsArraysDrawAsSeriesGivenAsPoints() {
        let xs = (0..<500).map { Double($0 * 3 + 1) }, ys = xs.map { Double((Int($0) * 37) % 101) + ($0.truncatingRemainder(dividingBy: 7) == 0 ? .nan : 0) }
        for logX in [false, true] {
            var fromPoints = LineChart(series: [.init(name: "a", points: Array(zip(xs, ys)).map { ($0, $1) }, style: Style(.red))], showXLabels: true)
            var fromArrays = LineChart(series: [.init(name: "a", xs: xs + [9999], values: ys, style: Style(.red))], showXLabels: true)
            fromPoints.logX = logX
            fromArrays.logX = logX
            let a = rendered(width: 40, height: 10) { fromPoints.render(into: &$0, in: $0.bounds) }
            let b = rendered(width: 40, height: 10) { fromArrays.render(into: &$0, in: $0.bounds) }
            #expect(a == b && !a.lines().joined().isEmpty)
        }
    }

    @Test func exponentialMovingAverage() {
        let smoothed = LineChart.exponentialMovingAverage([1, 3, .nan, 3], smoothing: 0.5)
        #expect(smoothed[0] == 1 && smoothed[1] == 2 && smoothed[2].isNaN && smoothed[3] == 2.5)
        #expect(LineChart.exponentialMovingAverage([4, 5], smoothing: 0) == [4, 5])
        #expect(LineChart.exponentialMovingAverage([], smoothing: 0.9).isEmpty)
        #expect(LineChart.exponentialMovingAverage([.nan, 2], smoothing: 0.9)[1] == 2)
    }
}

@Suite("ScatterPlot")
struct ScatterPlotTests {
    @Test func pointsMarkersAndArrows() {
        let plot = ScatterPlot(
            points: [
                .init(x: 0, y: 0, colorIndex: 0),
                .init(x: 1, y: 1, colorIndex: 1, emphasis: .highlight),
                .init(x: 0.5, y: 0.5, colorIndex: 2, emphasis: .marker("A")),
                .init(x: 1, y: 0, colorIndex: 3, emphasis: .dim),
                .init(x: 5, y: 5),  // outside the axes: not drawn
                .init(x: .nan, y: 0),
            ],
            arrows: [.init(fromX: 0, fromY: 1, toX: 0.3, toY: 1, style: Style(.red))],
            xRange: 0...1, yRange: 0...1)
        let buffer = rendered(width: 5, height: 3) { plot.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        ⠉⠉  ⠈
          A
        ⡀   ⢀
        """)
        #expect(buffer[2, 1].style.isReversed && buffer[2, 1].style.foreground == .magenta)
        #expect(buffer[4, 0].style.isBold && buffer[4, 0].style.foreground == .yellow)
        #expect(buffer[4, 2].style.isDim)
        #expect(buffer[0, 0].style.foreground == .red)
        #expect(plot.color(for: -1) == .default)
        #expect(plot.color(for: 12) == ScatterPlot.defaultPalette[0])
    }

    @Test func rangesFittedAndStabilized() {
        let points = [ScatterPlot.Point(x: 0, y: 5), .init(x: 10, y: 5)]
        let fitted = ScatterPlot.fittedRanges(for: points, padding: 0.1)
        #expect(fitted?.x == -1...11)
        #expect(fitted?.y == 4...6)
        #expect(ScatterPlot.fittedRanges(for: []) == nil)
        #expect(ScatterPlot.stabilized(current: 0...10, target: 1...9) == 0...10)
        #expect(ScatterPlot.stabilized(current: 0...10, target: 2...12) == 0...12)
        #expect(ScatterPlot.stabilized(current: 0...10, target: 4...6) == 4...6)
        #expect(ScatterPlot.stabilized(current: nil, target: 4...6) == 4...6)
    }

    @Test func glyphsPerClassOnePerCellTheLastDrawnWins() {
        var plot = ScatterPlot(
            points: [
                .init(x: 0, y: 1, colorIndex: 0), .init(x: 0.5, y: 1, colorIndex: 13),  // 13 wraps to the second glyph
                .init(x: 1, y: 1, colorIndex: -1), .init(x: 0, y: 0, colorIndex: 2, emphasis: .highlight),
                .init(x: 0, y: 0, colorIndex: 1, emphasis: .dim),  // same cell, drawn before the highlight
                .init(x: 1, y: 0, colorIndex: 3),  // a wide glyph shows as "?"
                .init(x: 0.5, y: 0, colorIndex: 0, emphasis: .marker("A")),
            ],
            xRange: 0...1, yRange: 0...1)
        plot.glyphs = ["●", "○", "■", "界"]
        plot.unknownGlyph = "·"
        let buffer = rendered(width: 3, height: 2) { plot.render(into: &$0, in: $0.bounds) }
        #expect(buffer.lines() == ["●○·", "■A?"])
        #expect(buffer[0, 1].style.isBold && buffer[0, 1].style.foreground == plot.color(for: 2))
        var canvas = BrailleCanvas(width: 2, height: 1)
        #expect(canvas.isEmpty)
        canvas.put("x", cellX: 1, cellY: 0)
        canvas.put("y", cellX: 1, cellY: 0)
        #expect(!canvas.isEmpty && canvas.glyph(cellX: 1, cellY: 0) == "y")
        canvas.clear()
        #expect(canvas.isEmpty && canvas.glyph(cellX: 1, cellY: 0) == nil)
    }

    @Test func degenerateRangesDrawNothing() {
        let plot = ScatterPlot(points: [.init(x: 1, y: 1)], xRange: 1...1, yRange: 0...1)
        let buffer = rendered(width: 3, height: 1) { plot.render(into: &$0, in: $0.bounds) }
        #expect(buffer.lines() == [""])
    }
}

@Suite("Table")
struct TableTests {
    static let columns: [Table.Column] = [
        .init("#", width: .fixed(2), alignment: .right),
        .init("anchor", width: .flexible),
        .init("loss", width: .fixed(6), alignment: .right),
    ]

    static func rows(_ count: Int) -> [Table.Row] {
        (0..<count).map { .init(["\($0)", "sentence \($0)", NumberFormat.compact(Double($0) / 8)]) }
    }

    @Test func headerSortIndicatorAndSelection() {
        let table = Table(
            columns: TableTests.columns, rows: TableTests.rows(3), selectedRow: 1, sortColumn: 2,
            sortDirection: .descending)
        let buffer = rendered(width: 24, height: 5) { table.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
         # anchor          loss▼
         0 sentence 0          0
         1 sentence 1      0.125
         2 sentence 2       0.25
        """)
        #expect(buffer[0, 2].style.isReversed && buffer[23, 2].style.isReversed)
        #expect(!buffer[0, 1].style.isReversed)
        #expect(buffer[0, 0].style.isBold)
    }

    @Test func scrollingKeepsSelectionVisible() {
        var table = Table(columns: TableTests.columns, rows: TableTests.rows(10), selectedRow: 7)
        let buffer = rendered(width: 20, height: 4) { table.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
         # anchor       loss
         5 sentence 5  0.625
         6 sentence 6   0.75
         7 sentence 7  0.875
        """)
        table.scrollToSelection(visibleRows: 3)
        #expect(table.scrollOffset == 5)
        table.selectedRow = 6  // inside the window: no scrolling
        table.scrollToSelection(visibleRows: 3)
        #expect(table.scrollOffset == 5)
        table.selectedRow = 2
        table.scrollToSelection(visibleRows: 3)
        #expect(table.scrollOffset == 2)
        table.moveSelection(by: 100)
        #expect(table.selectedRow == 9)
        table.scrollToSelection(visibleRows: 3)
        #expect(table.scrollOffset == 7)
        #expect(Table.offset(keeping: nil, visibleRows: 3, currentOffset: 50, rowCount: 10) == 7)
        #expect(Table.offset(keeping: 0, visibleRows: 0, currentOffset: 5, rowCount: 10) == 0)
        #expect(Table.offset(keeping: 4, visibleRows: 3, currentOffset: 0, rowCount: 0) == 0)
    }

    @Test func narrowColumnsTruncateAndEmptyTables() {
        var table = Table(columns: TableTests.columns, rows: [.init(["12345", "a very long sentence", "1.5"])])
        table.sortColumn = 1
        table.ascii = true
        table.showScrollHints = true
        let buffer = rendered(width: 16, height: 3) { table.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
         # anch…^   loss
        1… a ver…    1.5
        """)
        let empty = rendered(width: 16, height: 3) { b in
            Table(columns: TableTests.columns, rows: []).render(into: &b, in: b.bounds)
        }
        expectSnapshot(empty, """
         # anchor   loss
        (empty)
        """)
        #expect(Table(columns: TableTests.columns).columnWidths(totalWidth: 3) == [1, 0, 0])
    }

    @Test func scrollHints() {
        let table = Table(
            columns: [.init("name")], rows: (0..<5).map { .init(["row \($0)"]) }, selectedRow: 2,
            scrollOffset: 1, showScrollHints: true)
        let buffer = rendered(width: 8, height: 3) { table.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        name
        row 1  ↑
        row 2  ↓
        """)
    }
}

@Suite("TextView")
struct TextViewTests {
    @Test func wrapsAndScrolls() {
        var view = TextView(text: "The quick brown fox jumps over the lazy dog.\n\n\tindented", style: .plain)
        view.showScrollbar = false
        let buffer = rendered(width: 12, height: 6) { view.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        The quick
        brown fox
        jumps over
        the lazy
        dog.

        """)
        view.scrollOffset = 3
        let scrolled = rendered(width: 12, height: 6) { view.render(into: &$0, in: $0.bounds) }
        expectSnapshot(scrolled, """
        brown fox
        jumps over
        the lazy
        dog.

            indented
        """)
        #expect(view.rowCount(width: 12) == 7)
        #expect(view.maxScrollOffset(in: Rect(x: 0, y: 0, width: 12, height: 6)) == 1)
        #expect(view.effectiveOffset(in: Rect(x: 0, y: 0, width: 12, height: 6)) == 1)
    }

    @Test func scrollbarAndFollowTail() {
        var view = TextView(lines: (1...10).map { [TextView.Span("line \($0)")] }, followTail: true)
        let buffer = rendered(width: 10, height: 4) { view.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        line 7   │
        line 8   │
        line 9   ┃
        line 10  ┃
        """)
        view.followTail = false
        view.scrollOffset = -5
        view.ascii = true
        let top = rendered(width: 10, height: 4) { view.render(into: &$0, in: $0.bounds) }
        expectSnapshot(top, """
        line 1   #
        line 2   #
        line 3   |
        line 4   |
        """)
    }

    @Test func styledSpansAndNoWrap() {
        let view = TextView(
            lines: [[.init("> ", style: Style(.green)), .init("loss triplet margin=0.2", style: .plain.bold)]],
            wrap: false)
        let buffer = rendered(width: 10, height: 2) { view.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, "> loss tri")
        #expect(buffer[0, 0].style.foreground == .green)
        #expect(buffer[2, 0].style.isBold)
    }
}

@Suite("Picker")
struct PickerTests {
    static let losses = ["triplet", "contrastive", "multiple-negatives-ranking", "cosine-similarity", "softmax"]

    @Test func filtersAndChooses() {
        var picker = Picker(title: "Loss", items: PickerTests.losses, selected: 1, pageSize: 3)
        #expect(picker.selectedItem == 1)
        #expect(picker.preferredHeight == 8)
        let buffer = rendered(width: 24, height: 6) { picker.render(into: &$0, in: $0.bounds) }
        #expect(buffer[1, 3].style.isReversed && !buffer[1, 2].style.isReversed)
        expectSnapshot(buffer, """
        ┏━ Loss ━━━━━━━━━ 5/5 ━┓
        ┃/ filter              ┃
        ┃triplet               ┃
        ┃contrastive           ┃
        ┃multiple-negatives-ra…┃
        ┗━━━━━━━━━━━━━━━━━━━━━━┛
        """)
        for c in "co" { #expect(picker.handle(.character(c)) == .handled) }
        #expect(picker.matches == [1, 3])
        #expect(picker.selectedItem == 1)
        _ = picker.handle(.down)
        #expect(picker.handle(.enter) == .chosen(3))
        _ = picker.handle(.character("x"))
        #expect(picker.matches.isEmpty)
        #expect(picker.handle(.enter) == .handled)
        #expect(picker.handle(.escape) == .cancelled)
        #expect(picker.handle(.function(2)) == .ignored)
    }

    @Test func jAndKMoveUntilSomethingIsTyped() {
        var picker = Picker(title: "Loss", items: PickerTests.losses)
        _ = picker.handle(.character("j"))
        _ = picker.handle(.character("j"))
        #expect(picker.selectedItem == 2 && picker.filter.text.isEmpty)
        _ = picker.handle(.character("k"))
        #expect(picker.selectedItem == 1)
        for c in "ran" { _ = picker.handle(.character(c)) }
        _ = picker.handle(.character("k"))
        #expect(picker.filter.text == "rank", "once a filter is typed, k is a letter of it")
        #expect(picker.matches == [2])
        _ = picker.handle(.backspace)
        #expect(picker.filter.text == "ran")
    }

    @Test func detailsLineUpAndDimmedItemsStayListed() {
        var picker = Picker(title: "Loss", items: ["TripletLoss", "MNRL"], details: ["✗ needs triplets", "in-batch negatives"])
        picker.dimmedItems = [0]
        #expect(picker.preferredWidth == 11 + 2 + 18 + 2)
        let buffer = rendered(width: picker.preferredWidth, height: picker.preferredHeight) { picker.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, """
        ┏━ Loss ━━━━━━━━━━━━━━━━━━ 2/2 ━┓
        ┃/ filter                       ┃
        ┃TripletLoss  ✗ needs triplets  ┃
        ┃MNRL         in-batch negatives┃
        ┗━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┛
        """)
        #expect(buffer[1, 2].style.isReversed, "the first item is selected")
        _ = picker.handle(.down)
        let moved = rendered(width: picker.preferredWidth, height: picker.preferredHeight) { picker.render(into: &$0, in: $0.bounds) }
        #expect(moved[1, 2].style == picker.detailStyle, "a dimmed item is drawn in the detail style")
        #expect(moved[1, 3].style.isReversed)
    }

    @Test func scrollingStaysSteady() {
        var picker = Picker(title: "n", items: (0..<10).map { "item \($0)" }, pageSize: 3)
        for _ in 0..<5 { _ = picker.handle(.down) }
        #expect(picker.selectedItem == 5 && picker.scrollOffset == 3)
        _ = picker.handle(.up)
        #expect(picker.scrollOffset == 3)
        _ = picker.handle(.end)
        #expect(picker.selectedItem == 9 && picker.scrollOffset == 7)
        _ = picker.handle(.home)
        #expect(picker.selectedItem == 0 && picker.scrollOffset == 0)
    }
}

@Suite("TextView row counting")
struct TextViewCountingTests {
    @Test func fastCountsAgreeWithCharacterWrapping() {
        let samples = [
            "plain ascii text that is long enough to wrap a few times at small widths",
            "loss → 0.1234 after step 10 — margin=0.2 “quoted” text",
            "中文 句子 很长 的 一段 文字 需要 换行 显示 出来",
            "e\u{301}te\u{301} cafe\u{301} re\u{301}sume\u{301} with combining marks",
            "emoji 😀 and flags 🇫🇷 and a family 👨‍👩‍👧 mixed in",
            "tab\tseparated\tvalues\there",
            "",
            "   ",
            "averyveryveryverylongwordwithoutanyspacesatall",
        ]
        for text in samples {
            for width in [1, 2, 3, 5, 8, 13, 40] {
                var view = TextView(text: text)
                view.showScrollbar = false
                let expected = TextMetrics.wrap(text.replacingTabs(), width: width).count
                #expect(view.rowCount(width: width) == expected, "\(text) at \(width)")
                // Rendering shows the same number of non-empty rows (from width 2 on: a wide
                // character cannot be shown in a single column).
                guard width >= 2 else { continue }
                let buffer = rendered(width: width, height: 60) { view.render(into: &$0, in: $0.bounds) }
                let drawn = buffer.lines().filter { !$0.isEmpty }.count
                let nonEmpty = TextMetrics.wrap(text.replacingTabs(), width: width).filter {
                    !$0.allSatisfy { $0 == " " } && !$0.isEmpty
                }.count
                #expect(drawn == nonEmpty, "\(text) at \(width)")
            }
        }
    }
}

extension String {
    /// Tabs expanded to 4-column stops, as TextView does.
    fileprivate func replacingTabs() -> String {
        var out = ""
        var column = 0
        for c in self {
            if c == "\t" {
                let n = 4 - column % 4
                out += String(repeating: " ", count: n)
                column += n
            } else {
                out.append(c)
                column += TextMetrics.width(of: c)
            }
        }
        return out
    }
}

@Suite("Style snapshots")
struct StyleSnapshotTests {
    @Test func aLetterPerCellAndALegend() {
        var buffer = Buffer(width: 6, height: 2)
        buffer.put("ok", x: 0, y: 0, style: Style(.red, bold: true))
        buffer.put("x", x: 3, y: 0, style: Style(.cyan, background: .indexed(236), reverse: true))
        buffer.put("y", x: 1, y: 1, style: Style(.red, bold: true))
        #expect(Snapshot.styleLines(buffer) == ["aa.b", ".a", "a red bold", "b cyan on colour 236 reverse"])
    }
}
