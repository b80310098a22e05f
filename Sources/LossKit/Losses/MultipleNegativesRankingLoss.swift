/// sentence-transformers 6.2's `MultipleNegativesRankingLoss` (InfoNCE with in-batch
/// negatives): columns (anchor, positive, hard negatives...). Every non-anchor row of the batch
/// is a candidate; anchor i's positive is candidate i. Cross-entropy over scale · similarity,
/// optionally with the reverse and same-side directions and a hardness penalty
/// (see `InBatchRanking`).
public struct MultipleNegativesRankingLoss: EmbeddingLoss {
    public static let className = "MultipleNegativesRankingLoss"
    public static let summary = "softmax over in-batch candidates (InfoNCE); directions, per-direction partitions, hardness"
    public static let parameters = InBatchRanking.rankingParameters
    public static let inputSpec = LossInputSpec(minColumns: 2, maxColumns: nil, labels: .none)

    public var ranking: InBatchRanking
    public var scale: Double { ranking.scale }
    public var similarity: MatrixSimilarity { ranking.similarity }

    public init(_ ranking: InBatchRanking = InBatchRanking()) { self.ranking = ranking }

    public init(settings values: [String: String]) throws {
        var settings = LossSettings(values, for: Self.self)
        ranking = try InBatchRanking.read(&settings, owner: Self.className, symmetric: false)
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] { ranking.rankingSettings }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        ranking.scratchBytes(rows: rows, chunk: rows, columns: columns, scalarBytes: scalarBytes)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        return ranking.compute(batch, chunk: batch.columns[0].rows)
    }
}
