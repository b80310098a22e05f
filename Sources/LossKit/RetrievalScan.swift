import CRankingKernels

/// The exact pass of `RetrievalRanking`: every query scored against every gallery item by
/// CRankingKernels' `ranking_scan`, which keeps only the items at or above the query's bound,
/// so no score is stored that cannot rank. Blocks of queries run on the engine's threads, each
/// going over the gallery a cache-sized chunk at a time.
struct RetrievalScan {
    let rows: Matrix<Float>
    let panels: PackedGallery
    /// Each item's class as a small number, padded to whole panels.
    let codes: [Int32]
    let panelCount: Int
    /// Panels scanned by every query of a block before the next ones: about 256 KB of gallery.
    let chunkPanels: Int

    /// Queries of one block: they share each chunk while it is in cache.
    static let queryBlock = 256
    static let lanes = 16, group = 8

    /// codes: per item, a number that is equal for two items exactly when their classes are.
    init(rows: Matrix<Float>, codes: [Int32]) {
        self.rows = rows
        panelCount = (rows.rows + Self.lanes - 1) / Self.lanes
        self.codes = codes + [Int32](repeating: -1, count: panelCount * Self.lanes - codes.count)
        panels = PackedGallery(rows, panels: panelCount)
        chunkPanels = max(1, (1 << 16) / max(rows.cols * Self.lanes, 1))
    }

    struct Outcome {
        var hitAt1 = false, hitAt5 = false
        /// Σ over the relevant items among the first R of (relevant so far) / rank.
        var precisionSum = 0.0
    }

    /// One outcome per query. bounds[q]: the score query q keeps from, and how many items the
    /// sample expects at or above it; wanted[q]: how many of the others it ranks (≥ 1);
    /// relevant[q]: its R.
    func rank(queries: [Int], bounds: [RetrievalRanking.Bound], wanted: [Int], relevant: [Int]) -> [Outcome] {
        var outcomes = [Outcome](repeating: Outcome(), count: queries.count)
        // Room for twice what the sample expects: its estimate of a few thousand items is off
        // by tens of percent for some queries, and each query that overflows scans again.
        let capacities = bounds.map { min(2 * $0.expected + 64, rows.rows) }
        let blocks = Self.blocks(capacities: capacities)
        outcomes.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer)
            ParallelRows.run(rows: blocks.count, elementsPerRow: rows.rows * rows.cols * Self.queryBlock) { range in
                let order = RetrievalOrder()
                for block in range {
                    let part = Array(blocks[block])
                    var kept = [(items: KeptItems, slot: Int)](repeating: (KeptItems(capacities: []), 0), count: part.count)
                    let first = scan(queries: part.map { queries[$0] }, thresholds: part.map { bounds[$0].threshold },
                                     capacities: part.map { capacities[$0] })
                    for k in part.indices { kept[k] = (first, k) }
                    // Scans again, eight queries at a time (the kernel's group), the block's
                    // queries k with the given thresholds and room.
                    func rescan(_ ks: [Int], threshold: (Int) -> Float, capacity: (Int) -> Int) {
                        for start in stride(from: 0, to: ks.count, by: Self.group) {
                            let group = Array(ks[start..<min(start + Self.group, ks.count)])
                            let again = scan(queries: group.map { queries[part[$0]] }, thresholds: group.map(threshold), capacities: group.map(capacity))
                            for (slot, k) in group.enumerated() { kept[k] = (again, slot) }
                        }
                    }
                    // The queries that overflowed, each with room for what it found.
                    rescan(part.indices.filter { first.count($0) > first.capacity($0) },
                           threshold: { bounds[part[$0]].threshold }, capacity: { first.count($0) })
                    // The queries whose bound kept fewer than they rank: everything.
                    rescan(part.indices.filter { kept[$0].items.count(kept[$0].slot) < wanted[part[$0]] && bounds[part[$0]].threshold > -.infinity },
                           threshold: { _ in -.infinity }, capacity: { _ in rows.rows })
                    for (k, q) in part.enumerated() {
                        out[q] = kept[k].items.withItems(kept[k].slot) { scores, codes in
                            order.outcome(scores: scores, codes: codes, own: self.codes[queries[q]], wanted: wanted[q], relevant: relevant[q])
                        }
                    }
                }
            }
        }
        return outcomes
    }

    /// Consecutive runs of at most `queryBlock` queries whose kept items fit in `keptBudget`
    /// entries together (a query that needs more on its own runs alone): a gallery of a few
    /// big classes has queries that keep most of it.
    static func blocks(capacities: [Int]) -> [Range<Int>] {
        var blocks: [Range<Int>] = [], start = 0, total = 0
        for (q, capacity) in capacities.enumerated() {
            if q > start && (q - start == queryBlock || total + capacity > keptBudget) {
                blocks.append(start..<q)
                start = q
                total = 0
            }
            total += capacity
        }
        if start < capacities.count { blocks.append(start..<capacities.count) }
        return blocks
    }

    /// Kept entries (a score and a class code, 8 bytes) one block may hold: 256 MB.
    static let keptBudget = 1 << 25

    /// Which loop scans: the fastest the machine has, or (for the tests that compare them) the
    /// AVX2 one or the plain one whatever the machine has.
    enum Kernel { case fastest, avx2, portable }

    /// The items each query keeps, in item order.
    func scan(queries: [Int], thresholds: [Float], capacities: [Int], kernel choice: Kernel = .fastest) -> KeptItems {
        // Fewer than 1% of the scores kept: the scan that skips empty masks.
        let sparse = capacities.reduce(0, +) * 100 < queries.count * rows.rows
        let kernel: @convention(c) (UnsafePointer<Float>?, UnsafePointer<Int32>?, Int64, Int64, Int64, Int64, UnsafePointer<Float>?,
                                    UnsafePointer<Int64>?, UnsafePointer<Float>?, UnsafeMutablePointer<RankingCandidates>?) -> Void
        switch choice {
        case .fastest: kernel = sparse ? ranking_scan_sparse : ranking_scan
        case .avx2: kernel = ranking_scan_avx2
        case .portable: kernel = ranking_scan_portable
        }
        let padded = (queries.count + Self.group - 1) / Self.group * Self.group
        let dim = rows.cols
        // Each group of 8 queries coordinate by coordinate, as the kernel reads them.
        var queryColumns = [Float](repeating: 0, count: padded * dim)
        for (k, q) in queries.enumerated() {
            let base = k / Self.group * Self.group * dim + k % Self.group
            for c in 0..<dim { queryColumns[base + c * Self.group] = rows.values[q * dim + c] }
        }
        // A padding query keeps nothing: no score is >= NaN.
        let limits = thresholds + [Float](repeating: .nan, count: padded - queries.count)
        let items = queries.map(Int64.init) + [Int64](repeating: -1, count: padded - queries.count)
        let kept = KeptItems(capacities: capacities + [Int](repeating: 0, count: padded - queries.count))
        codes.withUnsafeBufferPointer { cp in
            queryColumns.withUnsafeBufferPointer { qp in
                items.withUnsafeBufferPointer { ip in
                    limits.withUnsafeBufferPointer { lp in
                        for first in stride(from: 0, to: panelCount, by: chunkPanels) {
                            let end = min(first + chunkPanels, panelCount)
                            for g in stride(from: 0, to: padded, by: Self.group) {
                                kernel(panels.values, cp.baseAddress!, Int64(rows.rows), Int64(dim), Int64(first), Int64(end),
                                             qp.baseAddress! + g * dim, ip.baseAddress! + g, lp.baseAddress! + g, kept.candidates + g)
                            }
                        }
                    }
                }
            }
        }
        return kept
    }
}

/// The gallery in panels of 16 items (`ranking_pack_panels`), on 64-byte boundaries: the
/// kernel's loads of whole cache lines run about twice as fast as loads that straddle two.
final class PackedGallery: @unchecked Sendable {
    let values: UnsafeMutablePointer<Float>

    init(_ rows: Matrix<Float>, panels: Int) {
        let count = max(panels * rows.cols * RetrievalScan.lanes, 1)
        values = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.size, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        rows.values.withUnsafeBufferPointer { ranking_pack_panels($0.baseAddress!, Int64(rows.rows), Int64(rows.cols), values) }
    }

    deinit { values.deallocate() }
}

/// The scan's output buffers: per query a run of scores and class codes, with the 16
/// entries of slack `ranking_scan` writes into.
final class KeptItems {
    let candidates: UnsafeMutablePointer<RankingCandidates>
    let scores: UnsafeMutablePointer<Float>
    let codes: UnsafeMutablePointer<Int32>
    let queries: Int

    init(capacities: [Int]) {
        queries = capacities.count
        let total = capacities.reduce(0) { $0 + $1 + RetrievalScan.lanes }
        scores = .allocate(capacity: total)
        codes = .allocate(capacity: total)
        candidates = .allocate(capacity: max(queries, 1))
        var offset = 0
        for (q, capacity) in capacities.enumerated() {
            candidates[q] = RankingCandidates(scores: scores + offset, codes: codes + offset, count: 0, capacity: Int64(capacity))
            offset += capacity + RetrievalScan.lanes
        }
    }

    deinit {
        scores.deallocate()
        codes.deallocate()
        candidates.deallocate()
    }

    func count(_ q: Int) -> Int { Int(candidates[q].count) }
    func capacity(_ q: Int) -> Int { Int(candidates[q].capacity) }

    /// Query q's kept scores and class codes (all of them: its count is within its capacity).
    func withItems<R>(_ q: Int, _ body: (UnsafeBufferPointer<Float>, UnsafeBufferPointer<Int32>) -> R) -> R {
        let c = candidates[q], n = min(Int(c.count), Int(c.capacity))
        return body(UnsafeBufferPointer(start: c.scores, count: n), UnsafeBufferPointer(start: c.codes, count: n))
    }
}
