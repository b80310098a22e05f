/// sentence-transformers 6.2's `GlobalOrthogonalRegularizationLoss`: a regulariser that spreads
/// each column's embeddings out. Per column x (n rows, d dims), with M = similarity_fct(x, x)
/// and its diagonal set to 0 (no gradient there) and c = max(n(n − 1), 1):
/// mean term (ΣM / c)², second-moment term relu(ΣM² / c − 1/d). Over the columns each term is
/// aggregated (mean or sum) and weighted; a weight of 0 or none leaves its term out. The loss
/// is the sum of the terms, which the result reports one by one.
public struct GlobalOrthogonalRegularizationLoss: EmbeddingLoss {
    public static let className = "GlobalOrthogonalRegularizationLoss"
    public static let summary = "regulariser: off-diagonal similarities' mean near 0 and second moment near 1/d"
    public static let returnsTerms = true
    public static let parameters: [LossParameter] = [
        LossParameter("similarity_fct", .choice(MatrixSimilarity.allCases.map(\.rawValue)), default: "cos_sim", role: .metric,
                      "util similarity of a column's rows with each other")
            .script(.expressions(Dictionary(uniqueKeysWithValues: MatrixSimilarity.allCases.map { ($0.rawValue, "util." + $0.rawValue) }))),
        LossParameter("mean_weight", .number, default: "1", "weight of the squared mean term (0 or none: left out)"),
        LossParameter("second_moment_weight", .number, default: "1", "weight of the second-moment term (0 or none: left out)"),
        LossParameter("aggregation", .choice(["mean", "sum"]), default: "mean", "how each term combines over the columns"),
    ]
    public static let inputSpec = LossInputSpec(minColumns: 1, maxColumns: nil, labels: .none)

    public static let meanTerm = "gor_mean", secondMomentTerm = "gor_second_moment"

    public var similarity: MatrixSimilarity
    /// nil: the term is left out (the reference's None).
    public var meanWeight: Double?
    public var secondMomentWeight: Double?
    public var sumOverColumns: Bool

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        similarity = try settings.choice("similarity_fct", parse: MatrixSimilarity.parse)
        let weight = { (text: String) -> Double?? in
            let word = text.trimmingCharacters(in: .whitespaces)
            if word.lowercased() == "none" { return .some(nil) }
            return DecimalNumber.double(word).flatMap { $0.isFinite ? .some($0) : nil }
        }
        meanWeight = try settings.choice("mean_weight", accepted: "a finite decimal number or none", parse: weight)
        secondMomentWeight = try settings.choice("second_moment_weight", accepted: "a finite decimal number or none", parse: weight)
        sumOverColumns = try settings.choice("aggregation", parse: { ["mean": false, "sum": true][$0.trimmingCharacters(in: .whitespaces).lowercased()] })
        try settings.finish()
        if (meanWeight ?? 0) == 0 && (secondMomentWeight ?? 0) == 0 {
            throw LossError("\(Self.className): at least one of mean_weight and second_moment_weight must be non-zero")
        }
    }

    public var settings: [(name: String, value: String)] {
        [("similarity_fct", similarity.rawValue), ("mean_weight", meanWeight.map { "\($0)" } ?? "none"),
         ("second_moment_weight", secondMomentWeight.map { "\($0)" } ?? "none"), ("aggregation", sumOverColumns ? "sum" : "mean")]
    }

    public var termNames: [String] {
        ((meanWeight ?? 0) != 0 ? [Self.meanTerm] : []) + ((secondMomentWeight ?? 0) != 0 ? [Self.secondMomentTerm] : [])
    }

    /// The names of the quantities the terms drive (`LossResult.targets`).
    public static let meanSimilarity = "mean_similarity", secondMoment = "second_moment"

    /// Each column's (n, n) similarities and their gradient, one column at a time.
    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        2 * Double(rows) * Double(rows) * Double(scalarBytes)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let useMean = (meanWeight ?? 0) != 0, useSecond = (secondMomentWeight ?? 0) != 0
        let aggregate = T(sumOverColumns ? 1 : 1 / Double(batch.columns.count))
        var meanTotal: T = 0, secondTotal: T = 0
        // The unweighted, unclamped moments averaged over the columns, for the terms chart.
        var meanMoment: T = 0, secondMomentTotal: T = 0
        var gradients: [Matrix<T>] = []
        for column in batch.columns {
            let n = column.rows, d = column.cols
            let prepared = similarity.prepare(column)
            // A product similarity's M = x·xᵀ is symmetric: half a product (SYRK), and one
            // product back, since dM·x and dMᵀ·x are then the same.
            let product = similarity == .cosSim || similarity == .dotScore
            var m = product ? prepared.rows.gram() : similarity.scores(prepared.rows, prepared.rows, alpha: 1)
            for i in 0..<n { m[i, i] = 0 }
            let c = T(max(n * (n - 1), 1))
            let (sum, squares) = m.values.withUnsafeBufferPointer { v -> (T, T) in
                guard let base = v.baseAddress else { return (0, 0) }
                return (VectorKernels.sum(base, count: v.count), VectorKernels.sumOfSquares(base, count: v.count))
            }
            let mean = sum / c, excess = squares / c - T(1 / Double(d))
            meanTotal += mean * mean
            meanMoment += mean
            secondMomentTotal += squares / c
            secondTotal += max(excess, 0)
            // d(terms)/dM_ij off the diagonal.
            let meanSlope = useMean ? T(meanWeight!) * aggregate * 2 * mean / c : 0
            let secondSlope = useSecond && excess > 0 ? T(secondMomentWeight!) * aggregate * 2 / c : 0
            // M becomes dTerms/dM in place (its values are not needed after this).
            var g = m
            m = Matrix(zeros: 0, 0)
            for k in g.values.indices { g.values[k] = meanSlope + secondSlope * g.values[k] }
            for i in 0..<n { g[i, i] = 0 }
            if product {
                gradients.append(similarity.finish(Matrix.product(g, prepared.rows, alpha: 2), prepared))
            } else {
                let parts = similarity.backward(g, prepared.rows, prepared.rows, alpha: 1)
                gradients.append(similarity.finish(parts.x.adding(parts.y), prepared))
            }
        }
        var terms: [(name: String, value: T)] = []
        if useMean { terms.append((Self.meanTerm, T(meanWeight!) * aggregate * meanTotal)) }
        if useSecond { terms.append((Self.secondMomentTerm, T(secondMomentWeight!) * aggregate * secondTotal)) }
        let rows = batch.columns[0].rows
        var result = LossResult(value: terms.reduce(T(0)) { $0 + $1.value }, columnGradients: gradients,
                                mining: MiningReport(kind: .item, tuples: [], counts: MiningCounts(valid: rows, used: rows)))
        result.terms = terms
        let columns = T(batch.columns.count)
        result.targets = [(Self.meanSimilarity, meanMoment / columns, 0),
                          (Self.secondMoment, secondMomentTotal / columns, T(1 / Double(batch.columns[0].cols)))]
        return result
    }
}
