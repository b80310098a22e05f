import CBatchKernels

/// Which code the CBatchKernels run: the best the machine has (AVX-512, else AVX2, else the
/// portable loops), or for the tests the portable loops or AVX2 at most (the portable loops on
/// a machine without AVX2).
public enum BatchKernelLevel: CaseIterable, Sendable {
    case best, avx2, portable

    var argument: Int32 {
        switch self {
        case .best: Int32(batch_kernels_best)
        case .avx2: Int32(batch_kernels_avx2)
        case .portable: Int32(batch_kernels_portable)
        }
    }
}
