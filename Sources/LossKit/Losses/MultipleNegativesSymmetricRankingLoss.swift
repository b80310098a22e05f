/// sentence-transformers 6.2's `MultipleNegativesSymmetricRankingLoss` (deprecated there):
/// `MultipleNegativesRankingLoss` with directions query_to_doc and doc_to_query, one softmax
/// each, averaged. Hard-negative columns enter the query_to_doc softmax (the reference's
/// docstring says they are ignored; its code uses them).
public struct MultipleNegativesSymmetricRankingLoss: EmbeddingLoss {
    public static let className = "MultipleNegativesSymmetricRankingLoss"
    public static let insightView = InsightView.ranking
    public static let usesInBatchNegatives = true
    public static let summary = "InfoNCE both ways: anchor → candidates and positive → anchors, averaged"
    public static let parameters = InBatchRanking.symmetricParameters
    public static let inputSpec = LossInputSpec(minColumns: 2, maxColumns: nil, labels: .none)

    public var ranking: InBatchRanking

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        ranking = try InBatchRanking.read(&settings, owner: Self.className, symmetric: true)
        try settings.finish()
    }

    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss { ScriptLoss.symmetricAsDirections(self) }

    public var settings: [(name: String, value: String)] { ranking.symmetricSettings }

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

extension MultipleNegativesSymmetricRankingLoss: CosineMatrixLoss {
    var cosineRanking: InBatchRanking? { ranking.readsOnlyCosines ? ranking : nil }
}
