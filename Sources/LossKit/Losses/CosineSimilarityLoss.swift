/// sentence-transformers' `CosineSimilarityLoss` with its defaults: columns (u, v) and a float
/// score per pair; the mean squared error between cos(u, v) and the score
/// (`torch.cosine_similarity`, eps 1e-8; cos_score_transformation = identity).
public struct CosineSimilarityLoss: EmbeddingLoss {
    public static let className = "CosineSimilarityLoss"
    public static let references = LossReference.allCases
    public static let summary = "cosine regressed onto a score"
    public static let parameters: [LossParameter] = [
        LossParameter("loss_fct", .fixed, default: "MSELoss", "the regression loss (LossLab: MSELoss only)"),
        LossParameter("cos_score_transformation", .fixed, default: "identity", "applied to the cosine first (LossLab: identity only)"),
    ]
    public static let inputSpec = LossInputSpec(columns: 2, labels: .scores)

    public init() {}

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        try settings.fixed("loss_fct") { ["mseloss", "nn.mseloss", "nn.mseloss()", "mseloss()", "mse"].contains($0.lowercased()) }
        try settings.fixed("cos_score_transformation") { ["identity", "nn.identity", "nn.identity()", "identity()"].contains($0.lowercased()) }
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] {
        [("loss_fct", "MSELoss"), ("cos_score_transformation", "identity")]
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let n = batch.columns[0].rows
        let cosine = RowCosine.forward(batch.columns[0], batch.columns[1])
        var total: T = 0
        var dCosine = [T](repeating: 0, count: n)
        var tuples: [MinedTuple] = []
        for i in 0..<n {
            let error = cosine.values[i] - T(batch.labels[i])
            total += error * error
            dCosine[i] = 2 * error / T(n)
            tuples.append(MinedTuple(anchor: i, positive: i, positiveScore: Double(cosine.values[i]),
                                     loss: Double(error * error), label: batch.labels[i]))
        }
        let (du, dv) = cosine.backward(dCosine)
        let active = tuples.filter { $0.loss != 0 }.count
        return LossResult(value: total / T(n), columnGradients: [du, dv],
                          mining: MiningReport(kind: .pair, tuples: tuples, counts: MiningCounts(valid: n, used: n, active: active)))
    }
}
