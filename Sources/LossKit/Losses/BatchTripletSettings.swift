/// The hyperparameters shared by the batch triplet losses: distance_metric and margin.
struct BatchTripletSettings {
    var metric: BatchDistanceMetric
    var margin: Double

    /// Reads distance_metric (and margin where the loss has one) for `owner`.
    static func read(_ values: [String: String], owner: String, hasMargin: Bool = true) throws -> BatchTripletSettings {
        var settings = LossSettings(values, for: owner)
        let metric = try settings.choice("distance_metric", default: BatchDistanceMetric.euclidean,
                                         accepted: BatchDistanceMetric.accepted, parse: BatchDistanceMetric.parse)
        let margin = hasMargin ? try settings.double("margin", default: 5) : 0
        try settings.finish(accepted: hasMargin ? ["distance_metric", "margin"] : ["distance_metric"])
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
        (0..<batch.n).map { a in
            var positive = 0
            var positiveValue = -T.infinity
            var rowMaximum = 0
            var rowMaximumValue = -T.infinity
            for j in 0..<batch.n {
                let value = (batch.isPositive(a, j) ? 1 : 0) * batch.d(a, j)
                if j == 0 || value > positiveValue { positive = j; positiveValue = value }
                if j == 0 || batch.d(a, j) > rowMaximumValue { rowMaximum = j; rowMaximumValue = batch.d(a, j) }
            }
            var negative = 0
            var negativeValue = T.infinity
            for j in 0..<batch.n {
                let value = batch.d(a, j) + rowMaximumValue * (1 - (batch.isNegative(a, j) ? 1 : 0))
                if j == 0 || value < negativeValue { negative = j; negativeValue = value }
            }
            return Choice(positive: positive, negative: negative,
                          rowMaximum: batch.isNegative(a, negative) ? nil : rowMaximum,
                          positiveDistance: positiveValue, negativeDistance: negativeValue)
        }
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
