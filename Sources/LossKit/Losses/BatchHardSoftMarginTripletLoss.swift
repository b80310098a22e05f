import RealModule

/// sentence-transformers' `BatchHardSoftMarginTripletLoss`: batch-hard mining as
/// BatchHardTripletLoss, with the hinge replaced by the soft margin log(1 + exp(d(a,p) - d(a,n))).
/// It has no margin parameter. 1.2.0 computes it literally as log1p(exp(x)), so a gap above
/// ~709 (Double) or ~88 (Float) overflows to inf with NaN gradients; 6.2.0 uses `F.softplus`,
/// which is x itself (gradient 1) above 20.
public struct BatchHardSoftMarginTripletLoss: EmbeddingLoss {
    public static let className = "BatchHardSoftMarginTripletLoss"
    public static let references = LossReference.allCases
    public static let referenceDifference = "6.2.0 uses softplus (x itself above 20), so a gap over ~710 no longer overflows to inf with NaN gradients as 1.2.0's log1p(exp(x)) does"
    /// Where `F.softplus` (beta 1) switches to the identity.
    static let softplusThreshold = 20.0
    public static let summary = "batch-hard with log(1+exp(·)) instead of a margin"
    public static let parameters: [LossParameter] = [
        LossParameter("distance_metric", .choice(["euclidean", "cosine"]), default: "euclidean", role: .metric,
                      "BatchHardTripletLossDistanceFunction: euclidean or cosine distance").script(BatchTripletSettings.scriptMetric),
    ]
    public static let inputSpec = LossInputSpec(columns: 1, labels: .classes)

    public var distanceMetric: BatchDistanceMetric
    public var reference: LossReference

    public init(distanceMetric: BatchDistanceMetric = .euclidean, reference: LossReference = .latest) {
        self.distanceMetric = distanceMetric
        self.reference = reference
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        let read = try BatchTripletSettings.read(values, for: Self.self, reference: reference, hasMargin: false)
        self.init(distanceMetric: read.metric, reference: reference)
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
        let softplus = reference >= .v6_2_0
        let threshold = T(Self.softplusThreshold)
        for (a, choice) in choices.enumerated() {
            let gap = choice.positiveDistance - choice.negativeDistance
            let slope: T
            if softplus && gap > threshold {
                losses[a] = gap
                slope = 1 / T(n)
            } else {
                let exponential = T.exp(gap)
                losses[a] = T.log(onePlus: exponential)
                slope = exponential / (1 + exponential) / T(n)
            }
            total += losses[a]
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
