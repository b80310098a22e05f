/// The all-pairs distance of the four batch triplet losses, as sentence-transformers'
/// `BatchHardTripletLossDistanceFunction` computes it.
public enum BatchDistanceMetric: String, Sendable, CaseIterable {
    /// `eucledian_distance`: sqrt(|a|² - 2ab + |b|²) from the Gram matrix. Negative rounding
    /// residue is clamped to 0, and an entry that is exactly 0 stays 0 with zero gradient
    /// (the reference's sqrt guard), so duplicate rows neither attract nor repel each other.
    case euclidean
    /// `cosine_distance`: 1 - cos_sim(a, b), rows normalised with eps 1e-12.
    case cosine

    public static let accepted = "euclidean (eucledian_distance), cosine (cosine_distance)"

    public static func parse(_ text: String) -> BatchDistanceMetric? {
        switch metricWord(text) {
        case "euclidean", "eucledian", "euclidian": return .euclidean
        case "cosine", "cos": return .cosine
        default: return nil
        }
    }

    /// The (N, N) distance matrix of `embeddings` (N, D), with what its backward needs.
    public func forward<T: Scalar>(_ embeddings: Matrix<T>) -> AllPairsDistances<T> {
        switch self {
        case .euclidean: return .euclidean(embeddings)
        case .cosine: return .cosine(embeddings)
        }
    }
}

/// Forward state of an all-pairs distance; `backward` turns dL/dDistances into dL/dEmbeddings
/// with one GEMM.
public struct AllPairsDistances<T: Scalar>: Sendable {
    public let metric: BatchDistanceMetric
    /// (N, N): distances[i, j] = d(row i, row j).
    public let distances: Matrix<T>
    /// (N, D): the input rows (euclidean) or the normalised rows (cosine).
    private let rows: Matrix<T>
    /// cosine only: the clamped norms and raw norms of the input rows.
    private let inputs: Matrix<T>?
    private let norms: [T]

    static func euclidean(_ e: Matrix<T>) -> AllPairsDistances<T> {
        let n = e.rows
        let gram = e.gram()
        var d = Matrix<T>(zeros: n, n)
        gram.values.withUnsafeBufferPointer { g in
            d.values.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    let gii = g[i * n + i]
                    for j in 0..<n {
                        // The reference's order: (|b|² - 2ab) + |a|².
                        let squared = (g[j * n + j] - 2 * g[i * n + j]) + gii
                        out[i * n + j] = squared > 0 ? squared.squareRoot() : 0
                    }
                }
            }
        }
        return AllPairsDistances(metric: .euclidean, distances: d, rows: e, inputs: nil, norms: [])
    }

    static func cosine(_ e: Matrix<T>) -> AllPairsDistances<T> {
        let normalized = L2Normalization.forward(e)
        var d = normalized.output.gram()
        for k in d.values.indices { d.values[k] = 1 - d.values[k] }
        return AllPairsDistances(metric: .cosine, distances: d, rows: normalized.output, inputs: e,
                                 norms: normalized.norms)
    }

    /// dL/dEmbeddings (N, D) from dL/dDistances (N, N). Mining losses leave most of the
    /// gradient matrix zero; then the chain rule runs over the non-zero entries only,
    /// instead of a dense N×N×D product.
    public func backward(_ gradient: Matrix<T>) -> Matrix<T> {
        let n = distances.rows
        var nonZero = 0
        for value in gradient.values where value != 0 { nonZero += 1 }
        let sparse = nonZero * 16 <= n * n
        switch metric {
        case .euclidean:
            // d = sqrt(s), s = |e_i|² - 2 e_i·e_j + |e_j|²: ds = dd / (2d) where d > 0, else 0.
            var ds = Matrix<T>(zeros: n, n)
            for k in 0..<(n * n) {
                let d = distances.values[k]
                if d > 0 && gradient.values[k] != 0 { ds.values[k] = gradient.values[k] / (2 * d) }
            }
            if sparse { return Self.sparseEuclideanBackward(ds, rows) }
            // ds_ij reaches e_i and e_j as 2(e_i - e_j) and 2(e_j - e_i):
            // dE = S E with S = -2 (ds + dsᵀ) + 2 diag(rowsum(ds) + colsum(ds)).
            var s = ds.symmetrized(scale: -2)
            var diagonal = [T](repeating: 0, count: n)
            for i in 0..<n {
                for j in 0..<n {
                    let value = ds.values[i * n + j]
                    diagonal[i] += value
                    diagonal[j] += value
                }
            }
            for i in 0..<n { s.values[i * n + i] += 2 * diagonal[i] }
            return Matrix.product(s, rows)
        case .cosine:
            // D = 1 - N Nᵀ over the normalised rows N: dN = -(dD + dDᵀ) N.
            let dNormalized = sparse ? Self.sparseCosineBackward(gradient, rows)
                                     : Matrix.product(gradient.symmetrized(scale: -1), rows)
            return L2Normalization.backward(dNormalized, output: rows, input: inputs!, norms: norms)
        }
    }

    private static func sparseEuclideanBackward(_ ds: Matrix<T>, _ e: Matrix<T>) -> Matrix<T> {
        let n = ds.rows, dim = e.cols
        var de = Matrix<T>(zeros: n, dim)
        e.values.withUnsafeBufferPointer { ev in
            de.values.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    for j in 0..<n {
                        let g = ds.values[i * n + j]
                        if g == 0 || i == j { continue }
                        let twice = 2 * g
                        for k in 0..<dim {
                            let diff = twice * (ev[i * dim + k] - ev[j * dim + k])
                            out[i * dim + k] += diff
                            out[j * dim + k] -= diff
                        }
                    }
                }
            }
        }
        return de
    }

    private static func sparseCosineBackward(_ gradient: Matrix<T>, _ normalized: Matrix<T>) -> Matrix<T> {
        let n = gradient.rows, dim = normalized.cols
        var dn = Matrix<T>(zeros: n, dim)
        normalized.values.withUnsafeBufferPointer { v in
            dn.values.withUnsafeMutableBufferPointer { out in
                for i in 0..<n {
                    for j in 0..<n {
                        let g = gradient.values[i * n + j]
                        if g == 0 { continue }
                        for k in 0..<dim {
                            out[i * dim + k] -= g * v[j * dim + k]
                            out[j * dim + k] -= g * v[i * dim + k]
                        }
                    }
                }
            }
        }
        return dn
    }
}
