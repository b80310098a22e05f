import Foundation
import Explorer
import LossKit
@testable import LossSession
import TerminalKit
import Testing

@testable import Explorer

/// Enter on a mining row (the frozen detail) and the embeddings pane's point cursor.
@Suite struct RowDetailAndCursorTests {
    static func model(_ snapshot: TrainingSnapshot, width: Int = 120, height: Int = 40) -> ExplorerModel {
        var model = ExplorerModel(width: width, height: height)
        _ = model.receive(snapshot)
        return model
    }

    @Test func enterOpensTheSelectedRowFrozenAndEscClosesIt() throws {
        var model = Self.model(ScreenFixtures.trainedWithTexts())
        model.focus = .mining
        _ = model.press([.character("j"), .character("j"), .enter])
        #expect(model.overlay == .rowDetail)
        let opened = try #require(model.rowDetail)
        let selected = try #require(model.selectedTuple)
        #expect(opened.members.map(\.item) == [selected.anchorItem, selected.positiveItem, selected.negativeItem!])
        #expect(opened.members.allSatisfy { $0.text == model.snapshot.batchTexts[$0.item] && $0.text != nil })
        #expect(opened.loss == selected.tuple.loss && opened.step == 120)
        // Training goes on: the next batch arrives, the detail stays as it was.
        var later = ScreenFixtures.trained()
        later.version = 9
        later.step = 121
        later.batch!.step = 121
        later.batch!.mining.tuples = later.batch!.mining.tuples.map { var t = $0; t.loss += 1; return t }
        _ = model.receive(later)
        #expect(model.rowDetail == opened && model.overlay == .rowDetail)
        _ = model.press([.escape])
        #expect(model.overlay == .none && model.rowDetail == nil)
    }

    /// The mining pane formats only the rows it shows: at every selection, sort and size they
    /// are the rows a table over all the tuples scrolls to.
    @Test func theMiningWindowIsTheScrolledTableOverAllRows() {
        for snapshot in [ScreenFixtures.trained(), ScreenFixtures.trainedWithTexts(), ScreenFixtures.rankings()] {
            for (width, height) in [(80, 24), (140, 45)] {
                var model = Self.model(snapshot, width: width, height: height)
                model.focus = .mining
                for sort in [ExplorerModel.MiningSort.loss, .anchor] {
                    model.miningSort = sort
                    for selection in [0, 5, 17, 31, 99] {
                        model.miningSelection = selection
                        let screen = model.view()
                        let pane = ExplorerLayout(width: width, height: height).rect(of: .mining)
                        let inner = Rect(x: pane.x + 1, y: pane.y + 1, width: pane.width - 2, height: pane.height - 2)
                        // The table is the pane's last rows; find it by its (underlined) header.
                        guard let top = (inner.y..<inner.maxY).first(where: { screen[inner.x, $0].style.isUnderlined }) else {
                            Issue.record("no table header at \(width)x\(height)")
                            continue
                        }
                        let body = Rect(x: inner.x, y: top, width: inner.width, height: inner.maxY - top)
                        let rows = MiningPane.rows(model)
                        var whole = Table(columns: MiningPane.contents(model, batch: model.snapshot.batch!, tuples: []).columns, rows: rows,
                                          selectedRow: min(selection, rows.count - 1), ascii: model.ascii, emptyText: "(nothing mined)")
                        whole.scrollToSelection(visibleRows: whole.visibleRowCount(height: body.height))
                        var expected = screen
                        whole.render(into: &expected, in: body)
                        #expect((top..<inner.maxY).map { screen.line($0) } == (top..<inner.maxY).map { expected.line($0) },
                                "\(width)x\(height), sort \(sort), row \(selection)")
                        #expect((top..<inner.maxY).map { y in (inner.x..<inner.maxX).map { screen[$0, y].style } }
                                == (top..<inner.maxY).map { y in (inner.x..<inner.maxX).map { expected[$0, y].style } })
                    }
                }
            }
        }
    }

    /// The tables' numbers go through printf directly: the same text `String(format:)` gives.
    @Test func numbersPrintAsStringFormatPrintsThem() {
        var random = SeededRandom(seed: 3)
        var values: [Double] = [0, -0.0, 1, -1, 0.5, 1e-3, 9.9995e-4, 99_999.5, 1e5, 123_456_789, -2.5e-300, 1.7976931348623157e308,
                                .leastNonzeroMagnitude, 4.733, 0.1 + 0.2]
        for _ in 0..<2_000 { values.append((Double(random.next() >> 11) / Double(1 << 53) - 0.5) * pow(10, Double(Int(random.next() % 24)) - 12)) }
        for value in values {
            for format in ["%.4g", "%.3e"] {
                #expect(NumberText.printed(format, value) == String(format: format, value), "\(format) of \(value)")
            }
        }
        #expect(NumberText.short(4.7330) == "4.733" && NumberText.short(2) == "2" && NumberText.short(0.0001234) == "1.234e-04")
        #expect(NumberText.short(.nan) == "nan" && NumberText.short(-.infinity) == "-inf" && NumberText.short(123_456) == "1.235e+05")
    }

    @Test func withoutABatchEnterSaysSo() {
        var model = Self.model(ScreenFixtures.fresh())
        model.focus = .mining
        #expect(model.press([.enter]).isEmpty)
        #expect(model.overlay == .none && model.note?.contains("no mining row") == true)
    }

    /// Shares of the loss add up to 1 over the rows; ranks follow the loss, ties shared.
    @Test func sharesAndRanks() throws {
        var model = Self.model(ScreenFixtures.trainedWithTexts())
        model.focus = .mining
        let terms = model.snapshot.batch!.mining.tuples.map(\.loss)
        var total = 0.0
        for row in 0..<terms.count {
            model.miningSelection = row
            let detail = try #require(RowDetail.make(model))
            let loss = model.selectedTuple!.tuple.loss
            total += try #require(detail.lossShare)
            #expect(detail.lossRank == 1 + terms.filter { $0 > loss }.count)
            #expect(detail.ties == terms.filter { $0 == loss }.count - 1)
            #expect(detail.listed == terms.count)
        }
        #expect(abs(total - 1) < 1e-12)
    }

    /// The gradient norms are those of the members' rows of dL/d(embedding), and their share
    /// is of the whole matrix's squared norm.
    @Test func gradientNormsAreTheMembersRows() throws {
        var model = Self.model(ScreenFixtures.trainedWithTexts())
        model.miningSelection = 3
        let detail = try #require(RowDetail.make(model))
        let t = model.selectedTuple!.tuple
        let g = model.snapshot.batch!.embeddingGradients!
        func squared(_ r: Int) -> Double { g.row(r).map { Double($0) * Double($0) }.reduce(0, +) }
        #expect(detail.members.map(\.gradientNorm) == [t.anchor, t.positive, t.negative!].map { squared($0).squareRoot() })
        let all = (0..<g.rows).map(squared).reduce(0, +)
        let mine = Set([t.anchor, t.positive, t.negative!]).map(squared).reduce(0, +)
        #expect(abs(try #require(detail.rowsGradientShare) - mine / all) < 1e-12)
    }

    /// Several columns stack their rows: column c's row r is c·n + r; ranking candidates
    /// follow the anchors.
    @Test func stackedRowsFollowTheColumns() {
        let triplets = BatchOutcome(step: 1, examples: [0, 1], items: [[0, 1], [2, 3], [4, 5]],
                                    mining: MiningReport(kind: .triplet), largestGradients: [])
        let rows = StackedRows(batch: triplets)
        let t = MinedTuple(anchor: 1, positive: 1, negative: 0, positiveScore: 0, negativeScore: 0, loss: 0)
        #expect([rows.anchor(t), rows.positive(t), rows.negative(t)] == [1, 3, 4])
        let ranking = BatchOutcome(step: 1, examples: [0, 1], items: [[0, 1], [2, 3], [4, 5]],
                                   mining: MiningReport(kind: .ranking), largestGradients: [])
        let candidate = MinedTuple(anchor: 1, positive: 1, negative: 3, positiveScore: 0, negativeScore: 0, loss: 0)
        #expect([StackedRows(batch: ranking).positive(candidate), StackedRows(batch: ranking).negative(candidate)] == [3, 5])
        let items = BatchOutcome(step: 1, examples: [0, 1], items: [[7, 9]], mining: MiningReport(kind: .triplet), largestGradients: [])
        #expect([StackedRows(batch: items).positive(t), StackedRows(batch: items).negative(t)] == [1, 0])
    }

    @Test func theDetailScrollsWhenTallerThanTheScreen() throws {
        var model = Self.model(ScreenFixtures.trainedWithTexts(), width: 80, height: 24)
        model.focus = .mining
        _ = model.press([.enter])
        let detail = try #require(model.rowDetail)
        let most = RowDetail.maxScroll(detail, width: 80, height: 24, ascii: false)
        _ = model.press(Array(repeating: .character("j"), count: most + 3))
        #expect(model.detailScroll == most && model.overlay == .rowDetail)
        _ = model.press([.character("k")])
        #expect(model.detailScroll == max(most - 1, 0))
    }

    /// Five points in a plus around the middle one, and one up and to the right.
    static func plus() -> TrainingSnapshot {
        var s = ScreenFixtures.fresh()
        s.points = []
        s.pointItems = []
        for (item, (x, y)) in [(0.0, 0.0), (1, 0), (-1, 0), (0, 1), (0, -1), (0.6, 0.9)].enumerated() {
            s.points.append(TrainingSnapshot.Point(x: x, y: y, group: item % 3, inBatch: false))
            s.pointItems.append(100 + item)
        }
        s.axes.minX = -2; s.axes.maxX = 2; s.axes.minY = -2; s.axes.maxY = 2
        return s
    }

    @Test func arrowsMoveTheCursorToTheNearestPointThatWay() {
        var model = Self.model(Self.plus())
        #expect(model.focus == .embeddings)
        #expect(model.press([.right]) == [.send(.cursor(100))], "the first press takes the point nearest the middle")
        #expect(model.press([.right]) == [.send(.cursor(101))])
        #expect(model.press([.right]).isEmpty, "nothing further right: the cursor stays")
        #expect(model.cursorItem == 101)
        _ = model.press([.left])
        #expect(model.cursorItem == 100)
        _ = model.press([.left])
        #expect(model.cursorItem == 102)
        _ = model.press([.right, .up])
        #expect(model.cursorItem == 103, "straight up beats the nearer point off to the side")
        _ = model.press([.down, .down])
        #expect(model.cursorItem == 104)
        #expect(model.press([.escape]) == [.send(.cursor(nil))])
        #expect(model.cursorItem == nil)
        // j/k still move the mining rows there.
        #expect(KeyTable.action(for: .character("j"), in: model.scopes) == .move(.down))
    }

    @Test func aClickPutsTheCursorOnTheNearestPoint() throws {
        var model = Self.model(Self.plus())
        model.focus = .notebook
        let plot = EmbeddingsPane.plotArea(model, inner: ExplorerLayout(width: 120, height: 40).rect(of: .embeddings).inset(by: 1))
        let cursor = EmbeddingsCursor(model)
        let dot = try #require(cursor.dot(1))
        let effects = model.update(.mouse(MouseEvent(x: plot.x + Int(dot.x) / 2, y: plot.y + Int(dot.y) / 4, button: .left)))
        #expect(effects == [.send(.cursor(101))] && model.focus == .embeddings && model.cursorItem == 101)
    }

    @Test func anotherDatasetDropsTheCursor() {
        var model = Self.model(Self.plus())
        _ = model.press([.right])
        var other = Self.plus()
        other.version = 5
        other.datasetSummary = "rings"
        #expect(model.receive(other) == [.send(.cursor(nil))])
        #expect(model.cursorItem == nil)
    }

    /// Without colour each class has its own glyph; the batch is bold, the rest dim.
    @Test func withoutColourClassesHaveShapes() {
        var model = Self.model(ScreenFixtures.trained(), width: 120, height: 40)
        model.color = false
        let screen = model.view()
        let inner = ExplorerLayout(width: 120, height: 40).rect(of: .embeddings).inset(by: 1)
        var shapes: [Character: Set<Int>] = [:]
        var boldShapes = 0, dimShapes = 0
        for y in inner.y..<(inner.maxY - 1) {
            for x in inner.x..<inner.maxX {
                let cell = screen[x, y]
                guard let index = ScatterPlot.classGlyphs.firstIndex(of: cell.character) else { continue }
                shapes[cell.character, default: []].insert(index)
                if cell.style.isBold { boldShapes += 1 }
                if cell.style.isDim { dimShapes += 1 }
            }
        }
        #expect(shapes.count == 6, "six classes, six shapes: \(shapes.keys)")
        #expect(boldShapes > 0 && dimShapes > 0)
        #expect(screen.line(inner.maxY - 1).contains("● class 0") && screen.line(inner.maxY - 1).contains("bold: batch"))
    }
}
