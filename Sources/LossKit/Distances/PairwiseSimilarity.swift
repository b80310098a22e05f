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
        let d = a.cols
        return [T](unsafeUninitializedCapacity: a.rows) { out, initialized in
            a.values.withUnsafeBufferPointer { x in
                b.values.withUnsafeBufferPointer { y in
                    let xs = SharedReadPointer(x), ys = SharedReadPointer(y), result = SharedPointer(out)
                    ParallelRows.run(rows: a.rows, elementsPerRow: 2 * d) { rows in
                        for i in rows { (result.base + i).initialize(to: rowForward(xs.base + i * d, ys.base + i * d, count: d)) }
                    }
                }
            }
            initialized = a.rows
        }
    }

    /// dL/da and dL/db from dL/d(similarity) per row. The gradient buffers start uninitialised
    /// and each thread zeroes its own rows just before writing them: a zero fill of the whole
    /// buffer up front would run on one thread and, for a buffer above glibc's largest mmap
    /// threshold (32 MB; 16384 x 768 floats are 50 MB), take every page fault of that fresh
    /// memory there.
    public func backward<T: Scalar>(_ a: Matrix<T>, _ b: Matrix<T>, _ upstream: [T]) -> (Matrix<T>, Matrix<T>) {
        let d = a.cols
        var db: Matrix<T>? = nil
        let da = Matrix<T>(rows: a.rows, cols: d) { gx in
            db = Matrix<T>(rows: b.rows, cols: d) { gy in
                a.values.withUnsafeBufferPointer { x in
                    b.values.withUnsafeBufferPointer { y in
                        upstream.withUnsafeBufferPointer { g in
                            let xs = SharedReadPointer(x), ys = SharedReadPointer(y), gs = SharedReadPointer(g)
                            let gxs = SharedPointer(gx), gys = SharedPointer(gy)
                            ParallelRows.run(rows: a.rows, elementsPerRow: 4 * d) { rows in
                                for i in rows {
                                    (gxs.base + i * d).initialize(repeating: 0, count: d)
                                    (gys.base + i * d).initialize(repeating: 0, count: d)
                                    if gs[i] != 0 {
                                        rowBackward(xs.base + i * d, ys.base + i * d, count: d, upstream: gs[i], gxs.base + i * d, gys.base + i * d)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (da, db!)
    }

    static let normEpsilon = 1e-12

    func rowForward<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count d: Int) -> T {
        switch self {
        case .dotScore:
            return VectorKernels.dot(x, y, count: d)
        case .cosSim:
            return VectorKernels.dot(x, y, count: d) / (Self.clampedNorm(x, d) * Self.clampedNorm(y, d))
        case .euclideanSim:
            var sum: T = 0
            for k in 0..<d { sum += (x[k] - y[k]) * (x[k] - y[k]) }
            return -sum.squareRoot()
        case .manhattanSim:
            var sum: T = 0
            for k in 0..<d { sum += abs(x[k] - y[k]) }
            return -sum
        case .angleSim:
            return abs(Self.angleCosPlusSin(x, y, d))
        }
    }

    func rowBackward<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count d: Int, upstream g: T,
                                        _ gx: UnsafeMutablePointer<T>, _ gy: UnsafeMutablePointer<T>) {
        switch self {
        case .dotScore:
            for k in 0..<d { gx[k] = g * y[k]; gy[k] = g * x[k] }
        case .cosSim:
            let (nx, ny) = (Self.clampedNorm(x, d), Self.clampedNorm(y, d))
            let similarity = VectorKernels.dot(x, y, count: d) / (nx * ny)
            // Through x / max(‖x‖, eps): below eps the clamp blocks the part through the norm.
            let keepX: T = nx > T(Self.normEpsilon) ? 1 : 0, keepY: T = ny > T(Self.normEpsilon) ? 1 : 0
            for k in 0..<d {
                gx[k] = g / nx * (y[k] / ny - keepX * similarity * x[k] / nx)
                gy[k] = g / ny * (x[k] / nx - keepY * similarity * y[k] / ny)
            }
        case .euclideanSim:
            var sum: T = 0
            for k in 0..<d { sum += (x[k] - y[k]) * (x[k] - y[k]) }
            let distance = sum.squareRoot()
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
            Self.angleBackward(x, y, d, upstream: g, gx, gy)
        }
    }

    private static func clampedNorm<T: Scalar>(_ x: UnsafePointer<T>, _ d: Int) -> T {
        max(VectorKernels.sumOfSquares(x, count: d).squareRoot(), T(normEpsilon))
    }

    /// cos + sin of the normalised rows read as complex vectors (first half real, second half
    /// imaginary, one zero appended when d is odd): (Σ x·y + Σ x2·y1 − x1·y2) / (‖x‖ ‖y‖).
    private static func angleCosPlusSin<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ d: Int) -> T {
        let sums = VectorKernels.angleSums(x, y, count: d)
        return sums.cosPlusSin / (max(sums.xx.squareRoot(), T(normEpsilon)) * max(sums.yy.squareRoot(), T(normEpsilon)))
    }

    /// The backward of |cos + sin|, through both normalisations; the pad takes no gradient.
    private static func angleBackward<T: Scalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, _ d: Int, upstream g: T,
                                                 _ gx: UnsafeMutablePointer<T>, _ gy: UnsafeMutablePointer<T>) {
        let sums = VectorKernels.angleSums(x, y, count: d)
        let (nx, ny) = (max(sums.xx.squareRoot(), T(normEpsilon)), max(sums.yy.squareRoot(), T(normEpsilon)))
        let r = sums.cosPlusSin / (nx * ny)
        let outer: T = r > 0 ? g : (r < 0 ? -g : 0)
        guard outer != 0 else { return }
        let keepX: T = nx > T(normEpsilon) ? 1 : 0, keepY: T = ny > T(normEpsilon) ? 1 : 0
        VectorKernels.angleBackward(x, y, count: d, inverseNorms: (1 / nx, 1 / ny), similarity: r,
                                    outer: (outer / nx, outer / ny), keep: (keepX, keepY), gx, gy)
    }
}
