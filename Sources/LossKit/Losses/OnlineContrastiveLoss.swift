/// sentence-transformers' `OnlineContrastiveLoss`: contrastive loss on the hard pairs only.
/// Negatives (label 0) count when closer than the farthest positive and positives (label 1)
/// when farther than the closest negative. Without positives the negatives' threshold is the
/// mean negative distance instead (and symmetrically for positives); 1.2.0 takes the mean with
/// a single positive too (it wants two or more), 6.2.0 takes that positive's distance. Labels
/// other than 0 and 1 are ignored. The terms are SUMMED, not averaged: the value grows with
/// the batch size.
public struct OnlineContrastiveLoss: EmbeddingLoss {
    public static let className = "OnlineContrastiveLoss"
    public static let references = LossReference.allCases
    public static let referenceDifference = "6.2.0 compares with the farthest positive (closest negative) when there is at least one, 1.2.0 only from two on (with one, the mean of the other side)"
    public static let summary = "contrastive on the hard pairs only, summed"
    public static let parameters: [LossParameter] = [
        LossParameter("distance_metric", .choice(["euclidean", "manhattan", "cosine"]), default: "cosine", role: .metric, "SiameseDistanceMetric between the two embeddings")
            .script(.expressions(["euclidean": "losses.SiameseDistanceMetric.EUCLIDEAN", "manhattan": "losses.SiameseDistanceMetric.MANHATTAN",
                                  "cosine": "losses.SiameseDistanceMetric.COSINE_DISTANCE"])),
        LossParameter("margin", .number, default: "0.5", role: .margin, "dissimilar pairs closer than this are pushed apart"),
    ]
    public static let inputSpec = LossInputSpec(columns: 2, labels: .binary)

    public var distanceMetric: RowDistanceMetric
    public var margin: Double
    public var reference: LossReference

    public init(distanceMetric: RowDistanceMetric = .cosine, margin: Double = 0.5, reference: LossReference = .latest) {
        self.distanceMetric = distanceMetric
        self.margin = margin
        self.reference = reference
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        self.reference = reference
        var settings = LossSettings(values, for: Self.self, reference: reference)
        distanceMetric = try settings.choice("distance_metric", accepted: RowDistanceMetric.accepted, parse: RowDistanceMetric.parse)
        margin = try settings.double("margin")
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] {
        [("distance_metric", distanceMetric.rawValue), ("margin", "\(margin)")]
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let n = batch.columns[0].rows
        let distances = distanceMetric.forward(batch.columns[0], batch.columns[1])
        let d = distances.distances
        let negatives = (0..<n).filter { batch.labels[$0] == 0 }
        let positives = (0..<n).filter { batch.labels[$0] == 1 }
        // An empty mean is NaN, and comparisons with NaN select nothing, as in the reference.
        func mean(_ rows: [Int]) -> T { rows.isEmpty ? .nan : rows.reduce(T(0)) { $0 + d[$1] } / T(rows.count) }
        let enough = reference >= .v6_2_0 ? 1 : 2
        let negativeThreshold = positives.count >= enough ? positives.map { d[$0] }.max()! : mean(negatives)
        let positiveThreshold = negatives.count >= enough ? negatives.map { d[$0] }.min()! : mean(positives)
        let margin = T(self.margin)
        var total: T = 0
        var dDistance = [T](repeating: 0, count: n)
        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: negatives.count + positives.count)
        for i in positives where d[i] > positiveThreshold {
            total += d[i] * d[i]
            dDistance[i] = 2 * d[i]
            counts.used += 1
            if d[i] != 0 { counts.active += 1 }
            tuples.append(MinedTuple(anchor: i, positive: i, positiveScore: Double(d[i]), loss: Double(d[i] * d[i]), label: 1))
        }
        for i in negatives where d[i] < negativeThreshold {
            let gap = max(margin - d[i], 0)
            total += gap * gap
            dDistance[i] = -2 * gap
            counts.used += 1
            if gap > 0 { counts.active += 1 }
            tuples.append(MinedTuple(anchor: i, positive: i, positiveScore: Double(d[i]), loss: Double(gap * gap), label: 0))
        }
        tuples.sort { $0.anchor < $1.anchor }
        let (da, db) = distances.backward(dDistance)
        return LossResult(value: total, columnGradients: [da, db],
                          mining: MiningReport(kind: .pair, tuples: tuples, counts: counts))
    }
}
