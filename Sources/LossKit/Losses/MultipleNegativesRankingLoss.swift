/// sentence-transformers' `MultipleNegativesRankingLoss` (InfoNCE with in-batch negatives):
/// columns (anchor, positive, hard negatives...). Every non-anchor row of the batch is a
/// candidate; anchor i's positive is candidate i. Cross-entropy over scale · similarity.
public struct MultipleNegativesRankingLoss: EmbeddingLoss {
    public static let className = "MultipleNegativesRankingLoss"
    public static let references = LossReference.allCases
    public static let summary = "softmax over in-batch candidates (InfoNCE)"
    public static let parameters: [LossParameter] = [
        LossParameter("scale", .number, default: "20", role: .scale, "multiplies the similarities before the softmax (1 / temperature)"),
        LossParameter("similarity_fct", .choice(["cos_sim", "dot_score"]), default: "cos_sim", role: .metric, "util similarity of anchors and candidates")
            .script(.expressions(["cos_sim": "util.cos_sim", "dot_score": "util.dot_score"])),
    ]
    public static let insightView = InsightView.ranking
    public static let usesInBatchNegatives = true
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

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        scale = try settings.double("scale")
        similarity = try settings.choice("similarity_fct", parse: Similarity.parse)
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] {
        [("scale", "\(scale)"), ("similarity_fct", similarity.rawValue)]
    }

    /// (anchors, all candidates) scores, probabilities and their gradient.
    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        let n = Double(rows)
        return 3 * n * n * Double(max(columns - 1, 1)) * Double(scalarBytes)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let anchors = batch.columns[0]
        let candidateColumns = Array(batch.columns.dropFirst())
        let candidates = candidateColumns.count == 1 ? candidateColumns[0] : Matrix.vstack(candidateColumns)
        let n = anchors.rows, m = candidates.rows
        let scale = T(self.scale)

        let a = similarity == .cosSim ? L2Normalization.forward(anchors) : (anchors, [])
        let b = similarity == .cosSim ? L2Normalization.forward(candidates) : (candidates, [])
        // The scale rides on the GEMMs' alpha: no extra passes over the N×M matrices.
        let logits = Matrix.product(a.0, b.0, transposeB: true, alpha: scale)
        let ce = CrossEntropy.evaluate(logits: logits, targets: Array(0..<n), rankTargets: true)
        var dA = Matrix.product(ce.gradient, b.0, alpha: scale)
        var dB = Matrix.product(ce.gradient, transposeA: true, a.0, alpha: scale)
        if similarity == .cosSim {
            dA = L2Normalization.backward(dA, output: a.0, input: anchors, norms: a.1)
            dB = L2Normalization.backward(dB, output: b.0, input: candidates, norms: b.1)
        }
        // Similarities for the report: the logits over the scale (a scale of 0 needs its own product).
        let similarityAt: (Int) -> T
        let unscaled: Matrix<T>? = scale == 0 ? Matrix.product(a.0, b.0, transposeB: true) : nil
        if let unscaled { similarityAt = { unscaled.values[$0] } } else { similarityAt = { logits.values[$0] / scale } }

        // Ranked by the logits (what the softmax sees); the hardest negative is the one the
        // softmax favours most.
        var counts = MiningCounts(valid: n * max(m - 1, 0), used: n)
        let tuples = (0..<n).map { i in
            let rank = ce.ranks[i], best = ce.strongestRivals[i]
            if rank > 1 { counts.hard += 1; counts.active += 1 } else { counts.easy += 1 }
            return MinedTuple(anchor: i, positive: i, negative: best, positiveScore: Double(similarityAt(i * m + i)),
                              negativeScore: best.map { Double(similarityAt(i * m + $0)) },
                              loss: Double(ce.rowLosses[i]), label: Double(rank))
        }
        var report = MiningReport(kind: .ranking, tuples: tuples, counts: counts)
        if logits.count <= MiningReport.scoreLimit {
            report.scores = unscaled.map { $0.values.map(Double.init) } ?? logits.values.map { Double($0 / scale) }
            report.scoreColumns = m
        }
        let candidateGradients = candidateColumns.count == 1 ? [dB] : dB.splitRows(candidateColumns.map(\.rows))
        return LossResult(value: ce.value, columnGradients: [dA] + candidateGradients, mining: report)
    }
}
