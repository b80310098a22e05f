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

        // One pass over the rows: a row's margins' errors, and so its gradients, depend on that
        // row alone, so each row is scored and differentiated while it is in the cache.
        let pass = rowPass(query, candidates: [positive] + negatives, target: target)
        let positiveScores = pass.scores[0], negativeScores = Array(pass.scores.dropFirst())
        let rowErrors = pass.rowErrors
        var total: T = 0
        for i in 0..<n { total += rowErrors[i] }
        let gradients = pass.gradients

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

    /// Per row i: the similarity of the query with each candidate, the errors
    /// e_j = (s_pos - s_neg_j) - target_ij, their sum of squares, and the gradients of the mean
    /// of squares (d/d s_pos = 2/(n k) Σ_j e_j, d/d s_neg_j = -2/(n k) e_j) taken back through
    /// the similarity into the query and every candidate. The arithmetic is that of the separate
    /// passes (`forward(_:candidates:)`, then `backward(_:candidates:_:)`), in the same order, so
    /// the values are the same to the bit; it only reads each row once.
    func rowPass<T: Scalar>(_ query: Matrix<T>, candidates: [Matrix<T>], target: [T])
        -> (scores: [[T]], rowErrors: [T], gradients: [Matrix<T>]) {
        let n = query.rows, d = query.cols, columns = candidates.count, k = columns - 1
        let scale = 2 / T(n * k)
        var scores = [T](repeating: 0, count: columns * n)
        var rowErrors = [T](repeating: 0, count: n)
        // Rows the similarity's backward may leave unwritten (a zero distance, a zero |cos + sin|).
        let mayLeaveRows = similarity == .euclideanSim || similarity == .angleSim
        let similarity = self.similarity
        let gradients = Matrix<T>.uninitialized(count: columns + 1, rows: n, cols: d) { targets in
            query.values.withUnsafeBufferPointer { q in
                target.withUnsafeBufferPointer { t in
                    scores.withUnsafeMutableBufferPointer { s in
                        rowErrors.withUnsafeMutableBufferPointer { e in
                            Matrix.withReadPointers(candidates) { sources in
                                let qs = SharedReadPointer(q), ts = SharedReadPointer(t), ss = SharedPointer(s), es = SharedPointer(e)
                                let cs = sources.map(RowSource.init), outs = targets.map(RowTarget.init)
                                ParallelRows.run(rows: n, elementsPerRow: (2 * columns + 1) * d) { rows in
                                    let scratch = UnsafeMutablePointer<T>.allocate(capacity: max(d, 1))
                                    let upstream = UnsafeMutablePointer<T>.allocate(capacity: columns)
                                    defer { scratch.deallocate(); upstream.deallocate() }
                                    for i in rows {
                                        let qi = qs.base + i * d
                                        for c in 0..<columns { ss[c * n + i] = similarity.rowForward(qi, cs[c].base + i * d, count: d) }
                                        var rowError: T = 0, dPositive: T = 0
                                        for j in 0..<k {
                                            let error = ss[i] - ss[(j + 1) * n + i] - ts[i * k + j]
                                            rowError += error * error
                                            dPositive += scale * error
                                            upstream[j + 1] = -scale * error
                                        }
                                        upstream[0] = dPositive
                                        es[i] = rowError
                                        let dq = outs[0].base + i * d
                                        for c in 0..<columns {
                                            let weight = upstream[c], ci = cs[c].base + i * d, dc = outs[c + 1].base + i * d
                                            let into = c > 0 ? scratch : dq
                                            if weight == 0 || mayLeaveRows {
                                                dc.update(repeating: 0, count: d)
                                                into.update(repeating: 0, count: d)
                                            }
                                            if weight != 0 { similarity.rowBackward(qi, ci, count: d, upstream: weight, into, dc) }
                                            if c > 0 {
                                                for x in 0..<d { dq[x] += scratch[x] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return ((0..<columns).map { c in Array(scores[(c * n)..<((c + 1) * n)]) }, rowErrors, gradients)
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

/// Row addresses handed to the row pass's threads.
private struct RowSource<T>: @unchecked Sendable {
    let base: UnsafePointer<T>
}

private struct RowTarget<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}
