/// sentence-transformers 6.2's `MarginMSELoss`: (query, positive, negative_1, ...) columns and a
/// teacher's margins. The student's margin for negative j is sim(q, p) − sim(q, n_j); the loss is
/// the mean over rows and negatives of (student margin − teacher margin)².
///
/// The labels are taken as 6.2.0 takes them: (B, 1 + n_neg) as the teacher's scores of the
/// positive and of each negative, turned into margins score_pos − score_neg; (B, n_neg), or (B,)
/// for one negative, as the margins themselves. The first reading wins when both fit. That
/// difference is computed in float32, as PyTorch does on the float32 label tensor a dataset
/// collates to.
public struct MarginMSELoss: EmbeddingLoss {
    public static let className = "MarginMSELoss"
    public static let summary = "the student's margins (positive minus negative score) regressed onto a teacher's"
    public static let parameters: [LossParameter] = [
        LossParameter("similarity_fct", .choice(PairwiseSimilarity.allCases.map(\.rawValue)), default: "pairwise_dot_score",
                      role: .metric, "util pairwise similarity of the query with each passage")
            .script(.expressions(Dictionary(uniqueKeysWithValues: PairwiseSimilarity.allCases.map { ($0.rawValue, "util." + $0.rawValue) }))),
    ]
    public static let inputSpec = LossInputSpec(minColumns: 3, maxColumns: nil, labels: .teacherScores)

    public var similarity: PairwiseSimilarity

    public init(similarity: PairwiseSimilarity = .dotScore) {
        self.similarity = similarity
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        similarity = try settings.choice("similarity_fct", accepted: PairwiseSimilarity.accepted, parse: PairwiseSimilarity.parse)
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] { [("similarity_fct", similarity.rawValue)] }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let query = batch.columns[0], positive = batch.columns[1]
        let negatives = Array(batch.columns.dropFirst(2))
        let n = query.rows, k = negatives.count
        let target = try Self.margins(batch.teacherScores!, negatives: k)

        let scores = similarity.forward(query, candidates: [positive] + negatives)
        let positiveScores = scores[0], negativeScores = Array(scores.dropFirst())
        // d/d(margin) of the mean of squares, and each row's mean squared error.
        var dPositive = [T](repeating: 0, count: n)
        var dNegatives = [[T]](repeating: [T](repeating: 0, count: n), count: k)
        var rowErrors = [T](repeating: 0, count: n)
        var total: T = 0
        let scale = 2 / T(n * k)
        for i in 0..<n {
            for j in 0..<k {
                let error = positiveScores[i] - negativeScores[j][i] - target[i * k + j]
                rowErrors[i] += error * error
                dPositive[i] += scale * error
                dNegatives[j][i] = -scale * error
            }
            total += rowErrors[i]
        }

        let backward = similarity.backward(query, candidates: [positive] + negatives, [dPositive] + dNegatives)
        let gradients = [backward.query] + backward.candidates

        let tuples = (0..<n).map { i in
            MinedTuple(anchor: i, positive: i, negative: i, positiveScore: Double(positiveScores[i]),
                       negativeScore: Double(negativeScores[0][i]), loss: Double(rowErrors[i]) / Double(k),
                       label: Double(target[i * k]))
        }
        let active = tuples.filter { $0.loss > 0 }.count
        var report = MiningReport(kind: .triplet, tuples: tuples, counts: MiningCounts(valid: n, used: n, active: active))
        if batch.explain {
            let student = ([positiveScores] + negativeScores).map { $0.map { Double($0) } }
            report.distillation = DistillationReport.margins(student: student, teacherMargin: { i, c in Double(target[i * k + c - 1]) },
                                                             measure: "squared margin error", rowDivergence: tuples.map(\.loss))
            report.namedCounts = report.distillation!.metrics
        }
        return LossResult(value: total / T(n * k), columnGradients: gradients, mining: report)
    }

    /// The teacher's margins, (rows, negatives) row-major, from either label layout.
    static func margins<T: Scalar>(_ scores: Matrix<T>, negatives k: Int) throws -> [T] {
        if let bad = scores.values.firstIndex(where: { !$0.isFinite }) {
            throw LossError("\(className): the teacher score at row \(bad / scores.cols), column \(bad % scores.cols) is \(scores.values[bad]); margins must be finite")
        }
        if scores.cols == k + 1 {
            return (0..<scores.rows).flatMap { i in
                (1...k).map { j in T(Float(scores[i, 0]) - Float(scores[i, j])) }
            }
        }
        if scores.cols == k { return scores.values }
        throw LossError("\(className): the labels have \(scores.cols) value\(scores.cols == 1 ? "" : "s") per row but there \(k == 1 ? "is 1 negative column" : "are \(k) negative columns"); give the teacher's margins (rows x \(k)) or its scores of the positive and every negative (rows x \(k + 1))")
    }
}

extension PairwiseSimilarity {
    /// What a pairwise `similarity_fct` setting accepts, for messages.
    static var accepted: String {
        allCases.map(\.rawValue).joined(separator: ", ")
            + " (a pairwise function: cos_sim and the other matrix functions compare every row with every row)"
    }
}
