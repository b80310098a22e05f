@testable import LossKit
import Testing

/// The blocked two-pass retrieval metrics against a full sort of every query's row.
@Suite struct RetrievalRankingTests {
    static func bruteForce(rows: Matrix<Float>, queries: [Int], classes: [Int]) -> RetrievalRanking.Scores {
        let n = rows.rows
        var total = RetrievalRanking.Scores()
        for query in queries {
            let scores = (0..<n).map { j in VectorKernels.dot(rows.values.withUnsafeBufferPointer { $0.baseAddress! + query * rows.cols },
                                                              rows.values.withUnsafeBufferPointer { $0.baseAddress! + j * rows.cols }, count: rows.cols) }
            let order = (0..<n).filter { $0 != query }.sorted { scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1) }
            let relevant = order.map { classes[$0] == classes[query] }
            if relevant.first == true { total.recallAt1 += 1 }
            if relevant.prefix(5).contains(true) { total.recallAt5 += 1 }
            let r = relevant.filter { $0 }.count
            if r > 0 {
                var hits = 0, sum = 0.0
                for i in 0..<r where relevant[i] { hits += 1; sum += Double(hits) / Double(i + 1) }
                total.mapAtR += sum / Double(r)
            }
        }
        let count = Double(queries.count)
        return .init(recallAt1: total.recallAt1 / count, recallAt5: total.recallAt5 / count, mapAtR: total.mapAtR / count)
    }

    /// Normalised rows; every seventh a copy of an earlier one (exact ties); `classes` classes.
    static func data(items: Int, dim: Int, classes: Int, seed: UInt64) -> (Matrix<Float>, [Int]) {
        var random = SeededRandom(seed: seed)
        var values = (0..<(items * dim)).map { _ in Float(random.normal()) }
        for i in stride(from: 7, to: items, by: 7) {
            for k in 0..<dim { values[i * dim + k] = values[(i / 2) * dim + k] }
        }
        let rows = L2Normalization.forward(Matrix(rows: items, cols: dim, values: values)).output
        var labels = (0..<items).map { _ in Int(random.uniform(0, Double(classes))) % classes }
        // A copy has its original's class, so that even many small classes have a hit to find.
        for i in stride(from: 7, to: items, by: 7) { labels[i] = labels[i / 2] }
        return (rows, labels)
    }

    @Test(arguments: [(300, 3, 4), (9000, 4, 30), (2000, 2, 1), (500, 8, 250)])
    func equalsAFullSort(items: Int, dim: Int, classes: Int) {
        let (rows, labels) = Self.data(items: items, dim: dim, classes: classes, seed: UInt64(items + dim))
        let queries = Array(stride(from: 0, to: items, by: max(1, items / 120)))
        let fast = RetrievalRanking.evaluate(rows: rows, queries: queries, classes: labels)
        let slow = Self.bruteForce(rows: rows, queries: queries, classes: labels)
        #expect(fast == slow)
        #expect(slow.mapAtR > 0)
    }

    /// The only items near the query are sampled ones, fewer than it must rank: the sample's
    /// bound keeps too few items and the query is ranked again over everything.
    @Test func aBoundThatKeepsTooFewFallsBackToEverything() {
        var (rows, _) = Self.data(items: 1600, dim: 8, classes: 40, seed: 11)
        let near = [1] + (0..<10).map { $0 * RetrievalRanking.sampleStride }
        for i in near { for k in 0..<8 { rows[i, k] = k == 0 ? 1 : 0 } }
        let classes = (0..<1600).map { $0 % 40 }
        let queries = [1, 2, 3]
        let bounds = RetrievalRanking.kthScoreBounds(rows: rows, queries: queries, wanted: [39, 39, 39])
        let kept = RetrievalRanking.collect(rows: rows, queries: [1], atLeast: [bounds[0]])
        #expect(kept[0].count < 39)
        #expect(RetrievalRanking.evaluate(rows: rows, queries: queries, classes: classes)
                == Self.bruteForce(rows: rows, queries: queries, classes: classes))
    }

    @Test func aSingletonClassHasNothingToFind() {
        let (rows, _) = Self.data(items: 50, dim: 3, classes: 1, seed: 3)
        let classes = (0..<50).map { $0 == 0 ? 99 : 1 }
        let scores = RetrievalRanking.evaluate(rows: rows, queries: [0], classes: classes)
        #expect(scores == .init(recallAt1: 0, recallAt5: 0, mapAtR: 0))
    }

    @Test func binsCoverEveryScore() {
        #expect(RetrievalRanking.bin(-1) == 0)
        #expect(RetrievalRanking.bin(1) == RetrievalRanking.bins - 1)
        #expect(RetrievalRanking.bin(1.5) == RetrievalRanking.bins - 1)
        #expect(RetrievalRanking.bin(.nan) == 0)
        #expect(RetrievalRanking.bin(-.infinity) == 0)
    }
}
