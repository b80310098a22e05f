/// sentence-transformers 6.2's `MultipleNegativesRankingLoss` (InfoNCE with in-batch
/// negatives): columns (anchor, positive, hard negatives...). Every non-anchor row of the batch
/// is a candidate; anchor i's positive is candidate i. Cross-entropy over scale · similarity,
/// optionally with the reverse and same-side directions and a hardness penalty
/// (see `InBatchRanking`).
public struct MultipleNegativesRankingLoss: EmbeddingLoss {
    public static let className = "MultipleNegativesRankingLoss"
    public static let references = LossReference.allCases
    public static let summary = "softmax over in-batch candidates (InfoNCE); directions, per-direction partitions, hardness"
    public static let parameters = InBatchRanking.rankingParameters
    public static let insightView = InsightView.ranking
    public static let usesInBatchNegatives = true
    public static let referenceDifference = "6.2.0 requires scale > 0 and adds directions, partition_mode, hardness_mode/hardness_strength, gather_across_devices and util's euclidean_sim and manhattan_sim (the defaults give 1.2.0's values)"
    public static let inputSpec = LossInputSpec(minColumns: 2, maxColumns: nil, labels: .none)

    /// 1.2.0's util has only cos_sim and dot_score.
    public static func parameters(in reference: LossReference) -> [LossParameter] {
        availableParameters(in: reference).map { parameter in
            guard parameter.name == "similarity_fct", reference < .v6_2_0 else { return parameter }
            var older = parameter
            older.kind = .choice([MatrixSimilarity.cosSim.rawValue, MatrixSimilarity.dotScore.rawValue])
            return older
        }
    }

    public var ranking: InBatchRanking
    public var reference = LossReference.latest
    public var scale: Double { ranking.scale }
    public var similarity: MatrixSimilarity { ranking.similarity }

    public init(_ ranking: InBatchRanking = InBatchRanking()) { self.ranking = ranking }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        ranking = try InBatchRanking.read(&settings, owner: Self.className, symmetric: false)
        try settings.finish()
        self.reference = reference
        if reference < .v6_2_0 && ![.cosSim, .dotScore].contains(ranking.similarity) {
            throw LossError("MultipleNegativesRankingLoss: similarity_fct \(ranking.similarity.rawValue) is new in sentence-transformers 6.2.0; 1.2.0's util has cos_sim and dot_score (set reference=6.2.0)")
        }
    }

    /// The settings its reference has (1.2.0: scale and similarity_fct).
    public var settings: [(name: String, value: String)] {
        let known = Set(Self.parameters(in: reference).map(\.name))
        return ranking.rankingSettings.filter { known.contains($0.name) }
    }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        ranking.scratchBytes(rows: rows, chunk: rows, columns: columns, scalarBytes: scalarBytes)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        return ranking.compute(batch, chunk: batch.columns[0].rows)
    }
}

extension MultipleNegativesRankingLoss: CosineMatrixLoss {
    var cosineRanking: InBatchRanking? { ranking.readsOnlyCosines ? ranking : nil }
}
