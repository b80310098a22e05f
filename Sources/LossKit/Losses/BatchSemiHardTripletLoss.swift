/// sentence-transformers' `BatchSemiHardTripletLoss` (FaceNet's semi-hard mining, after
/// TensorFlow Addons): for each anchor-positive pair, the closest negative that is farther than
/// the positive; when no negative is farther, the fallback is the anchor's FARTHEST negative.
/// Term max(d(a,p) - d(a,n) + margin, 0), summed over every anchor-positive pair and divided by
/// their number. With no anchor-positive pair, 1.2.0 divides 0 by 0 (NaN, NaN gradients);
/// 6.2.0 clamps the divisor at 1e-16 (0, zero gradients).
///
/// 1.2.0 finds the negatives with N²×N masked minimum/maximum tensors, whose tie rules (first
/// index; a fully tied row falls back to column 0 and the row's max/min) and rounding (the
/// distance comes back as (d - rowmax) + rowmax) are reproduced exactly here. 6.2.0 sorts the
/// row and takes the first negative distance strictly greater than d(a,p) as it is, the lowest
/// column on ties; its fallback is 1.2.0's. Each anchor's positives are sorted; a negative is a
/// candidate for the positives closer than it (a prefix), so bucketing the negatives by prefix
/// length and sweeping the buckets from the far end gives every positive its semi-hard
/// negative: O(N² log K) time for classes of K rows, O(N²) memory.
public struct BatchSemiHardTripletLoss: EmbeddingLoss {
    public static let className = "BatchSemiHardTripletLoss"
    public static let references = LossReference.allCases
    public static let referenceDifference = "6.2.0 gives 0 (zero gradients) instead of NaN when no row shares a label, and takes the semi-hard negative's distance exactly (1.2.0 rounds it through the row's largest distance)"
    public static let summary = "closest negative beyond the positive (FaceNet); else the farthest"
    public static let parameters: [LossParameter] = [
        LossParameter("distance_metric", .choice(["euclidean", "cosine"]), default: "euclidean", role: .metric,
                      "BatchHardTripletLossDistanceFunction: euclidean or cosine distance").script(BatchTripletSettings.scriptMetric),
        LossParameter("margin", .number, default: "5", role: .margin, "how much farther than a positive a negative must be"),
    ]
    public static let inputSpec = LossInputSpec(columns: 1, labels: .classes)

    public var distanceMetric: BatchDistanceMetric
    public var margin: Double
    public var reference: LossReference

    public init(distanceMetric: BatchDistanceMetric = .euclidean, margin: Double = 5, reference: LossReference = .latest) {
        self.distanceMetric = distanceMetric
        self.margin = margin
        self.reference = reference
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        let read = try BatchTripletSettings.read(values, for: Self.self, reference: reference)
        self.init(distanceMetric: read.metric, margin: read.margin, reference: reference)
    }

    public var settings: [(name: String, value: String)] {
        [("distance_metric", distanceMetric.rawValue), ("margin", "\(margin)")]
    }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        let n = Double(rows), size = Double(scalarBytes)
        return 7 * n * n * size
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let distances = distanceMetric.forward(batch.columns[0])
        let labelled = LabelledBatch(labels: batch.labels, distances: distances.distances)
        let n = labelled.n
        let margin = T(self.margin)

        var pairCount = 0
        for a in 0..<n { for p in 0..<n where labelled.isPositive(a, p) { pairCount += 1 } }
        if pairCount == 0 {
            // 1.2.0 divides 0 by 0 positives: NaN value, and NaN flows back everywhere. 6.2.0
            // divides by 1e-16 instead: 0, and zero gradients.
            let exact = reference >= .v6_2_0
            let fill: T = exact ? 0 : .nan
            let gradient = Matrix<T>(rows: n, cols: batch.columns[0].cols, values: .init(repeating: fill, count: batch.columns[0].count))
            return LossResult(value: fill, columnGradients: [gradient],
                              mining: MiningReport(kind: .triplet, counts: labelled.census(margin: self.margin)))
        }
        let exact = reference >= .v6_2_0
        let divisor = T(pairCount)

        var dDistances = Matrix<T>(zeros: n, n)
        var total: T = 0
        var tuples: [MinedTuple] = []
        var active = 0
        // Per anchor, bucket[t]: the best negative among those closer than exactly t positives
        // in sorted order, best = smallest (d - rowmax), then smallest row, as the masked argmin.
        var bucket = [Int](repeating: -1, count: n + 1)
        for a in 0..<n {
            let positives = labelled.sortedPositives(of: a)
            if positives.isEmpty { continue }
            var rowMax = 0, rowMin = 0
            for j in 0..<n {
                if labelled.d(a, j) > labelled.d(a, rowMax) { rowMax = j }
                if labelled.d(a, j) < labelled.d(a, rowMin) { rowMin = j }
            }
            // 1.2.0 ranks the candidates by d - rowmax (distinct distances may tie after the
            // subtraction), 6.2.0 by d itself; then by column.
            let maxValue = exact ? 0 : labelled.d(a, rowMax)
            func precedes(_ x: Int, _ y: Int) -> Bool {
                let kx = labelled.d(a, x) - maxValue, ky = labelled.d(a, y) - maxValue
                return kx < ky || (kx == ky && x < y)
            }
            for t in 0...positives.count { bucket[t] = -1 }
            for k in 0..<n where labelled.isNegative(a, k) {
                let dan = labelled.d(a, k)
                // Negative k is farther than the positives before this index.
                let t = LabelledBatch<T>.partitionPoint(positives) { !(dan > $0.distance) }
                if bucket[t] < 0 || precedes(k, bucket[t]) { bucket[t] = k }
            }
            let inside = fallbackNegative(labelled, a, rowMin: rowMin)
            // Sweep from the farthest positive: candidates for position j are buckets t > j.
            var best = -1
            for j in stride(from: positives.count - 1, through: 0, by: -1) {
                let candidate = bucket[j + 1]
                if candidate >= 0 && (best < 0 || precedes(candidate, best)) { best = candidate }
                let p = positives[j].row
                let dap = positives[j].distance
                var semiHard: T
                var row: Int?
                var extreme: Int?
                let isFallback = best < 0
                if isFallback {
                    (semiHard, row, extreme) = inside
                } else if exact {
                    semiHard = labelled.d(a, best)
                    row = best
                } else if labelled.d(a, best) - maxValue == 0 {
                    // Every entry of the masked row is 0: torch picks column 0.
                    let columnZeroMasked = labelled.isNegative(a, 0) && labelled.d(a, 0) > dap
                    semiHard = (labelled.d(a, 0) - maxValue) * (columnZeroMasked ? 1 : 0) + maxValue
                    row = columnZeroMasked ? 0 : nil
                    extreme = columnZeroMasked ? nil : rowMax
                } else {
                    semiHard = (labelled.d(a, best) - maxValue) + maxValue
                    row = best
                }
                let term = (dap - semiHard) + margin
                // torch.maximum(x, 0) splits the gradient in half at a tie.
                let slope: T = term > 0 ? 1 : (term == 0 ? T(0.5) : 0)
                if term > 0 {
                    total += term
                    active += 1
                }
                if slope != 0 {
                    let g = slope / divisor
                    dDistances[a, p] += g
                    if let row { dDistances[a, row] -= g }
                    if let extreme { dDistances[a, extreme] -= g }
                }
                let negativeRow = row ?? extreme ?? a
                tuples.append(MinedTuple(anchor: a, positive: p, negative: negativeRow, positiveScore: Double(dap),
                                         negativeScore: Double(semiHard), loss: Double(max(term, 0)),
                                         hardness: Hardness.of(positiveDistance: Double(dap), negativeDistance: Double(semiHard),
                                                               margin: self.margin),
                                         fallback: isFallback || !labelled.isNegative(a, negativeRow)))
            }
        }
        var report = MiningReport(kind: .triplet, tuples: tuples, counts: labelled.census(margin: self.margin))
        report.hasFallbackRule = true
        report.counts.used = pairCount
        report.counts.active = active
        report.capTuples()
        return LossResult(value: total / divisor, columnGradients: [distances.backward(dDistances)], mining: report)
    }

    /// The reference's fallback when no negative is farther than the positive: the masked
    /// maximum of the anchor's negatives, argmax of (d - rowmin)·mask, first index on ties.
    private func fallbackNegative<T: Scalar>(_ batch: LabelledBatch<T>, _ a: Int, rowMin: Int) -> (T, Int?, Int?) {
        let minValue = batch.d(a, rowMin)
        // argmax of (d - rowmin) over the negatives, first row on ties.
        var best = -1
        var bestKey: T = 0
        for k in 0..<batch.n where batch.isNegative(a, k) {
            let key = batch.d(a, k) - minValue
            if best < 0 || key > bestKey { best = k; bestKey = key }
        }
        guard best >= 0, bestKey != 0 else {
            // All masked entries are 0: torch picks column 0.
            let columnZeroNegative = batch.isNegative(a, 0)
            let value = (batch.d(a, 0) - minValue) * (columnZeroNegative ? 1 : 0) + minValue
            return (value, columnZeroNegative ? 0 : nil, columnZeroNegative ? nil : rowMin)
        }
        return (bestKey + minValue, best, nil)
    }
}
