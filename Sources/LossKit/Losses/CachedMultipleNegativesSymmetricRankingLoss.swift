/// sentence-transformers 6.2's `CachedMultipleNegativesSymmetricRankingLoss` (deprecated there): the
/// value and gradient of `MultipleNegativesSymmetricRankingLoss`, computed over
/// `mini_batch_size` rows at a time, so its logits never exist for more than one mini-batch.
public struct CachedMultipleNegativesSymmetricRankingLoss: EmbeddingLoss {
    public static let className = "CachedMultipleNegativesSymmetricRankingLoss"
    public static let insightView = InsightView.ranking
    public static let usesInBatchNegatives = true
    public static let summary = "MultipleNegativesSymmetricRankingLoss in mini-batches: same value and gradient, a mini-batch of logits at a time"
    public static let parameters: [LossParameter] = InBatchRanking.symmetricParameters.prefix(2) + InBatchRanking.cachedParameters
        + InBatchRanking.symmetricParameters.dropFirst(2)
    public static let inputSpec = LossInputSpec(minColumns: 2, maxColumns: nil, labels: .none)

    public var ranking: InBatchRanking
    public var miniBatchSize: Int

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        ranking = try InBatchRanking.read(&settings, owner: Self.className, symmetric: true)
        miniBatchSize = try InBatchRanking.readCached(&settings)
        try settings.finish()
    }

    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss { ScriptLoss.symmetricAsDirections(self) }

    public var usesGradientCache: Bool { true }

    public var settings: [(name: String, value: String)] {
        Array(ranking.symmetricSettings.prefix(2)) + [("mini_batch_size", "\(miniBatchSize)"), ("mini_batch_num_tokens", "none")]
            + ranking.symmetricSettings.dropFirst(2)
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
