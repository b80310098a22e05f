/// The element types LossData can read from and write to `.npy` files.
public enum NumpyDType: String, Sendable, CaseIterable {
    case float16, float32, float64
    case int8, int16, int32, int64
    case uint8, uint16, uint32
    case bool
    /// Fixed-width strings: numpy's `U` (UTF-32 code units) and `S` (bytes). Read only, for
    /// class labels saved with `np.save(path, np.array(names))`.
    case unicode, bytes

    /// Bytes per element (per character for the string types).
    public var itemSize: Int {
        switch self {
        case .int8, .uint8, .bool, .bytes: 1
        case .float16, .int16, .uint16: 2
        case .float32, .int32, .uint32, .unicode: 4
        case .float64, .int64: 8
        }
    }

    /// True for the floating-point types.
    public var isFloatingPoint: Bool {
        switch self {
        case .float16, .float32, .float64: true
        default: false
        }
    }

    /// The numpy type string this writer uses: little-endian, or `|` for one-byte types.
    public var descr: String {
        let order = itemSize == 1 ? "|" : "<"
        return order + kindCode + String(itemSize)
    }

    var kindCode: String {
        switch self {
        case .float16, .float32, .float64: "f"
        case .int8, .int16, .int32, .int64: "i"
        case .uint8, .uint16, .uint32: "u"
        case .bool: "b"
        case .unicode: "U"
        case .bytes: "S"
        }
    }

    /// The smallest and largest integer the type holds (nil for floating-point types).
    var integerRange: ClosedRange<Int64>? {
        switch self {
        case .int8: Int64(Int8.min)...Int64(Int8.max)
        case .int16: Int64(Int16.min)...Int64(Int16.max)
        case .int32: Int64(Int32.min)...Int64(Int32.max)
        case .int64: Int64.min...Int64.max
        case .uint8: 0...Int64(UInt8.max)
        case .uint16: 0...Int64(UInt16.max)
        case .uint32: 0...Int64(UInt32.max)
        case .bool: 0...1
        case .float16, .float32, .float64, .unicode, .bytes: nil
        }
    }
}

/// A parsed numpy type string such as `<f4` or `>i8`.
struct NumpyTypeString: Equatable {
    var dtype: NumpyDType
    /// True when the bytes in the file are big-endian.
    var bigEndian: Bool
    /// Characters per element for the string types (numpy's `<U7` holds 7); 1 otherwise.
    var characters = 1

    /// Bytes per element in the file.
    var elementSize: Int { dtype.itemSize * characters }

    /// The longest string element read (in characters): longer is no class label.
    static let maximumCharacters = 1 << 20

    /// Parses a numpy type string; the error text says why a type is not supported.
    static func parse(_ text: String) -> Result<NumpyTypeString, DataError> {
        var chars = Substring(text)
        var bigEndian = false
        switch chars.first {
        case "<", "|":
            chars = chars.dropFirst()
        case "=":
            chars = chars.dropFirst()
            bigEndian = hostIsBigEndian
        case ">":
            chars = chars.dropFirst()
            bigEndian = true
        default:
            break
        }
        guard let kind = chars.first else {
            return .failure(DataError("unsupported dtype '\(text)' (empty type string)"))
        }
        let sizeText = chars.dropFirst()
        let size = Int(sizeText)
        func unsupported(_ what: String) -> Result<NumpyTypeString, DataError> {
            .failure(DataError("unsupported dtype '\(text)' (\(what))"))
        }
        let dtype: NumpyDType?
        switch (kind, size) {
        case ("f", nil), ("i", nil), ("u", nil), ("b", nil): dtype = nil
        case ("f", 2): dtype = .float16
        case ("f", 4): dtype = .float32
        case ("f", 8): dtype = .float64
        case ("i", 1): dtype = .int8
        case ("i", 2): dtype = .int16
        case ("i", 4): dtype = .int32
        case ("i", 8): dtype = .int64
        case ("u", 1): dtype = .uint8
        case ("u", 2): dtype = .uint16
        case ("u", 4): dtype = .uint32
        case ("b", 1): dtype = .bool
        case ("O", _):
            return unsupported("Python object array; it would need unpickling, which this reader never does")
        case ("U", let count?), ("S", let count?), ("a", let count?):
            guard count >= 0, count <= maximumCharacters else {
                return unsupported("strings of \(count) characters; at most \(maximumCharacters) are read")
            }
            let type = kind == "U" ? NumpyDType.unicode : .bytes
            return .success(NumpyTypeString(dtype: type, bigEndian: type == .unicode && bigEndian, characters: count))
        case ("U", _), ("S", _), ("a", _): return unsupported("a string type without a length")
        case ("c", _): return unsupported("complex numbers")
        case ("V", _): return unsupported("raw void/record data")
        case ("M", _), ("m", _): return unsupported("datetime/timedelta")
        case ("u", 8): return unsupported("uint64 values may not fit in Int64")
        case ("f", _): return unsupported("float of \(sizeText) bytes; supported: float16, float32, float64")
        case ("i", _), ("u", _), ("b", _):
            return unsupported("integer of \(sizeText) bytes")
        default: dtype = nil
        }
        guard let dtype else {
            return unsupported("not a numeric numpy type string")
        }
        return .success(NumpyTypeString(dtype: dtype, bigEndian: dtype.itemSize > 1 && bigEndian))
    }
}

/// True on a big-endian machine (none that Swift supports today, but the code does not assume).
let hostIsBigEndian: Bool = 1.bigEndian == 1
