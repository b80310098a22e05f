import CRankingKernels

/// Exact retrieval metrics of labelled items (recall@1, recall@5, MAP@R, as
/// pytorch-metric-learning's AccuracyCalculator defines them): each query item ranks every other
/// item by cosine similarity, ties broken by the lower index, and an item is relevant when it
/// has the query's class.
///
/// Nothing of size queries x items is ever held. First, a histogram of each query's
/// similarities to an evenly spaced sample of the gallery bounds the score that its K best
/// items (K = R, the query's relevant count, and at least 5) reach across the whole gallery,
/// with a margin of a few standard deviations of the sample's count. Then `RetrievalScan`
/// scores every query against every item, keeping only the items at or above the query's
/// bound, and `RetrievalOrder` orders the kept ones. A query whose bound kept fewer than K
/// items is scanned again keeping everything. The result equals a full sort of each query's
/// row of scores (`score(_:_:in:)`).
public enum RetrievalRanking {
    public struct Scores: Sendable, Equatable {
        public var recallAt1 = 0.0
        public var recallAt5 = 0.0
        public var mapAtR = 0.0
    }

    static let bins = 4096
    /// Queries whose bounds are estimated together (one matrix product with the sample).
    static let boundBlock = 256
    /// About this many items estimate each query's bound (every item of a smaller gallery).
    static let sampleSize = 16_384

    /// rows: the items' embeddings, L2-normalised; queries: item indices.
    public static func evaluate(rows: Matrix<Float>, queries: [Int], classes: [Int]) -> Scores {
        let n = rows.rows
        guard n > 1, !queries.isEmpty else { return Scores() }
        precondition(n <= Int(Int32.max), "the retrieval scan numbers items in 32 bits")
        var classSizes: [Int: Int] = [:]
        for c in classes { classSizes[c, default: 0] += 1 }
        let wanted = queries.map { min(max(classSizes[classes[$0]]! - 1, 5), n - 1) }
        let sample = Sample(rows)
        var bounds: [Bound] = []
        bounds.reserveCapacity(queries.count)
        for start in stride(from: 0, to: queries.count, by: boundBlock) {
            let end = min(start + boundBlock, queries.count)
            bounds += kthScoreBounds(rows: rows, queries: Array(queries[start..<end]), wanted: Array(wanted[start..<end]), sample: sample)
        }
        let relevant = queries.map { classSizes[classes[$0]]! - 1 }
        let outcomes = RetrievalScan(rows: rows, codes: codes(classes)).rank(queries: queries, bounds: bounds, wanted: wanted, relevant: relevant)
        var total = Scores()
        for (q, outcome) in outcomes.enumerated() {
            if outcome.hitAt1 { total.recallAt1 += 1 }
            if outcome.hitAt5 { total.recallAt5 += 1 }
            if relevant[q] > 0 { total.mapAtR += outcome.precisionSum / Double(relevant[q]) }
        }
        let count = Double(queries.count)
        return Scores(recallAt1: total.recallAt1 / count, recallAt5: total.recallAt5 / count, mapAtR: total.mapAtR / count)
    }

    /// The classes as 32-bit numbers: themselves when they fit, else numbered in order of appearance.
    static func codes(_ classes: [Int]) -> [Int32] {
        if classes.allSatisfy({ Int32(exactly: $0) != nil }) { return classes.map { Int32($0) } }
        var numbers: [Int: Int32] = [:]
        return classes.map { c in
            if let known = numbers[c] { return known }
            numbers[c] = Int32(numbers.count)
            return Int32(numbers.count - 1)
        }
    }

    /// The similarity the ranking orders by: the fused multiply-add chain over the coordinates
    /// in order, as the scan computes it on every machine.
    public static func score(_ query: Int, _ item: Int, in rows: Matrix<Float>) -> Float {
        rows.values.withUnsafeBufferPointer { p in
            ranking_score(p.baseAddress! + query * rows.cols, p.baseAddress! + item * rows.cols, Int64(rows.cols))
        }
    }

    /// A query's score bound, and how many gallery items the sample says reach it.
    struct Bound: Equatable {
        var threshold: Float
        var expected: Int
        static func everything(_ n: Int) -> Bound { Bound(threshold: -.infinity, expected: n) }
    }

    /// Every `stride`-th item, gathered once for every block of queries.
    struct Sample {
        let stride: Int
        let items: [Int]
        let rows: Matrix<Float>
        init(_ rows: Matrix<Float>) {
            stride = max(1, rows.rows / RetrievalRanking.sampleSize)
            items = Array(Swift.stride(from: 0, to: rows.rows, by: stride))
            self.rows = rows.gatherRows(items)
        }

        /// Where item sits in the sample, if it was sampled.
        func index(of item: Int) -> Int? {
            let position = item / stride
            return item % stride == 0 && position < items.count && items[position] == item ? position : nil
        }
    }

    /// Per query, a score that at least `wanted` other items should reach, from the histogram
    /// of its similarities to the sampled items: the lower edge of the bin below the one where
    /// the count from the top reaches the sample's share of `wanted` plus three standard
    /// deviations and a few items (rounding in `bin` may put a score a hair under its bin's
    /// edge). Everything when the sample is too small to tell.
    static func kthScoreBounds(rows: Matrix<Float>, queries: [Int], wanted: [Int], sample given: Sample? = nil) -> [Bound] {
        let sample = given ?? Sample(rows)
        let sampled = sample.items
        let queryRows = rows.gatherRows(queries)
        let scores = Matrix.product(queryRows, sample.rows, transposeB: true)
        let histograms = sampleHistograms(scores, sample: sample, queries: queries)
        return queries.indices.map { q in
            let share = Double(wanted[q]) / Double(sample.stride)
            let target = Int((share + 3 * share.squareRoot()).rounded(.up)) + 4
            guard target < sampled.count / 2 else { return .everything(rows.rows) }
            var seen = 0
            for b in stride(from: bins - 1, through: 0, by: -1) {
                seen += Int(histograms[q * bins + b])
                guard seen >= target else { continue }
                if b <= 1 { return .everything(rows.rows) }
                seen += Int(histograms[q * bins + b - 1])
                return Bound(threshold: lowerEdge(b - 1), expected: seen * sample.stride)
            }
            return .everything(rows.rows)
        }
    }

    /// Per query (a row of `scores` against the sampled items), how many of the other sampled
    /// items fall in each of the `bins` bins: queries.count · bins counts.
    static func sampleHistograms(_ scores: Matrix<Float>, sample: Sample, queries: [Int]) -> [Int32] {
        let sampled = sample.items
        var histograms = [Int32](repeating: 0, count: queries.count * bins)
        histograms.withUnsafeMutableBufferPointer { h in
            scores.values.withUnsafeBufferPointer { s in
                let hp = SharedPointer(h), sp = SharedReadPointer(s), width = sampled.count
                ParallelRows.run(rows: queries.count, elementsPerRow: width * 4) { range in
                    // Two queries at a time, so that two histograms' increments (each waits for
                    // the one before it when a bin repeats) overlap; a query's own item, when
                    // sampled, is counted with the rest and taken out after.
                    var q = range.lowerBound
                    while q + 1 < range.upperBound {
                        let row0 = sp.base + q * width, counts0 = hp.base + q * bins
                        let row1 = row0 + width, counts1 = counts0 + bins
                        for j in 0..<width {
                            counts0[bin(row0[j])] += 1
                            counts1[bin(row1[j])] += 1
                        }
                        q += 2
                    }
                    if q < range.upperBound {
                        let row = sp.base + q * width, counts = hp.base + q * bins
                        for j in 0..<width { counts[bin(row[j])] += 1 }
                    }
                    for q in range {
                        if let own = sample.index(of: queries[q]) { hp.base[q * bins + bin(sp.base[q * width + own])] -= 1 }
                    }
                }
            }
        }
        return histograms
    }

    /// Cosines in [-1, 1] (a little beyond for rounding), clamped into the end bins.
    @inline(__always)
    static func bin(_ score: Float) -> Int {
        let position = (score + 1) * 0.5 * Float(bins)
        // NaN goes to the lowest bin, as does anything below -1. From 0 up, Int() (which
        // truncates) is the floor, without `rounded(.down)`'s libm call on x86-64's baseline.
        guard position >= 0 else { return 0 }
        return position >= Float(bins - 1) ? bins - 1 : Int(position)
    }

    /// The smallest score `bin` puts in bin b (the first bin takes everything below it too).
    static func lowerEdge(_ b: Int) -> Float {
        b == 0 ? -.infinity : Float(b) / Float(bins) * 2 - 1
    }
}
