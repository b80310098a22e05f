/// Row-by-row distances between two columns, as the pair and triplet losses compute them.
/// By default as torch's functions do: `F.pairwise_distance` (euclidean p=2, manhattan p=1;
/// eps 1e-6 is added to every coordinate difference, so identical rows are sqrt(D)·1e-6 apart,
/// not 0) and 1 - `F.cosine_similarity` (norms clamped at eps 1e-8). See `RowDistanceFormula`
/// for the other way.
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
    public func forward<T: Scalar>(_ x: Matrix<T>, _ y: Matrix<T>, formula: RowDistanceFormula = .torchPairwise) -> RowDistances<T> {
        precondition(x.rows == y.rows && x.cols == y.cols, "row distance needs equal shapes")
        switch self {
        case .cosine where formula == .similarityFunctions:
            let cosine = PairwiseSimilarity.cosSim.forward(x, y)
            return RowDistances(metric: self, x: x, y: y, distances: cosine.map { 1 - $0 }, cosine: nil, eps: 0, normalized: true)
        case .cosine:
            let cosine = RowCosine.forward(x, y)
            return RowDistances(metric: self, x: x, y: y, distances: cosine.values.map { 1 - $0 }, cosine: cosine, eps: 0, normalized: false)
        case .euclidean, .manhattan:
            let eps = formula == .torchPairwise ? T(Self.differenceEps) : 0
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
            return RowDistances(metric: self, x: x, y: y, distances: distances, cosine: nil, eps: eps, normalized: false)
        }
    }
}

/// Which functions compute a `RowDistanceMetric`.
public enum RowDistanceFormula: Sendable {
    /// torch's `F.pairwise_distance` (eps 1e-6 on the difference) and `F.cosine_similarity`
    /// (norms clamped at 1e-8): TripletLoss in 1.2.0, and ContrastiveLoss and
    /// OnlineContrastiveLoss (`SiameseDistanceMetric`) in every release.
    case torchPairwise
    /// sentence-transformers' own `util.pairwise_*_sim` (TripletLoss in 6.2.0): ‖x - y‖ and
    /// Σ|x - y| with no eps (0 with zero gradient for identical rows), and 1 - the dot
    /// product of rows normalised by `F.normalize` (norms clamped at 1e-12).
    case similarityFunctions
}

/// Forward state of a row distance.
public struct RowDistances<T: Scalar>: Sendable {
    public let metric: RowDistanceMetric
    let x: Matrix<T>
    let y: Matrix<T>
    /// (N): d(x_i, y_i).
    public let distances: [T]
    let cosine: RowCosine<T>?
    /// What was added to each coordinate difference (euclidean, manhattan).
    let eps: T
    /// cosine through `F.normalize` (`RowDistanceFormula.similarityFunctions`).
    let normalized: Bool

    /// (dL/dx, dL/dy) from dL/d(distances).
    public func backward(_ gradient: [T]) -> (x: Matrix<T>, y: Matrix<T>) {
        if let cosine {
            return cosine.backward(gradient.map { -$0 })
        }
        if normalized {
            return PairwiseSimilarity.cosSim.backward(x, y, gradient.map { -$0 })
        }
        let eps = self.eps
        let dim = x.cols, rows = x.rows
        let euclidean = metric == .euclidean
        let distances = self.distances
        // dL/dy = -dL/dx: both written in the same pass, every entry (rows without gradient get 0).
        var dyValues = [T]()
        let dx = Matrix<T>(rows: rows, cols: dim) { dv in
            dyValues = [T](unsafeUninitializedCapacity: rows * dim) { yv, initialized in
                x.values.withUnsafeBufferPointer { xv in
                    y.values.withUnsafeBufferPointer { yValues in
                        gradient.withUnsafeBufferPointer { gv in
                            distances.withUnsafeBufferPointer { distanceValues in
                                let xs = SharedReadPointer(xv), ys = SharedReadPointer(yValues), gs = SharedReadPointer(gv)
                                let ds = SharedReadPointer(distanceValues)
                                let out = SharedPointer(dv), negated = SharedPointer(yv)
                                ParallelRows.run(rows: rows, elementsPerRow: dim) { range in
                                    for i in range {
                                        let xr = xs.base + i * dim, yr = ys.base + i * dim
                                        let o = out.base + i * dim, minus = negated.base + i * dim
                                        let g = gs[i]
                                        if g == 0 || (euclidean && ds[i] == 0) {
                                            o.update(repeating: 0, count: dim)
                                            minus.update(repeating: 0, count: dim)
                                        } else if euclidean {
                                            let scale = g / ds[i]
                                            for k in 0..<dim {
                                                let value = scale * ((xr[k] - yr[k]) + eps)
                                                o[k] = value
                                                minus[k] = -value
                                            }
                                        } else {
                                            for k in 0..<dim {
                                                let diff = (xr[k] - yr[k]) + eps
                                                let value = (diff > 0 ? g : 0) - (diff < 0 ? g : 0)
                                                o[k] = value
                                                minus[k] = -value
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                initialized = rows * dim
            }
        }
        return (dx, Matrix(rows: rows, cols: dim, values: dyValues))
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
                xNorms.withUnsafeMutableBufferPointer { xn in
                    yNorms.withUnsafeMutableBufferPointer { yn in
                        values.withUnsafeMutableBufferPointer { vv in
                            let xs = SharedReadPointer(xv), ys = SharedReadPointer(yv)
                            let xNorm = SharedPointer(xn), yNorm = SharedPointer(yn), cosines = SharedPointer(vv)
                            ParallelRows.run(rows: x.rows, elementsPerRow: 3 * dim) { rows in
                                for i in rows {
                                    let xr = xs.base + i * dim, yr = ys.base + i * dim
                                    xNorm[i] = VectorKernels.sumOfSquares(xr, count: dim).squareRoot()
                                    yNorm[i] = VectorKernels.sumOfSquares(yr, count: dim).squareRoot()
                                    let cx = max(xNorm[i], eps), cy = max(yNorm[i], eps)
                                    cosines[i] = VectorKernels.scaledDot(xr, yr, dividedBy: cx, cy, count: dim)
                                }
                            }
                        }
                    }
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
        let (xNorms, yNorms, values) = (self.xNorms, self.yNorms, self.values)
        x.values.withUnsafeBufferPointer { xv in
            y.values.withUnsafeBufferPointer { yv in
                dx.values.withUnsafeMutableBufferPointer { dxv in
                    dy.values.withUnsafeMutableBufferPointer { dyv in
                        gradient.withUnsafeBufferPointer { gv in
                            let xs = SharedReadPointer(xv), ys = SharedReadPointer(yv), gs = SharedReadPointer(gv)
                            let dxs = SharedPointer(dxv), dys = SharedPointer(dyv)
                            ParallelRows.run(rows: x.rows, elementsPerRow: 2 * dim) { rows in
                                for i in rows where gs[i] != 0 {
                                    let g = gs[i]
                                    let cx = max(xNorms[i], eps), cy = max(yNorms[i], eps)
                                    let cosine = values[i]
                                    // d cos/dx = y/(cx·cy) - cos·x/(|x|·cx), the second term absent for a zero row.
                                    let xScale: T = xNorms[i] > 0 ? cosine / (xNorms[i] * cx) : 0
                                    let yScale: T = yNorms[i] > 0 ? cosine / (yNorms[i] * cy) : 0
                                    let both = cx * cy
                                    let xr = xs.base + i * dim, yr = ys.base + i * dim
                                    let dxr = dxs.base + i * dim, dyr = dys.base + i * dim
                                    for k in 0..<dim {
                                        dxr[k] = g * (yr[k] / both - xScale * xr[k])
                                        dyr[k] = g * (xr[k] / both - yScale * yr[k])
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (dx, dy)
    }
}
