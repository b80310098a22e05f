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
    public static func measure(_ embeddings: Matrix<Float>, positives: [(Int, Int)]) -> EmbeddingHealth {
        var health = EmbeddingHealth()
        let n = embeddings.rows
        guard n > 0 else { return health }
        let raw = embeddings.converted(to: Double.self).gram()
        var norms = [Double](repeating: 0, count: n)
        for i in 0..<n { norms[i] = raw[i, i].squareRoot() }
        // Cosines from the same Gram matrix (normalize's eps for zero rows), each pair once.
        func cosine(_ i: Int, _ j: Int) -> Double { raw[i, j] / (max(norms[i], 1e-12) * max(norms[j], 1e-12)) }
        health.meanNorm = norms.reduce(0, +) / Double(n)
        if n > 1 {
            let sums = GramPairSums.of(gram: raw, norms: norms)
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
}
