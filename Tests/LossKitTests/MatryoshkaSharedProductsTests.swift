@testable import LossKit
import Testing

/// MatryoshkaLoss's shared products (`sharedProducts`): around a loss that sees only the cosine
/// matrix, every prefix from one set of band products. It must give the general path's value,
/// terms, gradients and mining (the general path is what a batch a view shows takes), and step
/// aside where the general path computes something else.
@Suite struct MatryoshkaSharedProductsTests {
    static func batch<T: Scalar>(_: T.Type, rows: Int, width: Int, columns: Int = 2, seed: UInt64) -> LossBatch<T> {
        var random = SeededRandom(seed: seed)
        return LossBatch(columns: (0..<columns).map { _ in
            Matrix<T>(rows: rows, cols: width, values: (0..<rows * width).map { _ in T(random.normal()) })
        })
    }

    /// The shared path's result (it must be taken) against the general path's.
    static func compare<T: Scalar>(_ loss: MatryoshkaLoss, _ batch: LossBatch<T>, tolerance: Double) throws {
        let width = batch.columns[0].cols
        let schedule = try loss.schedule(width: width)
        let picked = loss.chosen(count: schedule.count, seed: batch.samplingSeed)
        let ranking = try #require((loss.inner as? CosineMatrixLoss)?.cosineRanking)
        let shared = try #require(loss.sharedProducts(batch, ranking: ranking, schedule: schedule, picked: picked))
        var explained = batch
        explained.explain = true
        let general = try loss.compute(explained)
        let scale = max(abs(Double(general.value)), 1)
        #expect(abs(Double(shared.value - general.value)) <= tolerance * scale)
        #expect(shared.breakdown.map(\.name) == general.breakdown.map(\.name))
        for (a, b) in zip(shared.breakdown, general.breakdown) { #expect(abs(Double(a.value - b.value)) <= tolerance * scale, "\(a.name)") }
        #expect(shared.columnGradients.count == general.columnGradients.count)
        let largest = general.columnGradients.flatMap(\.values).map { abs(Double($0)) }.max() ?? 1
        for (a, b) in zip(shared.columnGradients, general.columnGradients) {
            #expect(a.rows == b.rows && a.cols == b.cols)
            let gap = zip(a.values, b.values).map { abs(Double($0 - $1)) }.max() ?? 0
            #expect(gap <= tolerance * max(largest, 1e-3), "gradient gap \(gap) of \(largest)")
        }
        #expect(shared.mining.kind == general.mining.kind)
        #expect(shared.mining.tuples.map(\.negative) == general.mining.tuples.map(\.negative))
        #expect(shared.mining.tuples.map(\.label) == general.mining.tuples.map(\.label))
        #expect(shared.mining.counts == general.mining.counts)
        // What a step computes is the shared result.
        let plain = try loss.compute(batch)
        #expect(plain.value == shared.value)
    }

    @Test func multipleNegativesRankingGivesTheGeneralPathsResult() throws {
        let inner = try MultipleNegativesRankingLoss(settings: ["scale": "10"])
        try Self.compare(try MatryoshkaLoss(inner: inner, dimensions: [12, 6, 3], weights: [1, 0.5, 2]),
                         Self.batch(Double.self, rows: 7, width: 12, seed: 1), tolerance: 1e-11)
        // Hard negatives: documents are the positives and the negatives stacked.
        try Self.compare(try MatryoshkaLoss(inner: inner, dimensions: [12, 8, 4]),
                         Self.batch(Double.self, rows: 5, width: 12, columns: 4, seed: 2), tolerance: 1e-11)
    }

    @Test func theSymmetricLossGivesTheGeneralPathsResult() throws {
        let inner = try MultipleNegativesSymmetricRankingLoss(settings: [:])
        try Self.compare(try MatryoshkaLoss(inner: inner, dimensions: [16, 8, 4, 2]),
                         Self.batch(Double.self, rows: 9, width: 16, seed: 3), tolerance: 1e-11)
    }

    @Test func narrowerDimensionsRepeatsAndSamplingAgreeToo() throws {
        let inner = try MultipleNegativesRankingLoss(settings: [:])
        // No full-width term: the columns past the widest dimension get no gradient.
        let narrow = try MatryoshkaLoss(inner: inner, dimensions: [8, 4])
        let batch = Self.batch(Double.self, rows: 6, width: 12, seed: 4)
        try Self.compare(narrow, batch, tolerance: 1e-11)
        let gradient = try narrow.evaluate(batch).columnGradients[0]
        #expect((0..<6).allSatisfy { i in (8..<12).allSatisfy { gradient[i, $0] == 0 } })
        // A dimension listed twice, the first one too.
        try Self.compare(try MatryoshkaLoss(inner: inner, dimensions: [12, 12, 4, 4], weights: [1, 2, 0.5, 3]), batch, tolerance: 1e-11)
        // Two of four dimensions per step.
        var sampled = batch
        sampled.samplingSeed = 9
        try Self.compare(try MatryoshkaLoss(inner: inner, dimensions: [12, 8, 4, 2], dimensionsPerStep: 2), sampled, tolerance: 1e-11)
    }

    @Test func floatAgreesWithinFloatRounding() throws {
        let inner = try MultipleNegativesRankingLoss(settings: [:])
        try Self.compare(try MatryoshkaLoss(inner: inner, dimensions: [64, 32, 16, 8]),
                         Self.batch(Float.self, rows: 48, width: 64, seed: 5), tolerance: 2e-5)
    }

    @Test func theGeneralPathKeepsWhatItAloneComputes() throws {
        let plain = try MultipleNegativesRankingLoss(settings: [:])
        let loss = try MatryoshkaLoss(inner: plain, dimensions: [8, 4])
        let schedule = try loss.schedule(width: 8)
        let ranking = try #require(plain.cosineRanking)
        // A row whose first four values are 0: 6.2.0 divides it by eps along the chain.
        var zeroPrefix = Self.batch(Double.self, rows: 4, width: 8, seed: 6)
        for k in 0..<4 { zeroPrefix.columns[1][2, k] = 0 }
        #expect(loss.sharedProducts(zeroPrefix, ranking: ranking, schedule: schedule, picked: [0, 1]) == nil)
        // A batch a view shows reports every dimension's mining.
        var explained = Self.batch(Double.self, rows: 4, width: 8, seed: 7)
        explained.explain = true
        #expect(loss.sharedProducts(explained, ranking: ranking, schedule: schedule, picked: [0, 1]) == nil)
        // Settings under which the ranking reads more than the cosines.
        #expect(try MultipleNegativesRankingLoss(settings: ["similarity_fct": "dot_score"]).cosineRanking == nil)
        #expect(try MultipleNegativesRankingLoss(settings: ["hardness_mode": "hard_negatives", "hardness_strength": "2"]).cosineRanking == nil)
        #expect(try MultipleNegativesRankingLoss(settings: ["directions": "query_to_doc,query_to_query"]).cosineRanking == nil)
        #expect(try MultipleNegativesRankingLoss(settings: ["hardness_mode": "hard_negatives"]).cosineRanking != nil)
    }
}
