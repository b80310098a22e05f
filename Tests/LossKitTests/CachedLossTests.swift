import LossKit
import Testing

/// The cached losses compute their non-cached loss over mini-batches of rows: the same value
/// and gradient for every mini_batch_size, and scratch memory for one mini-batch only.
@Suite struct CachedLossTests {
    static func batch(rows: Int, columns: Int, guided: Bool, seed: UInt64) -> LossBatch<Double> {
        var random = SeededRandom(seed: seed)
        func matrix(_ cols: Int) -> Matrix<Double> { Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in random.normal() }) }
        var batch = LossBatch(columns: (0..<columns).map { _ in matrix(6) })
        if guided { batch.guides = batch.columns.map { column in Matrix(rows: rows, cols: 4, values: (0..<(rows * 4)).map { column.values[$0] + 0.3 * random.normal() }) } }
        return batch
    }

    static let pairs: [(plain: String, cached: String, settings: [String: String])] = [
        ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss", [:]),
        ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss",
         ["directions": "query_to_doc,query_to_query,doc_to_query,doc_to_doc", "hardness_mode": "in_batch_negatives", "hardness_strength": "4"]),
        ("MultipleNegativesRankingLoss", "CachedMultipleNegativesRankingLoss",
         ["directions": "query_to_doc,doc_to_query", "partition_mode": "per_direction", "similarity_fct": "manhattan_sim", "scale": "0.5"]),
        ("MultipleNegativesSymmetricRankingLoss", "CachedMultipleNegativesSymmetricRankingLoss", ["similarity_fct": "euclidean_sim", "scale": "1"]),
        ("GISTEmbedLoss", "CachedGISTEmbedLoss", ["temperature": "0.05"]),
        ("GISTEmbedLoss", "CachedGISTEmbedLoss", ["margin_strategy": "relative", "margin": "0.2", "contrast_anchors": "false"]),
    ]

    @Test(arguments: 0..<pairs.count)
    func everyMiniBatchSizeGivesTheSameValueAndGradient(_ index: Int) throws {
        let pair = Self.pairs[index]
        let plain = try LossCatalog.make(pair.plain, settings: pair.settings)
        let batch = Self.batch(rows: 11, columns: 3, guided: pair.plain.hasPrefix("GIST"), seed: UInt64(index) + 1)
        let expected = try plain.evaluate(batch)
        for size in [1, 2, 3, 4, 7, 10, 11, 12, 32] {
            let cached = try LossCatalog.make(pair.cached, settings: pair.settings.merging(["mini_batch_size": "\(size)"]) { $1 })
            let result = try cached.evaluate(batch)
            #expect(abs(result.value - expected.value) <= 1e-12 * max(1, abs(expected.value)), "\(pair.cached) mini_batch_size=\(size)")
            for (got, want) in zip(result.columnGradients, expected.columnGradients) {
                let scale = want.values.map(abs).max() ?? 0
                #expect(zip(got.values, want.values).allSatisfy { abs($0 - $1) <= 1e-12 * max(1, scale) }, "\(pair.cached) mini_batch_size=\(size)")
            }
        }
    }

    @Test func scratchIsOneMiniBatchOfTheNonCachedLoss() throws {
        for pair in Self.pairs {
            let plain = try LossCatalog.make(pair.plain, settings: pair.settings)
            let cached = try LossCatalog.make(pair.cached, settings: pair.settings.merging(["mini_batch_size": "64"]) { $1 })
            let full = plain.scratchBytes(rows: 8192, columns: 2, scalarBytes: 4, classes: 0)
            let chunked = cached.scratchBytes(rows: 8192, columns: 2, scalarBytes: 4, classes: 0)
            // The ranking report's tuple per row is held whatever the mini-batch.
            let perRow = pair.plain.hasPrefix("GIST") ? 0 : 2 * 8192 * Double(MemoryLayout<MinedTuple>.stride)
            #expect(full > 0 && abs((chunked - perRow) * 8192 / 64 - (full - perRow)) <= 1e-9 * full, "\(pair.cached): \(chunked) bytes against \(full)")
        }
    }
}
