/// What a loss's computation held at once: the bytes of the buffers alive at its fullest
/// points, read from the buffers themselves (their element counts; malloc's few bytes of
/// rounding, which vary with the heap's state, are left out so that a run gives the same
/// number every time), never from a formula.
/// The caller's inputs are not counted; a buffer shared by two matrices counts once.
public struct ScratchUse: Sendable, Equatable {
    /// The largest sum of the loss's own buffers at one of its samples.
    public var peakBytes: Int
    /// How many mini-batches of rows the batch was computed in (1: all at once).
    public var miniBatches: Int

    public init(peakBytes: Int, miniBatches: Int) {
        self.peakBytes = peakBytes
        self.miniBatches = miniBatches
    }
}

/// Counts a computation's buffers where it holds the most. A loss creates one per evaluation
/// and calls `sample` with every buffer it holds at that point.
final class ScratchMeter {
    private(set) var peakBytes = 0
    private var excluded: Set<UnsafeRawPointer> = []
    /// Sees each sample's bytes as it is taken (tests compare them with the heap).
    var probe: ((Int) -> Void)?

    init() {}

    /// The caller's buffers (the batch's columns): never the loss's to count.
    func exclude<T: Scalar>(_ inputs: [Matrix<T>]) {
        for matrix in inputs { if let base = Self.base(matrix) { excluded.insert(base) } }
    }

    /// `matrices`: every buffer held now (nil entries are skipped); `otherBytes`: arrays of
    /// other kinds held now, already counted by the caller.
    func sample<T: Scalar>(_ matrices: [Matrix<T>?], otherBytes: Int = 0) {
        var seen = excluded
        var bytes = otherBytes
        for case let matrix? in matrices {
            guard let base = Self.base(matrix), seen.insert(base).inserted else { continue }
            bytes += matrix.values.count * MemoryLayout<T>.stride
        }
        peakBytes = max(peakBytes, bytes)
        probe?(bytes)
    }

    /// The bytes of `count` elements of an array reserved for them.
    static func bytes<E>(_: E.Type, _ count: Int) -> Int { count * MemoryLayout<E>.stride }

    private static func base<T: Scalar>(_ matrix: Matrix<T>) -> UnsafeRawPointer? {
        matrix.values.withUnsafeBufferPointer { $0.baseAddress.map { UnsafeRawPointer($0) } }
    }
}
