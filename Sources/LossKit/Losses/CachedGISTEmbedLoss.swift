/// sentence-transformers 6.2's `CachedGISTEmbedLoss` (GradCache): the value and gradient of
/// `GISTEmbedLoss` computed over `mini_batch_size` anchor rows at a time, with any number of
/// negative columns.
public struct CachedGISTEmbedLoss: EmbeddingLoss {
    public static let className = "CachedGISTEmbedLoss"
    public static let insightView = InsightView.ranking
    public static let usesInBatchNegatives = true
    public static let summary = "GISTEmbedLoss in mini-batches: same value and gradient, a mini-batch of logits at a time"
    public static let parameters: [LossParameter] = Array(GuidedInBatchNegatives.parameterTable.prefix(1)) + [
        LossParameter("mini_batch_size", .wholeNumber(minimum: 1), default: "32", "anchor rows whose logits are held at once"),
        LossParameter("mini_batch_num_tokens", .fixed, default: "none", "mini-batches by token count (LossLab has no tokens: none only)"),
    ] + GuidedInBatchNegatives.parameterTable.dropFirst()
    public static let inputSpec: LossInputSpec = {
        var spec = LossInputSpec(minColumns: 2, maxColumns: nil, labels: .none)
        spec.needsGuide = true
        return spec
    }()

    public var guided: GuidedInBatchNegatives
    public var miniBatchSize: Int

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        guided = try GuidedInBatchNegatives.read(&settings)
        try settings.fixed("mini_batch_num_tokens") { ["none", "null"].contains($0.trimmingCharacters(in: .whitespaces).lowercased()) }
        miniBatchSize = try settings.int("mini_batch_size")
        try settings.finish()
    }

    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss { ScriptLoss.withStartingModelAsGuide(self) }

    public var usesGradientCache: Bool { true }

    public var settings: [(name: String, value: String)] {
        Array(guided.settings.prefix(1)) + [("mini_batch_size", "\(miniBatchSize)"), ("mini_batch_num_tokens", "none")]
            + guided.settings.dropFirst()
    }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        guided.scratchBytes(rows: rows, chunk: miniBatchSize, columns: columns, scalarBytes: scalarBytes)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        try guided.validateGuides(batch, owner: Self.className)
        return guided.compute(batch, chunk: miniBatchSize)
    }
}
