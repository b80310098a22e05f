/// Orders one query's kept items, best first (higher score, then lower item), and reads the
/// metrics off the first `wanted`. One bucket pass on the scores' order-preserving bits puts
/// the items into runs of equal leading bits (about one bucket per item, 4096 to 65536), only
/// the runs up to the one that holds the wanted-th item are kept, and an insertion sort
/// finishes the order inside each run. The scan hands the items over in item order and both
/// steps are stable, so equal scores stay lower item first. Only whether an item is relevant
/// travels with its key. The buffers are reused from query to query.
final class RetrievalOrder {
    private var capacity = 0
    private var keys = UnsafeMutablePointer<UInt32>.allocate(capacity: 0), marks = UnsafeMutablePointer<Bool>.allocate(capacity: 0)
    private var orderedKeys = UnsafeMutablePointer<UInt32>.allocate(capacity: 0), orderedMarks = UnsafeMutablePointer<Bool>.allocate(capacity: 0)
    private let starts = UnsafeMutablePointer<Int>.allocate(capacity: 1 << RetrievalOrder.maximumBucketBits)

    static let minimumBucketBits = 12, maximumBucketBits = 16

    deinit {
        for pointer in [UnsafeMutableRawPointer(keys), UnsafeMutableRawPointer(marks), UnsafeMutableRawPointer(orderedKeys),
                        UnsafeMutableRawPointer(orderedMarks), UnsafeMutableRawPointer(starts)] { pointer.deallocate() }
    }

    /// Ascending order of the key is the ranking's: a higher score gives a smaller key. (The
    /// float's bits made monotone, then flipped; -0 counts as 0, as it compares.)
    @inline(__always)
    static func key(_ score: Float) -> UInt32 {
        let bits = (score + 0).bitPattern
        return ~(bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000)
    }

    /// codes: the kept items' class codes; own: the query's; r: its relevant count.
    func outcome(scores: UnsafeBufferPointer<Float>, codes kept: UnsafeBufferPointer<Int32>, own: Int32,
                 wanted: Int, relevant r: Int) -> RetrievalScan.Outcome {
        if capacity < kept.count {
            for pointer in [UnsafeMutableRawPointer(keys), UnsafeMutableRawPointer(marks), UnsafeMutableRawPointer(orderedKeys),
                            UnsafeMutableRawPointer(orderedMarks)] { pointer.deallocate() }
            capacity = kept.count
            keys = .allocate(capacity: capacity)
            marks = .allocate(capacity: capacity)
            orderedKeys = .allocate(capacity: capacity)
            orderedMarks = .allocate(capacity: capacity)
        }
        let count = kept.count
        var low = UInt32.max, high = UInt32.min
        for i in 0..<count {
            let key = Self.key(scores[i])
            keys[i] = key
            marks[i] = kept[i] == own
            low = min(low, key)
            high = max(high, key)
        }
        let take = min(wanted, count)
        guard take > 0 else { return RetrievalScan.Outcome() }
        let span = high - low
        let bits = min(max(Int.bitWidth - count.leadingZeroBitCount, Self.minimumBucketBits), Self.maximumBucketBits)
        let shift = max(0, (32 - span.leadingZeroBitCount) - bits)
        let used = Int(span >> UInt32(shift)) + 1
        for b in 0..<used { starts[b] = 0 }
        for i in 0..<count { starts[Int((keys[i] - low) >> UInt32(shift))] += 1 }
        // Bucket starts, up to the bucket where the wanted-th item falls.
        var cut = 0, total = 0
        while true {
            let size = starts[cut]
            starts[cut] = total
            total += size
            if total >= take { break }
            cut += 1
        }
        for i in 0..<count {
            let b = Int((keys[i] - low) >> UInt32(shift))
            guard b <= cut else { continue }
            orderedKeys[starts[b]] = keys[i]
            orderedMarks[starts[b]] = marks[i]
            starts[b] += 1
        }
        for i in 1..<max(total, 1) {
            let key = orderedKeys[i], mark = orderedMarks[i]
            var j = i
            while j > 0 && orderedKeys[j - 1] > key {
                orderedKeys[j] = orderedKeys[j - 1]
                orderedMarks[j] = orderedMarks[j - 1]
                j -= 1
            }
            orderedKeys[j] = key
            orderedMarks[j] = mark
        }
        var outcome = RetrievalScan.Outcome()
        var hits = 0
        for i in 0..<take where orderedMarks[i] {
            if i == 0 { outcome.hitAt1 = true }
            if i < 5 { outcome.hitAt5 = true }
            if i < r {
                hits += 1
                outcome.precisionSum += Double(hits) / Double(i + 1)
            }
        }
        return outcome
    }
}
