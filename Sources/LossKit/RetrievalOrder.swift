import CRankingKernels

/// Orders one query's kept items, best first (higher score, then lower item), and reads the
/// metrics off the first `wanted`: CRankingKernels' `ranking_order`, a bucket pass on the
/// scores' order-preserving bits that keeps only the runs up to the wanted-th item, then an
/// insertion sort inside each run. The scan hands the items over in item order and both steps
/// are stable, so equal scores stay lower item first. The buffers are reused from query to query.
final class RetrievalOrder {
    private var capacity = 0
    private var keys = UnsafeMutablePointer<UInt32>.allocate(capacity: 1), orderedKeys = UnsafeMutablePointer<UInt32>.allocate(capacity: 1)
    private var marks = UnsafeMutablePointer<UInt8>.allocate(capacity: 1), orderedMarks = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    private let starts = UnsafeMutablePointer<Int64>.allocate(capacity: 1 << 16)

    deinit {
        freeItemBuffers()
        starts.deallocate()
    }

    private func freeItemBuffers() {
        keys.deallocate()
        orderedKeys.deallocate()
        marks.deallocate()
        orderedMarks.deallocate()
    }

    /// codes: the kept items' class codes; own: the query's; r: its relevant count.
    func outcome(scores: UnsafeBufferPointer<Float>, codes kept: UnsafeBufferPointer<Int32>, own: Int32,
                 wanted: Int, relevant r: Int) -> RetrievalScan.Outcome {
        let count = kept.count
        if capacity < count {
            freeItemBuffers()
            capacity = count
            keys = .allocate(capacity: count)
            orderedKeys = .allocate(capacity: count)
            marks = .allocate(capacity: count)
            orderedMarks = .allocate(capacity: count)
        }
        guard count > 0, let scoreBase = scores.baseAddress, let codeBase = kept.baseAddress else { return RetrievalScan.Outcome() }
        var hitAt1: Int32 = 0, hitAt5: Int32 = 0, precisionSum = 0.0
        ranking_order(scoreBase, codeBase, Int64(count), own, Int64(wanted), Int64(r), keys, marks, orderedKeys, orderedMarks, starts,
                      &hitAt1, &hitAt5, &precisionSum)
        return RetrievalScan.Outcome(hitAt1: hitAt1 != 0, hitAt5: hitAt5 != 0, precisionSum: precisionSum)
    }
}
