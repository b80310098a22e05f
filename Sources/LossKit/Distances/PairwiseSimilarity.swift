/// sentence-transformers' `util.pairwise_*` similarities: row i of `a` with row i of `b`, and
/// their backward. Normalisation is `F.normalize` (the norm clamped at 1e-12, which blocks the
/// gradient through the norm of a near-zero row); the gradient of |t| and of ‖t‖ at 0 is 0.
public enum PairwiseSimilarity: String, Sendable, CaseIterable {
    case cosSim = "pairwise_cos_sim"
    case dotScore = "pairwise_dot_score"
    case euclideanSim = "pairwise_euclidean_sim"
    case manhattanSim = "pairwise_manhattan_sim"
    /// AnglE's: |cos + sin| of the rows read as complex vectors (first half real, second half
    /// imaginary), one zero column appended when the dimension is odd.
    case angleSim = "pairwise_angle_sim"

    /// The user's spelling, with or without `util.`; nil for anything else.
    public static func parse(_ text: String) -> PairwiseSimilarity? {
        let word = text.trimmingCharacters(in: .whitespaces).lowercased()
        return allCases.first { word == $0.rawValue || word == "util." + $0.rawValue }
    }

    /// The similarity of each row pair.
    public func forward<T: Scalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> [T] {
        (0..<a.rows).map { i in
            a.values.withUnsafeBufferPointer { x in
                b.values.withUnsafeBufferPointer { y in
                    rowForward(x.baseAddress! + i * a.cols, y.baseAddress! + i * b.cols, count: a.cols)
                }
            }
        }
    }

    /// dL/da and dL/db from dL/d(similarity) per row.
    public func backward<T: Scalar>(_ a: Matrix<T>, _ b: Matrix<T>, _ upstream: [T]) -> (Matrix<T>, Matrix<T>) {
        var da = Matrix<T>(zeros: a.rows, a.cols), db = Matrix<T>(zeros: b.rows, b.cols)
        let d = a.cols
        a.values.withUnsafeBufferPointer { x in
            b.values.withUnsafeBufferPointer { y in
                da.values.withUnsafeMutableBufferPointer { gx in
                    db.values.withUnsafeMutableBufferPointer { gy in
                        for i in 0..<a.rows where upstream[i] != 0 {
                            rowBackward(x.baseAddress! + i * d, y.baseAddress! + i * d, count: d, upstream: upstream[i],
                                        gx.baseAddress! + i * d, gy.baseAddress! + i * d)
                        }
                    }
                }
            }
        }
        return (da, db)
    }

    static let normEpsilon = 1e-12

    private func rowForward<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count d: Int) -> T {
        switch self {
        case .dotScore:
            return (0..<d).reduce(0) { $0 + x[$1] * y[$1] }
        case .cosSim:
            let (nx, ny) = (Self.clampedNorm(x, d), Self.clampedNorm(y, d))
            return (0..<d).reduce(0) { $0 + (x[$1] / nx) * (y[$1] / ny) }
        case .euclideanSim:
            return -(0..<d).reduce(0) { $0 + (x[$1] - y[$1]) * (x[$1] - y[$1]) }.squareRoot()
        case .manhattanSim:
            return -(0..<d).reduce(0) { $0 + abs(x[$1] - y[$1]) }
        case .angleSim:
            return abs(Self.angleParts(x, y, d).cosPlusSin)
        }
    }

    private func rowBackward<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count d: Int, upstream g: T,
                                        _ gx: UnsafeMutablePointer<T>, _ gy: UnsafeMutablePointer<T>) {
        switch self {
        case .dotScore:
            for k in 0..<d { gx[k] = g * y[k]; gy[k] = g * x[k] }
        case .cosSim:
            let (nx, ny) = (Self.clampedNorm(x, d), Self.clampedNorm(y, d))
            let ux = (0..<d).map { g * y[$0] / ny }, uy = (0..<d).map { g * x[$0] / nx }
            Self.normalizeBackward(x, d, norm: nx, ux, into: gx)
            Self.normalizeBackward(y, d, norm: ny, uy, into: gy)
        case .euclideanSim:
            let distance = (0..<d).reduce(T(0)) { $0 + (x[$1] - y[$1]) * (x[$1] - y[$1]) }.squareRoot()
            guard distance > 0 else { return }
            for k in 0..<d {
                let v = -g * (x[k] - y[k]) / distance
                gx[k] = v
                gy[k] = -v
            }
        case .manhattanSim:
            for k in 0..<d {
                let t = x[k] - y[k]
                let sign: T = t > 0 ? 1 : (t < 0 ? -1 : 0)
                gx[k] = -g * sign
                gy[k] = g * sign
            }
        case .angleSim:
            let parts = Self.angleParts(x, y, d)
            let r = parts.cosPlusSin
            let outer: T = r > 0 ? g : (r < 0 ? -g : 0)
            guard outer != 0 else { return }
            let padded = parts.x.count, half = padded / 2
            var ux = [T](repeating: 0, count: padded), uy = ux
            for p in 0..<half {
                let (x1, x2, y1, y2) = (parts.x[p], parts.x[half + p], parts.y[p], parts.y[half + p])
                // r = Σ x1·y1 + x2·y2 + x2·y1 − x1·y2
                ux[p] = outer * (y1 - y2)
                ux[half + p] = outer * (y2 + y1)
                uy[p] = outer * (x1 + x2)
                uy[half + p] = outer * (x2 - x1)
            }
            // The padding column (past d) takes no gradient back.
            Self.normalizeBackward(x, d, norm: parts.normX, Array(ux.prefix(d)), into: gx)
            Self.normalizeBackward(y, d, norm: parts.normY, Array(uy.prefix(d)), into: gy)
        }
    }

    private static func clampedNorm<T: Scalar>(_ x: UnsafePointer<T>, _ d: Int) -> T {
        max((0..<d).reduce(T(0)) { $0 + x[$1] * x[$1] }.squareRoot(), T(normEpsilon))
    }

    /// The gradient through x / max(‖x‖, eps) given dL/d(normalised x) = u.
    private static func normalizeBackward<T: Scalar>(_ x: UnsafePointer<T>, _ d: Int, norm: T, _ u: [T], into g: UnsafeMutablePointer<T>) {
        if norm <= T(normEpsilon) {
            for k in 0..<d { g[k] = u[k] / norm }
            return
        }
        var projection: T = 0
        for k in 0..<d { projection += u[k] * (x[k] / norm) }
        for k in 0..<d { g[k] = (u[k] - projection * (x[k] / norm)) / norm }
    }

    /// The normalised, padded rows and cos + sin of AnglE's angle similarity.
    private static func angleParts<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ d: Int)
        -> (x: [T], y: [T], normX: T, normY: T, cosPlusSin: T) {
        let padded = d % 2 == 0 ? d : d + 1
        let (nx, ny) = (clampedNorm(x, d), clampedNorm(y, d))
        var xs = [T](repeating: 0, count: padded), ys = xs
        for k in 0..<d { xs[k] = x[k] / nx; ys[k] = y[k] / ny }
        let half = padded / 2
        var cos: T = 0, sin: T = 0
        for k in 0..<padded { cos += xs[k] * ys[k] }
        for p in 0..<half { sin += xs[half + p] * ys[p] - xs[p] * ys[half + p] }
        return (xs, ys, nx, ny, cos + sin)
    }
}
