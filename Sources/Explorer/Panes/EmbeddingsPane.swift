import LossKit
import LossSession
import TerminalKit

/// The 2-D projection: points coloured by class (without colour: a glyph shape per class,
/// with a legend), the batch bright and the rest dim, the selected tuple's anchor, positive
/// and negative marked A, P, N, and the point cursor (@) with its nearest neighbours (1-5).
/// Large data is drawn as a sample (see DisplaySample): the legend then gives each class's
/// points shown of its total.
enum EmbeddingsPane {
    /// Where the points go inside the pane: all of it, less the legend row (without colour, or
    /// for a sample).
    static func plotArea(_ model: ExplorerModel, inner: Rect) -> Rect {
        hasLegend(model, inner: inner) ? Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - 1) : inner
    }

    static func hasLegend(_ model: ExplorerModel, inner: Rect) -> Bool {
        inner.height > 4 && (model.snapshot.isSampled || (!model.color && model.snapshot.points.contains { $0.group >= 0 }))
    }

    static func glyphs(_ model: ExplorerModel) -> [Character] {
        model.ascii ? ScatterPlot.asciiClassGlyphs : ScatterPlot.classGlyphs
    }

    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let s = model.snapshot
        guard !s.points.isEmpty, rect.width > 2, rect.height > 1 else {
            buffer.put(s.datasetShape == nil ? "no data: press d to pick a dataset" : "no embeddings yet", in: rect.row(0), style: Style(.brightBlack))
            return
        }
        // A marker's priority: where two share a cell, the higher one is drawn last, on top.
        var markers: [Int: (Character, priority: Int)] = [:]
        if let cursor = model.cursorItem, let found = s.cursor, found.item == cursor {
            for (rank, neighbour) in found.neighbours.enumerated() { markers[neighbour.item] = (Character("\(rank + 1)"), 0) }
        }
        if let selected = model.selectedTuple {
            markers[selected.anchorItem] = ("A", 1)
            markers[selected.positiveItem] = ("P", 1)
            if let negative = selected.negativeItem { markers[negative] = ("N", 1) }
        }
        if let cursor = model.cursorItem { markers[cursor] = ("@", 2) }
        // At most a dozen marked items: a scan of them per point is cheaper than hashing 20,000 items.
        let markedItems = Array(markers.keys)
        let hasBatch = s.points.contains { $0.inBatch }
        var points: [ScatterPlot.Point] = []
        var marked: [(point: ScatterPlot.Point, priority: Int)] = []
        points.reserveCapacity(s.points.count)
        for (index, point) in s.points.enumerated() {
            let item = s.pointItems[index]
            let emphasis: ScatterPlot.Emphasis
            if markedItems.contains(item), let marker = markers[item] {
                marked.append((ScatterPlot.Point(x: point.x, y: point.y, colorIndex: point.group, emphasis: .marker(marker.0)), marker.priority))
                continue
            }
            else if model.showForces && s.idleItems.contains(item) { emphasis = .dim }
            else if hasBatch { emphasis = point.inBatch ? .highlight : .dim }
            else { emphasis = .normal }
            points.append(ScatterPlot.Point(x: point.x, y: point.y, colorIndex: point.group, emphasis: emphasis))
        }
        points += marked.enumerated().sorted { ($0.element.priority, $0.offset) < ($1.element.priority, $1.offset) }.map(\.element.point)
        let axes = s.axes
        let arrows = model.showForces ? s.forces.map { force in
            ScatterPlot.Arrow(fromX: force.x, fromY: force.y, toX: force.x + force.dx, toY: force.y + force.dy,
                              style: Style(ScatterPlot.defaultPalette[((force.group % ScatterPlot.defaultPalette.count) + ScatterPlot.defaultPalette.count) % ScatterPlot.defaultPalette.count], bold: true))
        } : []
        var plot = ScatterPlot(points: points, arrows: arrows, xRange: axes.minX...max(axes.maxX, axes.minX + 1e-9),
                               yRange: axes.minY...max(axes.maxY, axes.minY + 1e-9), mode: model.ascii ? .ascii : .braille)
        if !model.color {
            plot.glyphs = glyphs(model)
            plot.unknownGlyph = model.ascii ? "." : "·"
        }
        let area = plotArea(model, inner: rect)
        plot.render(into: &buffer, in: area)
        if hasLegend(model, inner: rect) { drawLegend(model, into: &buffer, in: Rect(x: rect.x, y: rect.maxY - 1, width: rect.width, height: 1)) }
        CursorPanel.render(model, into: &buffer, plot: area)
    }

    /// Without colour: which glyph is which class, and how the batch shows. For a sample,
    /// each class's points shown of its total, in its colour (or by its glyph).
    static func drawLegend(_ model: ExplorerModel, into buffer: inout Buffer, in row: Rect) {
        let s = model.snapshot
        let shapes = glyphs(model)
        let unknown = model.ascii ? "." : "·"
        func name(_ group: Int) -> String { group < 0 ? "?" : group < s.classNames.count ? s.classNames[group] : "\(group)" }
        func mark(_ group: Int) -> String {
            if model.color { return model.ascii ? "*" : "●" }
            return group < 0 ? unknown : String(shapes[group % shapes.count])
        }
        func style(_ group: Int) -> Style {
            model.color && group >= 0 ? Style(ScatterPlot.defaultPalette[group % ScatterPlot.defaultPalette.count]) : .plain
        }
        let batch = s.points.contains { $0.inBatch } && !model.color ? "bold: batch" + (model.ascii ? " - " : " · ") : ""
        guard s.isSampled else {
            var present: [Bool] = []
            for point in s.points where point.group >= 0 {
                if point.group >= present.count { present += Array(repeating: false, count: point.group + 1 - present.count) }
                present[point.group] = true
            }
            let groups = present.indices.filter { present[$0] }
            buffer.put(batch + groups.map { "\(mark($0)) \(name($0))" }.joined(separator: "  "), in: row, style: .plain)
            return
        }
        buffer.clear(row)
        // The most telling legend that fits whole: with the class names, then with class ids;
        // else what fits and how many more.
        let named = s.pointCounts.map { ("\(mark($0.group)) \(name($0.group)) \($0.shown)/\($0.total)", style($0.group)) }
        let numbered = s.pointCounts.map { ("\(mark($0.group))\($0.group < 0 ? "?" : "\($0.group)") \($0.shown)/\($0.total)", style($0.group)) }
        let choices = [(batch + "shown/total:", named), (batch + "shown/total:", numbered)]
        func width(_ choice: (String, [(String, Style)])) -> Int {
            TextMetrics.width(choice.0) + choice.1.reduce(0) { $0 + 2 + TextMetrics.width($1.0) }
        }
        let (lead, entries) = choices.first { width($0) <= row.width } ?? choices[1]
        var x = buffer.put(lead, x: row.x, y: row.y, clip: row)
        for (index, entry) in entries.enumerated() {
            let left = entries.count - index - 1
            // Each entry only if it fits with room left to say how many more there are.
            let needed = 2 + TextMetrics.width(entry.0) + (left > 0 ? TextMetrics.width("  +\(left) more") : 0)
            if x + needed > row.maxX {
                buffer.put("  +\(left + 1) more", x: x, y: row.y, clip: row)
                return
            }
            x = buffer.put("  ", x: x, y: row.y, clip: row)
            x = buffer.put(entry.0, x: x, y: row.y, style: entry.1, clip: row)
        }
    }
}
