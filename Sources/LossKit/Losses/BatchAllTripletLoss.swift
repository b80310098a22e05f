/// sentence-transformers' `BatchAllTripletLoss`: every valid triplet (a, p, n) of the batch
/// (a ≠ p same label, n other label), term max(d(a,p) - d(a,n) + margin, 0); the sum divided by
/// the number of triplets whose term exceeds 1e-16, plus 1e-16. Because the divisor counts only
/// active triplets, the value stays near the margin scale while fewer and fewer triplets are
/// active: progress shows in the active count, not in the value.
///
/// The reference builds an N×N×N tensor; here each anchor's negatives are sorted once, so the
/// active negatives of a positive form a prefix found by binary search: O(N² log N) time, O(N²) memory.
public struct BatchAllTripletLoss: EmbeddingLoss {
    public static let className = "BatchAllTripletLoss"
    public static let inputSpec = LossInputSpec(columns: 1, labels: .classes)

    public var distanceMetric: BatchDistanceMetric
    public var margin: Double

    public init(distanceMetric: BatchDistanceMetric = .euclidean, margin: Double = 5) {
        self.distanceMetric = distanceMetric
        self.margin = margin
    }

    public init(settings values: [String: String]) throws {
        let read = try BatchTripletSettings.read(values, owner: Self.className)
        self.init(distanceMetric: read.metric, margin: read.margin)
    }

    public var settings: [(name: String, value: String)] {
        [("distance_metric", distanceMetric.rawValue), ("margin", "\(margin)")]
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let distances = distanceMetric.forward(batch.columns[0])
        let labelled = LabelledBatch(labels: batch.labels, distances: distances.distances)
        let n = labelled.n
        let margin = T(self.margin)
        let tiny = T(1e-16)

        // Per anchor: for each positive p, k_p = number of negatives whose term is not < 0
        // (they keep gradient) and c_p = number whose term is > 1e-16 (they are counted).
        var rows: [[PositiveRow<T>]] = []
        var sortedNegatives: [[(distance: T, row: Int)]] = []
        var positiveCount = 0
        var total: T = 0
        for a in 0..<n {
            let negatives = labelled.sortedNegatives(of: a)
            var prefix = [T](repeating: 0, count: negatives.count + 1)
            for (index, entry) in negatives.enumerated() { prefix[index + 1] = prefix[index] + entry.distance }
            var anchorRows: [PositiveRow<T>] = []
            for p in 0..<n where labelled.isPositive(a, p) {
                let dap = labelled.d(a, p)
                let kept = LabelledBatch<T>.partitionPoint(negatives) { (dap - $0.distance) + margin < 0 }
                let counted = LabelledBatch<T>.partitionPoint(negatives) { !((dap - $0.distance) + margin > tiny) }
                let sum = T(kept) * (dap + margin) - prefix[kept]
                total += sum
                positiveCount += counted
                anchorRows.append(PositiveRow(positive: p, dap: dap, kept: kept, counted: counted, sum: sum))
            }
            rows.append(anchorRows)
            sortedNegatives.append(negatives)
        }
        let divisor = T(Double(positiveCount) + 1e-16)

        // dL/dd(a,p) = k_p / divisor; dL/dd(a,n) = -(positives whose kept prefix holds n) / divisor.
        var dDistances = Matrix<T>(zeros: n, n)
        var tuples: [MinedTuple] = []
        for a in 0..<n {
            let negatives = sortedNegatives[a]
            var keptUpTo = [Int](repeating: 0, count: negatives.count + 1)
            for row in rows[a] {
                dDistances[a, row.positive] += T(row.kept) / divisor
                keptUpTo[row.kept] += 1
                if let hardest = negatives.first {
                    let term = (row.dap - hardest.distance) + margin
                    tuples.append(MinedTuple(anchor: a, positive: row.positive, negative: hardest.row,
                                             positiveScore: Double(row.dap), negativeScore: Double(hardest.distance),
                                             loss: Double(max(term, 0)),
                                             hardness: Hardness.of(positiveDistance: Double(row.dap),
                                                                   negativeDistance: Double(hardest.distance), margin: self.margin)))
                }
            }
            // Negative at sorted position i is kept by every positive whose prefix is longer than i.
            var keepers = 0
            for index in stride(from: negatives.count - 1, through: 0, by: -1) {
                keepers += keptUpTo[index + 1]
                if keepers > 0 { dDistances[a, negatives[index].row] -= T(keepers) / divisor }
            }
        }

        var report = MiningReport(kind: .triplet, tuples: tuples, counts: labelled.census(margin: self.margin))
        report.counts.used = report.counts.valid
        report.counts.active = positiveCount
        report.capTuples()
        return LossResult(value: total / divisor, columnGradients: [distances.backward(dDistances)], mining: report)
    }
}

/// One anchor-positive pair of BatchAllTripletLoss: how many of the anchor's sorted negatives
/// keep gradient (kept) and are counted as active (counted), and the sum of their terms.
private struct PositiveRow<T: Scalar> {
    var positive: Int
    var dap: T
    var kept: Int
    var counted: Int
    var sum: T
}
