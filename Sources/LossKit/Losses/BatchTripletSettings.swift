import CBatchKernels

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
        if T.self == Float.self {
            return unsafeBitCast(BatchHardMining<Float>.mineInC(unsafeBitCast(batch, to: LabelledBatch<Float>.self)), to: [Choice].self)
        }
        return mineInSwift(batch)
    }

    /// The definition, for any scalar type (the tests hold the C kernels to it).
    static func mineInSwift(_ batch: LabelledBatch<T>) -> [Choice] {
        let n = batch.n
        return [Choice](unsafeUninitializedCapacity: n) { buffer, initialized in
            batch.distances.withUnsafeBufferPointer { dist in
                batch.labels.withUnsafeBufferPointer { labelBuffer in
                    let d = SharedReadPointer(dist), labels = SharedReadPointer(labelBuffer), out = SharedPointer(buffer)
                    ParallelRows.run(rows: n, elementsPerRow: 2 * n) { anchors in
                        for a in anchors {
                            (out.base + a).initialize(to: mine(anchor: a, row: d.base + a * n, labels: labels.base, count: n))
                        }
                    }
                }
            }
            initialized = n
        }
    }

    @inline(__always)
    private static func mine(anchor a: Int, row: UnsafePointer<T>, labels: UnsafePointer<Double>, count n: Int) -> Choice {
        let own = labels[a]
        var positive = 0
        var positiveValue = -T.infinity
        var rowMaximum = 0
        var rowMaximumValue = -T.infinity
        for j in 0..<n {
            let isPositive = j != a && labels[j] == own
            let value = (isPositive ? 1 : 0) * row[j]
            if j == 0 || value > positiveValue { positive = j; positiveValue = value }
            if j == 0 || row[j] > rowMaximumValue { rowMaximum = j; rowMaximumValue = row[j] }
        }
        var negative = 0
        var negativeValue = T.infinity
        for j in 0..<n {
            let value = row[j] + rowMaximumValue * (1 - (labels[j] != own ? 1 : 0))
            if j == 0 || value < negativeValue { negative = j; negativeValue = value }
        }
        return Choice(positive: positive, negative: negative,
                      rowMaximum: labels[negative] != own ? nil : rowMaximum,
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

extension BatchHardMining where T == Float {
    /// `mineInSwift` by CBatchKernels (the same choices and distances, bit for bit); kernel:
    /// the portable loops or AVX2 even where the machine has more (tests).
    static func mineInC(_ batch: LabelledBatch<Float>, kernel: BatchKernelLevel = .best) -> [Choice] {
        let n = batch.n
        let indices = UnsafeMutableBufferPointer<Int64>.allocate(capacity: 3 * max(n, 1))
        let values = UnsafeMutableBufferPointer<Float>.allocate(capacity: 2 * max(n, 1))
        defer {
            indices.deallocate()
            values.deallocate()
        }
        let mine = switch kernel {
        case .best: batch_hard_mine
        case .avx2: batch_hard_mine_avx2
        case .portable: batch_hard_mine_portable
        }
        let out = (SharedPointer(indices), SharedPointer(values))
        batch.distances.withUnsafeBufferPointer { d in
            batch.labels.withUnsafeBufferPointer { labels in
                let dp = SharedReadPointer(d), lp = SharedReadPointer(labels)
                ParallelRows.run(rows: n, elementsPerRow: 2 * n) { anchors in
                    mine(dp.base, lp.base, Int64(n), Int64(anchors.lowerBound), Int64(anchors.upperBound),
                           out.0.base, out.0.base + n, out.0.base + 2 * n, out.1.base, out.1.base + n)
                }
            }
        }
        return (0..<n).map { a in
            Choice(positive: Int(indices[a]), negative: Int(indices[n + a]), rowMaximum: indices[2 * n + a] < 0 ? nil : Int(indices[2 * n + a]),
                   positiveDistance: values[a], negativeDistance: values[n + a])
        }
    }
}
