/// sentence-transformers' `ContrastiveTensionLossInBatchNegatives`: model 1 (column 0, a copy
/// of the model made when the loss is built) and model 2 (column 1, the model itself) embed the
/// same sentences; every sentence's two embeddings are a positive pair and the batch's other
/// sentences its negatives. The logits are similarity_fct(a, b) · exp(logit_scale), and the
/// loss is the mean of the cross-entropy over the rows and over the columns. `logit_scale` is
/// a trained 0-d parameter starting at log(scale), held in float32 as the reference makes it.
public struct ContrastiveTensionLossInBatchNegatives: EmbeddingLoss {
    public static let className = "ContrastiveTensionLossInBatchNegatives"
    public static let summary = "two encoders of the same sentences, each the other's positive, the batch's rest negatives (trained scale)"
    public static let parameters: [LossParameter] = [
        LossParameter("scale", .number, default: "20", role: .scale, "the starting exp(logit_scale), which is then trained"),
        LossParameter("similarity_fct", .choice(MatrixSimilarity.allCases.map(\.rawValue)), default: "cos_sim", role: .metric,
                      "util similarity of every row of one encoder with every row of the other")
            .script(.expressions(Dictionary(uniqueKeysWithValues: MatrixSimilarity.allCases.map { ($0.rawValue, "util." + $0.rawValue) }))),
    ]
    public static let inputSpec: LossInputSpec = {
        var spec = LossInputSpec(columns: 2, labels: .none)
        spec.embedsColumnZeroWithModelCopy = true
        spec.feedsColumnZeroToBothModels = true
        return spec
    }()
    public static let insightView = InsightView.ranking
    public static let usesInBatchNegatives = true
    public static let references = LossReference.allCases
    public static let referenceDifference = "the same on embeddings; 1.2.0 embeds two text columns (one per model), 6.2.0 feeds column 0 to both models"
    public static let ownedWeightNames = [logitScaleName]
    public static let logitScaleName = "logit_scale"

    public var scale: Double
    public var similarity: MatrixSimilarity

    public init(scale: Double = 20, similarity: MatrixSimilarity = .cosSim) {
        self.scale = scale
        self.similarity = similarity
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        scale = try settings.double("scale")
        similarity = try settings.choice("similarity_fct", parse: MatrixSimilarity.parse)
        try settings.finish()
        if !(scale > 0) { throw LossError("\(Self.className): scale must be positive (logit_scale starts at log(scale)), got \(scale)") }
    }

    public var settings: [(name: String, value: String)] { [("scale", "\(scale)"), ("similarity_fct", similarity.rawValue)] }

    public func storedShape(ofWeight name: String, rows: Int, cols: Int) -> [Int] { [] }
    public func ownedWeightCount(dimension: Int, classes: Int) -> Int { 1 }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Float>] { initialScale() }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Double>] { initialScale() }

    /// log(scale), rounded to float32 as `torch.ones([]) * np.log(scale)` makes it.
    func initialScale<T: Scalar>() -> [String: Matrix<T>] {
        [Self.logitScaleName: Matrix(rows: 1, cols: 1, values: [T(Float(Double.log(scale)))])]
    }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        // The logits, both softmax gradients and the similarity matrix.
        4 * Double(rows) * Double(rows) * Double(scalarBytes)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let logitScale = try Self.logitScale(batch)
        let multiplier = T.exp(logitScale)
        let a = similarity.prepare(batch.columns[0]), b = similarity.prepare(batch.columns[1])
        let n = a.rows.rows
        // GEMM's alpha scales each sum once, as multiplying the similarity by the scale does.
        let logits = similarity.scores(a.rows, b.rows, alpha: multiplier)
        // Rows and columns in one pass over the logits, each direction's gradient already divided
        // by 2n: dL/dlogits = (the rows' gradient + the columns' gradient transposed) / 2.
        let both = CrossEntropy.symmetric(logits: logits, meanOver: 2 * n, dotWithLogits: true)
        let dLogits = both.gradient
        let dLogitScale = both.gradientDotLogits
        let (da, db) = similarity.backward(dLogits, a.rows, b.rows, alpha: multiplier)
        let value = both.rowLosses.reduce(0, +) / T(2 * n) + both.columnLosses.reduce(0, +) / T(2 * n)

        let tuples = (0..<n).map { i in
            MinedTuple(anchor: i, positive: i, positiveScore: Double(logits[i, i]) / Double(multiplier),
                       loss: Double((both.rowLosses[i] + both.columnLosses[i]) / 2))
        }
        var report = MiningReport(kind: .ranking, tuples: tuples,
                                  counts: MiningCounts(valid: n, used: n, active: both.ranks.filter { $0 > 1 }.count))
        // Only the views read the scores (the softmax inspector); eval and bench go without.
        if batch.explain && n * n <= MiningReport.scoreLimit {
            report.scores = logits.values.map { Double($0) / Double(multiplier) }
            report.scoreColumns = n
        }
        return LossResult(value: value, columnGradients: [similarity.finish(da, a), similarity.finish(db, b)],
                          parameterGradients: [Self.logitScaleName: Matrix(rows: 1, cols: 1, values: [dLogitScale])],
                          mining: report)
    }

    private static func logitScale<T: Scalar>(_ batch: LossBatch<T>) throws -> T {
        guard let weight = batch.parameters[logitScaleName] else {
            throw LossError("\(className) needs its trained \(logitScaleName) (a 0-d value; log(scale) at the start)")
        }
        guard weight.count == 1 else {
            throw LossError("\(className): \(logitScaleName) is one number (a 0-d array), got \(weight.rows) x \(weight.cols)")
        }
        return weight.values[0]
    }
}
