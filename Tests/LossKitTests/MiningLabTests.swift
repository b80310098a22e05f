import LossKit
import Testing

/// The mining lab's miners pick only valid triplets, each by its own rule, on hand-built and
/// random batches.
@Suite struct MiningLabTests {
    /// 1-D points: class 0 at 0 and 1, class 1 at 1.5, 3 and 10. Euclidean distances are plain
    /// differences, so every triplet's hardness is known by hand. With margin 2.5, from anchor
    /// 0 (positive 1, d(a,p) = 1): negatives at 1.5 and 3 are semi-hard, 10 is easy; from anchor
    /// 1 (positive 0, d = 1): 1.5 is at 0.5 (hard), 3 at 2 (semi-hard), 10 easy. So exactly 3
    /// semi-hard triplets among the class-0 anchors.
    static let points = Matrix<Double>(rows: [[0], [1], [1.5], [3], [10]])
    static let labels: [Double] = [0, 0, 1, 1, 1]

    func mined(_ miner: TripletMiner, margin: Double = 2.5) throws -> [MinedTuple] {
        try MinedTripletLoss(miner: miner, margin: margin).evaluate(LossBatch(columns: [Self.points], labels: Self.labels)).mining.tuples
    }

    @Test func semiHardFindsExactlyTheSemiHardTriplets() throws {
        let fromClassZero = try mined(.semiHard).filter { Self.labels[$0.anchor] == 0 }
        #expect(fromClassZero.count == 3)
        #expect(fromClassZero.allSatisfy { $0.hardness == .semiHard })
        let hard = try mined(.hard).filter { Self.labels[$0.anchor] == 0 }
        #expect(hard.map { [$0.anchor, $0.positive, $0.negative!] } == [[1, 0, 2]])
    }

    @Test func perAnchorMinersPickTheirExtremes() throws {
        let batchHard = try mined(.batchHard)
        #expect(batchHard.count == 5)
        // Anchor 4 (at 10): farthest positive 1.5, closest negative 1.
        #expect(batchHard.first { $0.anchor == 4 }.map { [$0.positive, $0.negative!] } == [2, 1])
        let easy = try mined(.easyPositiveHardNegative)
        #expect(easy.first { $0.anchor == 4 }.map { [$0.positive, $0.negative!] } == [3, 1])
    }

    @Test(arguments: TripletMiner.allCases)
    func everyMinedTripletIsValid(_ miner: TripletMiner) throws {
        var random = SeededRandom(seed: 9)
        let n = 24
        var e = Matrix<Double>(rows: n, cols: 6, values: (0..<(n * 6)).map { _ in random.normal() })
        if miner == .distanceWeighted { e = Matrix(rows: n, cols: 6, values: L2Normalization.forward(e).output.values) }
        let labels = (0..<n).map { Double($0 % 4) }
        let result = try MinedTripletLoss(miner: miner, margin: 0.5, seed: 3).evaluate(LossBatch(columns: [e], labels: labels))
        #expect(!result.mining.tuples.isEmpty)
        for t in result.mining.tuples {
            let n = try #require(t.negative)
            #expect(t.anchor != t.positive && labels[t.anchor] == labels[t.positive] && labels[t.anchor] != labels[n])
            switch miner {
            case .hard: #expect(t.negativeScore! <= t.positiveScore)  // ties count as hard, as in pytorch-metric-learning
            case .semiHard: #expect(t.negativeScore! > t.positiveScore && t.negativeScore! < t.positiveScore + 0.5)
            default: break
            }
        }
        let again = try MinedTripletLoss(miner: miner, margin: 0.5, seed: 3).evaluate(LossBatch(columns: [e], labels: labels))
        #expect(again.mining.tuples == result.mining.tuples, "mining is deterministic")
    }

    @Test func allMinerMatchesBatchAllTripletLoss() throws {
        var random = SeededRandom(seed: 4)
        let e = Matrix<Double>(rows: 16, cols: 5, values: (0..<80).map { _ in random.normal() })
        let labels = (0..<16).map { Double($0 % 3) }
        let lab = try MinedTripletLoss(miner: .all, margin: 1.5).evaluate(LossBatch(columns: [e], labels: labels))
        let st = try BatchAllTripletLoss(margin: 1.5).evaluate(LossBatch(columns: [e], labels: labels))
        #expect(abs(lab.value - st.value) < 1e-12)
        #expect(zip(lab.columnGradients[0].values, st.columnGradients[0].values).allSatisfy { abs($0 - $1) < 1e-12 })
    }
}
