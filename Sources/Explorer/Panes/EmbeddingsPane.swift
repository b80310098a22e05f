import LossKit
import LossSession
import TerminalKit

/// The 2-D projection: points coloured by class, the batch bright and the rest dim, and the
/// selected tuple's anchor, positive and negative marked A, P, N.
enum EmbeddingsPane {
    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let s = model.snapshot
        guard !s.points.isEmpty, rect.width > 2, rect.height > 1 else {
            buffer.put(s.datasetShape == nil ? "no data: press d to pick a dataset" : "no embeddings yet", in: rect.row(0), style: Style(.brightBlack))
            return
        }
        var markers: [Int: Character] = [:]
        if let selected = model.selectedTuple {
            markers[selected.anchorItem] = "A"
            markers[selected.positiveItem] = "P"
            if let negative = selected.negativeItem { markers[negative] = "N" }
        }
        let hasBatch = s.points.contains { $0.inBatch }
        var points: [ScatterPlot.Point] = []
        points.reserveCapacity(s.points.count)
        for (index, point) in s.points.enumerated() {
            let item = s.pointItems[index]
            let emphasis: ScatterPlot.Emphasis
            if let marker = markers[item] { emphasis = .marker(marker) }
            else if model.showForces && s.idleItems.contains(item) { emphasis = .dim }
            else if hasBatch { emphasis = point.inBatch ? .highlight : .dim }
            else { emphasis = .normal }
            points.append(ScatterPlot.Point(x: point.x, y: point.y, colorIndex: point.group, emphasis: emphasis))
        }
        let axes = s.axes
        let arrows = model.showForces ? s.forces.map { force in
            ScatterPlot.Arrow(fromX: force.x, fromY: force.y, toX: force.x + force.dx, toY: force.y + force.dy,
                              style: Style(ScatterPlot.defaultPalette[((force.group % ScatterPlot.defaultPalette.count) + ScatterPlot.defaultPalette.count) % ScatterPlot.defaultPalette.count], bold: true))
        } : []
        let plot = ScatterPlot(points: points, arrows: arrows, xRange: axes.minX...max(axes.maxX, axes.minX + 1e-9),
                               yRange: axes.minY...max(axes.maxY, axes.minY + 1e-9), mode: model.ascii ? .ascii : .braille)
        plot.render(into: &buffer, in: rect)
    }
}
