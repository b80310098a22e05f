/// Exact retrieval metrics of labelled items (recall@1, recall@5, MAP@R, as
/// pytorch-metric-learning's AccuracyCalculator defines them): each query item ranks every other
/// item by cosine similarity, ties broken by the lower index, and an item is relevant when it
/// has the query's class.
///
/// Nothing of size queries x items is ever held. Queries go in blocks; a histogram of each
/// query's similarities to every 16th item bounds the score that its K best items (K = R, the
/// query's relevant count, and at least 5) should reach across the whole gallery, with room to
/// spare; one pass over the gallery, a block of items at a time by a matrix product, keeps the
/// items at or above that bound, which are sorted. A query whose bound kept fewer than K items
/// is done again keeping everything. The result equals a full sort of each query's row.
public enum RetrievalRanking {
    public struct Scores: Sendable, Equatable {
        public var recallAt1 = 0.0
        public var recallAt5 = 0.0
        public var mapAtR = 0.0
    }

    static let bins = 4096
    static let queryBlock = 256
    static let galleryBlock = 8192

    /// rows: the items' embeddings, L2-normalised; queries: item indices.
    public static func evaluate(rows: Matrix<Float>, queries: [Int], classes: [Int]) -> Scores {
        let n = rows.rows
        guard n > 1, !queries.isEmpty else { return Scores() }
        var classSizes: [Int: Int] = [:]
        for c in classes { classSizes[c, default: 0] += 1 }
        var total = Scores()
        let sample = Sample(rows)
        for start in stride(from: 0, to: queries.count, by: queryBlock) {
            let block = Array(queries[start..<min(start + queryBlock, queries.count)])
            let wanted = block.map { min(max(classSizes[classes[$0]]! - 1, 5), n - 1) }
            let thresholds = kthScoreBounds(rows: rows, queries: block, wanted: wanted, sample: sample)
            var candidates = collect(rows: rows, queries: block, atLeast: thresholds)
            let short = block.indices.filter { candidates[$0].count < wanted[$0] }
            if !short.isEmpty {
                let again = collect(rows: rows, queries: short.map { block[$0] }, atLeast: short.map { _ in -Float.infinity })
                for (k, q) in short.enumerated() { candidates[q] = again[k] }
            }
            for (q, query) in block.enumerated() {
                let ranked = candidates[q].map(sortKey).sorted()
                let relevant = ranked.prefix(wanted[q]).map { classes[Int($0 & 0xFFFF_FFFF)] == classes[query] }
                if relevant.first == true { total.recallAt1 += 1 }
                if relevant.prefix(5).contains(true) { total.recallAt5 += 1 }
                let r = classSizes[classes[query]]! - 1
                if r > 0 {
                    var hits = 0, sum = 0.0
                    for i in 0..<min(r, relevant.count) where relevant[i] {
                        hits += 1
                        sum += Double(hits) / Double(i + 1)
                    }
                    total.mapAtR += sum / Double(r)
                }
            }
        }
        let count = Double(queries.count)
        return Scores(recallAt1: total.recallAt1 / count, recallAt5: total.recallAt5 / count, mapAtR: total.mapAtR / count)
    }

    /// Every `sampleStride`-th item estimates each query's bound.
    static let sampleStride = 16

    /// The sampled items and their rows, gathered once for every block of queries.
    struct Sample {
        let items: [Int]
        let rows: Matrix<Float>
        init(_ rows: Matrix<Float>) {
            items = Array(stride(from: 0, to: rows.rows, by: RetrievalRanking.sampleStride))
            self.rows = rows.gatherRows(items)
        }
    }

    /// Per query, a score that about twice `wanted` items should reach, from the histogram of
    /// its similarities to the sampled items: the lower edge of the bin below the one where
    /// the count from the top reaches that share of the sample (rounding in `bin` may put a
    /// score a hair under its bin's edge). -infinity when the sample is too small to tell.
    static func kthScoreBounds(rows: Matrix<Float>, queries: [Int], wanted: [Int], sample given: Sample? = nil) -> [Float] {
        let sample = given ?? Sample(rows)
        let sampled = sample.items
        var histograms = [Int32](repeating: 0, count: queries.count * bins)
        forEachBlock(queryRows: rows.gatherRows(queries), gallery: sample.rows) { scores, start, width in
            histograms.withUnsafeMutableBufferPointer { h in
                scores.values.withUnsafeBufferPointer { s in
                    let hp = SharedPointer(h), sp = SharedReadPointer(s)
                    ParallelRows.run(rows: queries.count, elementsPerRow: width * 4) { range in
                        for q in range {
                            let row = sp.base + q * width, counts = hp.base + q * bins
                            for j in 0..<width where sampled[start + j] != queries[q] { counts[bin(row[j])] += 1 }
                        }
                    }
                }
            }
        }
        return queries.indices.map { q in
            // Twice the expected share, and a few items, so that the bound rarely keeps too few.
            let target = (2 * wanted[q] + sampleStride - 1) / sampleStride + 4
            guard target < sampled.count / 2 else { return -.infinity }
            var seen = 0
            for b in stride(from: bins - 1, through: 0, by: -1) {
                seen += Int(histograms[q * bins + b])
                if seen >= target { return b <= 1 ? -.infinity : lowerEdge(b - 1) }
            }
            return -.infinity
        }
    }

    /// Per query, the other items scoring at least its threshold.
    static func collect(rows: Matrix<Float>, queries: [Int], atLeast thresholds: [Float]) -> [[(score: Float, item: Int)]] {
        var kept = [[(score: Float, item: Int)]](repeating: [], count: queries.count)
        forEachBlock(queryRows: rows.gatherRows(queries), gallery: rows) { scores, galleryStart, width in
            kept.withUnsafeMutableBufferPointer { k in
                scores.values.withUnsafeBufferPointer { s in
                    let kp = SharedPointer(k), sp = SharedReadPointer(s)
                    ParallelRows.run(rows: queries.count, elementsPerRow: width * 4) { range in
                        for q in range {
                            let row = sp.base + q * width, threshold = thresholds[q]
                            for j in 0..<width where row[j] >= threshold && galleryStart + j != queries[q] {
                                kp.base[q].append((row[j], galleryStart + j))
                            }
                        }
                    }
                }
            }
        }
        return kept
    }

    /// (queries, width) similarity blocks of the query rows against the gallery's rows, in
    /// order, with the first gallery row of each block.
    static func forEachBlock(queryRows: Matrix<Float>, gallery: Matrix<Float>, _ body: (Matrix<Float>, Int, Int) -> Void) {
        for start in stride(from: 0, to: gallery.rows, by: galleryBlock) {
            let part = gallery.rows(start..<min(start + galleryBlock, gallery.rows))
            body(Matrix.product(queryRows, part, transposeB: true), start, part.rows)
        }
    }

    /// An integer whose ascending order is the ranking's: higher score first, then lower
    /// item. (The float's bits made monotone, flipped; -0 counts as 0, as it compares.)
    @inline(__always)
    static func sortKey(_ candidate: (score: Float, item: Int)) -> UInt64 {
        let bits = (candidate.score + 0).bitPattern
        let ascending = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        return UInt64(~ascending) << 32 | UInt64(candidate.item)
    }

    /// Cosines in [-1, 1] (a little beyond for rounding), clamped into the end bins.
    @inline(__always)
    static func bin(_ score: Float) -> Int {
        let position = ((score + 1) * 0.5 * Float(bins)).rounded(.down)
        // NaN goes to the lowest bin, as does anything below -1.
        guard position >= 0 else { return 0 }
        return position >= Float(bins - 1) ? bins - 1 : Int(position)
    }

    /// The smallest score `bin` puts in bin b (the first bin takes everything below it too).
    static func lowerEdge(_ b: Int) -> Float {
        b == 0 ? -.infinity : Float(b) / Float(bins) * 2 - 1
    }
}
