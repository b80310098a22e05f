/// A batch of embeddings with one class label per row, seen from each anchor: which rows are
/// its positives (same label, other row) and negatives (other label), and the distances to
/// them. Shared by the four batch triplet losses.
struct LabelledBatch<T: Scalar> {
    let labels: [Double]
    /// Each row's class as a small whole number (the rank of its label among the batch's
    /// distinct labels), in T, so the row loops compare classes in the distances' own type.
    let classIds: [T]
    /// (N, N) distances, row-major.
    let distances: [T]
    let n: Int

    init(labels: [Double], distances: Matrix<T>) {
        self.labels = labels
        self.distances = distances.values
        self.n = distances.rows
        var rank: [Double: Int] = [:]
        for label in Set(labels).sorted() { rank[label] = rank.count }
        // A NaN label equals no other (not even another NaN): each gets an id of its own.
        classIds = labels.enumerated().map { row, label in T(rank[label] ?? -1 - row) }
    }

    @inline(__always) func d(_ a: Int, _ b: Int) -> T { distances[a * n + b] }
    @inline(__always) func isPositive(_ a: Int, _ p: Int) -> Bool { a != p && labels[a] == labels[p] }
    @inline(__always) func isNegative(_ a: Int, _ k: Int) -> Bool { labels[a] != labels[k] }

    /// The anchor's positives ordered by distance, ties by index: (distance, row). Classes
    /// are small next to the batch, so the losses sort these, never the negatives.
    func sortedPositives(of a: Int) -> [(distance: T, row: Int)] {
        var list: [(distance: T, row: Int)] = []
        for p in 0..<n where isPositive(a, p) { list.append((d(a, p), p)) }
        list.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.row < $1.row) }
        return list
    }

    /// The first index where `isAfter` becomes true, for a predicate that is false then true
    /// along the list.
    static func partitionPoint<C: RandomAccessCollection>(_ list: C, _ isAfter: (C.Element) -> Bool) -> Int where C.Index == Int {
        var low = list.startIndex, high = list.endIndex
        while low < high {
            let mid = (low + high) / 2
            if isAfter(list[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }

    /// Classifies every valid triplet (a, p, n) of the batch against the margin. Anchors run in
    /// parallel. With few positives (the usual case) each positive counts the anchor's
    /// negatives below d(a,p) and below d(a,p) + margin; with many, each
    /// negative is located among the sorted positives.
    func census(margin: Double) -> MiningCounts {
        let m = T(margin)
        let n = self.n
        // Per anchor: valid, hard and not-easy triplets.
        var valid = [Int](repeating: 0, count: n), hard = valid, notEasy = valid
        distances.withUnsafeBufferPointer { dist in
            classIds.withUnsafeBufferPointer { idBuffer in
                valid.withUnsafeMutableBufferPointer { validBuffer in
                    hard.withUnsafeMutableBufferPointer { hardBuffer in
                        notEasy.withUnsafeMutableBufferPointer { notEasyBuffer in
                            let d = SharedReadPointer(dist), ids = SharedReadPointer(idBuffer)
                            let validOut = SharedPointer(validBuffer), hardOut = SharedPointer(hardBuffer)
                            let notEasyOut = SharedPointer(notEasyBuffer)
                            ParallelRows.run(rows: n, elementsPerRow: 4 * n) { anchors in
                                var positives = [T]()
                                positives.reserveCapacity(n)
                                for a in anchors {
                                    let row = d.base + a * n
                                    Self.positiveDistances(of: a, row: row, ids: ids.base, count: n, into: &positives)
                                    let negatives = n - 1 - positives.count
                                    if positives.isEmpty || negatives == 0 { continue }
                                    let counts = positives.count <= 16
                                        ? Self.countBelow(positives, margin: m, row: row, ids: ids.base, own: ids.base[a], count: n)
                                        : Self.countAmongSorted(&positives, margin: m, row: row, ids: ids.base, own: ids.base[a], count: n)
                                    validOut[a] = positives.count * negatives
                                    hardOut[a] = counts.hard
                                    notEasyOut[a] = counts.notEasy
                                }
                            }
                        }
                    }
                }
            }
        }
        var counts = MiningCounts()
        for a in 0..<n {
            counts.valid += valid[a]
            counts.hard += hard[a]
            counts.semiHard += max(notEasy[a] - hard[a], 0)
            counts.easy += valid[a] - max(notEasy[a], hard[a])
        }
        return counts
    }

    /// d(a, p) of the anchor's positives, in row order.
    @inline(__always)
    private static func positiveDistances(of a: Int, row: UnsafePointer<T>, ids: UnsafePointer<T>, count n: Int, into list: inout [T]) {
        list.removeAll(keepingCapacity: true)
        let own = ids[a]
        for k in 0..<n where ids[k] == own && k != a { list.append(row[k]) }
    }

    /// For few positives: per positive, the negatives closer than d(a,p) (hard) and closer
    /// than d(a,p) + margin (not easy). Whole-number sums of comparisons, which the compiler
    /// vectorises (generic SIMD comparisons would run lane by lane).
    private static func countBelow(_ positives: [T], margin: T, row: UnsafePointer<T>, ids: UnsafePointer<T>, own: T,
                                   count n: Int) -> (hard: Int, notEasy: Int) {
        var hard = 0, notEasy = 0
        for dap in positives {
            let notEasyBelow = dap + margin
            for k in 0..<n {
                let negative = ids[k] != own
                hard &+= negative && row[k] < dap ? 1 : 0
                notEasy &+= negative && row[k] < notEasyBelow ? 1 : 0
            }
        }
        return (hard, notEasy)
    }

    /// For many positives: each negative located among the sorted positives.
    private static func countAmongSorted(_ positives: inout [T], margin: T, row: UnsafePointer<T>, ids: UnsafePointer<T>, own: T,
                                         count n: Int) -> (hard: Int, notEasy: Int) {
        positives.sort()
        var hard = 0, notEasy = 0
        let count = positives.count
        for k in 0..<n where ids[k] != own {
            let dan = row[k]
            // Both are suffixes of the sorted positives.
            hard += count - partitionPoint(positives) { $0 > dan }
            notEasy += count - partitionPoint(positives) { $0 + margin > dan }
        }
        return (hard, notEasy)
    }
}

extension MiningReport {
    /// The largest number of tuples a report lists; counts always cover every tuple.
    public static let tupleLimit = 4096

    /// Keeps the `tupleLimit` tuples with the largest loss, in anchor order.
    mutating func capTuples() {
        guard tuples.count > Self.tupleLimit else { return }
        tuples.sort { $0.loss > $1.loss }
        tuples.removeLast(tuples.count - Self.tupleLimit)
        tuples.sort { ($0.anchor, $0.positive) < ($1.anchor, $1.positive) }
    }
}
