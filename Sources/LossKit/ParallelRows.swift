import Dispatch
import Foundation

/// Splits independent row loops over the machine's cores. Only for loops whose rows write
/// disjoint outputs; small loops stay on the calling thread, where a hand-over would cost
/// more than it saves.
enum ParallelRows {
    /// Below this many elements a loop runs on one thread.
    static let minimumWork = 1 << 17
    /// The cores to use: all of them (up to 8), or LOSSLAB_THREADS when set (benchmarks pin it).
    static let workers: Int = {
        if let text = ProcessInfo.processInfo.environment["LOSSLAB_THREADS"], let count = Int(text), count >= 1 { return min(count, 64) }
        return max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    }()

    /// Calls `body` with consecutive row ranges covering 0..<rows, possibly concurrently.
    static func run(rows: Int, elementsPerRow: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let parts = rows * max(elementsPerRow, 1) >= minimumWork ? min(workers, rows) : 1
        if parts <= 1 {
            body(0..<rows)
            return
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            body((rows * part / parts)..<(rows * (part + 1) / parts))
        }
    }
}

/// A buffer pointer the row loops may share across threads: each thread writes its own rows.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    /// An empty buffer may have no address; then a never-dereferenced aligned one stands in.
    init(_ buffer: UnsafeMutableBufferPointer<T>) {
        base = buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!
    }
    subscript(index: Int) -> T {
        get { base[index] }
        nonmutating set { base[index] = newValue }
    }
}

/// Read-only counterpart of SharedPointer.
struct SharedReadPointer<T>: @unchecked Sendable {
    let base: UnsafePointer<T>
    init(_ buffer: UnsafeBufferPointer<T>) {
        base = buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!
    }
    subscript(index: Int) -> T { base[index] }
}
