/// sentence-transformers' `ContrastiveLoss` (Hadsell et al.): columns (a, b), a label per pair
/// (1 = similar, 0 = dissimilar); term 0.5·(y·d² + (1-y)·max(margin - d, 0)²), averaged over
/// the batch when size_average (default) and summed otherwise. The label enters as a number,
/// so a label of 2 weighs the pull twice and pushes with weight -1, as in the reference.
public struct ContrastiveLoss: EmbeddingLoss {
    public static let className = "ContrastiveLoss"
    public static let references = LossReference.allCases
    public static let summary = "pull similar pairs, push dissimilar ones past the margin"
    public static let parameters: [LossParameter] = [
        LossParameter("distance_metric", .choice(["euclidean", "manhattan", "cosine"]), default: "cosine", role: .metric, "SiameseDistanceMetric between the two embeddings")
            .script(.expressions(["euclidean": "losses.SiameseDistanceMetric.EUCLIDEAN", "manhattan": "losses.SiameseDistanceMetric.MANHATTAN",
                                  "cosine": "losses.SiameseDistanceMetric.COSINE_DISTANCE"])),
        LossParameter("margin", .number, default: "0.5", role: .margin, "dissimilar pairs closer than this are pushed apart"),
        LossParameter("size_average", .flag, default: "true", "mean over the pairs (false: sum)"),
    ]
    public static let inputSpec = LossInputSpec(columns: 2, labels: .binary)

    public var distanceMetric: RowDistanceMetric
    public var margin: Double
    public var sizeAverage: Bool

    public init(distanceMetric: RowDistanceMetric = .cosine, margin: Double = 0.5, sizeAverage: Bool = true) {
        self.distanceMetric = distanceMetric
        self.margin = margin
        self.sizeAverage = sizeAverage
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        distanceMetric = try settings.choice("distance_metric", accepted: RowDistanceMetric.accepted, parse: RowDistanceMetric.parse)
        margin = try settings.double("margin")
        sizeAverage = try settings.bool("size_average")
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] {
        [("distance_metric", distanceMetric.rawValue), ("margin", "\(margin)"), ("size_average", "\(sizeAverage)")]
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let n = batch.columns[0].rows
        let distances = distanceMetric.forward(batch.columns[0], batch.columns[1])
        let margin = T(self.margin)
        let scale: T = sizeAverage ? 1 / T(n) : 1
        var total: T = 0
        var dDistance = [T](repeating: 0, count: n)
        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: n, used: n)
        for i in 0..<n {
            let y = T(batch.labels[i])
            let d = distances.distances[i]
            let gap = max(margin - d, 0)
            let term = (y * d * d + (1 - y) * gap * gap) / 2
            total += term
            // d(term)/dd = y·d - (1-y)·max(margin - d, 0)
            dDistance[i] = scale * (y * d - (1 - y) * gap)
            if term != 0 { counts.active += 1 }
            tuples.append(MinedTuple(anchor: i, positive: i, positiveScore: Double(d), loss: Double(term),
                                     label: batch.labels[i]))
        }
        let (da, db) = distances.backward(dDistance)
        return LossResult(value: total * scale, columnGradients: [da, db],
                          mining: MiningReport(kind: .pair, tuples: tuples, counts: counts))
    }
}
