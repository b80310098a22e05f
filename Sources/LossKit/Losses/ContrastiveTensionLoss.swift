import RealModule

/// sentence-transformers' `ContrastiveTensionLoss`: two encoders embed the two sentences of each
/// pair (column 0 by model 1, a copy of the model made when the loss is built; column 1 by
/// model 2, the model itself, the one kept for inference). The score is the dot product of
/// the two embeddings and the loss the sum over pairs of the binary cross-entropy of its
/// sigmoid against the label: 1 for a sentence paired with itself, 0 for two different ones.
public struct ContrastiveTensionLoss: EmbeddingLoss {
    public static let className = "ContrastiveTensionLoss"
    public static let summary = "two encoders' dot product of a sentence pair, a summed binary cross-entropy (same 1 / different 0)"
    public static let parameters: [LossParameter] = []
    public static let inputSpec: LossInputSpec = {
        var spec = LossInputSpec(columns: 2, labels: .binary)
        spec.embedsColumnZeroWithModelCopy = true
        return spec
    }()
    public static let references = LossReference.allCases
    public static let referenceDifference = "the same on embeddings; 6.2.0 also makes the labels from the tokens when none are given (identical sentences: 1)"

    public init() {}

    public init(settings values: [String: String], reference: LossReference) throws {
        try LossSettings(values, for: Self.self, reference: reference).finish()
    }

    public var settings: [(name: String, value: String)] { [] }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let a = batch.columns[0], b = batch.columns[1]
        let n = a.rows
        let scores = PairwiseSimilarity.dotScore.forward(a, b)
        var total: T = 0
        var rowLosses = [T](repeating: 0, count: n)
        var dScores = [T](repeating: 0, count: n)
        for i in 0..<n {
            let s = scores[i], y = T(batch.labels[i])
            // max(s, 0) − s·y + log(1 + e^−|s|): BCEWithLogitsLoss without overflow.
            rowLosses[i] = max(s, 0) - s * y + T.log(onePlus: T.exp(-abs(s)))
            total += rowLosses[i]
            dScores[i] = 1 / (1 + T.exp(-s)) - y
        }
        let (da, db) = PairwiseSimilarity.dotScore.backward(a, b, dScores)
        let tuples = (0..<n).map { i in
            MinedTuple(anchor: i, positive: i, positiveScore: Double(scores[i]), loss: Double(rowLosses[i]), label: batch.labels[i])
        }
        let active = tuples.filter { $0.loss > 0 }.count
        return LossResult(value: total, columnGradients: [da, db],
                          mining: MiningReport(kind: .pair, tuples: tuples, counts: MiningCounts(valid: n, used: n, active: active)))
    }
}
