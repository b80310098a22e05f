import LossSession
import TerminalKit

/// Where the embeddings pane draws each point, in plot dots (a braille cell is 2 x 4 dots,
/// about square on screen), so the cursor moves between points as the eye sees them.
struct EmbeddingsCursor {
    let plot: Rect
    let snapshot: TrainingSnapshot

    init(_ model: ExplorerModel) {
        plot = EmbeddingsPane.plotArea(model, inner: ExplorerLayout(width: model.width, height: model.height).rect(of: .embeddings).inset(by: 1))
        snapshot = model.snapshot
    }

    /// The dot position of point `index`, as ScatterPlot places it; nil outside the axes.
    func dot(_ index: Int) -> (x: Double, y: Double)? {
        let p = snapshot.points[index]
        let a = snapshot.axes
        let xSpan = max(a.maxX - a.minX, 1e-9), ySpan = max(a.maxY - a.minY, 1e-9)
        guard p.x.isFinite, p.y.isFinite, p.x >= a.minX, p.x <= a.minX + xSpan, p.y >= a.minY, p.y <= a.minY + ySpan else { return nil }
        let pw = Double(plot.width * 2 - 1), ph = Double(plot.height * 4 - 1)
        return (((p.x - a.minX) / xSpan * pw).rounded(), ph - ((p.y - a.minY) / ySpan * ph).rounded())
    }

    /// The item drawn nearest to a dot position.
    func nearest(toDotX x: Double, y: Double) -> Int? {
        var best: (item: Int, distance: Double)?
        for index in snapshot.points.indices {
            guard let d = dot(index) else { continue }
            let distance = (d.x - x) * (d.x - x) + (d.y - y) * (d.y - y)
            if best == nil || distance < best!.distance { best = (snapshot.pointItems[index], distance) }
        }
        return best?.item
    }

    /// The item nearest a clicked cell of the screen; nil outside the plot.
    func nearest(toCellX x: Int, y: Int) -> Int? {
        guard plot.contains(x: x, y: y) else { return nil }
        return nearest(toDotX: Double((x - plot.x) * 2) + 0.5, y: Double((y - plot.y) * 4) + 1.5)
    }

    func nearestToCentre() -> Int? {
        nearest(toDotX: Double(plot.width * 2 - 1) / 2, y: Double(plot.height * 4 - 1) / 2)
    }

    /// The nearest point `direction` of `item`: within 60° of that direction, the one with the
    /// least distance along it plus twice the distance across it (so a point straight that way
    /// beats a nearer one off to the side). Points drawn on the same dot are passed over.
    func next(from item: Int, _ direction: KeyAction.Direction) -> Int? {
        guard let from = snapshot.pointItems.firstIndex(of: item), let origin = dot(from) else { return nil }
        var best: (item: Int, cost: Double)?
        for index in snapshot.points.indices where index != from {
            guard let d = dot(index) else { continue }
            let dx = d.x - origin.x, dy = d.y - origin.y
            let (along, across): (Double, Double)
            switch direction {
            case .right: (along, across) = (dx, dy)
            case .left: (along, across) = (-dx, dy)
            case .down: (along, across) = (dy, dx)
            case .up: (along, across) = (-dy, dx)
            }
            guard along > 0, abs(across) <= along * 1.8 else { continue }
            let cost = along + 2 * abs(across)
            if best == nil || cost < best!.cost { best = (snapshot.pointItems[index], cost) }
        }
        return best?.item
    }
}
