/// sentence-transformers' `MultipleNegativesRankingLoss` (InfoNCE with in-batch negatives):
/// columns (anchor, positive, hard negatives...). Every non-anchor row of the batch is a
/// candidate; anchor i's positive is candidate i. Cross-entropy over scale · similarity.
public struct MultipleNegativesRankingLoss: EmbeddingLoss {
    public static let className = "MultipleNegativesRankingLoss"
    public static let inputSpec = LossInputSpec(minColumns: 2, maxColumns: nil, labels: .none)

    public enum Similarity: String, Sendable {
        /// util.cos_sim: rows normalised (eps 1e-12), then dot products.
        case cosSim = "cos_sim"
        /// util.dot_score: plain dot products.
        case dotScore = "dot_score"

        public static func parse(_ text: String) -> Similarity? {
            let word = text.lowercased().split(separator: ".").last.map(String.init) ?? ""
            switch word {
            case "cos_sim", "cosine", "cos", "pytorch_cos_sim": return .cosSim
            case "dot_score", "dot", "dot_product": return .dotScore
            default: return nil
            }
        }
    }

    public var scale: Double
    public var similarity: Similarity

    public init(scale: Double = 20, similarity: Similarity = .cosSim) {
        self.scale = scale
        self.similarity = similarity
    }

    public init(settings values: [String: String]) throws {
        var settings = LossSettings(values, for: Self.className)
        scale = try settings.double("scale", default: 20)
        similarity = try settings.choice("similarity_fct", default: .cosSim, accepted: "cos_sim, dot_score",
                                         parse: Similarity.parse)
        try settings.finish(accepted: ["scale", "similarity_fct"])
    }

    public var settings: [(name: String, value: String)] {
        [("scale", "\(scale)"), ("similarity_fct", similarity.rawValue)]
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let anchors = batch.columns[0]
        let candidateColumns = Array(batch.columns.dropFirst())
        let candidates = Matrix.vstack(candidateColumns)
        let n = anchors.rows, m = candidates.rows
        let scale = T(self.scale)

        let a = similarity == .cosSim ? L2Normalization.forward(anchors) : (anchors, [])
        let b = similarity == .cosSim ? L2Normalization.forward(candidates) : (candidates, [])
        // The scale rides on the GEMMs' alpha: no extra passes over the N×M matrices.
        var logits = Matrix<T>(zeros: n, m)
        Matrix.multiplyAdd(a.0, b.0, transposeB: true, into: &logits, alpha: scale, beta: 0)
        let ce = CrossEntropy.evaluate(logits: logits, targets: Array(0..<n))
        var dA = Matrix<T>(zeros: n, anchors.cols), dB = Matrix<T>(zeros: m, anchors.cols)
        Matrix.multiplyAdd(ce.gradient, b.0, into: &dA, alpha: scale, beta: 0)
        Matrix.multiplyAdd(ce.gradient, transposeA: true, a.0, into: &dB, alpha: scale, beta: 0)
        if similarity == .cosSim {
            dA = L2Normalization.backward(dA, output: a.0, input: anchors, norms: a.1)
            dB = L2Normalization.backward(dB, output: b.0, input: candidates, norms: b.1)
        }
        // Similarities for the report: the logits over the scale (a scale of 0 needs its own product).
        let similarityAt: (Int) -> T
        let unscaled: Matrix<T>? = scale == 0 ? Matrix.product(a.0, b.0, transposeB: true) : nil
        if let unscaled { similarityAt = { unscaled.values[$0] } } else { similarityAt = { logits.values[$0] / scale } }

        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: n * max(m - 1, 0), used: n)
        // Rank by the logits (what the softmax sees); the hardest negative is the one the
        // softmax favours most.
        logits.values.withUnsafeBufferPointer { z in
            for i in 0..<n {
                let row = z.baseAddress! + i * m
                let positive = row[i]
                var best = -1
                var bestScore = -T.infinity
                var rank = 1
                for j in 0..<m where j != i {
                    let score = row[j]
                    if score > positive { rank += 1 }
                    if best < 0 || score > bestScore { best = j; bestScore = score }
                }
                if rank > 1 { counts.hard += 1; counts.active += 1 } else { counts.easy += 1 }
                tuples.append(MinedTuple(anchor: i, positive: i, negative: best < 0 ? nil : best, positiveScore: Double(similarityAt(i * m + i)),
                                         negativeScore: best < 0 ? nil : Double(similarityAt(i * m + best)),
                                         loss: Double(ce.rowLosses[i]), label: Double(rank)))
            }
        }
        var report = MiningReport(kind: .ranking, tuples: tuples, counts: counts)
        if logits.count <= MiningReport.scoreLimit {
            report.scores = (0..<logits.count).map { Double(similarityAt($0)) }
            report.scoreColumns = m
        }
        return LossResult(value: ce.value, columnGradients: [dA] + dB.splitRows(candidateColumns.map(\.rows)), mining: report)
    }
}
