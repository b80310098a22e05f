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
        let gram = Matrix.product(e, e, transposeB: true)
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
        var d = Matrix.product(normalized.output, normalized.output, transposeB: true)
        for k in d.values.indices { d.values[k] = 1 - d.values[k] }
        return AllPairsDistances(metric: .cosine, distances: d, rows: normalized.output, inputs: e,
                                 norms: normalized.norms)
    }

    /// dL/dEmbeddings (N, D) from dL/dDistances (N, N).
    public func backward(_ gradient: Matrix<T>) -> Matrix<T> {
        let n = distances.rows
        switch metric {
        case .euclidean:
            // d = sqrt(s) with s = G_jj - 2 G_ij + G_ii; ds = dd / (2d) where d > 0.
            // dG + dGᵀ = -2 (ds + dsᵀ) + 2 diag(rowsum(ds) + colsum(ds)); dE = (dG + dGᵀ) E.
            var symmetric = Matrix<T>(zeros: n, n)
            var diagonal = [T](repeating: 0, count: n)
            distances.values.withUnsafeBufferPointer { dist in
                gradient.values.withUnsafeBufferPointer { grad in
                    symmetric.values.withUnsafeMutableBufferPointer { s in
                        for i in 0..<n {
                            for j in 0..<n {
                                let d = dist[i * n + j]
                                let ds: T = d > 0 ? grad[i * n + j] / (2 * d) : 0
                                if ds != 0 {
                                    s[i * n + j] -= 2 * ds
                                    s[j * n + i] -= 2 * ds
                                    diagonal[i] += ds
                                    diagonal[j] += ds
                                }
                            }
                        }
                        for i in 0..<n { s[i * n + i] += 2 * diagonal[i] }
                    }
                }
            }
            return Matrix.product(symmetric, rows)
        case .cosine:
            // D = 1 - N Nᵀ: dN = -(dD + dDᵀ) N, then back through the normalisation.
            var symmetric = Matrix<T>(zeros: n, n)
            for i in 0..<n {
                for j in 0..<n {
                    symmetric[i, j] = -(gradient[i, j] + gradient[j, i])
                }
            }
            let dNormalized = Matrix.product(symmetric, rows)
            return L2Normalization.backward(dNormalized, output: rows, input: inputs!, norms: norms)
        }
    }
}
