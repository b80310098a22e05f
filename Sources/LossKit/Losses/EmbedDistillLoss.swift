/// sentence-transformers 6.2's `EmbedDistillLoss`: every column's embeddings pulled onto a
/// teacher's embeddings of the same texts, one (B, d_t) matrix for every column or one per
/// column ((B, n_cols, d_t) labels). Per column the distance is the mean squared error over all
/// elements ("mse"), the mean over rows of ‖s − t‖₂ ("l2") or the mean of 1 − cos(s, t)
/// ("cosine", torch's cosine_similarity: each norm clamped at 1e-8); the loss is the mean over
/// the columns. With `projection_dim` a trained nn.Linear (projection.weight (P, D),
/// projection.bias (P)) maps the student to the teacher's width first (`TeacherProjection`).
/// With "mse" it is the regression of sentence-transformers' MSELoss.
public struct EmbedDistillLoss: EmbeddingLoss {
    public static let className = "EmbedDistillLoss"
    public static let summary = "student embeddings pulled onto a teacher's (mse, l2 or cosine distance)"
    public static let parameters: [LossParameter] = [
        LossParameter("distance_metric", .choice(Metric.allCases.map(\.rawValue)), default: "cosine", role: .metric,
                      "how far each student embedding is from its teacher's"),
        LossParameter("projection_dim", .wholeNumber(minimum: 1), default: "none",
                      "a trained nn.Linear(D, projection_dim) maps the student to the teacher's width first"),
    ]
    public static let inputSpec = LossInputSpec(minColumns: 1, maxColumns: nil, labels: .teacher)
    public static let ownedWeightNames = TeacherProjection.weightNames

    public enum Metric: String, Sendable, CaseIterable {
        case mse, l2, cosine
    }

    public var metric: Metric
    public var projectionDim: Int?

    public init(metric: Metric = .cosine, projectionDim: Int? = nil) {
        self.metric = metric
        self.projectionDim = projectionDim
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var values = values
        if values["projection_dim"]?.trimmingCharacters(in: .whitespaces).lowercased() == "none" { values["projection_dim"] = nil }
        var settings = LossSettings(values, for: Self.self, reference: reference)
        metric = try settings.choice("distance_metric") { Metric(rawValue: $0.trimmingCharacters(in: .whitespaces).lowercased()) }
        projectionDim = try settings.optionalInt("projection_dim", maximum: TeacherProjection.widest, bound: "LossLab's widest teacher")
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] {
        [("distance_metric", metric.rawValue), ("projection_dim", projectionDim.map { "\($0)" } ?? "none")]
    }

    public var weightNames: [String] { projectionDim == nil ? [] : Self.ownedWeightNames }
    public func teacherWidth(dimension: Int) -> Int { projectionDim ?? dimension }
    public func ownedWeightCount(dimension: Int, classes: Int) -> Int { projectionDim.map { $0 * (dimension + 1) } ?? 0 }
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
        let columns = batch.columns.count
        let n = batch.columns[0].rows, d = batch.columns[0].cols
        let teachers = try TeacherProjection.teachers(batch, compared: columns, owner: Self.className)
        let projection = try TeacherProjection.read(batch, dimension: d, projectionDim: projectionDim, owner: Self.className)
        let width = projectionDim ?? d
        if let wrong = teachers.first(where: { $0.cols != width }) {
            let student = projectionDim == nil ? "the embeddings have \(d) columns" : "projection_dim is \(width)"
            throw LossError("\(Self.className): the teacher has \(wrong.cols) columns but \(student); they must agree")
        }

        var value: T = 0
        var rowTotals = [T](repeating: 0, count: n)
        var gradients: [Matrix<T>] = []
        var dWeight = projection.map { Matrix<T>(zeros: $0.weight.rows, $0.weight.cols) }
        var dBias = projection.map { Matrix<T>(zeros: 1, $0.weight.rows) }
        // Each column's loss enters the mean over columns with weight 1 / columns.
        let columnWeight = 1 / T(columns)
        var firstStudent: Matrix<T>?
        for c in 0..<columns {
            let column = batch.columns[c]
            let student = projection.map { TeacherProjection.project(column, $0.weight, $0.bias) } ?? column
            if c == 0 { firstStudent = student }
            let distance = distances(student, teachers[c], upstream: columnWeight)
            value += distance.rows.reduce(0, +) * columnWeight * (metric == .mse ? 1 / T(n * width) : 1 / T(n))
            for i in 0..<n { rowTotals[i] += distance.rows[i] * columnWeight }
            if let projection {
                Matrix.multiplyAdd(distance.gradient, transposeA: true, column, into: &dWeight!)
                let sums = distance.gradient.columnSums()
                for k in 0..<width { dBias!.values[k] += sums.values[k] }
                gradients.append(Matrix.product(distance.gradient, projection.weight))
            } else {
                gradients.append(distance.gradient)
            }
        }
        var parameterGradients: [String: Matrix<T>] = [:]
        if let dWeight, let dBias { parameterGradients = [TeacherProjection.weightName: dWeight, TeacherProjection.biasName: dBias] }

        let tuples = rowTotals.enumerated().map { i, total in
            MinedTuple(anchor: i, positive: i, positiveScore: Double(total), loss: Double(total))
        }
        let counts = MiningCounts(valid: n, used: n, active: tuples.filter { $0.loss != 0 }.count)
        var report = MiningReport(kind: .item, tuples: tuples, counts: counts)
        if batch.explain, let firstStudent {
            let measure = ["mse": "squared error", "l2": "l2 distance", "cosine": "cosine distance"][metric.rawValue]!
            report.distillation = DistillationReport.pairCosines(student: firstStudent, teacher: teachers[0], measure: measure,
                                                                 rowDivergence: tuples.map(\.loss))
            report.namedCounts = report.distillation!.metrics
        }
        return LossResult(value: value, columnGradients: gradients, parameterGradients: parameterGradients, mining: report)
    }

    /// Per row: Σ (s − t)² (mse), ‖s − t‖ (l2) or 1 − cos (cosine); and the gradient of the
    /// column's loss times `upstream` with respect to the student.
    private func distances<T: Scalar>(_ student: Matrix<T>, _ teacher: Matrix<T>, upstream: T) -> (gradient: Matrix<T>, rows: [T]) {
        let n = student.rows, d = student.cols
        var rows = [T](repeating: 0, count: n)
        let metric = self.metric
        let values = [T](unsafeUninitializedCapacity: n * d) { gv, initialized in
            student.values.withUnsafeBufferPointer { sv in
                teacher.values.withUnsafeBufferPointer { tv in
                    rows.withUnsafeMutableBufferPointer { rv in
                        let s = SharedReadPointer(sv), t = SharedReadPointer(tv), g = SharedPointer(gv), out = SharedPointer(rv)
                        ParallelRows.run(rows: n, elementsPerRow: 3 * d) { range in
                            for i in range {
                                out[i] = Self.row(metric, s.base + i * d, t.base + i * d, d: d, n: n, upstream: upstream, g.base + i * d)
                            }
                        }
                    }
                }
            }
            initialized = n * d
        }
        return (Matrix(rows: n, cols: d, values: values), rows)
    }

    /// One row's distance, writing its gradient into `g`.
    private static func row<T: Scalar>(_ metric: Metric, _ s: UnsafePointer<T>, _ t: UnsafePointer<T>, d: Int, n: Int,
                                       upstream: T, _ g: UnsafeMutablePointer<T>) -> T {
        switch metric {
        case .mse:
            let scale = 2 * upstream / T(n * d)
            for k in 0..<d { g[k] = scale * (s[k] - t[k]) }
            return VectorKernels.squaredDistance(s, t, shift: 0, count: d)
        case .l2:
            let distance = VectorKernels.squaredDistance(s, t, shift: 0, count: d).squareRoot()
            // The gradient of a norm at 0 is 0, as torch has it.
            let scale = distance > 0 ? upstream / (T(n) * distance) : 0
            for k in 0..<d { g[k] = scale * (s[k] - t[k]) }
            return distance
        case .cosine:
            // cos = Σ (s / max(‖s‖, eps)) · (t / max(‖t‖, eps)); the clamp is straight-through,
            // so the gradient through ‖s‖ is kept wherever ‖s‖ > 0.
            let epsilon = T(1e-8)
            let sNorm = VectorKernels.sumOfSquares(s, count: d).squareRoot()
            let tNorm = VectorKernels.sumOfSquares(t, count: d).squareRoot()
            let sClamped = max(sNorm, epsilon), tClamped = max(tNorm, epsilon)
            let cosine = VectorKernels.dot(s, t, count: d) / (sClamped * tClamped)
            let outer = -upstream / T(n)
            let radial = sNorm > 0 ? cosine / (sClamped * sNorm) : 0
            for k in 0..<d { g[k] = outer * (t[k] / (sClamped * tClamped) - radial * s[k]) }
            return 1 - cosine
        }
    }
}
