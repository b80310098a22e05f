import LossKit

/// Geometry of the batch's embeddings: is it collapsing, spreading, aligned?
public struct EmbeddingHealth: Sendable, Equatable {
    public var meanNorm = 0.0
    /// Mean cosine similarity over distinct pairs: near 1 means collapse.
    public var meanCosine = 0.0
    /// Mean euclidean distance over distinct pairs.
    public var meanDistance = 0.0
    /// Wang & Isola: mean squared distance of normalised positive pairs (lower is better aligned).
    public var alignment = 0.0
    /// Wang & Isola: log mean exp(-2 · squared distance) over normalised pairs (lower is more uniform).
    public var uniformity = 0.0

    public init() {}

    /// embeddings: (B, D) rows of the batch; positives: pairs of rows that should be close.
    /// Measured every step, so the pair sums run eight pairs at a time, in Double.
    public static func measure(_ embeddings: Matrix<Float>, positives: [(Int, Int)]) -> EmbeddingHealth {
        var health = EmbeddingHealth()
        let n = embeddings.rows
        guard n > 0 else { return health }
        let raw = embeddings.converted(to: Double.self).gram()
        var norms = [Double](repeating: 0, count: n)
        for i in 0..<n { norms[i] = raw[i, i].squareRoot() }
        // Cosines from the same Gram matrix (normalize's eps for zero rows), each pair once.
        let scales = norms.map { max($0, 1e-12) }
        func cosine(_ i: Int, _ j: Int) -> Double { raw[i, j] / (scales[i] * scales[j]) }
        health.meanNorm = norms.reduce(0, +) / Double(n)
        if n > 1 {
            let sums = pairSums(raw, scales: scales)
            let pairs = Double(n * (n - 1) / 2)
            health.meanCosine = sums.cosines / pairs
            health.meanDistance = sums.distances / pairs
            health.uniformity = Double.log(sums.uniform / pairs)
        }
        if !positives.isEmpty {
            health.alignment = positives.reduce(0.0) { $0 + max(2 - 2 * cosine($1.0, $1.1), 0) } / Double(positives.count)
        }
        return health
    }

    /// Over the pairs i < j: the cosines, the euclidean distances and exp(-2 · |x̂i - x̂j|²).
    private static func pairSums(_ raw: Matrix<Double>, scales: [Double]) -> (cosines: Double, distances: Double, uniform: Double) {
        let n = raw.rows
        let diagonals = (0..<n).map { raw[$0, $0] }
        var cosines = SIMD8<Double>(), distances = cosines, uniform = cosines
        var cosineTail = 0.0, distanceTail = 0.0, uniformTail = 0.0
        let two = SIMD8<Double>(repeating: 2)
        raw.values.withUnsafeBufferPointer { gram in
            scales.withUnsafeBufferPointer { scale in
                diagonals.withUnsafeBufferPointer { diagonal in
                    let g = gram.baseAddress!, s = scale.baseAddress!, d = diagonal.baseAddress!
                    for i in 0..<(n - 1) {
                        let row = g + i * n
                        let own = SIMD8<Double>(repeating: d[i]), ownScale = SIMD8<Double>(repeating: s[i])
                        var j = i + 1
                        while j + 8 <= n {
                            let product = load(row + j)
                            let c = product / (ownScale * load(s + j))
                            cosines += c
                            distances += atLeastZero(own + load(d + j) - 2 * product).squareRoot()
                            uniform += exponential(-2 * atLeastZero(two - 2 * c))
                            j += 8
                        }
                        while j < n {
                            let c = row[j] / (s[i] * s[j])
                            cosineTail += c
                            distanceTail += max(d[i] + d[j] - 2 * row[j], 0).squareRoot()
                            uniformTail += Double.exp(-2 * max(2 - 2 * c, 0))
                            j += 1
                        }
                    }
                }
            }
        }
        return (cosines.sum() + cosineTail, distances.sum() + distanceTail, uniform.sum() + uniformTail)
    }

    /// max(x, 0) lane by lane (a NaN stays NaN, as Swift's max keeps it).
    @inline(__always)
    private static func atLeastZero(_ x: SIMD8<Double>) -> SIMD8<Double> {
        x.replacing(with: 0, where: x .< 0)
    }

    @inline(__always)
    private static func load(_ pointer: UnsafePointer<Double>) -> SIMD8<Double> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD8<Double>.self)
    }

    /// e^x for -708 < x ≤ 0, within about 2 ulp of libm: x = k·ln 2 + r with |r| ≤ ln 2 / 2,
    /// e^r by its Taylor series to r^13 (the rest is below 10^-17), times 2^k through the
    /// exponent bits.
    @inline(__always)
    static func exponential(_ x: SIMD8<Double>) -> SIMD8<Double> {
        let k = (x * 1.4426950408889634).rounded(.toNearestOrEven)
        let r = (x - k * 0.6931471803691238) - k * 1.9082149292705877e-10
        var p = SIMD8<Double>(repeating: 1.0 / 6227020800)
        p = p * r + 1.0 / 479001600
        p = p * r + 1.0 / 39916800
        p = p * r + 1.0 / 3628800
        p = p * r + 1.0 / 362880
        p = p * r + 1.0 / 40320
        p = p * r + 1.0 / 5040
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        var scale = SIMD8<Double>()
        for lane in 0..<8 { scale[lane] = Double(bitPattern: UInt64(Int64(k[lane]) + 1023) << 52) }
        return p * scale
    }
}
