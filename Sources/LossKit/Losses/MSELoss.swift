import Foundation

/// sentence-transformers' `MSELoss` (knowledge distillation): the mean over every element of
/// (student - teacher)², the labels being the teacher's embeddings.
///
/// 6.2.0 (`EmbedDistillLoss` with the "mse" metric) takes every column: each is compared with
/// its teacher, an (N, W) matrix shared by all columns or one per column (`columnTargets`, from
/// (N, C, W) labels), and the loss is the mean of the columns' losses. With `projection_dim`, a
/// trained linear layer (projection.weight (P, D), projection.bias (P)) maps every column to
/// the teacher's width P first. 1.2.0 compares column 0 alone; the other columns get no gradient.
public struct MSELoss: EmbeddingLoss {
    public static let className = "MSELoss"
    public static let references = LossReference.allCases
    public static let referenceDifference = "6.2.0 averages the loss of every column (1.2.0: column 0 only), takes one teacher per column ((N, C, D) labels) and adds projection_dim, a trained linear map to the teacher's width"
    public static let summary = "student embeddings regressed onto a teacher's"
    public static let parameters: [LossParameter] = [
        LossParameter("projection_dim", .wholeNumber(minimum: 1), default: "none",
                      "a trained nn.Linear(D, projection_dim) maps the student to the teacher's width first")
            .added(in: .v6_2_0),
    ]
    public static let inputSpec = LossInputSpec(minColumns: 1, maxColumns: nil, labels: .teacher)
    public static let ownedWeightNames = TeacherProjection.weightNames

    /// nil: no projection, the teacher is as wide as the student.
    public var projectionDim: Int?
    public var reference: LossReference

    public init(projectionDim: Int? = nil, reference: LossReference = .latest) {
        self.projectionDim = projectionDim
        self.reference = reference
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        self.reference = reference
        var values = values
        if values["projection_dim"]?.trimmingCharacters(in: .whitespaces).lowercased() == "none" { values["projection_dim"] = nil }
        var settings = LossSettings(values, for: Self.self, reference: reference)
        projectionDim = reference >= .v6_2_0
            ? try settings.optionalInt("projection_dim", maximum: TeacherProjection.widest, bound: "LossLab's widest teacher")
            : nil
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] {
        reference >= .v6_2_0 ? [("projection_dim", projectionDim.map { "\($0)" } ?? "none")] : []
    }

    public var weightNames: [String] { projectionDim == nil ? [] : Self.ownedWeightNames }

    public func teacherWidth(dimension: Int) -> Int { projectionDim ?? dimension }

    public func ownedWeightCount(dimension: Int, classes: Int) -> Int {
        projectionDim.map { $0 * (dimension + 1) } ?? 0
    }

    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Float>] {
        TeacherProjection.initialWeights(projectionDim: projectionDim, dimension: dimension, seed: seed)
    }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Double>] {
        TeacherProjection.initialWeights(projectionDim: projectionDim, dimension: dimension, seed: seed)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let n = batch.columns[0].rows, d = batch.columns[0].cols
        // 1.2.0 embeds column 0 alone.
        let compared = reference >= .v6_2_0 ? batch.columns.count : 1
        let teachers = try self.teachers(batch, compared: compared)
        let projection = try self.projection(batch, dimension: d)
        let width = projectionDim ?? d
        if let wrong = teachers.first(where: { $0.cols != width }) {
            let student = projectionDim == nil ? "the embeddings have \(d) columns" : "projection_dim is \(width)"
            throw LossError("MSELoss: the teacher has \(wrong.cols) columns but \(student); they must agree")
        }

        // The mean over columns of each column's mean over its N x width elements.
        let scale = 1 / T(compared * n * width)
        var value: T = 0
        var rowTotals = [T](repeating: 0, count: n)
        var gradients: [Matrix<T>] = []
        var dWeight = projection.map { Matrix<T>(zeros: $0.weight.rows, $0.weight.cols) }
        var dBias = projection.map { Matrix<T>(zeros: 1, $0.weight.rows) }
        var firstStudent: Matrix<T>?
        for c in 0..<compared {
            let column = batch.columns[c]
            let student = projection.map { TeacherProjection.project(column, $0.weight, $0.bias) } ?? column
            if c == 0 { firstStudent = student }
            let error = Self.squaredError(student, teachers[c], gradientScale: 2 * scale)
            value += error.rowTotals.reduce(0, +) / T(n * width)
            for i in 0..<n { rowTotals[i] += error.rowTotals[i] }
            if let projection {
                Matrix.multiplyAdd(error.gradient, transposeA: true, column, into: &dWeight!)
                let sums = error.gradient.columnSums()
                for k in 0..<width { dBias!.values[k] += sums.values[k] }
                gradients.append(Matrix.product(error.gradient, projection.weight))
            } else {
                gradients.append(error.gradient)
            }
        }
        for c in compared..<batch.columns.count {
            gradients.append(Matrix(zeros: batch.columns[c].rows, batch.columns[c].cols))
        }
        var parameterGradients: [String: Matrix<T>] = [:]
        if let dWeight, let dBias { parameterGradients = [TeacherProjection.weightName: dWeight, TeacherProjection.biasName: dBias] }

        let tuples = rowTotals.enumerated().map { i, total in
            let mean = Double(total) / Double(compared)
            return MinedTuple(anchor: i, positive: i, positiveScore: mean.squareRoot(), loss: mean)
        }
        let counts = MiningCounts(valid: n, used: n, active: tuples.filter { $0.loss != 0 }.count)
        var report = MiningReport(kind: .item, tuples: tuples, counts: counts)
        if batch.explain, let firstStudent {
            report.distillation = DistillationReport.pairCosines(student: firstStudent, teacher: teachers[0], measure: "squared error",
                                                                 rowDivergence: tuples.map(\.loss))
            report.namedCounts = report.distillation!.metrics
        }
        return LossResult(value: value / T(compared), columnGradients: gradients, parameterGradients: parameterGradients, mining: report)
    }

    /// Column c's teacher for each compared column.
    private func teachers<T: Scalar>(_ batch: LossBatch<T>, compared: Int) throws -> [Matrix<T>] {
        if batch.columnTargets != nil && reference < .v6_2_0 {
            throw LossError("MSELoss: one teacher per column (rows x columns x width labels) is new in sentence-transformers 6.2.0; reference \(reference.rawValue) takes a teacher matrix (rows x width) for column 0 (set reference=\(LossReference.latest.rawValue))")
        }
        return try TeacherProjection.teachers(batch, compared: compared, owner: Self.className)
    }

    private func projection<T: Scalar>(_ batch: LossBatch<T>, dimension d: Int) throws -> (weight: Matrix<T>, bias: Matrix<T>)? {
        try TeacherProjection.read(batch, dimension: d, projectionDim: projectionDim, owner: Self.className)
    }

    /// gradientScale · (student - teacher) and each row's Σ (student - teacher)², in one pass.
    private static func squaredError<T: Scalar>(_ student: Matrix<T>, _ teacher: Matrix<T>, gradientScale: T)
        -> (gradient: Matrix<T>, rowTotals: [T]) {
        let n = student.rows, d = student.cols
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
        return (Matrix(rows: n, cols: d, values: values), rowTotals)
    }
}
