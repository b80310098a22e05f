/// A dense row-major matrix. Value semantics; the engine's only tensor type.
public struct Matrix<T: Scalar>: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    /// rows * cols values, row after row.
    public var values: [T]

    @inlinable
    public init(rows: Int, cols: Int, values: [T]) {
        precondition(rows >= 0 && cols >= 0 && values.count == rows * cols, "matrix shape does not match its values")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    @inlinable
    public init(zeros rows: Int, _ cols: Int) {
        self.init(rows: rows, cols: cols, values: [T](repeating: 0, count: rows * cols))
    }

    /// A matrix whose every value `fill` writes: the storage is not zeroed first.
    @inlinable
    public init(rows: Int, cols: Int, filling fill: (UnsafeMutableBufferPointer<T>) -> Void) {
        precondition(rows >= 0 && cols >= 0, "matrix shape must not be negative")
        let values = [T](unsafeUninitializedCapacity: rows * cols) { buffer, initialized in
            fill(buffer)
            initialized = rows * cols
        }
        self.init(rows: rows, cols: cols, values: values)
    }

    public init(rows: [[T]]) {
        let cols = rows.first?.count ?? 0
        self.init(rows: rows.count, cols: cols, values: rows.flatMap { $0 })
    }

    public var count: Int { values.count }
    public var shape: [Int] { [rows, cols] }

    @inlinable @inline(__always)
    public subscript(row: Int, col: Int) -> T {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }

    public func row(_ index: Int) -> ArraySlice<T> {
        values[(index * cols)..<((index + 1) * cols)]
    }

    /// The same values converted to another scalar type.
    public func converted<U: Scalar>(to _: U.Type = U.self) -> Matrix<U> {
        // The generic U(T) conversion goes through BinaryFloatingPoint's bit-by-bit path, about
        // a hundred times slower than the machine's; the two real cases are spelt out.
        if T.self == U.self { return unsafeBitCast(self, to: Matrix<U>.self) }
        if T.self == Float.self && U.self == Double.self {
            let floats = unsafeBitCast(self, to: Matrix<Float>.self).values
            return unsafeBitCast(Matrix<Double>(rows: rows, cols: cols, values: floats.map { Double($0) }), to: Matrix<U>.self)
        }
        if T.self == Double.self && U.self == Float.self {
            let doubles = unsafeBitCast(self, to: Matrix<Double>.self).values
            return unsafeBitCast(Matrix<Float>(rows: rows, cols: cols, values: doubles.map { Float($0) }), to: Matrix<U>.self)
        }
        return Matrix<U>(rows: rows, cols: cols, values: values.map { U($0) })
    }

    /// Rows picked by index (with repeats), as a new matrix.
    public func gatherRows(_ indices: [Int]) -> Matrix<T> {
        var out = [T]()
        out.reserveCapacity(indices.count * cols)
        for index in indices { out.append(contentsOf: row(index)) }
        return Matrix(rows: indices.count, cols: cols, values: out)
    }

    /// Rows stacked under each other; all parts must have the same column count.
    public static func vstack(_ parts: [Matrix<T>]) -> Matrix<T> {
        let cols = parts.first?.cols ?? 0
        precondition(parts.allSatisfy { $0.cols == cols }, "vstack needs equal column counts")
        return Matrix(rows: parts.reduce(0) { $0 + $1.rows }, cols: cols, values: parts.flatMap { $0.values })
    }

    /// Frobenius norm, accumulated in Double.
    @inlinable
    public var norm: Double {
        var sum = 0.0
        for v in values { sum += Double(v) * Double(v) }
        return sum.squareRoot()
    }

    @inlinable
    public var allFinite: Bool {
        values.withUnsafeBufferPointer { buffer in
            for value in buffer where !value.isFinite { return false }
            return true
        }
    }
}

// MARK: - BLAS-backed products

extension Matrix {
    /// self · selfᵀ, (rows, rows): half the work of a general product (SYRK), mirrored.
    @inlinable
    public func gram() -> Matrix {
        let n = rows
        var c = Matrix(zeros: n, n)
        if n == 0 { return c }
        if cols == 0 { return c }
        values.withUnsafeBufferPointer { a in
            c.values.withUnsafeMutableBufferPointer { out in
                T.syrkUpper(n: n, k: cols, a: a.baseAddress!, lda: cols, c: out.baseAddress!, ldc: n)
                Self.mirrorUpperTriangle(out.baseAddress!, n: n)
            }
        }
        return c
    }

    /// Copies the upper triangle of a square (n, n) buffer onto the lower one, in cache-sized
    /// tiles; bands of rows in parallel (each writes only its own rows' lower part).
    @usableFromInline
    static func mirrorUpperTriangle(_ buffer: UnsafeMutablePointer<T>, n: Int) {
        let shared = SharedPointer(UnsafeMutableBufferPointer(start: buffer, count: n * n))
        let tile = 32
        let bands = (n + tile - 1) / tile
        ParallelRows.run(rows: bands, elementsPerRow: tile * n / 2) { range in
            let out = shared.base
            for band in range {
                let i0 = band * tile
                for j0 in stride(from: 0, to: i0 + 1, by: tile) {
                    for i in i0..<min(i0 + tile, n) {
                        for j in j0..<min(j0 + tile, i) { out[i * n + j] = out[j * n + i] }
                    }
                }
            }
        }
    }

    /// op(a) * op(b) through GEMM, where op transposes when asked.
    @inlinable
    public static func product(_ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
                               alpha: T = 1) -> Matrix {
        let m = transposeA ? a.cols : a.rows, n = transposeB ? b.rows : b.cols, k = transposeA ? a.rows : a.cols
        precondition((transposeB ? b.cols : b.rows) == k, "matrix product shapes do not agree")
        if m == 0 || n == 0 || k == 0 { return Matrix(zeros: m, n) }
        // GEMM with beta 0 stores every entry of C without reading it, so C starts unzeroed.
        return Matrix(rows: m, cols: n) { pc in
            gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: pc.baseAddress!, m: m, n: n, k: k,
                 alpha: alpha, beta: 0)
        }
    }

    /// C (m, n, row-major, leading dimension n) = alpha · op(a) · op(b) + beta · C.
    @inlinable
    static func gemm(_ a: Matrix, transposeA: Bool, _ b: Matrix, transposeB: Bool, into c: UnsafeMutablePointer<T>,
                     m: Int, n: Int, k: Int, alpha: T, beta: T) {
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                T.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k,
                       alpha: alpha, a: pa.baseAddress!, lda: a.cols, b: pb.baseAddress!, ldb: b.cols,
                       beta: beta, c: c, ldc: n)
            }
        }
    }

    /// c = alpha * op(a) * op(b) + beta * c.
    @inlinable
    public static func multiplyAdd(
        _ a: Matrix, transposeA: Bool = false, _ b: Matrix, transposeB: Bool = false,
        into c: inout Matrix, alpha: T = 1, beta: T = 1
    ) {
        let m = transposeA ? a.cols : a.rows
        let k = transposeA ? a.rows : a.cols
        let n = transposeB ? b.rows : b.cols
        precondition((transposeB ? b.cols : b.rows) == k && c.rows == m && c.cols == n, "matrix product shapes do not agree")
        if m == 0 || n == 0 { return }
        if k == 0 {
            for i in c.values.indices { c.values[i] *= beta }
            return
        }
        c.values.withUnsafeMutableBufferPointer { pc in
            gemm(a, transposeA: transposeA, b, transposeB: transposeB, into: pc.baseAddress!, m: m, n: n, k: k,
                 alpha: alpha, beta: beta)
        }
    }
}
