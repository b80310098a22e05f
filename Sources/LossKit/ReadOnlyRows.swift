/// Memory that something else filled and nobody writes, valid while the object lives: a
/// file mapped read-only (LossData's `MappedFile`).
public protocol ReadOnlyMemory: AnyObject, Sendable {
    var baseAddress: UnsafeRawPointer { get }
    var byteCount: Int { get }
}

/// Row-major rows that are read and never written: the frozen input vectors of a dataset
/// and of the encoder. They live either in a `Matrix` or in a mapped file, so a large `.npy`
/// is read where it lies instead of being copied. Copies of the value share the storage.
public struct ReadOnlyRows<T: Scalar>: Sendable {
    public let rows: Int
    public let cols: Int
    /// Whether every value was checked finite (`checkedFinite()`); the storage never changes,
    /// so the answer holds for every copy.
    public private(set) var valuesChecked = false
    private let storage: Storage

    private enum Storage: Sendable {
        case matrix(Matrix<T>)
        case memory(any ReadOnlyMemory, byteOffset: Int)
    }

    public init(_ matrix: Matrix<T>) {
        rows = matrix.rows
        cols = matrix.cols
        storage = .matrix(matrix)
    }

    /// rows x cols values of T starting `byteOffset` bytes into `memory`.
    public init(memory: any ReadOnlyMemory, byteOffset: Int, rows: Int, cols: Int) {
        let (count, overflow) = rows.multipliedReportingOverflow(by: cols)
        precondition(rows >= 0 && cols >= 0 && !overflow && byteOffset >= 0, "read-only rows: bad shape")
        precondition(byteOffset + count * MemoryLayout<T>.stride <= memory.byteCount, "read-only rows: the rows overrun the memory")
        precondition(Int(bitPattern: memory.baseAddress + byteOffset) % MemoryLayout<T>.alignment == 0,
                     "read-only rows: the values are not aligned")
        self.rows = rows
        self.cols = cols
        storage = .memory(memory, byteOffset: byteOffset)
    }

    public var count: Int { rows * cols }

    /// Whether the values are a file's pages rather than memory of this process's own.
    public var isMapped: Bool {
        if case .memory = storage { return true }
        return false
    }

    /// All values, row after row, for the duration of `body`.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<T>) throws -> R) rethrows -> R {
        switch storage {
        case .matrix(let matrix):
            return try matrix.values.withUnsafeBufferPointer(body)
        case .memory(let memory, let byteOffset):
            return try withExtendedLifetime(memory) {
                let start = (memory.baseAddress + byteOffset).assumingMemoryBound(to: T.self)
                return try body(UnsafeBufferPointer(start: start, count: count))
            }
        }
    }

    public subscript(row: Int, col: Int) -> T {
        precondition(row >= 0 && row < rows && col >= 0 && col < cols, "read-only rows: index out of range")
        return withUnsafeBufferPointer { $0[row * cols + col] }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [T] {
        precondition(index >= 0 && index < rows, "read-only rows: row \(index) is outside 0..<\(rows)")
        return withUnsafeBufferPointer { Array($0[(index * cols)..<((index + 1) * cols)]) }
    }

    /// Rows picked by index (with repeats), as a new matrix: the only copy a training step makes.
    public func gatherRows(_ indices: [Int]) -> Matrix<T> {
        let width = cols
        return withUnsafeBufferPointer { source in
            Matrix(rows: indices.count, cols: width) { target in
                guard width > 0, let from = source.baseAddress, let to = target.baseAddress else { return }
                for (position, index) in indices.enumerated() {
                    precondition(index >= 0 && index < rows, "read-only rows: row \(index) is outside 0..<\(rows)")
                    (to + position * width).update(from: from + index * width, count: width)
                }
            }
        }
    }

    /// The values as a Matrix: the same storage when they are one, else a copy of them all
    /// (for a table encoder, whose trainable table starts from them).
    public var matrix: Matrix<T> {
        if case .matrix(let matrix) = storage { return matrix }
        return withUnsafeBufferPointer { source in
            Matrix(rows: rows, cols: cols) { target in
                if let from = source.baseAddress, let to = target.baseAddress { to.update(from: from, count: source.count) }
            }
        }
    }

    /// self · b, (rows, b.cols), read from wherever the rows live.
    public func product(_ b: Matrix<T>) -> Matrix<T> {
        precondition(b.rows == cols, "matrix product shapes do not agree")
        if rows == 0 || b.cols == 0 || cols == 0 { return Matrix(zeros: rows, b.cols) }
        return withUnsafeBufferPointer { a in
            b.values.withUnsafeBufferPointer { pb in
                Matrix(rows: rows, cols: b.cols) { c in
                    T.gemm(transA: false, transB: false, m: rows, n: b.cols, k: cols, alpha: 1, a: a.baseAddress!, lda: cols,
                           b: pb.baseAddress!, ldb: b.cols, beta: 0, c: c.baseAddress!, ldc: b.cols)
                }
            }
        }
    }

    /// The same values in another scalar type, in memory of their own (Float to Double is
    /// exact, so a check carries over; Double to Float may overflow to infinity, so it does not).
    public func converted<U: Scalar>(to _: U.Type = U.self) -> ReadOnlyRows<U> {
        if T.self == U.self { return unsafeBitCast(self, to: ReadOnlyRows<U>.self) }
        var result = ReadOnlyRows<U>(matrix.converted(to: U.self))
        result.valuesChecked = valuesChecked && MemoryLayout<U>.size >= MemoryLayout<T>.size
        return result
    }

    /// The flat index of the first NaN or infinity, found by one SIMD pass, or nil.
    public func firstNonFinite() -> Int? {
        withUnsafeBufferPointer { buffer in
            let raw = UnsafeRawPointer(buffer.baseAddress)
            if T.self == Float.self {
                return FiniteScan.firstNonFinite(UnsafeBufferPointer(start: raw?.assumingMemoryBound(to: Float.self), count: buffer.count))
            }
            if T.self == Double.self {
                return FiniteScan.firstNonFinite(UnsafeBufferPointer(start: raw?.assumingMemoryBound(to: Double.self), count: buffer.count))
            }
            return buffer.firstIndex { !$0.isFinite }
        }
    }

    /// These rows marked checked when every value is finite; else the first bad value's index.
    public func checkedFinite() -> Result<ReadOnlyRows, NonFiniteValue> {
        if valuesChecked { return .success(self) }
        if let index = firstNonFinite() { return .failure(NonFiniteValue(index: index, cols: cols)) }
        var checked = self
        checked.valuesChecked = true
        return .success(checked)
    }
}

/// Where `ReadOnlyRows.checkedFinite` met a NaN or infinity.
public struct NonFiniteValue: Error, Sendable, Equatable {
    public let index: Int
    public let cols: Int
    public var row: Int { index / max(cols, 1) }
    public var col: Int { index % max(cols, 1) }
}
