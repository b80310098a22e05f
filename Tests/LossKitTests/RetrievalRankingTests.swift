@testable import LossKit
import Testing

/// The blocked retrieval metrics against a full sort of every query's row.
@Suite struct RetrievalRankingTests {
    static func bruteForce(rows: Matrix<Float>, queries: [Int], classes: [Int]) -> RetrievalRanking.Scores {
        let n = rows.rows
        var total = RetrievalRanking.Scores()
        for query in queries {
            let scores = (0..<n).map { RetrievalRanking.score(query, $0, in: rows) }
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

    /// Normalised rows; every `copyEvery`-th a copy of an earlier one (exact ties); `classes` classes.
    static func data(items: Int, dim: Int, classes: Int, seed: UInt64, copyEvery: Int = 7) -> (Matrix<Float>, [Int]) {
        var random = SeededRandom(seed: seed)
        var values = (0..<(items * dim)).map { _ in Float(random.normal()) }
        for i in stride(from: copyEvery, to: items, by: copyEvery) {
            for k in 0..<dim { values[i * dim + k] = values[(i / 2) * dim + k] }
        }
        let rows = L2Normalization.forward(Matrix(rows: items, cols: dim, values: values)).output
        var labels = (0..<items).map { _ in Int(random.uniform(0, Double(classes))) % classes }
        // A copy has its original's class, so that even many small classes have a hit to find.
        for i in stride(from: copyEvery, to: items, by: copyEvery) { labels[i] = labels[i / 2] }
        return (rows, labels)
    }

    /// (items, dim, classes, queries): small galleries that are sampled whole, and ones past
    /// `sampleSize` that are sampled every few items.
    @Test(arguments: [(300, 3, 4, 120), (9000, 4, 30, 120), (2000, 2, 1, 120), (500, 8, 250, 120), (40_000, 16, 50, 24)])
    func equalsAFullSort(items: Int, dim: Int, classes: Int, queryCount: Int) {
        let (rows, labels) = Self.data(items: items, dim: dim, classes: classes, seed: UInt64(items + dim))
        let queries = Array(stride(from: 0, to: items, by: max(1, items / queryCount)))
        let fast = RetrievalRanking.evaluate(rows: rows, queries: queries, classes: labels)
        let slow = Self.bruteForce(rows: rows, queries: queries, classes: labels)
        #expect(fast == slow)
        #expect(slow.mapAtR > 0)
    }

    /// Only 6 distinct rows among 3000 items: almost every score ties, and the lower item must
    /// come first through the bucket pass and the insertion sort.
    @Test func heavyTiesRankTheLowerItemFirst() {
        let (base, _) = Self.data(items: 6, dim: 4, classes: 1, seed: 5)
        let rows = base.gatherRows((0..<3000).map { ($0 * 5) % 6 })
        // Classes that do not follow the rows, so that the order among ties decides the metrics.
        let classes = (0..<3000).map { ($0 * 7919) % 7 }
        let queries = Array(stride(from: 0, to: 3000, by: 37))
        let fast = RetrievalRanking.evaluate(rows: rows, queries: queries, classes: classes)
        #expect(fast == Self.bruteForce(rows: rows, queries: queries, classes: classes))
        #expect(fast.mapAtR > 0)
    }

    /// Classes of a third of a gallery past the sample size: the bound must keep a third of
    /// everything per query (far more than a sample's share estimate of most data), and two
    /// classes take the path where the sample cannot tell and everything is kept.
    @Test(arguments: [3, 2])
    func classesBiggerThanTheSampleGuess(classes: Int) {
        let items = 2 * RetrievalRanking.sampleSize + 500
        let (rows, _) = Self.data(items: items, dim: 3, classes: 1, seed: 21)
        let labels = (0..<items).map { ($0 * 31) % classes }
        let queries = Array(stride(from: 3, to: items, by: items / 10))
        let fast = RetrievalRanking.evaluate(rows: rows, queries: queries, classes: labels)
        #expect(fast == Self.bruteForce(rows: rows, queries: queries, classes: labels))
    }

    /// A bound above what the query's wanted-th item scores keeps too few: the query is scanned
    /// again keeping everything. A sample that expected too few overflows the room it gave:
    /// the query is scanned again with room for all it kept.
    @Test func wrongBoundsFallBackToExactScans() {
        let (rows, labels) = Self.data(items: 1600, dim: 8, classes: 40, seed: 11)
        // More than one group of eight, so the second scans run in groups too.
        let queries = [1, 2, 3, 500] + Array(stride(from: 600, to: 1600, by: 60))
        var classSizes: [Int: Int] = [:]
        for c in labels { classSizes[c, default: 0] += 1 }
        let relevant = queries.map { classSizes[labels[$0]]! - 1 }
        let wanted = relevant.map { max($0, 5) }
        let scan = RetrievalScan(rows: rows, codes: RetrievalRanking.codes(labels))
        let tooHigh = queries.map { _ in RetrievalRanking.Bound(threshold: 0.999, expected: 1) }
        let tooLow = queries.map { _ in RetrievalRanking.Bound(threshold: -0.5, expected: 3) }
        let kept = scan.scan(queries: queries, thresholds: tooHigh.map(\.threshold), capacities: tooHigh.map(\.expected))
        #expect(queries.indices.allSatisfy { kept.count($0) < wanted[$0] })
        let overflowing = scan.scan(queries: queries, thresholds: tooLow.map(\.threshold), capacities: tooLow.map(\.expected))
        #expect(queries.indices.allSatisfy { overflowing.count($0) > overflowing.capacity($0) })
        let exact = RetrievalRanking.evaluate(rows: rows, queries: queries, classes: labels)
        #expect(exact == Self.bruteForce(rows: rows, queries: queries, classes: labels))
        for bounds in [tooHigh, tooLow] {
            let outcomes = scan.rank(queries: queries, bounds: bounds, wanted: wanted, relevant: relevant)
            var scores = RetrievalRanking.Scores()
            for (q, outcome) in outcomes.enumerated() {
                scores.recallAt1 += outcome.hitAt1 ? 1 : 0
                scores.recallAt5 += outcome.hitAt5 ? 1 : 0
                scores.mapAtR += outcome.precisionSum / Double(relevant[q])
            }
            let count = Double(queries.count)
            #expect(RetrievalRanking.Scores(recallAt1: scores.recallAt1 / count, recallAt5: scores.recallAt5 / count,
                                            mapAtR: scores.mapAtR / count) == exact)
        }
    }

    /// The machine's fastest scan, the AVX2 one and the portable one keep the same items with
    /// bit-equal scores, in item order, the query itself left out; a gallery that ends inside a
    /// panel (and inside its second half) included.
    @Test(arguments: [1013, 1005])
    func everyScanKeepsTheSameItems(items: Int) {
        let (rows, labels) = Self.data(items: items, dim: 5, classes: 9, seed: 4)
        let scan = RetrievalScan(rows: rows, codes: RetrievalRanking.codes(labels))
        let queries = Array(stride(from: 0, to: items, by: 97))
        let thresholds = queries.indices.map { Float($0 % 3) * 0.3 - 0.2 }
        let capacities = [Int](repeating: items, count: queries.count)
        let portable = scan.scan(queries: queries, thresholds: thresholds, capacities: capacities, kernel: .portable)
        for kernel in [RetrievalScan.Kernel.fastest, .avx2] {
            let kept = scan.scan(queries: queries, thresholds: thresholds, capacities: capacities, kernel: kernel)
            for (k, query) in queries.enumerated() {
                let expected = (0..<items).filter { $0 != query && RetrievalRanking.score(query, $0, in: rows) >= thresholds[k] }
                #expect(kept.count(k) == expected.count && portable.count(k) == expected.count, "\(kernel)")
                kept.withItems(k) { scores, codes in
                    portable.withItems(k) { otherScores, otherCodes in
                        #expect(Array(scores).map(\.bitPattern) == Array(otherScores).map(\.bitPattern), "\(kernel)")
                        #expect(Array(codes) == Array(otherCodes), "\(kernel)")
                        #expect(Array(scores).map(\.bitPattern) == expected.map { RetrievalRanking.score(query, $0, in: rows).bitPattern })
                        #expect(Array(codes) == expected.map { Int32(labels[$0]) })
                    }
                }
            }
        }
    }

    /// Each query's histogram over the other sampled items, counted two queries at a time, is
    /// the plain count: queries in and out of the sample, an odd number of them, NaN scores.
    @Test(arguments: [3000, 40_001])
    func sampleHistogramsCountEveryOtherSampledItem(items: Int) {
        var (rows, _) = Self.data(items: items, dim: 4, classes: 3, seed: 12)
        rows[7, 0] = .nan
        let sample = RetrievalRanking.Sample(rows)
        let queries = [0, 1, 2, 7, 9, 10, items - 1]
        let scores = Matrix.product(rows.gatherRows(queries), sample.rows, transposeB: true)
        let counted = RetrievalRanking.sampleHistograms(scores, sample: sample, queries: queries)
        let bins = RetrievalRanking.bins
        var plain = [Int32](repeating: 0, count: queries.count * bins)
        for (q, query) in queries.enumerated() {
            for (j, item) in sample.items.enumerated() where item != query { plain[q * bins + RetrievalRanking.bin(scores[q, j])] += 1 }
        }
        #expect(counted == plain)
        #expect(queries.contains { sample.index(of: $0) != nil } && queries.contains { sample.index(of: $0) == nil } == (sample.stride > 1))
    }

    /// The sample histogram's bins: the floor of (score + 1) / 2 · bins, clamped into the end
    /// bins, NaN in the lowest; checked against `rounded(.down)` around every bin edge.
    @Test func histogramBinsAreTheFloorOfTheScaledScore() {
        let bins = RetrievalRanking.bins
        func expected(_ score: Float) -> Int {
            let position = ((score + 1) * 0.5 * Float(bins)).rounded(.down)
            guard position >= 0 else { return 0 }
            return position >= Float(bins - 1) ? bins - 1 : Int(position)
        }
        var scores: [Float] = [.nan, .infinity, -.infinity, -1, 1, 0, -0.0, -1.5, 1.5, .ulpOfOne, -.ulpOfOne]
        for b in 0...bins {
            let edge = Float(b) / Float(bins) * 2 - 1
            scores += [edge, edge.nextUp, edge.nextDown]
        }
        for score in scores { #expect(RetrievalRanking.bin(score) == expected(score), "score \(score)") }
    }

    /// A query that keeps more than its room: every scan goes on counting past it (what it
    /// stored is not read then: the query is scanned again with room for the count).
    @Test func everyScanStopsStoringAtItsCapacity() {
        let (rows, labels) = Self.data(items: 700, dim: 6, classes: 5, seed: 9)
        let scan = RetrievalScan(rows: rows, codes: RetrievalRanking.codes(labels))
        let queries = Array(0..<9)
        let thresholds = [Float](repeating: -0.3, count: queries.count)
        let capacities = queries.map { 5 + 7 * $0 }
        let portable = scan.scan(queries: queries, thresholds: thresholds, capacities: capacities, kernel: .portable)
        for kernel in [RetrievalScan.Kernel.fastest, .avx2] {
            let kept = scan.scan(queries: queries, thresholds: thresholds, capacities: capacities, kernel: kernel)
            for k in queries.indices {
                #expect(kept.count(k) == portable.count(k) && kept.count(k) > capacities[k], "\(kernel)")
            }
        }
    }

    /// With thresholds that keep under 1% of the gallery, the scan that skips empty masks runs,
    /// and keeps exactly what the portable one keeps.
    @Test func theSparseScanKeepsTheSameItems() {
        let (rows, labels) = Self.data(items: 20_011, dim: 16, classes: 9, seed: 6)
        let scan = RetrievalScan(rows: rows, codes: RetrievalRanking.codes(labels))
        let queries = Array(stride(from: 0, to: 20_011, by: 211))
        // Each query's 40th best score: it keeps about 0.2% of the gallery.
        let thresholds = queries.map { q in
            (0..<20_011).filter { $0 != q }.map { RetrievalRanking.score(q, $0, in: rows) }.sorted(by: >)[39]
        }
        let capacities = [Int](repeating: 64, count: queries.count)
        #expect(capacities.reduce(0, +) * 100 < queries.count * rows.rows)
        let native = scan.scan(queries: queries, thresholds: thresholds, capacities: capacities)
        let portable = scan.scan(queries: queries, thresholds: thresholds, capacities: capacities, kernel: .portable)
        for k in queries.indices {
            #expect(native.count(k) == portable.count(k) && native.count(k) >= 40)
            native.withItems(k) { scores, codes in
                portable.withItems(k) { otherScores, otherCodes in
                    #expect(Array(scores).map(\.bitPattern) == Array(otherScores).map(\.bitPattern))
                    #expect(Array(codes) == Array(otherCodes))
                }
            }
        }
    }

    /// Queries that keep most of a big gallery go in smaller blocks, so that one block never
    /// holds much more than its budget of kept items.
    @Test func blocksStayWithinTheirBudget() {
        let small = RetrievalScan.blocks(capacities: [Int](repeating: 100, count: 600))
        #expect(small == [0..<256, 256..<512, 512..<600])
        let budget = RetrievalScan.keptBudget
        let big = RetrievalScan.blocks(capacities: [budget / 3, budget / 3, budget / 3, budget / 3, 2 * budget, 5])
        #expect(big == [0..<3, 3..<4, 4..<5, 5..<6])
        #expect(RetrievalScan.blocks(capacities: []) == [])
    }

    @Test func aSingletonClassHasNothingToFind() {
        let (rows, _) = Self.data(items: 50, dim: 3, classes: 1, seed: 3)
        let classes = (0..<50).map { $0 == 0 ? 99 : 1 }
        let scores = RetrievalRanking.evaluate(rows: rows, queries: [0], classes: classes)
        #expect(scores == .init(recallAt1: 0, recallAt5: 0, mapAtR: 0))
    }

    @Test func classesTooBigForThirtyTwoBitsAreNumbered() {
        #expect(RetrievalRanking.codes([5, -1, 5]) == [5, -1, 5])
        #expect(RetrievalRanking.codes([1 << 40, 7, 1 << 40, 1 << 41]) == [0, 1, 0, 2])
    }

    @Test func binsCoverEveryScore() {
        #expect(RetrievalRanking.bin(-1) == 0)
        #expect(RetrievalRanking.bin(1) == RetrievalRanking.bins - 1)
        #expect(RetrievalRanking.bin(1.5) == RetrievalRanking.bins - 1)
        #expect(RetrievalRanking.bin(.nan) == 0)
        #expect(RetrievalRanking.bin(-.infinity) == 0)
    }
}
