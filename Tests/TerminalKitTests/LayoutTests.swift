import Testing
import TerminalKit

@Suite("Rect and Layout")
struct LayoutTests {
    @Test func rectNeverHasNegativeSize() {
        let r = Rect(x: 2, y: 3, width: -4, height: -1)
        #expect(r.width == 0 && r.height == 0 && r.isEmpty)
        var m = Rect(x: 0, y: 0, width: 5, height: 5)
        m.width -= 10
        #expect(m.width == 0)
    }

    @Test func insetAndIntersection() {
        let r = Rect(x: 0, y: 0, width: 10, height: 4)
        #expect(r.inset(by: 1) == Rect(x: 1, y: 1, width: 8, height: 2))
        #expect(r.inset(by: 3).height == 0)
        #expect(r.inset(by: 3).width == 4)
        let tiny = Rect(x: 5, y: 5, width: 1, height: 1).inset(by: 2)
        #expect(tiny.width == 0 && tiny.height == 0)
        #expect(tiny.x == 6 && tiny.y == 6)
        #expect(r.intersection(Rect(x: 8, y: 2, width: 10, height: 10)) == Rect(x: 8, y: 2, width: 2, height: 2))
        #expect(r.intersection(Rect(x: 20, y: 20, width: 3, height: 3)).isEmpty)
        #expect(r.contains(x: 9, y: 3) && !r.contains(x: 10, y: 3))
    }

    @Test func centeredAndEdges() {
        let r = Rect(x: 0, y: 0, width: 20, height: 10)
        #expect(r.centered(width: 10, height: 4) == Rect(x: 5, y: 3, width: 10, height: 4))
        #expect(r.centered(width: 50, height: 50) == r)
        #expect(r.top(3) == Rect(x: 0, y: 0, width: 20, height: 3))
        #expect(r.bottom(2) == Rect(x: 0, y: 8, width: 20, height: 2))
        #expect(r.right(30) == r)
        #expect(r.left(4).width == 4)
        #expect(r.row(9) == Rect(x: 0, y: 9, width: 20, height: 1))
        #expect(r.row(10).isEmpty)
    }

    @Test func fixedAndFill() {
        let r = Rect(x: 0, y: 0, width: 80, height: 24)
        let rows = r.splitRows([.fixed(1), .fill, .fixed(1)])
        #expect(rows.map(\.height) == [1, 22, 1])
        #expect(rows.map(\.y) == [0, 1, 23])
        let columns = r.splitColumns([.percent(25), .fill, .fill(2)])
        #expect(columns.map(\.width) == [20, 20, 40])
        #expect(columns.map(\.x) == [0, 20, 40])
    }

    @Test func ratiosAndRemainders() {
        let r = Rect(x: 10, y: 0, width: 10, height: 1)
        #expect(r.splitColumns([.ratio(1, 3), .ratio(1, 3), .ratio(1, 3)]).map(\.width) == [3, 3, 3])
        #expect(r.splitColumns([.fill, .fill, .fill]).map(\.width) == [4, 3, 3])
        #expect(r.splitColumns([.fixed(3)]).map(\.x) == [10])
        #expect(r.splitColumns([]).isEmpty)
        #expect(r.splitColumns([.ratio(1, 0), .fill]).map(\.width) == [0, 10])
    }

    @Test func spacingBetweenParts() {
        let r = Rect(x: 0, y: 0, width: 11, height: 1)
        let parts = r.splitColumns([.fill, .fill, .fill], spacing: 1)
        #expect(parts.map(\.width) == [3, 3, 3])
        #expect(parts.map(\.x) == [0, 4, 8])
        // Not enough room for the gaps: they are dropped.
        let narrow = Rect(x: 0, y: 0, width: 1, height: 1).splitColumns([.fill, .fill], spacing: 3)
        #expect(narrow.map(\.width) == [1, 0])
    }

    @Test func tooSmallRectsShrinkLaterParts() {
        let r = Rect(x: 0, y: 0, width: 5, height: 3)
        let parts = r.splitColumns([.fixed(4), .fixed(4), .fill])
        #expect(parts.map(\.width) == [4, 1, 0])
        #expect(parts.allSatisfy { $0.x >= 0 && $0.maxX <= 5 })
        let empty = Rect.zero.splitRows([.fixed(2), .fill, .percent(50)], spacing: 1)
        #expect(empty.allSatisfy { $0.height == 0 && $0.width == 0 })
        let negative = r.splitRows([.fixed(-3), .fill(-1), .fill])
        #expect(negative.map(\.height) == [0, 0, 3])
    }
}
