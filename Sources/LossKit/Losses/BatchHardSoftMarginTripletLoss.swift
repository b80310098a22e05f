import RealModule

/// sentence-transformers' `BatchHardSoftMarginTripletLoss`: batch-hard mining as
/// BatchHardTripletLoss, with the hinge replaced by the soft margin log(1 + exp(d(a,p) - d(a,n))).
/// It has no margin parameter. Computed literally as log1p(exp(x)), so, as in the reference,
/// a gap above ~709 (Double) or ~88 (Float) overflows to inf.
public struct BatchHardSoftMarginTripletLoss: EmbeddingLoss {
    public static let className = "BatchHardSoftMarginTripletLoss"
    public static let references = LossReference.allCases
    public static let summary = "batch-hard with log(1+exp(·)) instead of a margin"
    public static let parameters: [LossParameter] = [
        LossParameter("distance_metric", .choice(["euclidean", "cosine"]), default: "euclidean", role: .metric,
                      "BatchHardTripletLossDistanceFunction: euclidean or cosine distance").script(BatchTripletSettings.scriptMetric),
    ]
    public static let inputSpec = LossInputSpec(columns: 1, labels: .classes)

    public var distanceMetric: BatchDistanceMetric

    public init(distanceMetric: BatchDistanceMetric = .euclidean) {
        self.distanceMetric = distanceMetric
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        let read = try BatchTripletSettings.read(values, for: Self.self, reference: reference, hasMargin: false)
        self.init(distanceMetric: read.metric)
    }

    public var settings: [(name: String, value: String)] { [("distance_metric", distanceMetric.rawValue)] }

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
            let exponential = T.exp(choice.positiveDistance - choice.negativeDistance)
            losses[a] = T.log(onePlus: exponential)
            total += losses[a]
            let slope = exponential / (1 + exponential) / T(n)
            dPositive[a] = slope
            dNegative[a] = -slope
        }
        let dDistances = BatchHardMining.distanceGradient(choices, labelled, dPositive: dPositive, dNegative: dNegative)
        var report = MiningReport(kind: .triplet, tuples: BatchHardMining.tuples(choices, labelled, losses: losses, margin: 0),
                                  counts: labelled.census(margin: 0))
        report.counts.used = n
        report.counts.active = n
        return LossResult(value: total / T(n), columnGradients: [distances.backward(dDistances)], mining: report)
    }
}
