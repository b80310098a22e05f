import CBatchKernels

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
        let gram = e.gram()
        let d = T.self == Float.self ? unsafeBitCast(EuclideanKernel.distances(fromGram: unsafeBitCast(gram, to: Matrix<Float>.self)), to: Matrix<T>.self)
            : euclideanInSwift(fromGram: gram)
        return AllPairsDistances(metric: .euclidean, distances: d, rows: e, inputs: nil, norms: [])
    }

    /// The distances from the Gram matrix, for any scalar type (the tests hold the C kernel to it).
    static func euclideanInSwift(fromGram gram: Matrix<T>) -> Matrix<T> {
        let n = gram.rows
        return Matrix<T>(rows: n, cols: n) { out in
            gram.values.withUnsafeBufferPointer { g in
                let gs = SharedReadPointer(g), ds = SharedPointer(out)
                ParallelRows.run(rows: n, elementsPerRow: n) { rows in
                    for i in rows {
                        let gii = gs[i * n + i], gr = gs.base + i * n, dr = ds.base + i * n
                        for j in 0..<n {
                            // The reference's order: (|b|² - 2ab) + |a|².
                            let squared = (gs[j * (n + 1)] - 2 * gr[j]) + gii
                            // NaN (inf - inf after an overflow) stays NaN, as in the reference,
                            // rather than reading as a zero distance.
                            dr[j] = squared > 0 ? squared.squareRoot() : (squared.isNaN ? squared : 0)
                        }
                    }
                }
            }
        }
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
        let nonZero = gradient.values.withUnsafeBufferPointer { VectorKernels.count(SharedReadPointer($0).base, count: $0.count) { $0 != 0 } }
        let sparse = nonZero * 16 <= n * n
        switch metric {
        case .euclidean:
            // d = sqrt(s), s = |e_i|² - 2 e_i·e_j + |e_j|²: ds = dd / (2d) where d > 0, else 0.
            let ds = Matrix<T>(rows: n, cols: n) { out in
                distances.values.withUnsafeBufferPointer { dv in
                    gradient.values.withUnsafeBufferPointer { gv in
                        let dd = SharedReadPointer(dv), gg = SharedReadPointer(gv), o = SharedPointer(out)
                        ParallelRows.run(rows: n, elementsPerRow: n) { rows in
                            for k in (rows.lowerBound * n)..<(rows.upperBound * n) {
                                let d = dd[k], g = gg[k]
                                o[k] = d > 0 && g != 0 ? g / (2 * d) : 0
                            }
                        }
                    }
                }
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

    /// Calls body(j, value) for the non-zero entries of a symmetric chain rule's output row i
    /// of an (N, N) matrix m: first (j, m[i, j]) along row i, then (j, m[j, i]) down column i,
    /// j ascending in both (the diagonal skipped in both when `skipDiagonal`, else met twice).
    @inline(__always)
    private static func forEachNeighbour(of i: Int, in m: UnsafePointer<T>, n: Int, skipDiagonal: Bool, _ body: (Int, T) -> Void) {
        let row = m + i * n
        for j in 0..<n where row[j] != 0 && !(skipDiagonal && i == j) { body(j, row[j]) }
        for j in 0..<n where m[j * n + i] != 0 && !(skipDiagonal && i == j) { body(j, m[j * n + i]) }
    }

    /// ds_ij reaches e_i as 2·ds_ij·(e_i - e_j) and e_j as 2·ds_ij·(e_j - e_i); each output row
    /// gathers its own terms, so rows run in parallel.
    private static func sparseEuclideanBackward(_ ds: Matrix<T>, _ e: Matrix<T>) -> Matrix<T> {
        let n = ds.rows, dim = e.cols
        return Matrix(rows: n, cols: dim) { out in
            e.values.withUnsafeBufferPointer { ev in
                ds.values.withUnsafeBufferPointer { dv in
                    let es = SharedReadPointer(ev), dss = SharedReadPointer(dv), o = SharedPointer(out)
                    ParallelRows.run(rows: n, elementsPerRow: 4 * dim) { range in
                        for i in range {
                            let row = o.base + i * dim, ei = es.base + i * dim
                            row.update(repeating: 0, count: dim)
                            forEachNeighbour(of: i, in: dss.base, n: n, skipDiagonal: true) { j, g in
                                let twice = 2 * g, ej = es.base + j * dim
                                for k in 0..<dim { row[k] += twice * (ei[k] - ej[k]) }
                            }
                        }
                    }
                }
            }
        }
    }

    /// dN = -(dD + dDᵀ) N over the non-zero entries of dD, gathered by output row.
    private static func sparseCosineBackward(_ gradient: Matrix<T>, _ normalized: Matrix<T>) -> Matrix<T> {
        let n = gradient.rows, dim = normalized.cols
        return Matrix(rows: n, cols: dim) { out in
            normalized.values.withUnsafeBufferPointer { v in
                gradient.values.withUnsafeBufferPointer { gv in
                    let vs = SharedReadPointer(v), gs = SharedReadPointer(gv), o = SharedPointer(out)
                    ParallelRows.run(rows: n, elementsPerRow: 4 * dim) { range in
                        for i in range {
                            let row = o.base + i * dim
                            row.update(repeating: 0, count: dim)
                            forEachNeighbour(of: i, in: gs.base, n: n, skipDiagonal: false) { j, g in
                                let vj = vs.base + j * dim
                                for k in 0..<dim { row[k] -= g * vj[k] }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The euclidean distances of a Float Gram matrix by CBatchKernels: the same arithmetic as the
/// generic loop of `AllPairsDistances.euclidean`, so the same bits.
enum EuclideanKernel {
    static func distances(fromGram gram: Matrix<Float>, kernel: BatchKernelLevel = .best) -> Matrix<Float> {
        let n = gram.rows
        let diagonal = (0..<n).map { gram.values[$0 * (n + 1)] }
        return Matrix<Float>(rows: n, cols: n) { out in
            gram.values.withUnsafeBufferPointer { g in
                diagonal.withUnsafeBufferPointer { dg in
                    let gs = SharedReadPointer(g), ds = SharedReadPointer(dg), o = SharedPointer(out)
                    ParallelRows.run(rows: n, elementsPerRow: n) { rows in
                        batch_euclidean(gs.base, ds.base, Int64(n), Int64(rows.lowerBound), Int64(rows.upperBound), o.base, kernel.argument)
                    }
                }
            }
        }
    }
}
