/// sentence-transformers' `CosineSimilarityLoss` with its defaults: columns (u, v) and a float
/// score per pair; the mean squared error between cos(u, v) and the score
/// (`torch.cosine_similarity`, eps 1e-8; cos_score_transformation = identity).
public struct CosineSimilarityLoss: EmbeddingLoss {
    public static let className = "CosineSimilarityLoss"
    public static let inputSpec = LossInputSpec(columns: 2, labels: .scores)

    public init() {}

    public init(settings values: [String: String]) throws {
        var settings = LossSettings(values, for: Self.className)
        _ = try settings.choice("loss_fct", default: true, accepted: "MSELoss") { text in
            ["mseloss", "nn.mseloss", "nn.mseloss()", "mseloss()", "mse"].contains(text.lowercased()) ? true : nil
        }
        _ = try settings.choice("cos_score_transformation", default: true, accepted: "identity") { text in
            ["identity", "nn.identity", "nn.identity()", "identity()"].contains(text.lowercased()) ? true : nil
        }
        try settings.finish(accepted: ["loss_fct (MSELoss)", "cos_score_transformation (identity)"])
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
