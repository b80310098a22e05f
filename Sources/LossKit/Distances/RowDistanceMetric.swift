/// Row-by-row distances between two columns, as the pair and triplet losses compute them:
/// `F.pairwise_distance` (euclidean p=2, manhattan p=1; eps 1e-6 is added to every
/// coordinate difference, so identical rows are sqrt(D)·1e-6 apart, not 0) and
/// 1 - `F.cosine_similarity` (norms clamped at eps 1e-8).
public enum RowDistanceMetric: String, Sendable, CaseIterable {
    case euclidean
    case manhattan
    case cosine

    public static let accepted = "euclidean, manhattan, cosine (ST enum spellings such as SiameseDistanceMetric.COSINE_DISTANCE accepted)"
    /// `pairwise_distance`'s eps.
    public static let differenceEps = 1e-6

    public static func parse(_ text: String) -> RowDistanceMetric? {
        switch metricWord(text) {
        case "euclidean", "eucledian", "euclidian": return .euclidean
        case "manhattan": return .manhattan
        case "cosine", "cos": return .cosine
        default: return nil
        }
    }

    /// d(x_i, y_i) for every row i of two (N, D) matrices.
    public func forward<T: Scalar>(_ x: Matrix<T>, _ y: Matrix<T>) -> RowDistances<T> {
        precondition(x.rows == y.rows && x.cols == y.cols, "row distance needs equal shapes")
        switch self {
        case .cosine:
            let cosine = RowCosine.forward(x, y)
            return RowDistances(metric: self, x: x, y: y, distances: cosine.values.map { 1 - $0 }, cosine: cosine)
        case .euclidean, .manhattan:
            let eps = T(Self.differenceEps)
            let dim = x.cols
            var distances = [T](repeating: 0, count: x.rows)
            let euclidean = self == .euclidean
            x.values.withUnsafeBufferPointer { xv in
                y.values.withUnsafeBufferPointer { yv in
                    distances.withUnsafeMutableBufferPointer { dv in
                        let xs = SharedReadPointer(xv), ys = SharedReadPointer(yv), out = SharedPointer(dv)
                        ParallelRows.run(rows: x.rows, elementsPerRow: dim) { rows in
                            for i in rows {
                                let xr = xs.base + i * dim, yr = ys.base + i * dim
                                if euclidean {
                                    out[i] = VectorKernels.squaredDistance(xr, yr, shift: eps, count: dim).squareRoot()
                                } else {
                                    out[i] = VectorKernels.absoluteDistance(xr, yr, shift: eps, count: dim)
                                }
                            }
                        }
                    }
                }
            }
            return RowDistances(metric: self, x: x, y: y, distances: distances, cosine: nil)
        }
    }
}

/// Forward state of a row distance.
public struct RowDistances<T: Scalar>: Sendable {
    public let metric: RowDistanceMetric
    let x: Matrix<T>
    let y: Matrix<T>
    /// (N): d(x_i, y_i).
    public let distances: [T]
    let cosine: RowCosine<T>?

    /// (dL/dx, dL/dy) from dL/d(distances).
    public func backward(_ gradient: [T]) -> (x: Matrix<T>, y: Matrix<T>) {
        if let cosine {
            return cosine.backward(gradient.map { -$0 })
        }
        let eps = T(RowDistanceMetric.differenceEps)
        let dim = x.cols
        var dx = Matrix<T>(zeros: x.rows, dim)
        let euclidean = metric == .euclidean
        let distances = self.distances
        x.values.withUnsafeBufferPointer { xv in
            y.values.withUnsafeBufferPointer { yv in
                dx.values.withUnsafeMutableBufferPointer { dv in
                    let xs = SharedReadPointer(xv), ys = SharedReadPointer(yv), out = SharedPointer(dv)
                    ParallelRows.run(rows: x.rows, elementsPerRow: dim) { rows in
                        for i in rows where gradient[i] != 0 {
                            let xr = xs.base + i * dim, yr = ys.base + i * dim, o = out.base + i * dim
                            let g = gradient[i]
                            if euclidean {
                                let d = distances[i]
                                if d == 0 { continue }
                                let scale = g / d
                                for k in 0..<dim { o[k] = scale * ((xr[k] - yr[k]) + eps) }
                            } else {
                                for k in 0..<dim {
                                    let diff = (xr[k] - yr[k]) + eps
                                    o[k] = (diff > 0 ? g : 0) - (diff < 0 ? g : 0)
                                }
                            }
                        }
                    }
                }
            }
        }
        var dy = dx
        for k in dy.values.indices { dy.values[k] = -dy.values[k] }
        return (dx, dy)
    }
}

/// Row-by-row cosine similarity as `torch.cosine_similarity` computes it: each row is divided
/// by its norm clamped at eps = 1e-8, but the gradient flows through the unclamped norm
/// (the clamp happens outside autograd), so a zero row gets gradient y / (eps·|y|).
public struct RowCosine<T: Scalar>: Sendable {
    public static var eps: T { T(1e-8) }
    let x: Matrix<T>
    let y: Matrix<T>
    let xNorms: [T]
    let yNorms: [T]
    /// (N): cos(x_i, y_i).
    public let values: [T]

    public static func forward(_ x: Matrix<T>, _ y: Matrix<T>) -> RowCosine<T> {
        let dim = x.cols
        var xNorms = [T](repeating: 0, count: x.rows)
        var yNorms = xNorms
        var values = xNorms
        x.values.withUnsafeBufferPointer { xv in
            y.values.withUnsafeBufferPointer { yv in
                for i in 0..<x.rows {
                    let xr = xv.baseAddress! + i * dim, yr = yv.baseAddress! + i * dim
                    xNorms[i] = VectorKernels.sumOfSquares(xr, count: dim).squareRoot()
                    yNorms[i] = VectorKernels.sumOfSquares(yr, count: dim).squareRoot()
                    let cx = max(xNorms[i], eps), cy = max(yNorms[i], eps)
                    values[i] = VectorKernels.scaledDot(xr, yr, dividedBy: cx, cy, count: dim)
                }
            }
        }
        return RowCosine(x: x, y: y, xNorms: xNorms, yNorms: yNorms, values: values)
    }

    /// (dL/dx, dL/dy) from dL/d(cosines).
    public func backward(_ gradient: [T]) -> (x: Matrix<T>, y: Matrix<T>) {
        let dim = x.cols
        var dx = Matrix<T>(zeros: x.rows, dim)
        var dy = dx
        let eps = Self.eps
        x.values.withUnsafeBufferPointer { xv in
            y.values.withUnsafeBufferPointer { yv in
                dx.values.withUnsafeMutableBufferPointer { dxv in
                    dy.values.withUnsafeMutableBufferPointer { dyv in
                        for i in 0..<x.rows where gradient[i] != 0 {
                            let g = gradient[i]
                            let cx = max(xNorms[i], eps), cy = max(yNorms[i], eps)
                            let cosine = values[i]
                            // d cos/dx = y/(cx·cy) - cos·x/(|x|·cx), the second term absent for a zero row.
                            let xScale: T = xNorms[i] > 0 ? cosine / (xNorms[i] * cx) : 0
                            let yScale: T = yNorms[i] > 0 ? cosine / (yNorms[i] * cy) : 0
                            let both = cx * cy
                            let xr = xv.baseAddress! + i * dim, yr = yv.baseAddress! + i * dim
                            let dxr = dxv.baseAddress! + i * dim, dyr = dyv.baseAddress! + i * dim
                            for k in 0..<dim {
                                dxr[k] = g * (yr[k] / both - xScale * xr[k])
                                dyr[k] = g * (xr[k] / both - yScale * yr[k])
                            }
                        }
                    }
                }
            }
        }
        return (dx, dy)
    }
}
