/// sentence-transformers 6.2's `GISTEmbedLoss`: in-batch negatives whose guide model removes the
/// candidates it rates above the positive (probable false negatives); see `GuidedInBatchNegatives`.
/// Columns: (anchor, positive[, negative]); `LossBatch.guides` holds the guide's embeddings.
public struct GISTEmbedLoss: EmbeddingLoss {
    public static let className = "GISTEmbedLoss"
    public static let insightView = InsightView.ranking
    public static let usesInBatchNegatives = true
    public static let summary = "InfoNCE whose guide model masks probable false negatives"
    public static let parameters: [LossParameter] = GuidedInBatchNegatives.parameterTable
    public static let inputSpec: LossInputSpec = {
        var spec = LossInputSpec(minColumns: 2, maxColumns: 3, labels: .none)
        spec.needsGuide = true
        return spec
    }()

    public var guided: GuidedInBatchNegatives

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        guided = try GuidedInBatchNegatives.read(&settings)

        try settings.finish()
    }

    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss { ScriptLoss.withStartingModelAsGuide(self) }

    public var settings: [(name: String, value: String)] {
        guided.settings
    }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        guided.scratchBytes(rows: rows, chunk: rows, columns: columns, scalarBytes: scalarBytes)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        try guided.validateGuides(batch, owner: Self.className)
        return guided.compute(batch, chunk: batch.columns[0].rows)
    }
}
