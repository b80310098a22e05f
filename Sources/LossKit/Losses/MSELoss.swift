/// sentence-transformers' `MSELoss` (knowledge distillation): the mean over every element of
/// (student - teacher)², where column 0 is the student's embeddings and the labels are the
/// teacher's embedding matrix of the same shape.
public struct MSELoss: EmbeddingLoss {
    public static let className = "MSELoss"
    public static let inputSpec = LossInputSpec(columns: 1, labels: .teacher)

    public init() {}

    public init(settings values: [String: String]) throws {
        try LossSettings(values, for: Self.className).finish(accepted: [])
    }

    public var settings: [(name: String, value: String)] { [] }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let student = batch.columns[0]
        let teacher = batch.targets!
        let count = T(student.count)
        var gradient = student
        var total: T = 0
        var tuples: [MinedTuple] = []
        for i in 0..<student.rows {
            var rowTotal: T = 0
            for k in 0..<student.cols {
                let error = student[i, k] - teacher[i, k]
                rowTotal += error * error
                gradient[i, k] = 2 * error / count
            }
            total += rowTotal
            tuples.append(MinedTuple(anchor: i, positive: i, positiveScore: Double(rowTotal.squareRoot()), loss: Double(rowTotal)))
        }
        let counts = MiningCounts(valid: student.rows, used: student.rows, active: tuples.filter { $0.loss != 0 }.count)
        return LossResult(value: total / count, columnGradients: [gradient],
                          mining: MiningReport(kind: .item, tuples: tuples, counts: counts))
    }
}
