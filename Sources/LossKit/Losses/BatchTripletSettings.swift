/// The hyperparameters shared by the batch triplet losses: distance_metric and margin.
struct BatchTripletSettings {
    var metric: BatchDistanceMetric
    var margin: Double

    /// distance_metric in the exported script: BatchHardTripletLossDistanceFunction's functions.
    static let scriptMetric = LossParameter.ScriptForm.expressions([
        "euclidean": "losses.BatchHardTripletLossDistanceFunction.euclidean_distance",
        "cosine": "losses.BatchHardTripletLossDistanceFunction.cosine_distance",
    ])

    /// Reads distance_metric (and margin where the loss has one) against the loss's table.
    static func read(_ values: [String: String], for loss: any EmbeddingLoss.Type, reference: LossReference,
                     hasMargin: Bool = true) throws -> BatchTripletSettings {
        var settings = LossSettings(values, for: loss, reference: reference)
        let metric = try settings.choice("distance_metric", accepted: BatchDistanceMetric.accepted, parse: BatchDistanceMetric.parse)
        let margin = hasMargin ? try settings.double("margin") : 0
        try settings.finish()
        return BatchTripletSettings(metric: metric, margin: margin)
    }
}

/// Batch-hard mining as the reference does it, shared by BatchHardTripletLoss and
/// BatchHardSoftMarginTripletLoss. For each anchor, the hardest positive is the first argmax
/// of mask·d (0 when the anchor has no positive), and the hardest negative the first argmin of
/// d + rowmax·(1 - negative mask): with no negative, that is a non-negative row plus the row
/// maximum, and the gradient then flows to both.
struct BatchHardMining<T: Scalar> {
    struct Choice {
        var positive: Int
        var negative: Int
        /// Where the row maximum came from, when the negative term carries it.
        var rowMaximum: Int?
        var positiveDistance: T
        var negativeDistance: T
    }

    static func mine(_ batch: LabelledBatch<T>) -> [Choice] {
        let n = batch.n
        return [Choice](unsafeUninitializedCapacity: n) { buffer, initialized in
            batch.distances.withUnsafeBufferPointer { dist in
                batch.classIds.withUnsafeBufferPointer { idBuffer in
                    let d = SharedReadPointer(dist), ids = SharedReadPointer(idBuffer), out = SharedPointer(buffer)
                    ParallelRows.run(rows: n, elementsPerRow: 2 * n) { anchors in
                        for a in anchors {
                            (out.base + a).initialize(to: mine(anchor: a, row: d.base + a * n, ids: ids.base, count: n))
                        }
                    }
                }
            }
            initialized = n
        }
    }

    /// The reference's masked argmax and argmin, eight rows at a time: the extreme values
    /// first, then the first row that reaches them (the reference's tie rule). The masked
    /// values are formed by the reference's own arithmetic (mask · d, d + max · (1 - mask)),
    /// so they are the same numbers.
    @inline(__always)
    private static func mine(anchor a: Int, row: UnsafePointer<T>, ids: UnsafePointer<T>, count n: Int) -> Choice {
        let own = ids[a]
        func positiveMask(_ k: Int) -> T { k != a && ids[k] == own ? 1 : 0 }
        func negativeMask(_ k: Int) -> T { ids[k] != own ? 1 : 0 }
        let ownVector = SIMD8<T>(repeating: own), zero = SIMD8<T>(), one = SIMD8<T>(repeating: 1)
        @inline(__always) func positiveMasks(_ k: Int) -> SIMD8<T> {
            var mask = zero.replacing(with: one, where: VectorKernels.load(ids + k) .== ownVector)
            if a >= k && a < k + 8 { mask[a - k] = 0 }
            return mask
        }
        @inline(__always) func negativeMasks(_ k: Int) -> SIMD8<T> {
            zero.replacing(with: one, where: VectorKernels.load(ids + k) .!= ownVector)
        }
        let whole = n / 8 * 8
        // The largest masked positive distance and the row maximum.
        var positiveTop = SIMD8<T>(repeating: -.infinity), rowTop = positiveTop, rowSum = zero
        for k in stride(from: 0, to: whole, by: 8) {
            let distance = VectorKernels.load(row + k)
            positiveTop = pointwiseMax(positiveTop, positiveMasks(k) * distance)
            rowTop = pointwiseMax(rowTop, distance)
            rowSum += distance
        }
        var positiveValue = positiveTop.max(), rowMaximumValue = rowTop.max(), sum = rowSum.sum()
        for k in whole..<n {
            positiveValue = max(positiveValue, positiveMask(k) * row[k])
            rowMaximumValue = max(rowMaximumValue, row[k])
            sum += row[k]
        }
        // A NaN (or an infinity) in the row: the reference's scan decides, as it does.
        guard sum.isFinite, let positive = firstIndex(count: n, where: { positiveMask($0) * row[$0] == positiveValue }),
              let rowMaximum = firstIndex(count: n, where: { row[$0] == rowMaximumValue }) else {
            return scalarMine(anchor: a, row: row, ids: ids, count: n)
        }
        positiveValue = positiveMask(positive) * row[positive]
        rowMaximumValue = row[rowMaximum]
        // The smallest distance to a negative, non-negatives lifted by the row maximum.
        let lift = SIMD8<T>(repeating: rowMaximumValue)
        var negativeBottom = SIMD8<T>(repeating: .infinity)
        for k in stride(from: 0, to: whole, by: 8) {
            negativeBottom = pointwiseMin(negativeBottom, VectorKernels.load(row + k) + lift * (one - negativeMasks(k)))
        }
        var negativeValue = negativeBottom.min()
        for k in whole..<n { negativeValue = min(negativeValue, row[k] + rowMaximumValue * (1 - negativeMask(k))) }
        guard let negative = firstIndex(count: n, where: { row[$0] + rowMaximumValue * (1 - negativeMask($0)) == negativeValue }) else {
            return scalarMine(anchor: a, row: row, ids: ids, count: n)
        }
        negativeValue = row[negative] + rowMaximumValue * (1 - negativeMask(negative))
        return Choice(positive: positive, negative: negative, rowMaximum: ids[negative] != own ? nil : rowMaximum,
                      positiveDistance: positiveValue, negativeDistance: negativeValue)
    }

    @inline(__always)
    private static func firstIndex(count n: Int, where reaches: (Int) -> Bool) -> Int? {
        for k in 0..<n where reaches(k) { return k }
        return nil
    }

    /// The same choice one row at a time, as the reference scans: for rows with values that do
    /// not compare (NaN) or overflow a sum.
    static func scalarMine(anchor a: Int, row: UnsafePointer<T>, ids: UnsafePointer<T>, count n: Int) -> Choice {
        let own = ids[a]
        var positive = 0
        var positiveValue = -T.infinity
        var rowMaximum = 0
        var rowMaximumValue = -T.infinity
        for j in 0..<n {
            let isPositive = j != a && ids[j] == own
            let value = (isPositive ? 1 : 0) * row[j]
            if j == 0 || value > positiveValue { positive = j; positiveValue = value }
            if j == 0 || row[j] > rowMaximumValue { rowMaximum = j; rowMaximumValue = row[j] }
        }
        var negative = 0
        var negativeValue = T.infinity
        for j in 0..<n {
            let value = row[j] + rowMaximumValue * (1 - (ids[j] != own ? 1 : 0))
            if j == 0 || value < negativeValue { negative = j; negativeValue = value }
        }
        return Choice(positive: positive, negative: negative,
                      rowMaximum: ids[negative] != own ? nil : rowMaximum,
                      positiveDistance: positiveValue, negativeDistance: negativeValue)
    }

    /// Spreads dL/d(hardest positive distance) and dL/d(hardest negative distance) of each
    /// anchor onto the (N, N) distance gradient.
    static func distanceGradient(_ choices: [Choice], _ batch: LabelledBatch<T>, dPositive: [T], dNegative: [T]) -> Matrix<T> {
        var gradient = Matrix<T>(zeros: batch.n, batch.n)
        for (a, choice) in choices.enumerated() {
            if batch.isPositive(a, choice.positive) { gradient[a, choice.positive] += dPositive[a] }
            gradient[a, choice.negative] += dNegative[a]
            if let source = choice.rowMaximum { gradient[a, source] += dNegative[a] }
        }
        return gradient
    }

    static func tuples(_ choices: [Choice], _ batch: LabelledBatch<T>, losses: [T], margin: Double) -> [MinedTuple] {
        choices.enumerated().map { a, choice in
            let real = batch.isPositive(a, choice.positive) && batch.isNegative(a, choice.negative)
            return MinedTuple(anchor: a, positive: choice.positive, negative: choice.negative,
                              positiveScore: Double(choice.positiveDistance), negativeScore: Double(choice.negativeDistance),
                              loss: Double(losses[a]),
                              hardness: Hardness.of(positiveDistance: Double(choice.positiveDistance),
                                                    negativeDistance: Double(choice.negativeDistance), margin: margin),
                              fallback: !real)
        }
    }
}
