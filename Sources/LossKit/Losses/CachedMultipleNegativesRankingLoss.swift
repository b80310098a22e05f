/// sentence-transformers 6.2's `CachedMultipleNegativesRankingLoss` (GradCache): the value and gradient
/// of `MultipleNegativesRankingLoss` with the same settings, computed over `mini_batch_size` query
/// rows at a time, so the (rows, candidates) logits never exist for more than one mini-batch.
/// (LossLab's embeddings are the leaves, so GradCache's second, gradient-carrying embedding
/// pass is the plain chain rule here.)
public struct CachedMultipleNegativesRankingLoss: EmbeddingLoss {
    public static let className = "CachedMultipleNegativesRankingLoss"
    public static let insightView = InsightView.ranking
    public static let usesInBatchNegatives = true
    public static let summary = "MultipleNegativesRankingLoss in mini-batches: same value and gradient, a mini-batch of logits at a time"
    public static let parameters: [LossParameter] = InBatchRanking.rankingParameters.prefix(2) + InBatchRanking.cachedParameters
        + InBatchRanking.rankingParameters.dropFirst(2)
    public static let inputSpec = LossInputSpec(minColumns: 2, maxColumns: nil, labels: .none)

    public var ranking: InBatchRanking
    public var miniBatchSize: Int

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        ranking = try InBatchRanking.read(&settings, owner: Self.className, symmetric: false)
        miniBatchSize = try InBatchRanking.readCached(&settings)
        try settings.finish()
    }

    public var usesGradientCache: Bool { true }

    public var settings: [(name: String, value: String)] {
        Array(ranking.rankingSettings.prefix(2)) + [("mini_batch_size", "\(miniBatchSize)"), ("mini_batch_num_tokens", "none")]
            + ranking.rankingSettings.dropFirst(2)
    }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        ranking.scratchBytes(rows: rows, chunk: miniBatchSize, columns: columns, scalarBytes: scalarBytes)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        return ranking.compute(batch, chunk: miniBatchSize)
    }
}
