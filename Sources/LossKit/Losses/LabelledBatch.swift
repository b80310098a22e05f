/// A batch of embeddings with one class label per row, seen from each anchor: which rows are
/// its positives (same label, other row) and negatives (other label), and the distances to
/// them. Shared by the four batch triplet losses.
struct LabelledBatch<T: Scalar> {
    let labels: [Double]
    /// (N, N) distances, row-major.
    let distances: [T]
    let n: Int

    init(labels: [Double], distances: Matrix<T>) {
        self.labels = labels
        self.distances = distances.values
        self.n = distances.rows
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

    /// Classifies every valid triplet (a, p, n) of the batch against the margin.
    func census(margin: Double) -> MiningCounts {
        var counts = MiningCounts()
        let m = T(margin)
        var positives: [T] = []
        positives.reserveCapacity(n)
        distances.withUnsafeBufferPointer { dist in
            for a in 0..<n {
                positives.removeAll(keepingCapacity: true)
                for p in 0..<n where isPositive(a, p) { positives.append(dist[a * n + p]) }
                if positives.isEmpty { continue }
                positives.sort()
                let count = positives.count
                var hardTotal = 0, notEasyTotal = 0, negatives = 0
                for k in 0..<n where isNegative(a, k) {
                    let dan = dist[a * n + k]
                    // hard: d(a,p) > d(a,n); not easy: d(a,p) + margin > d(a,n). Both are suffixes.
                    hardTotal += count - Self.firstIndex(positives) { $0 > dan }
                    notEasyTotal += count - Self.firstIndex(positives) { $0 + m > dan }
                    negatives += 1
                }
                counts.valid += count * negatives
                counts.hard += hardTotal
                counts.semiHard += max(notEasyTotal - hardTotal, 0)
                counts.easy += count * negatives - max(notEasyTotal, hardTotal)
            }
        }
        return counts
    }

    /// First index where `isAfter` holds in a sorted array (a linear scan for short ones).
    @inline(__always)
    static func firstIndex(_ values: [T], _ isAfter: (T) -> Bool) -> Int {
        if values.count <= 16 {
            for (index, value) in values.enumerated() where isAfter(value) { return index }
            return values.count
        }
        return partitionPoint(values, isAfter)
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
