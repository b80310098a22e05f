import COpenBLAS
import Synchronization

/// How many threads OpenBLAS gives one product. OpenBLAS splits any product above about
/// 2.6·10^5 multiply-adds over all its threads; for the small products of a training step
/// (a batch of 128 through a 768 x 16 layer is 1.6·10^6) the hand-over and the waiting cost
/// more than the second core saves, and on a busy machine far more. Products below
/// `singleThreadWork` run on the calling thread; larger ones use every BLAS thread.
///
/// The thread count is OpenBLAS's one global setting, so it is changed only when a product
/// needs the other value. Two threads multiplying at once (the trainer and the explorer's
/// projection worker) can at worst run a large product on one thread.
enum BLASThreads {
    static let singleThreadWork = 1 << 24

    /// The threads OpenBLAS started with (OPENBLAS_NUM_THREADS or the cores). Read before the
    /// first change: OpenBLAS reports only the current setting.
    static let available = Int(openblas_get_num_threads())

    private static let current = Atomic<Int>(0)

    /// OpenBLAS's thread setting now.
    static var setting: Int { Int(openblas_get_num_threads()) }

    /// Call before a product of m·n·k multiply-adds.
    @inline(__always)
    static func prepare(m: Int, n: Int, k: Int) {
        let all = available
        let wanted = m * n * k < singleThreadWork ? 1 : all
        if current.load(ordering: .relaxed) != wanted {
            current.store(wanted, ordering: .relaxed)
            openblas_set_num_threads(Int32(wanted))
        }
    }
}
