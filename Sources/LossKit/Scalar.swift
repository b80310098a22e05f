import COpenBLAS
import RealModule

/// The floating-point types the engine computes in: `Float` for training, `Double` for
/// gradient checks and for `losslab eval`, which must agree with a float64 reference.
public protocol Scalar: BinaryFloatingPoint, Real, Sendable, LosslessStringConvertible, Codable, SIMDScalar {
    /// C = alpha * op(A) * op(B) + beta * C on row-major buffers (cblas_sgemm / cblas_dgemm).
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Self, a: UnsafePointer<Self>, lda: Int,
        b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)

    /// The upper triangle of C = A Aᵀ for row-major A (n, k) (cblas_ssyrk / cblas_dsyrk).
    static func syrkUpper(n: Int, k: Int, a: UnsafePointer<Self>, lda: Int, c: UnsafeMutablePointer<Self>, ldc: Int)
}

@inline(__always)
private func cblasTranspose(_ flag: Bool) -> CBLAS_TRANSPOSE {
    flag ? CblasTrans : CblasNoTrans
}

extension Float: Scalar {
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Float, a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        BLASThreads.prepare(m: m, n: n, k: k)
        cblas_sgemm(
            CblasRowMajor, cblasTranspose(transA), cblasTranspose(transB),
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}

extension Float {
    public static func syrkUpper(n: Int, k: Int, a: UnsafePointer<Float>, lda: Int, c: UnsafeMutablePointer<Float>, ldc: Int) {
        BLASThreads.prepare(m: n, n: n, k: k / 2)
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasNoTrans, blasint(n), blasint(k), 1, a, blasint(lda), 0, c, blasint(ldc))
    }
}

extension Double {
    public static func syrkUpper(n: Int, k: Int, a: UnsafePointer<Double>, lda: Int, c: UnsafeMutablePointer<Double>, ldc: Int) {
        BLASThreads.prepare(m: n, n: n, k: k / 2)
        cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, blasint(n), blasint(k), 1, a, blasint(lda), 0, c, blasint(ldc))
    }
}

extension Double: Scalar {
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int,
        alpha: Double, a: UnsafePointer<Double>, lda: Int,
        b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        BLASThreads.prepare(m: m, n: n, k: k)
        cblas_dgemm(
            CblasRowMajor, cblasTranspose(transA), cblasTranspose(transB),
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}
