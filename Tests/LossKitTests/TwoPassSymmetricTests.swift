@testable import LossKit
import Testing

/// The cached symmetric ranking loss's two-pass path (column statistics merged over the
/// mini-batches, the scores computed again for the gradient) against the whole batch's fused
/// symmetric softmax, in Float and Double, for mini-batches that do and do not divide the batch.
@Suite struct TwoPassSymmetricTests {
    static func batch<T: Scalar>(rows: Int, columns: Int, dimension: Int, seed: UInt64) -> LossBatch<T> {
        var random = SeededRandom(seed: seed)
        func matrix() -> Matrix<T> {
            Matrix(rows: rows, cols: dimension, values: (0..<(rows * dimension)).map { _ in T(random.normal()) })
        }
        return LossBatch(columns: (0..<columns).map { _ in matrix() })
    }

    static let settings: [[String: String]] = [[:], ["similarity_fct": "dot_score", "scale": "0.5"], ["scale": "50"]]

    /// The largest difference of two gradients relative to the larger's largest entry.
    static func gradientGap<T: Scalar>(_ got: [Matrix<T>], _ want: [Matrix<T>]) -> Double {
        var worst = 0.0, largest = 0.0
        for (g, w) in zip(got, want) {
            for k in w.values.indices {
                worst = max(worst, abs(Double(g.values[k]) - Double(w.values[k])))
                largest = max(largest, abs(Double(w.values[k])))
            }
        }
        return worst / max(largest, 1e-300)
    }

    func check<T: Scalar>(_: T.Type, tolerance: Double) throws {
        for (index, extra) in Self.settings.enumerated() {
            for columns in [2, 3] {
                var batch: LossBatch<T> = Self.batch(rows: 70, columns: columns, dimension: 24, seed: UInt64(10 * index + columns))
                batch.explain = true
                let plain = try MultipleNegativesSymmetricRankingLoss(settings: extra, reference: .latest)
                let expected: LossResult<T> = try plain.compute(batch)
                for size in [1, 7, 16, 69] {
                    let cached = try CachedMultipleNegativesSymmetricRankingLoss(
                        settings: extra.merging(["mini_batch_size": "\(size)"]) { $1 }, reference: .latest)
                    #expect(cached.ranking.usesTwoPassSymmetric(rows: 70, chunk: size))
                    let result: LossResult<T> = try cached.compute(batch)
                    let label = "\(T.self) \(extra) columns \(columns) mini_batch_size \(size)"
                    let value = Double(result.value), wantValue = Double(expected.value)
                    #expect(abs(value - wantValue) <= tolerance * max(1, abs(wantValue)), "\(label): value")
                    let gap = Self.gradientGap(result.columnGradients, expected.columnGradients)
                    #expect(gap <= tolerance, "\(label): gradient off by \(gap) of its largest entry")
                    #expect(result.scratch?.miniBatches == (70 + size - 1) / size, "\(label): mini-batches")
                    let got = result.mining.tuples, want = expected.mining.tuples
                    #expect(got.map { (t: MinedTuple) in t.label } == want.map { (t: MinedTuple) in t.label }, "\(label): ranks")
                    #expect(got.map { (t: MinedTuple) in t.negative } == want.map { (t: MinedTuple) in t.negative }, "\(label): rivals")
                    let lossGap = zip(got, want).map { (g: MinedTuple, w: MinedTuple) -> Double in abs(g.loss - w.loss) / max(1, abs(w.loss)) }.max() ?? 0
                    #expect(lossGap <= tolerance, "\(label): row losses")
                    let parts: [Double] = result.mining.parts.map { $0.value }, wantParts: [Double] = expected.mining.parts.map { $0.value }
                    let partGap = zip(parts, wantParts).map { (g: Double, w: Double) -> Double in abs(g - w) / max(1, abs(w)) }.max() ?? 1
                    #expect(parts.count == 2 && partGap <= tolerance, "\(label): parts \(parts) against \(wantParts)")
                }
            }
        }
    }

    @Test func doubleAgreesWithTheWholeBatch() throws { try check(Double.self, tolerance: 1e-12) }

    @Test func floatAgreesWithTheWholeBatch() throws { try check(Float.self, tolerance: 2e-5) }

    /// The comparison above can fail: leaving out the column direction's share (what the path
    /// would give with its second direction lost) is far outside its tolerance.
    @Test func theComparisonSeesAMissingDirection() throws {
        let batch: LossBatch<Double> = Self.batch(rows: 70, columns: 2, dimension: 24, seed: 2)
        let both = try MultipleNegativesSymmetricRankingLoss(settings: [:], reference: .latest).evaluate(batch)
        let forwardOnly = try MultipleNegativesRankingLoss(settings: [:], reference: .latest).evaluate(batch)
        let halved = forwardOnly.columnGradients.map { m in Matrix(rows: m.rows, cols: m.cols, values: m.values.map { $0 / 2 }) }
        #expect(Self.gradientGap(halved, both.columnGradients) > 1e-3)
    }

    /// Only the cached symmetric softmax without a penalty takes the path.
    @Test func whichComputationsTakeThePath() {
        let symmetric = InBatchRanking(directions: [.queryToDoc, .docToQuery], partition: .perDirection)
        #expect(symmetric.usesTwoPassSymmetric(rows: 64, chunk: 32))
        #expect(!symmetric.usesTwoPassSymmetric(rows: 64, chunk: 64))
        var penalised = symmetric
        penalised.hardness = .inBatchNegatives
        penalised.hardnessStrength = 2
        #expect(!penalised.usesTwoPassSymmetric(rows: 64, chunk: 32))
        penalised.hardnessStrength = 0
        #expect(penalised.usesTwoPassSymmetric(rows: 64, chunk: 32))
        #expect(!InBatchRanking(directions: [.queryToDoc, .docToQuery], partition: .joint).usesTwoPassSymmetric(rows: 64, chunk: 32))
        #expect(!InBatchRanking().usesTwoPassSymmetric(rows: 64, chunk: 32))
    }
}
