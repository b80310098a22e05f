/// sentence-transformers' `BatchAllTripletLoss`: every valid triplet (a, p, n) of the batch
/// (a ≠ p same label, n other label), term max(d(a,p) - d(a,n) + margin, 0); the sum divided by
/// the number of triplets whose term exceeds 1e-16, plus 1e-16. Because the divisor counts only
/// active triplets, the value stays near the margin scale while fewer and fewer triplets are
/// active: progress shows in the active count, not in the value.
///
/// The reference builds an N×N×N tensor. Here each anchor's positives are sorted by distance;
/// a negative then counts for a suffix of them, found by binary search, and histograms over
/// those suffix starts give every positive's count and sum: O(N² log K) time for classes of
/// K rows, O(N²) memory.
public struct BatchAllTripletLoss: EmbeddingLoss {
    public static let className = "BatchAllTripletLoss"
    public static let references = LossReference.allCases
    public static let summary = "every valid triplet; the sum divided by the active ones (+1e-16)"
    public static let parameters: [LossParameter] = [
        LossParameter("distance_metric", .choice(["euclidean", "cosine"]), default: "euclidean", role: .metric,
                      "BatchHardTripletLossDistanceFunction: euclidean or cosine distance").script(BatchTripletSettings.scriptMetric),
        LossParameter("margin", .number, default: "5", role: .margin, "how much farther than a positive a negative must be"),
    ]
    public static let inputSpec = LossInputSpec(columns: 1, labels: .classes)

    public var distanceMetric: BatchDistanceMetric
    public var margin: Double

    public init(distanceMetric: BatchDistanceMetric = .euclidean, margin: Double = 5) {
        self.distanceMetric = distanceMetric
        self.margin = margin
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        let read = try BatchTripletSettings.read(values, for: Self.self, reference: reference)
        self.init(distanceMetric: read.metric, margin: read.margin)
    }

    public var settings: [(name: String, value: String)] {
        [("distance_metric", distanceMetric.rawValue), ("margin", "\(margin)")]
    }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        let n = Double(rows), size = Double(scalarBytes)
        return 10 * n * n * size
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

        var dDistances = Matrix<T>(zeros: n, n)
        var total: T = 0
        var positiveCount = 0
        var tuples: [MinedTuple] = []
        // Per-anchor histograms over suffix starts, reused: kept[s], counted[s], distanceSum[s].
        var kept = [Int](repeating: 0, count: n + 1)
        var counted = kept
        var distanceSum = [T](repeating: 0, count: n + 1)
        // First pass per anchor collects the terms; the dL/dd(a,p) need the final divisor, so
        // they are kept as counts and scaled at the end.
        var keptPerPair: [(a: Int, p: Int, kept: Int)] = []
        var keptPerNegative: [(a: Int, k: Int, kept: Int)] = []
        for a in 0..<n {
            let positives = labelled.sortedPositives(of: a)
            let count = positives.count
            if count == 0 { continue }
            for s in 0...count { kept[s] = 0; counted[s] = 0; distanceSum[s] = 0 }
            var closest: (distance: T, row: Int)? = nil
            for k in 0..<n where labelled.isNegative(a, k) {
                let dan = labelled.d(a, k)
                if closest == nil || dan < closest!.distance { closest = (dan, k) }
                // The term (d(a,p) - d(a,n)) + margin grows with d(a,p): the positives that keep
                // this negative (term not < 0) and count it (term > 1e-16) are suffixes.
                let keepStart = LabelledBatch<T>.partitionPoint(positives) { !(($0.distance - dan) + margin < 0) }
                let countStart = LabelledBatch<T>.partitionPoint(positives) { ($0.distance - dan) + margin > tiny }
                kept[keepStart] += 1
                distanceSum[keepStart] += dan
                counted[countStart] += 1
                if keepStart < count { keptPerNegative.append((a, k, count - keepStart)) }
            }
            var keptSoFar = 0, countedSoFar = 0
            var sumSoFar: T = 0
            for (j, positive) in positives.enumerated() {
                keptSoFar += kept[j]
                countedSoFar += counted[j]
                sumSoFar += distanceSum[j]
                total += T(keptSoFar) * (positive.distance + margin) - sumSoFar
                positiveCount += countedSoFar
                if keptSoFar > 0 { keptPerPair.append((a, positive.row, keptSoFar)) }
                if let closest {
                    let term = (positive.distance - closest.distance) + margin
                    tuples.append(MinedTuple(anchor: a, positive: positive.row, negative: closest.row,
                                             positiveScore: Double(positive.distance), negativeScore: Double(closest.distance),
                                             loss: Double(max(term, 0)),
                                             hardness: Hardness.of(positiveDistance: Double(positive.distance),
                                                                   negativeDistance: Double(closest.distance), margin: self.margin)))
                }
            }
        }
        let divisor = T(Double(positiveCount) + 1e-16)
        for entry in keptPerPair { dDistances[entry.a, entry.p] += T(entry.kept) / divisor }
        for entry in keptPerNegative { dDistances[entry.a, entry.k] -= T(entry.kept) / divisor }

        var report = MiningReport(kind: .triplet, tuples: tuples, counts: labelled.census(margin: self.margin))
        report.counts.used = report.counts.valid
        report.counts.active = positiveCount
        report.capTuples()
        return LossResult(value: total / divisor, columnGradients: [distances.backward(dDistances)], mining: report)
    }
}

