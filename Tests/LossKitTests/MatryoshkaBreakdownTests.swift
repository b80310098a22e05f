import LossKit
import Testing

/// MatryoshkaLoss's split of its value by dimension (`LossResult.breakdown`), which the session
/// charts: each part is the weight times the wrapped loss on the normalised prefix, the parts
/// add up to the value, and the reference's own fields are untouched (no `terms`).
@Suite struct MatryoshkaBreakdownTests {
    static func batch(rows: Int, width: Int, seed: UInt64) -> LossBatch<Double> {
        var random = SeededRandom(seed: seed)
        let columns = (0..<2).map { _ in Matrix<Double>(rows: rows, cols: width, values: (0..<rows * width).map { _ in random.normal() }) }
        return LossBatch(columns: columns)
    }

    static func prefix(_ matrix: Matrix<Double>, _ width: Int) -> Matrix<Double> {
        Matrix(rows: (0..<matrix.rows).map { i in (0..<width).map { matrix[i, $0] } })
    }

    @Test func eachPartIsTheWeightedLossOnTheNormalisedPrefix() throws {
        let inner = try MultipleNegativesRankingLoss(settings: ["scale": "10"])
        let loss = try MatryoshkaLoss(inner: inner, dimensions: [3, 12, 6], weights: [2, 1, 0.5])
        let batch = Self.batch(rows: 7, width: 12, seed: 5)
        let result = try loss.evaluate(batch)
        #expect(result.terms.isEmpty)
        #expect(result.breakdown.map(\.name) == ["loss@12", "loss@6", "loss@3"])
        for (part, (width, weight)) in zip(result.breakdown, [(12, 1.0), (6, 0.5), (3, 2.0)]) {
            let cut = LossBatch(columns: batch.columns.map { L2Normalization.forward(Self.prefix($0, width)).output })
            let alone = try inner.evaluate(cut).value
            #expect(abs(part.value - weight * alone) <= 1e-12 * max(abs(alone), 1), "\(part.name)")
        }
        #expect(abs(result.breakdown.map(\.value).reduce(0, +) - result.value) <= 1e-12 * abs(result.value))
        // Minings per part only when the batch asks to be explained.
        #expect(result.breakdownMinings.isEmpty)
        var explained = batch
        explained.explain = true
        #expect(try loss.evaluate(explained).breakdownMinings.map(\.kind) == [.ranking, .ranking, .ranking])
    }

    @Test func aRepeatedDimensionIsOnePartAndSampledOnesAreThoseComputed() throws {
        let inner = try MultipleNegativesRankingLoss(settings: [:])
        let repeated = try MatryoshkaLoss(inner: inner, dimensions: [8, 4, 4], weights: [1, 1, 3])
        let batch = Self.batch(rows: 6, width: 8, seed: 9)
        let result = try repeated.evaluate(batch)
        #expect(result.breakdown.map(\.name) == ["loss@8", "loss@4"])
        #expect(abs(result.breakdown.map(\.value).reduce(0, +) - result.value) <= 1e-12 * abs(result.value))
        #expect(repeated.truncationDimensions(width: 8) == [8, 4])
        #expect(repeated.truncationDimensions(width: 6) == [], "a dimension wider than the embeddings trains nothing")

        let sampled = try MatryoshkaLoss(inner: inner, dimensions: [8, 4, 2, 1], dimensionsPerStep: 2)
        var seeded = batch
        seeded.samplingSeed = 77
        let some = try sampled.evaluate(seeded)
        #expect(some.breakdown.count == 2)
        #expect(abs(some.breakdown.map(\.value).reduce(0, +) - some.value) <= 1e-12 * abs(some.value))
        #expect(try MultipleNegativesRankingLoss(settings: [:]).truncationDimensions(width: 8) == [])
    }
}

/// The layer losses that wrap a MatryoshkaLoss train its dimensions too, at every layer.
@Suite struct LayerTruncationTests {
    @Test func matryoshka2dAndAWrappedMatryoshkaTrainTheirDimensions() throws {
        let twoD = try Matryoshka2dLoss(settings: ["matryoshka_dims": "4,16,8,8"], reference: .latest)
        #expect(twoD.truncationDimensions(width: 16) == [16, 8, 4])
        #expect(twoD.truncationDimensions(width: 12) == [], "a dimension wider than the embeddings trains nothing")
        #expect(try LossCatalog.make("Matryoshka2dLoss").truncationDimensions(width: 768) == [768, 384, 192, 96])
        let adaptive = try AdaptiveLayerLoss(settings: ["loss": "MatryoshkaLoss", "loss.matryoshka_dims": "16,4"], reference: .latest)
        #expect(adaptive.truncationDimensions(width: 16) == [16, 4])
        #expect(try LossCatalog.make("AdaptiveLayerLoss").truncationDimensions(width: 768) == [])
        let names = LossCatalog.truncatingNames.components(separatedBy: ", ")
        #expect(names.contains("Matryoshka2dLoss") && names.contains("MatryoshkaLoss") && !names.contains("AdaptiveLayerLoss"))
    }
}
