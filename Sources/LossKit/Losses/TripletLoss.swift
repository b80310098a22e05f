/// sentence-transformers' `TripletLoss`: columns (anchor, positive, negative);
/// mean over rows of max(d(a,p) - d(a,n) + triplet_margin, 0) with a row distance: torch's
/// `F.pairwise_distance` / `F.cosine_similarity` in 1.2.0, sentence-transformers' own
/// `util.pairwise_*_sim` in 6.2.0 (see `RowDistanceFormula`).
public struct TripletLoss: EmbeddingLoss {
    public static let className = "TripletLoss"
    public static let references = LossReference.allCases
    public static let referenceDifference = "6.2.0 drops the 1e-6 eps of the euclidean and manhattan distances and normalises for cosine (norms clamped at 1e-12, 1.2.0: 1e-8)"
    public static let summary = "fixed (anchor, positive, negative) triplets"
    public static let parameters: [LossParameter] = [
        LossParameter("distance_metric", .choice(["euclidean", "manhattan", "cosine"]), default: "euclidean", role: .metric, "TripletDistanceMetric between anchor and positive or negative")
            .script(.expressions(["euclidean": "losses.TripletDistanceMetric.EUCLIDEAN", "manhattan": "losses.TripletDistanceMetric.MANHATTAN",
                                  "cosine": "losses.TripletDistanceMetric.COSINE"])),
        LossParameter("triplet_margin", .number, default: "5", role: .margin, "how much farther than the positive the negative must be"),
    ]
    public static let inputSpec = LossInputSpec(columns: 3, labels: .none)

    public var distanceMetric: RowDistanceMetric
    public var tripletMargin: Double
    public var reference: LossReference

    public init(distanceMetric: RowDistanceMetric = .euclidean, tripletMargin: Double = 5, reference: LossReference = .latest) {
        self.distanceMetric = distanceMetric
        self.tripletMargin = tripletMargin
        self.reference = reference
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        self.reference = reference
        var settings = LossSettings(values, for: Self.self, reference: reference)
        distanceMetric = try settings.choice("distance_metric", accepted: RowDistanceMetric.accepted, parse: RowDistanceMetric.parse)
        tripletMargin = try settings.double("triplet_margin")
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] {
        [("distance_metric", distanceMetric.rawValue), ("triplet_margin", "\(tripletMargin)")]
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let (anchor, positive, negative) = (batch.columns[0], batch.columns[1], batch.columns[2])
        let n = anchor.rows
        let formula: RowDistanceFormula = reference == .v1_2_0 ? .torchPairwise : .similarityFunctions
        let toPositive = distanceMetric.forward(anchor, positive, formula: formula)
        let toNegative = distanceMetric.forward(anchor, negative, formula: formula)
        let margin = T(tripletMargin)
        var total: T = 0
        var dPositive = [T](repeating: 0, count: n)
        var dNegative = dPositive
        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: n, used: n)
        for i in 0..<n {
            let dap = toPositive.distances[i], dan = toNegative.distances[i]
            let term = (dap - dan) + margin
            let hardness = Hardness.of(positiveDistance: Double(dap), negativeDistance: Double(dan), margin: tripletMargin)
            counts.add(hardness)
            if term > 0 {
                total += term
                dPositive[i] = 1 / T(n)
                dNegative[i] = -1 / T(n)
                counts.active += 1
            }
            tuples.append(MinedTuple(anchor: i, positive: i, negative: i, positiveScore: Double(dap),
                                     negativeScore: Double(dan), loss: Double(max(term, 0)), hardness: hardness))
        }
        let (daP, dp) = toPositive.backward(dPositive)
        let (daN, dn) = toNegative.backward(dNegative)
        return LossResult(value: total / T(n), columnGradients: [daP.adding(daN), dp, dn],
                          mining: MiningReport(kind: .triplet, tuples: tuples, counts: counts))
    }
}
