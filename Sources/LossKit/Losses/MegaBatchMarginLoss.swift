/// sentence-transformers' `MegaBatchMarginLoss` (ParaNMT): columns (anchor, positive). For each
/// anchor the hardest negative is the most cosine-similar *other* positive of the batch; the
/// term is max(positive_margin - cos(a,p), 0) + max(cos(a,n) - negative_margin, 0).
///
/// 6.2.0: the mean of the terms over the whole batch, whatever mini_batch_size (mini-batches
/// only bound the memory), with the own positive masked by -inf (a batch of one has no
/// negative term).
///
/// 1.2.0: the own positive is masked by subtracting 2 from the diagonal. Mini-batched mode (the
/// default) mines each slice of mini_batch_size anchors against all positives (no gradient
/// through the mining) and scores the triplets with row cosines. There, the step that should
/// back-propagate every slice but the last compares the slice end with the slice's own length,
/// so it never fires: only the LAST slice contributes to the value and gradient. That is
/// reproduced by default. `backprop_all_mini_batches = true` gives the evidently intended
/// behaviour: every slice's gradient accumulates, and the value reported is the sum of the
/// slices' mean losses (the quantity whose gradient that is).
public struct MegaBatchMarginLoss: EmbeddingLoss {
    public static let className = "MegaBatchMarginLoss"
    public static let references = LossReference.allCases
    public static let referenceDifference = "6.2.0 averages every row of the batch for any mini_batch_size (1.2.0's mini-batched path counts only the last mini-batch) and masks the own positive with -inf (1.2.0: minus 2)"
    public static let summary = "hardest in-batch negative with two cosine margins, in mini-batches"
    public static let parameters: [LossParameter] = [
        LossParameter("positive_margin", .number, default: "0.8", role: .margin, "positive pairs' cosine should reach this"),
        LossParameter("negative_margin", .number, default: "0.3", "the hardest negative's cosine should stay below this"),
        LossParameter("use_mini_batched_version", .flag, default: "true", "mine within mini-batches of mini_batch_size"),
        LossParameter("mini_batch_size", .wholeNumber(minimum: 1), default: "50", "rows per mini-batch"),
        LossParameter("backprop_all_mini_batches", .flag, default: "false", "LossLab's own: count every mini-batch, not only the last")
            .only(upTo: .v1_2_0, because: "it works around 1.2.0 counting only the last mini-batch, and 6.2.0 always counts the whole batch")
            .script(.lossLabOnly("sentence-transformers 6.2 back-propagates every mini-batch and reports the whole batch's loss")),
    ]
    public static let usesInBatchNegatives = true
    public static let inputSpec = LossInputSpec(columns: 2, labels: .none)

    public var positiveMargin: Double
    public var negativeMargin: Double
    public var useMiniBatchedVersion: Bool
    public var miniBatchSize: Int
    /// LossLab's option for 1.2.0, not a reference parameter: see the type's comment.
    public var backpropAllMiniBatches: Bool
    public var reference: LossReference

    public init(positiveMargin: Double = 0.8, negativeMargin: Double = 0.3, useMiniBatchedVersion: Bool = true,
                miniBatchSize: Int = 50, backpropAllMiniBatches: Bool = false, reference: LossReference = .latest) {
        self.positiveMargin = positiveMargin
        self.negativeMargin = negativeMargin
        self.useMiniBatchedVersion = useMiniBatchedVersion
        self.miniBatchSize = miniBatchSize
        self.backpropAllMiniBatches = backpropAllMiniBatches && reference == .v1_2_0
        self.reference = reference
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        self.reference = reference
        var settings = LossSettings(values, for: Self.self, reference: reference)
        positiveMargin = try settings.double("positive_margin")
        negativeMargin = try settings.double("negative_margin")
        useMiniBatchedVersion = try settings.bool("use_mini_batched_version")
        miniBatchSize = try settings.int("mini_batch_size", maximum: LossMemory.largestBatch,
                                         bound: "the largest batch; a mini-batch larger than the batch is the whole batch")
        backpropAllMiniBatches = reference == .v1_2_0 ? try settings.bool("backprop_all_mini_batches") : false
        try settings.finish()
    }

    /// 6.2.0's mini-batched version back-propagates through gradient caching.
    public var usesGradientCache: Bool { useMiniBatchedVersion }

    public var settings: [(name: String, value: String)] {
        var list = [("positive_margin", "\(positiveMargin)"), ("negative_margin", "\(negativeMargin)"),
                    ("use_mini_batched_version", "\(useMiniBatchedVersion)"), ("mini_batch_size", "\(miniBatchSize)")]
        if reference == .v1_2_0 { list.append(("backprop_all_mini_batches", "\(backpropAllMiniBatches)")) }
        return list
    }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        let n = Double(rows)
        let slice = Double(scoredRows(batch: rows))
        return 3 * slice * n * Double(scalarBytes)
    }

    /// Rows of the batch's similarity matrix scored at once. 1.2.0's mini-batches are its
    /// semantics; under 6.2.0 they change neither the value nor the gradients, only memory, so
    /// the whole batch is scored at once unless its N x N scores pass `chunkElements` (one large
    /// GEMM is many times faster than thin ones), then as many rows as fit, at least mini_batch_size.
    func scoredRows(batch n: Int) -> Int {
        guard useMiniBatchedVersion else { return n }
        if reference == .v1_2_0 { return min(miniBatchSize, n) }
        return min(n, max(miniBatchSize, Self.chunkElements / max(n, 1)))
    }

    static let chunkElements = 1 << 22

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        if reference >= .v6_2_0 {
            return wholeBatchMean(batch.columns[0], batch.columns[1], chunk: scoredRows(batch: batch.columns[0].rows))
        }
        return useMiniBatchedVersion ? miniBatched(batch.columns[0], batch.columns[1])
                                     : wholeBatch(batch.columns[0], batch.columns[1])
    }

    /// 6.2.0, both paths: (1/N) Σ_i term(S_ii, max_{j≠i} S_ij) with S the cosines of the
    /// normalised rows (`F.normalize`), `chunk` anchors' rows of S at a time. The gradient
    /// reaches the anchor, its own positive and the positive at the argmax (first on ties).
    func wholeBatchMean<T: Scalar>(_ anchors: Matrix<T>, _ positives: Matrix<T>, chunk: Int) -> LossResult<T> {
        let n = anchors.rows, dim = anchors.cols
        let a = L2Normalization.forward(anchors)
        let p = L2Normalization.forward(positives)
        var dA = Matrix<T>(zeros: n, dim)
        var dP = dA
        var value: T = 0
        var tuples: [MinedTuple] = []
        tuples.reserveCapacity(n)
        var counts = MiningCounts(valid: n * max(n - 1, 0), used: n)
        let scale = 1 / T(n)
        for start in stride(from: 0, to: n, by: max(chunk, 1)) {
            let rows = start..<min(start + max(chunk, 1), n)
            let similarities = Matrix.product(a.output.rows(rows), p.output, transposeB: true)
            var chunkTotal: T = 0
            similarities.values.withUnsafeBufferPointer { s in
                a.output.values.withUnsafeBufferPointer { av in
                    p.output.values.withUnsafeBufferPointer { pv in
                        dA.values.withUnsafeMutableBufferPointer { da in
                            dP.values.withUnsafeMutableBufferPointer { dp in
                                for r in 0..<rows.count {
                                    let i = start + r, row = s.baseAddress! + r * n
                                    var j = -1
                                    for k in 0..<n where k != i && (j < 0 || row[k] > row[j]) { j = k }
                                    let negative = j < 0 ? -T.infinity : row[j]
                                    let t = term(positive: row[i], negative: negative)
                                    chunkTotal += t.value
                                    if t.value > 0 { counts.active += 1 }
                                    tuples.append(MinedTuple(anchor: i, positive: i, negative: j < 0 ? nil : j,
                                                             positiveScore: Double(row[i]), negativeScore: j < 0 ? nil : Double(negative),
                                                             loss: Double(t.value)))
                                    let (gPositive, gNegative) = (t.dPositive * scale, t.dNegative * scale)
                                    let ai = av.baseAddress! + i * dim, dai = da.baseAddress! + i * dim
                                    if gPositive != 0 {
                                        let pi = pv.baseAddress! + i * dim, dpi = dp.baseAddress! + i * dim
                                        for k in 0..<dim {
                                            dai[k] += gPositive * pi[k]
                                            dpi[k] += gPositive * ai[k]
                                        }
                                    }
                                    if gNegative != 0 {
                                        let pj = pv.baseAddress! + j * dim, dpj = dp.baseAddress! + j * dim
                                        for k in 0..<dim {
                                            dai[k] += gNegative * pj[k]
                                            dpj[k] += gNegative * ai[k]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            value += chunkTotal * scale
        }
        let dAnchors = L2Normalization.backward(dA, output: a.output, input: anchors, norms: a.norms)
        let dPositives = L2Normalization.backward(dP, output: p.output, input: positives, norms: p.norms)
        return LossResult(value: value, columnGradients: [dAnchors, dPositives],
                          mining: MiningReport(kind: .triplet, tuples: tuples, counts: counts))
    }

    /// For each anchor row, the column of the most similar positive other than its own
    /// (first index on ties, as torch.max). similarities: (rows, N) cosine scores; diagonalOffset:
    /// the global index of row 0.
    private func hardestNegatives<T: Scalar>(_ similarities: Matrix<T>, diagonalOffset: Int) -> [Int] {
        (0..<similarities.rows).map { i in
            var best = 0
            var bestScore = -T.infinity
            for j in 0..<similarities.cols {
                let score = similarities[i, j] - (j == i + diagonalOffset ? 2 : 0)
                if j == 0 || score > bestScore {
                    best = j
                    bestScore = score
                }
            }
            return best
        }
    }

    private func term<T: Scalar>(positive: T, negative: T) -> (value: T, dPositive: T, dNegative: T) {
        let pull = T(positiveMargin) - positive
        let push = negative - T(negativeMargin)
        return (max(pull, 0) + max(push, 0), pull > 0 ? -1 : 0, push > 0 ? 1 : 0)
    }

    private func miniBatched<T: Scalar>(_ anchors: Matrix<T>, _ positives: Matrix<T>) -> LossResult<T> {
        let n = anchors.rows
        let normalizedPositives = L2Normalization.forward(positives).output
        var dAnchors = Matrix<T>(zeros: n, anchors.cols)
        var dPositives = dAnchors
        var value: T = 0
        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: n * max(n - 1, 0))
        let starts = Array(stride(from: 0, to: n, by: miniBatchSize))
        for start in starts {
            let rows = start..<min(start + miniBatchSize, n)
            let contributes = backpropAllMiniBatches || start == starts.last!
            if !contributes { continue }
            let slice = anchors.rows(rows)
            let similarities = Matrix.product(L2Normalization.forward(slice).output, normalizedPositives, transposeB: true)
            let negativeIndices = hardestNegatives(similarities, diagonalOffset: start)
            let positiveCosine = RowCosine.forward(slice, positives.rows(rows))
            let negativeCosine = RowCosine.forward(slice, positives.gatherRows(negativeIndices))
            let m = T(rows.count)
            var sliceValue: T = 0
            var dPositiveCosine = [T](repeating: 0, count: rows.count)
            var dNegativeCosine = dPositiveCosine
            for r in 0..<rows.count {
                let t = term(positive: positiveCosine.values[r], negative: negativeCosine.values[r])
                sliceValue += t.value
                dPositiveCosine[r] = t.dPositive / m
                dNegativeCosine[r] = t.dNegative / m
                counts.used += 1
                if t.value > 0 { counts.active += 1 }
                tuples.append(MinedTuple(anchor: start + r, positive: start + r, negative: negativeIndices[r],
                                         positiveScore: Double(positiveCosine.values[r]),
                                         negativeScore: Double(negativeCosine.values[r]), loss: Double(t.value)))
            }
            value += sliceValue / m
            let (daP, dp) = positiveCosine.backward(dPositiveCosine)
            let (daN, dn) = negativeCosine.backward(dNegativeCosine)
            for r in 0..<rows.count {
                for k in 0..<anchors.cols {
                    dAnchors[start + r, k] += daP[r, k] + daN[r, k]
                    dPositives[start + r, k] += dp[r, k]
                    dPositives[negativeIndices[r], k] += dn[r, k]
                }
            }
        }
        return LossResult(value: value, columnGradients: [dAnchors, dPositives],
                          mining: MiningReport(kind: .triplet, tuples: tuples, counts: counts))
    }

    private func wholeBatch<T: Scalar>(_ anchors: Matrix<T>, _ positives: Matrix<T>) -> LossResult<T> {
        let n = anchors.rows
        let a = L2Normalization.forward(anchors)
        let p = L2Normalization.forward(positives)
        let similarities = Matrix.product(a.output, p.output, transposeB: true)
        let negativeIndices = hardestNegatives(similarities, diagonalOffset: 0)
        var dSimilarities = Matrix<T>(zeros: n, n)
        var value: T = 0
        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: n * max(n - 1, 0), used: n)
        for i in 0..<n {
            let j = negativeIndices[i]
            // The reference takes the max of (scores - 2·I), so the value carries the -2 when
            // the only candidate is the anchor's own positive (a batch of one).
            let negative = similarities[i, j] - (j == i ? 2 : 0)
            let t = term(positive: similarities[i, i], negative: negative)
            value += t.value
            dSimilarities[i, i] += t.dPositive / T(n)
            dSimilarities[i, j] += t.dNegative / T(n)
            if t.value > 0 { counts.active += 1 }
            tuples.append(MinedTuple(anchor: i, positive: i, negative: j, positiveScore: Double(similarities[i, i]),
                                     negativeScore: Double(negative), loss: Double(t.value)))
        }
        let dA = L2Normalization.backward(Matrix.product(dSimilarities, p.output), output: a.output, input: anchors, norms: a.norms)
        let dP = L2Normalization.backward(Matrix.product(dSimilarities, transposeA: true, a.output), output: p.output,
                                          input: positives, norms: p.norms)
        return LossResult(value: value / T(n), columnGradients: [dA, dP],
                          mining: MiningReport(kind: .triplet, tuples: tuples, counts: counts))
    }
}
