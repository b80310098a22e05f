/// sentence-transformers' `MSELoss` (knowledge distillation): the mean over every element of
/// (student - teacher)², where column 0 is the student's embeddings and the labels are the
/// teacher's embedding matrix of the same shape.
public struct MSELoss: EmbeddingLoss {
    public static let className = "MSELoss"
    public static let references = LossReference.allCases
    public static let summary = "student embeddings regressed onto a teacher's"
    public static let parameters: [LossParameter] = []
    public static let inputSpec = LossInputSpec(columns: 1, labels: .teacher)

    public init() {}

    public init(settings values: [String: String], reference: LossReference) throws {
        try LossSettings(values, for: Self.self, reference: reference).finish()
    }

    public var settings: [(name: String, value: String)] { [] }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let student = batch.columns[0]
        let teacher = batch.targets!
        let count = T(student.count)
        let n = student.rows, d = student.cols
        let gradientScale = 2 / count
        var rowTotals = [T](repeating: 0, count: n)
        // Every gradient entry is written below, so the storage starts uninitialised.
        let values = [T](unsafeUninitializedCapacity: n * d) { gv, initialized in
            student.values.withUnsafeBufferPointer { sv in
                teacher.values.withUnsafeBufferPointer { tv in
                    rowTotals.withUnsafeMutableBufferPointer { rv in
                        let s = SharedReadPointer(sv), t = SharedReadPointer(tv), g = SharedPointer(gv), totals = SharedPointer(rv)
                        ParallelRows.run(rows: n, elementsPerRow: d) { rows in
                            for i in rows {
                                let sr = s.base + i * d, tr = t.base + i * d, gr = g.base + i * d
                                for k in 0..<d { gr[k] = gradientScale * (sr[k] - tr[k]) }
                                totals[i] = VectorKernels.squaredDistance(sr, tr, shift: 0, count: d)
                            }
                        }
                    }
                }
            }
            initialized = n * d
        }
        let gradient = Matrix(rows: n, cols: d, values: values)
        let total = rowTotals.reduce(0, +)
        let tuples = rowTotals.enumerated().map { i, rowTotal in
            MinedTuple(anchor: i, positive: i, positiveScore: Double(rowTotal.squareRoot()), loss: Double(rowTotal))
        }
        let counts = MiningCounts(valid: student.rows, used: student.rows, active: tuples.filter { $0.loss != 0 }.count)
        return LossResult(value: total / count, columnGradients: [gradient],
                          mining: MiningReport(kind: .item, tuples: tuples, counts: counts))
    }
}
