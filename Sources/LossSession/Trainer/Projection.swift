import LossKit

/// A 2-D view of the embeddings that follows training without jumping: the first two
/// principal directions, refined by a few power-iteration steps from the previous ones (so
/// they turn smoothly), with signs kept, and axis ranges that grow at once but shrink slowly.
/// For D = 2 it is the identity. The directions are fitted on at most `sampleLimit` rows.
public struct Projection: Sendable {
    public struct Axes: Sendable, Equatable {
        public var minX = -1.0, maxX = 1.0, minY = -1.0, maxY = 1.0
        public init() {}
    }

    /// (D) each: the two directions, unit length, orthogonal.
    public private(set) var directions: [[Double]] = []
    public private(set) var mean: [Double] = []
    public private(set) var axes = Axes()
    private var hasAxes = false
    /// The largest number of rows the directions are estimated from.
    public static let sampleLimit = 4000

    public init() {}

    /// Updates the directions from the first `fitted` rows of `embeddings` (N, D; all rows when
    /// nil) and returns the (x, y) of every row, in order.
    public mutating func update(_ embeddings: Matrix<Float>, fittingFirst fitted: Int? = nil, iterations: Int = 3) -> [(x: Double, y: Double)] {
        let n = embeddings.rows, d = embeddings.cols
        guard n > 0, d > 0 else { return [] }
        if d <= 2 {
            directions = (0..<2).map { axis in (0..<d).map { $0 == axis ? 1.0 : 0.0 } }
            mean = [Double](repeating: 0, count: d)
        } else {
            let warm = directions.count == 2 && directions[0].count == d
            refine(embeddings, rows: min(max(fitted ?? n, 1), n), iterations: warm ? iterations : 30)
        }
        var points = [(x: Double, y: Double)](repeating: (0, 0), count: n)
        let first = directions[0], second = directions.count > 1 ? directions[1] : [Double](repeating: 0, count: d), centre = mean
        embeddings.values.withUnsafeBufferPointer { values in
            for r in 0..<n {
                let row = values.baseAddress! + r * d
                var x = 0.0, y = 0.0
                for k in 0..<d {
                    let v = Double(row[k]) - centre[k]
                    x += v * first[k]
                    y += v * second[k]
                }
                points[r] = (x.isFinite ? x : 0, y.isFinite ? y : 0)
            }
        }
        fitAxes(points)
        return points
    }

    private mutating func refine(_ embeddings: Matrix<Float>, rows n: Int, iterations: Int) {
        let d = embeddings.cols
        let step = max(1, n / Self.sampleLimit)
        let rows = Array(stride(from: 0, to: n, by: step))
        let m = rows.count
        // The fitted rows centred once, contiguous, so each iteration is two plain passes.
        var center = [Double](repeating: 0, count: d)
        var centred = [Double](repeating: 0, count: m * d)
        embeddings.values.withUnsafeBufferPointer { values in
            for r in rows {
                let row = values.baseAddress! + r * d
                for k in 0..<d { center[k] += Double(row[k]) }
            }
            for k in 0..<d { center[k] /= Double(m) }
            centred.withUnsafeMutableBufferPointer { out in
                for (i, r) in rows.enumerated() {
                    let row = values.baseAddress! + r * d, centredRow = out.baseAddress! + i * d
                    for k in 0..<d { centredRow[k] = Double(row[k]) - center[k] }
                }
            }
        }
        mean = center
        var basis = directions
        if !(directions.count == 2 && directions[0].count == d) {
            let first: [Double] = (0..<d).map { k in k == 0 ? 1.0 : 0.1 / Double(k + 1) }
            let second: [Double] = (0..<d).map { k in k == 1 ? 1.0 : 0.05 / Double(k + 1) }
            basis = [first, second]
        }
        let previous = basis
        for _ in 0..<iterations {
            for c in 0..<2 {
                // v ← Xᵀ X v over the centred sample, then deflate against earlier directions.
                var next = [Double](repeating: 0, count: d)
                let v = basis[c]
                centred.withUnsafeBufferPointer { x in
                    next.withUnsafeMutableBufferPointer { out in
                        for i in 0..<m {
                            let row = x.baseAddress! + i * d
                            // Four partial sums, so the dot product is not one long chain.
                            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
                            var k = 0
                            while k + 4 <= d {
                                s0 += row[k] * v[k]; s1 += row[k + 1] * v[k + 1]
                                s2 += row[k + 2] * v[k + 2]; s3 += row[k + 3] * v[k + 3]
                                k += 4
                            }
                            while k < d { s0 += row[k] * v[k]; k += 1 }
                            let dot = (s0 + s1) + (s2 + s3)
                            for k in 0..<d { out[k] += dot * row[k] }
                        }
                    }
                }
                for earlier in 0..<c {
                    var overlap = 0.0
                    for k in 0..<d { overlap += next[k] * basis[earlier][k] }
                    for k in 0..<d { next[k] -= overlap * basis[earlier][k] }
                }
                var squared = 0.0
                for k in 0..<d { squared += next[k] * next[k] }
                let norm = squared.squareRoot()
                if norm > 1e-12 && norm.isFinite { basis[c] = next.map { $0 / norm } }
            }
        }
        // Keep each direction's sign, so the picture does not flip between frames.
        for c in 0..<2 where previous[c].count == d {
            var agreement = 0.0
            for k in 0..<d { agreement += basis[c][k] * previous[c][k] }
            if agreement < 0 { basis[c] = basis[c].map { -$0 } }
        }
        directions = basis
    }

    private mutating func fitAxes(_ points: [(x: Double, y: Double)]) {
        guard let first = points.first else { return }
        var target = Axes()
        target.minX = first.x; target.maxX = first.x; target.minY = first.y; target.maxY = first.y
        for p in points {
            target.minX = min(target.minX, p.x); target.maxX = max(target.maxX, p.x)
            target.minY = min(target.minY, p.y); target.maxY = max(target.maxY, p.y)
        }
        let padX = max((target.maxX - target.minX) * 0.05, 1e-6), padY = max((target.maxY - target.minY) * 0.05, 1e-6)
        target.minX -= padX; target.maxX += padX; target.minY -= padY; target.maxY += padY
        if !hasAxes { axes = target; hasAxes = true; return }
        // Grow at once; shrink by 10% of the gap per update.
        func blend(_ current: Double, _ wanted: Double, grow: Bool) -> Double {
            (grow ? wanted < current : wanted > current) ? wanted : current + (wanted - current) * 0.1
        }
        axes.minX = blend(axes.minX, target.minX, grow: true)
        axes.minY = blend(axes.minY, target.minY, grow: true)
        axes.maxX = blend(axes.maxX, target.maxX, grow: false)
        axes.maxY = blend(axes.maxY, target.maxY, grow: false)
    }

}
