/// sentence-transformers' `BatchHardTripletLoss` (Hermans et al. 2017): one column and a class
/// label per row; for each anchor its farthest positive and closest negative;
/// mean over anchors of max(d(a,p) - d(a,n) + margin, 0). An anchor without a positive uses
/// d(a,p) = 0; an anchor without a negative uses a fake one (see BatchHardMining).
public struct BatchHardTripletLoss: EmbeddingLoss {
    public static let className = "BatchHardTripletLoss"
    public static let references = LossReference.allCases
    public static let summary = "farthest positive vs closest negative per anchor"
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
        return 4 * n * n * size
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let distances = distanceMetric.forward(batch.columns[0])
        let labelled = LabelledBatch(labels: batch.labels, distances: distances.distances)
        let n = labelled.n
        let choices = BatchHardMining.mine(labelled)
        var total: T = 0
        var losses = [T](repeating: 0, count: n)
        var dPositive = losses, dNegative = losses
        for (a, choice) in choices.enumerated() {
            let term = (choice.positiveDistance - choice.negativeDistance) + T(margin)
            // The reference zeroes terms below 0 in place: a term of exactly 0 keeps its gradient.
            if !(term < 0) {
                losses[a] = term
                total += term
                dPositive[a] = 1 / T(n)
                dNegative[a] = -1 / T(n)
            }
        }
        let dDistances = BatchHardMining.distanceGradient(choices, labelled, dPositive: dPositive, dNegative: dNegative)
        var report = MiningReport(kind: .triplet, tuples: BatchHardMining.tuples(choices, labelled, losses: losses, margin: margin),
                                  counts: labelled.census(margin: margin))
        report.counts.used = n
        report.counts.active = losses.filter { $0 > 0 }.count
        return LossResult(value: total / T(n), columnGradients: [distances.backward(dDistances)], mining: report)
    }
}
