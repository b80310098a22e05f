/// sentence-transformers 6.2's `AnglELoss`: CoSENTLoss with the angle similarity
/// (`util.pairwise_angle_sim`). With three or more columns (anchor, positive, negatives...)
/// every candidate column becomes pairs with the anchors: the first with the labels (all 1 when
/// there are none), each further one with 1 − label, computed in float32 as the reference does,
/// which decides which pairs tie.
public struct AnglELoss: EmbeddingLoss {
    public static let className = "AnglELoss"
    public static let summary = "CoSENT on the angle between pairs read as complex vectors"
    public static let parameters: [LossParameter] = [
        LossParameter("scale", .number, default: "20", role: .scale, "multiplies the similarities (1 / temperature)"),
    ]
    public static let inputSpec: LossInputSpec = {
        var spec = LossInputSpec(minColumns: 2, maxColumns: nil, labels: .scores)
        spec.labelsOptionalFrom = 3
        return spec
    }()

    public var scale: Double

    public init(scale: Double = 20) {
        self.scale = scale
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        scale = try settings.double("scale")
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] { [("scale", "\(scale)")] }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let anchors = batch.columns[0]
        let candidates = Array(batch.columns.dropFirst())
        let n = anchors.rows, m = candidates.count
        if batch.labels.isEmpty && m == 1 { throw LossError("AnglELoss needs scores (labels) for pairs; only three or more columns may come without") }
        let given = batch.labels.isEmpty ? [Double](repeating: 1, count: n) : batch.labels
        // Pairs column by column: (anchor_i, candidate_k_i), labels l then 1 − l (float32).
        var labels = given
        for _ in 1..<max(m, 1) { labels += given.map { Double(Float(1) - Float($0)) } }
        let left = m == 1 ? anchors : Matrix.vstack([Matrix](repeating: anchors, count: m))
        let right = m == 1 ? candidates[0] : Matrix.vstack(candidates)

        let similarities = PairwiseSimilarity.angleSim.forward(left, right)
        let ranking = LabelRanking(labels: labels, scores: similarities.map { T(scale) * $0 })
        let (dLeft, dRight) = PairwiseSimilarity.angleSim.backward(left, right, ranking.gradient().map { T(scale) * $0 })
        // The anchors appear once per candidate column: their gradient is the sum over the blocks.
        let blocks = m == 1 ? [dLeft] : dLeft.splitRows([Int](repeating: n, count: m))
        let dAnchors = blocks.dropFirst().reduce(blocks[0]) { $0.adding($1) }
        let dCandidates = m == 1 ? [dRight] : dRight.splitRows([Int](repeating: n, count: m))

        let tuples = (0..<(n * m)).map { p in
            MinedTuple(anchor: p % n, positive: p, positiveScore: Double(similarities[p]), loss: Double(ranking.inversionShare(p)),
                       label: labels[p])
        }
        let active = tuples.filter { $0.loss > 0 }.count
        var report = MiningReport(kind: .pair, tuples: tuples, counts: MiningCounts(valid: n * m, used: n * m, active: active))
        if batch.explain { ranking.explainInversions(in: &report) }
        return LossResult(value: ranking.loss, columnGradients: [dAnchors] + dCandidates, mining: report)
    }
}
