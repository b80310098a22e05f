import CBatchKernels

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

    /// Classifies every valid triplet (a, p, n) of the batch against the margin. Anchors run in
    /// parallel. With few positives (the usual case) each positive counts the anchor's
    /// negatives below d(a,p) and below d(a,p) + margin in vectorised passes; with many, each
    /// negative is located among the sorted positives.
    func census(margin: Double) -> MiningCounts {
        if T.self == Float.self { return unsafeBitCast(self, to: LabelledBatch<Float>.self).censusInC(margin: Float(margin)) }
        return censusInSwift(margin: margin)
    }

    /// The definition, for any scalar type (the tests hold the C kernel to it).
    func censusInSwift(margin: Double) -> MiningCounts {
        let m = T(margin)
        let n = self.n
        // Per anchor: valid, hard and not-easy triplets.
        var valid = [Int](repeating: 0, count: n), hard = valid, notEasy = valid
        distances.withUnsafeBufferPointer { dist in
            labels.withUnsafeBufferPointer { labelBuffer in
                valid.withUnsafeMutableBufferPointer { validBuffer in
                    hard.withUnsafeMutableBufferPointer { hardBuffer in
                        notEasy.withUnsafeMutableBufferPointer { notEasyBuffer in
                            let d = SharedReadPointer(dist), label = SharedReadPointer(labelBuffer)
                            let validOut = SharedPointer(validBuffer), hardOut = SharedPointer(hardBuffer)
                            let notEasyOut = SharedPointer(notEasyBuffer)
                            ParallelRows.run(rows: n, elementsPerRow: 4 * n) { anchors in
                                var positives = [T](), negatives = [T]()
                                positives.reserveCapacity(n)
                                negatives.reserveCapacity(n)
                                for a in anchors {
                                    positives.removeAll(keepingCapacity: true)
                                    negatives.removeAll(keepingCapacity: true)
                                    let row = d.base + a * n, own = label[a]
                                    for k in 0..<n {
                                        if label[k] != own { negatives.append(row[k]) } else if k != a { positives.append(row[k]) }
                                    }
                                    if positives.isEmpty || negatives.isEmpty { continue }
                                    let counts = Self.classify(positives: &positives, negatives: negatives, margin: m)
                                    validOut[a] = positives.count * negatives.count
                                    hardOut[a] = counts.hard
                                    notEasyOut[a] = counts.notEasy
                                }
                            }
                        }
                    }
                }
            }
        }
        return Self.counts(valid: valid, hard: hard, notEasy: notEasy)
    }

    static func counts<I: BinaryInteger>(valid: [I], hard: [I], notEasy: [I]) -> MiningCounts {
        var counts = MiningCounts()
        for a in valid.indices {
            let (valid, hard, notEasy) = (Int(valid[a]), Int(hard[a]), Int(notEasy[a]))
            counts.valid += valid
            counts.hard += hard
            counts.semiHard += max(notEasy - hard, 0)
            counts.easy += valid - max(notEasy, hard)
        }
        return counts
    }

    /// For one anchor: how many (positive, negative) pairs are hard (d(a,p) > d(a,n)) and how
    /// many are not easy (d(a,p) + margin > d(a,n)).
    private static func classify(positives: inout [T], negatives: [T], margin: T) -> (hard: Int, notEasy: Int) {
        var hard = 0, notEasy = 0
        if positives.count <= 16 {
            negatives.withUnsafeBufferPointer { neg in
                for dap in positives {
                    let notEasyBelow = dap + margin
                    hard += VectorKernels.count(neg.baseAddress!, count: neg.count) { $0 < dap }
                    notEasy += VectorKernels.count(neg.baseAddress!, count: neg.count) { $0 < notEasyBelow }
                }
            }
        } else {
            positives.sort()
            let count = positives.count
            for dan in negatives {
                // Both are suffixes of the sorted positives.
                hard += count - partitionPoint(positives) { $0 > dan }
                notEasy += count - partitionPoint(positives) { $0 + margin > dan }
            }
        }
        return (hard, notEasy)
    }
}

extension LabelledBatch where T == Float {
    /// `censusInSwift` by CBatchKernels: the same counts for finite distances. kernel: the
    /// portable loops or AVX2 even where the machine has more (tests).
    func censusInC(margin: Float, kernel: BatchKernelLevel = .best) -> MiningCounts {
        let n = self.n
        var valid = [Int64](repeating: 0, count: n), hard = valid, notEasy = valid
        valid.withUnsafeMutableBufferPointer { validBuffer in
            hard.withUnsafeMutableBufferPointer { hardBuffer in
                notEasy.withUnsafeMutableBufferPointer { notEasyBuffer in
                    distances.withUnsafeBufferPointer { d in
                        labels.withUnsafeBufferPointer { labelBuffer in
                            let out = (SharedPointer(validBuffer), SharedPointer(hardBuffer), SharedPointer(notEasyBuffer))
                            let dp = SharedReadPointer(d), lp = SharedReadPointer(labelBuffer)
                            ParallelRows.run(rows: n, elementsPerRow: 4 * n) { anchors in
                                let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 2 * n + 32)
                                defer { scratch.deallocate() }
                                batch_census(dp.base, lp.base, Int64(n), margin, Int64(anchors.lowerBound), Int64(anchors.upperBound),
                                             out.0.base, out.1.base, out.2.base, scratch, kernel.argument)
                            }
                        }
                    }
                }
            }
        }
        return Self.counts(valid: valid, hard: hard, notEasy: notEasy)
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
