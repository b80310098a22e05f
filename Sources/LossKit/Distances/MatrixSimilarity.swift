/// The matrix similarities of `sentence_transformers.util` (row i of x against row j of y), as
/// the in-batch-negatives losses take them through `similarity_fct`.
///
/// A loss first `prepare`s each set of rows once (cos_sim normalises them, eps 1e-12, so the
/// products below are plain dot products), takes `scores` between prepared sets, sends the
/// gradient of those scores back to the prepared rows with `backward`, and finally through the
/// preparation with `finish`.
public enum MatrixSimilarity: String, Sendable, CaseIterable {
    case cosSim = "cos_sim"
    case dotScore = "dot_score"
    /// −‖x − y‖₂, computed from the differences (not the Gram matrix); gradient 0 at distance 0.
    case euclideanSim = "euclidean_sim"
    /// −‖x − y‖₁; the gradient of |t| at t = 0 is 0.
    case manhattanSim = "manhattan_sim"

    public static func parse(_ text: String) -> MatrixSimilarity? {
        let word = text.trimmingCharacters(in: .whitespaces).lowercased().split(separator: ".").last.map(String.init) ?? ""
        switch word {
        case "cos_sim", "cosine", "cos", "pytorch_cos_sim": return .cosSim
        case "dot_score", "dot", "dot_product": return .dotScore
        case "euclidean_sim": return .euclideanSim
        case "manhattan_sim": return .manhattanSim
        default: return nil
        }
    }

    /// Whether S is a dot product of the prepared rows, so `backward` is two plain products.
    public var isBilinear: Bool { self == .cosSim || self == .dotScore }

    /// Rows as the products see them, with what `finish` needs.
    public struct Prepared<T: Scalar>: Sendable {
        public let input: Matrix<T>
        public let rows: Matrix<T>
        let norms: [T]
    }

    public func prepare<T: Scalar>(_ x: Matrix<T>) -> Prepared<T> {
        guard self == .cosSim else { return Prepared(input: x, rows: x, norms: []) }
        let normalized = L2Normalization.forward(x)
        return Prepared(input: x, rows: normalized.output, norms: normalized.norms)
    }

    /// dL/d(input) from dL/d(prepared rows).
    public func finish<T: Scalar>(_ gradient: Matrix<T>, _ prepared: Prepared<T>) -> Matrix<T> {
        guard self == .cosSim else { return gradient }
        return L2Normalization.backward(gradient, output: prepared.rows, input: prepared.input, norms: prepared.norms)
    }

    /// alpha · S(x, y), (x.rows, y.rows), on prepared rows.
    public func scores<T: Scalar>(_ x: Matrix<T>, _ y: Matrix<T>, alpha: T) -> Matrix<T> {
        switch self {
        case .cosSim, .dotScore:
            return Matrix.product(x, y, transposeB: true, alpha: alpha)
        case .euclideanSim:
            return Self.pairs(x, y) { a, b, d in -alpha * VectorKernels.squaredDistance(a, b, shift: 0, count: d).squareRoot() }
        case .manhattanSim:
            return Self.pairs(x, y) { a, b, d in -alpha * VectorKernels.absoluteDistance(a, b, shift: 0, count: d) }
        }
    }

    /// The gradients of Σ g_ij · alpha · S(x_i, y_j) with respect to the prepared rows x and y.
    public func backward<T: Scalar>(_ g: Matrix<T>, _ x: Matrix<T>, _ y: Matrix<T>, alpha: T) -> (x: Matrix<T>, y: Matrix<T>) {
        switch self {
        case .cosSim, .dotScore:
            return (Matrix.product(g, y, alpha: alpha), Matrix.product(g, transposeA: true, x, alpha: alpha))
        case .euclideanSim:
            // ∂(−‖x_i − y_j‖)/∂x_i = −(x_i − y_j)/‖x_i − y_j‖: with w_ij = alpha · g_ij / distance,
            // dx_i = −(Σ_j w_ij) x_i + (w y)_i and dy_j = (wᵀ x)_j − (Σ_i w_ij) y_j.
            let distances = scores(x, y, alpha: -1)
            var w = g
            for k in w.values.indices { w.values[k] = distances.values[k] > 0 ? alpha * g.values[k] / distances.values[k] : 0 }
            var dx = Matrix.product(w, y), dy = Matrix.product(w, transposeA: true, x)
            let d = x.cols
            for i in 0..<x.rows {
                var total: T = 0
                for j in 0..<y.rows { total += w[i, j] }
                for k in 0..<d { dx[i, k] -= total * x[i, k] }
            }
            for j in 0..<y.rows {
                var total: T = 0
                for i in 0..<x.rows { total += w[i, j] }
                for k in 0..<d { dy[j, k] -= total * y[j, k] }
            }
            return (dx, dy)
        case .manhattanSim:
            // ∂(−Σ|x_ik − y_jk|)/∂x_ik = −sign(x_ik − y_jk), and the opposite for y.
            let n = x.rows, m = y.rows, d = x.cols
            var dx = Matrix<T>(zeros: n, d), dy = Matrix<T>(zeros: m, d)
            for i in 0..<n {
                for j in 0..<m {
                    let weight = alpha * g[i, j]
                    if weight == 0 { continue }
                    for k in 0..<d {
                        let difference = x[i, k] - y[j, k]
                        let sign: T = difference > 0 ? 1 : (difference < 0 ? -1 : 0)
                        dx[i, k] -= weight * sign
                        dy[j, k] += weight * sign
                    }
                }
            }
            return (dx, dy)
        }
    }

    /// An (x.rows, y.rows) matrix of one value per row pair, rows in parallel.
    private static func pairs<T: Scalar>(_ x: Matrix<T>, _ y: Matrix<T>,
                                         _ value: @escaping @Sendable (UnsafePointer<T>, UnsafePointer<T>, Int) -> T) -> Matrix<T> {
        let n = x.rows, m = y.rows, d = x.cols
        return Matrix<T>(rows: n, cols: m) { out in
            x.values.withUnsafeBufferPointer { xb in
                y.values.withUnsafeBufferPointer { yb in
                    let xs = SharedReadPointer(xb), ys = SharedReadPointer(yb), os = SharedPointer(out)
                    ParallelRows.run(rows: n, elementsPerRow: m * d) { rows in
                        for i in rows {
                            for j in 0..<m { os[i * m + j] = value(xs.base + i * d, ys.base + j * d, d) }
                        }
                    }
                }
            }
        }
    }
}
