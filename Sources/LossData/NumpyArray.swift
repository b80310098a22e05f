import LossKit

/// An n-dimensional array read from or destined for a `.npy` file. Values are always kept
/// in C (row-major) order, whatever order the file used.
public struct NumpyArray: Sendable {
    /// The element values, widened to one of three Swift element types.
    public enum Storage: Sendable, Equatable {
        /// float32 and float16 data.
        case floats32([Float])
        /// float64 data.
        case floats64([Double])
        /// All integer types and bool (as 0 and 1).
        case ints([Int64])
        /// String elements (numpy `U` and `S`), trailing NULs removed as numpy does.
        case strings([String])

        public var count: Int {
            switch self {
            case .floats32(let values): values.count
            case .floats64(let values): values.count
            case .ints(let values): values.count
            case .strings(let values): values.count
            }
        }
    }

    public var shape: [Int]
    /// The element type in the file (reading) or to use in the file (writing).
    public var dtype: NumpyDType
    public var storage: Storage
    /// Where the array came from (a path, or "archive.npz[key.npy]"); starts error messages.
    public var source: String

    public init(shape: [Int], dtype: NumpyDType, storage: Storage, source: String = "array") {
        self.shape = shape
        self.dtype = dtype
        self.storage = storage
        self.source = source
    }

    /// A 2-D array holding the matrix: float32 for `Float`, float64 for `Double`.
    public init<T: Scalar>(_ matrix: Matrix<T>, source: String = "matrix") {
        let shape = [matrix.rows, matrix.cols]
        if T.self == Float.self {
            self.init(shape: shape, dtype: .float32, storage: .floats32(unsafeBitCast(matrix.values, to: [Float].self)), source: source)
        } else if T.self == Double.self {
            self.init(shape: shape, dtype: .float64, storage: .floats64(unsafeBitCast(matrix.values, to: [Double].self)), source: source)
        } else {
            self.init(shape: shape, dtype: .float64, storage: .floats64(matrix.values.map { Double($0) }), source: source)
        }
    }

    /// Number of elements held.
    public var count: Int { storage.count }

    /// Number of dimensions.
    public var rank: Int { shape.count }

    /// All values as Double, in C order; strings read as NaN (callers that may meet string
    /// arrays use `exactDoubles`, which refuses them).
    public func doubles() -> [Double] {
        switch storage {
        case .floats32(let values): values.map { Double($0) }
        case .floats64(let values): values
        case .ints(let values): values.map { Double($0) }
        case .strings(let values): values.map { _ in .nan }
        }
    }

    /// The refusal for string elements where numbers are needed.
    func stringsAreNotNumbers() -> DataError {
        DataError.file(source, "the array holds strings (numpy dtype \(dtype.rawValue)), not numbers")
    }

    /// The largest magnitude up to which float64 holds every integer: past it neighbouring
    /// integers (2^53 and 2^53 + 1) read as one Double.
    public static let largestExactInteger: Int64 = 1 << 53

    /// All values as Double, refusing integers that a Double cannot hold exactly: labels past
    /// 2^53 would silently merge with their neighbours.
    public func exactDoubles() throws -> [Double] {
        if case .strings = storage { throw stringsAreNotNumbers() }
        if case .ints(let values) = storage,
           let index = values.firstIndex(where: { $0.magnitude > Self.largestExactInteger.magnitude }) {
            throw DataError.file(
                source, "element \(describe(index: index)) is \(values[index]), beyond 2^53 (\(Self.largestExactInteger)): as a float64 label it would merge with its neighbours; renumber the labels (0, 1, 2...)")
        }
        return doubles()
    }

    /// All values as Int64, in C order. Floating-point values must be whole numbers in range.
    public func int64s() throws -> [Int64] {
        switch storage {
        case .ints(let values):
            return values
        case .floats32(let values):
            return try values.enumerated().map { try wholeNumber(Double($0.element), at: $0.offset) }
        case .floats64(let values):
            return try values.enumerated().map { try wholeNumber($0.element, at: $0.offset) }
        case .strings:
            throw stringsAreNotNumbers()
        }
    }

    private func wholeNumber(_ value: Double, at index: Int) throws -> Int64 {
        // 2^63 is exactly representable; every whole double below it in magnitude fits Int64.
        guard value.isFinite, value.rounded(.towardZero) == value, value >= -0x1p63, value < 0x1p63 else {
            throw DataError.file(source, "element \(describe(index: index)) is \(value), which is not an integer that fits in Int64")
        }
        return Int64(value)
    }

    /// The array as a matrix, converting element types as needed. Only 2-D arrays qualify.
    public func matrix<T: Scalar>(_: T.Type = T.self) throws -> Matrix<T> {
        if case .strings = storage { throw stringsAreNotNumbers() }
        guard shape.count == 2 else {
            let kind = shape.count == 0 ? "a 0-D scalar" : "\(shape.count)-D"
            throw DataError.file(
                source, "expected a 2-D array (rows x columns) but this array is \(kind) with shape \(formatShape(shape))")
        }
        try checkCount()
        let rows = shape[0]
        let cols = shape[1]
        switch storage {
        case .floats32(let values):
            if T.self == Float.self {
                return Matrix(rows: rows, cols: cols, values: unsafeBitCast(values, to: [T].self))
            }
            return Matrix(rows: rows, cols: cols, values: values.map { T($0) })
        case .floats64(let values):
            if T.self == Double.self {
                return Matrix(rows: rows, cols: cols, values: unsafeBitCast(values, to: [T].self))
            }
            return Matrix(rows: rows, cols: cols, values: values.map { T($0) })
        case .ints(let values):
            return Matrix(rows: rows, cols: cols, values: values.map { T($0) })
        case .strings:
            throw stringsAreNotNumbers()
        }
    }

    /// The array as item vectors or teacher embeddings: `matrix`, refusing 8-bit integers.
    /// Those are what `model.encode(..., precision=...)` returns for its quantized precisions
    /// ("int8"/"binary" give int8, "uint8"/"ubinary" uint8): bucket numbers or packed sign
    /// bits, whose distances are not the embeddings' distances, so training on them as
    /// vectors would teach nothing true.
    public func embeddingMatrix<T: Scalar>(_: T.Type = T.self) throws -> Matrix<T> {
        if (dtype == .int8 || dtype == .uint8) && shape.count == 2 {
            let signed = dtype == .int8
            let packed = signed ? "\"binary\"" : "\"ubinary\""
            let buckets = signed ? "\"int8\"" : "\"uint8\""
            throw DataError.file(
                source,
                "holds \(dtype.rawValue) values (shape \(formatShape(shape))): quantized embeddings, as model.encode(..., precision=\(buckets)) writes them (or \(packed), 8 sign bits packed per value), not vectors to train on; encode with the default precision=\"float32\" and save that (for other 8-bit data, such as pixels, save x.astype(\"float32\"))")
        }
        return try matrix(T.self)
    }

    /// The first NaN or infinity, as a flat C-order index and the index along the first axis
    /// (the row, for a matrix). Nil when every value is finite, and always for integer data.
    public var hasNonFinite: (index: Int, row: Int)? {
        guard let index = firstNonFiniteIndex() else { return nil }
        return (index, position(of: index).row)
    }

    /// The row and column of the first NaN or infinity (for 1-D and 0-D arrays the row is
    /// the flat index and the column is 0). Nil when every value is finite.
    public func firstNonFinite() -> (row: Int, col: Int)? {
        guard let index = firstNonFiniteIndex() else { return nil }
        return position(of: index)
    }

    private func firstNonFiniteIndex() -> Int? {
        switch storage {
        case .floats32(let values): values.firstIndex { !$0.isFinite }
        case .floats64(let values): values.firstIndex { !$0.isFinite }
        case .ints, .strings: nil
        }
    }

    /// Row and column of a flat index: the first axis is the row, the rest flattened is the column.
    private func position(of index: Int) -> (row: Int, col: Int) {
        guard shape.count >= 2 else { return (index, 0) }
        let rowLength = checkedProduct(Array(shape.dropFirst())) ?? 1
        guard rowLength > 0 else { return (index, 0) }
        return (index / rowLength, index % rowLength)
    }

    private func describe(index: Int) -> String {
        guard shape.count >= 2 else { return "\(index)" }
        let (row, col) = position(of: index)
        return "\(index) (row \(row), column \(col))"
    }

    /// Throws when the shape and the number of stored values disagree.
    func checkCount() throws {
        if let negative = shape.first(where: { $0 < 0 }) {
            throw DataError.file(source, "shape \(formatShape(shape)) has a negative dimension \(negative)")
        }
        guard let expected = checkedProduct(shape) else {
            throw DataError.file(source, "shape \(formatShape(shape)) has more elements than can be addressed")
        }
        guard expected == storage.count else {
            throw DataError.file(
                source, "shape \(formatShape(shape)) needs \(expected) values but the array holds \(storage.count)")
        }
    }
}
