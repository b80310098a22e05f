import COpenBLAS
import Glibc
import Synchronization

/// How many threads OpenBLAS gives one product. OpenBLAS splits any product above about
/// 2.6·10^5 multiply-adds over all its threads; for the small products of a training step
/// (a batch of 128 through a 768 x 16 layer is 1.6·10^6) the hand-over and the waiting cost
/// more than the second core saves, and on a busy machine far more. Products below
/// `singleThreadWork` run on the calling thread; larger ones use every BLAS thread.
///
/// The thread count is OpenBLAS's one global setting, so it is changed only when a product
/// needs the other value. Two threads multiplying at once (the trainer and the explorer's
/// projection worker) can at worst run a large product on one thread. Work that must not take
/// the trainer's core (the projection worker's) runs inside `onOneThread`.
public enum BLASThreads {
    static let singleThreadWork = 1 << 24

    /// The threads OpenBLAS started with (OPENBLAS_NUM_THREADS or the cores). Read before the
    /// first change: OpenBLAS reports only the current setting.
    static let available = Int(openblas_get_num_threads())

    private static let current = Atomic<Int>(0)

    /// OpenBLAS's thread setting now.
    static var setting: Int { Int(openblas_get_num_threads()) }

    /// Set on a thread while it runs `onOneThread`'s body.
    private static let oneThreadKey: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "no thread-specific key for BLASThreads")
        return key
    }()

    /// Runs body with every product made on this thread on one BLAS thread, whatever its size.
    public static func onOneThread<R>(_ body: () throws -> R) rethrows -> R {
        let previous = pthread_getspecific(oneThreadKey)
        pthread_setspecific(oneThreadKey, UnsafeRawPointer(bitPattern: 1))
        defer { pthread_setspecific(oneThreadKey, previous) }
        return try body()
    }

    /// Call before a product of m·n·k multiply-adds.
    @inline(__always)
    static func prepare(m: Int, n: Int, k: Int) {
        let all = available
        let wanted = m * n * k < singleThreadWork || pthread_getspecific(oneThreadKey) != nil ? 1 : all
        if current.load(ordering: .relaxed) != wanted {
            current.store(wanted, ordering: .relaxed)
            openblas_set_num_threads(Int32(wanted))
        }
    }
}
