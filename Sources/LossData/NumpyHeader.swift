/// The header of a `.npy` file: magic, version, and the dictionary that gives the element
/// type, the memory order and the shape.
struct NumpyHeader: Equatable {
    var typeString: NumpyTypeString
    var fortranOrder: Bool
    var shape: [Int]
    /// Major format version: 1, 2 or 3.
    var version: Int
    /// Offset of the first data byte from the start of the file.
    var dataOffset: Int
    /// Number of elements (product of the shape).
    var elementCount: Int
    /// Number of data bytes the header promises.
    var byteCount: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
    /// numpy refuses more dimensions than this; so do we.
    static let maximumRank = 64

    // MARK: - Reading

    /// The bytes a header occupies, found from the fixed-size prefix alone: the header text
    /// is `headerStart..<headerEnd`. `bytes` is the start of a file of `totalCount` bytes and
    /// must hold at least its first min(totalCount, 12) bytes.
    static func locate(_ bytes: UnsafeRawBufferPointer, totalCount: Int, name: String) throws -> (
        version: Int, headerStart: Int, headerEnd: Int
    ) {
        func fail(_ problem: String) -> DataError { DataError.file(name, problem) }
        let count = min(bytes.count, totalCount)
        if count == 0 {
            throw fail("file is empty (0 bytes); expected a .npy file")
        }
        let magicBytesPresent = min(count, magic.count)
        if !zip(bytes.prefix(magicBytesPresent), magic).allSatisfy({ $0 == $1 }) {
            var problem = "not a .npy file: it starts with \(hexPreview(bytes, count: 8)) instead of the magic \\x93NUMPY"
            if count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && bytes[2] == 0x03 && bytes[3] == 0x04 {
                problem += " (it looks like a ZIP archive such as an .npz file; read it as an archive)"
            }
            throw fail(problem)
        }
        if count < magic.count {
            throw fail("file is truncated: \(count) bytes, shorter than the 6-byte .npy magic")
        }
        guard count >= 8 else {
            throw fail("file is truncated: it ends after the magic, before the format version")
        }
        let major = Int(bytes[6])
        let minor = Int(bytes[7])
        let lengthFieldSize: Int
        switch (major, minor) {
        case (1, 0): lengthFieldSize = 2
        case (2, 0), (3, 0): lengthFieldSize = 4
        default:
            throw fail("unsupported .npy format version \(major).\(minor) (supported: 1.0, 2.0, 3.0)")
        }
        let headerStart = 8 + lengthFieldSize
        guard count >= headerStart else {
            throw fail("file is truncated: it ends inside the header length field (\(count) bytes in all)")
        }
        let headerLength: Int
        if lengthFieldSize == 2 {
            headerLength = Int(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt16.self)))
        } else {
            headerLength = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt32.self)))
        }
        let afterLengthField = totalCount - headerStart
        guard headerLength <= afterLengthField else {
            throw fail(
                "header length field says \(headerLength) bytes but only \(afterLengthField) bytes follow it (file truncated or not a .npy file)"
            )
        }
        return (major, headerStart, headerStart + headerLength)
    }

    /// Parses and validates the header at the start of a file of `totalCount` bytes, including
    /// the check that the file holds exactly as many data bytes as the header promises.
    /// `bytes` must reach at least to the end of the header (see `locate`).
    static func parse(_ bytes: UnsafeRawBufferPointer, totalCount: Int, name: String) throws -> NumpyHeader {
        func fail(_ problem: String) -> DataError { DataError.file(name, problem) }
        let (major, headerStart, headerEnd) = try locate(bytes, totalCount: totalCount, name: name)
        precondition(bytes.count >= headerEnd, "NumpyHeader.parse needs the whole header")
        let headerBytes = [UInt8](bytes[headerStart..<headerEnd])
        let literal: PythonLiteral
        do {
            literal = try PythonLiteral.parse(headerBytes)
        } catch let error as DataError {
            throw fail("bad header: \(error.message); header text: \(textPreview(headerBytes))")
        }
        var header = try interpret(literal, name: name)
        header.version = major
        header.dataOffset = headerEnd

        let present = totalCount - header.dataOffset
        let declared = "\(header.typeString.dtype.rawValue) array of shape \(formatShape(header.shape))"
        if present < header.byteCount {
            throw fail(
                "header declares a \(declared) = \(header.byteCount) bytes but the file holds \(present) bytes of data (truncated file?)"
            )
        }
        if present > header.byteCount {
            throw fail(
                "file has \(present - header.byteCount) unexpected bytes after the end of its \(declared) (\(header.byteCount) bytes of data expected, \(present) present); the file is corrupt or has several arrays appended"
            )
        }
        return header
    }

    /// Checks the header dictionary's keys and values.
    private static func interpret(_ literal: PythonLiteral, name: String) throws -> NumpyHeader {
        func fail(_ problem: String) -> DataError { DataError.file(name, problem) }
        guard case .dict(let entries) = literal else {
            throw fail("bad header: expected a dictionary, found \(shorten(literal.summary))")
        }
        var values: [String: PythonLiteral] = [:]
        for entry in entries {
            guard ["descr", "fortran_order", "shape"].contains(entry.key) else {
                throw fail("bad header: unexpected key '\(entry.key)' (expected exactly 'descr', 'fortran_order' and 'shape')")
            }
            if values[entry.key] != nil {
                throw fail("bad header: key '\(entry.key)' appears twice")
            }
            values[entry.key] = entry.value
        }
        for key in ["descr", "fortran_order", "shape"] where values[key] == nil {
            throw fail("bad header: the '\(key)' key is missing")
        }

        let typeString: NumpyTypeString
        switch values["descr"]! {
        case .string(let text):
            switch NumpyTypeString.parse(text) {
            case .success(let parsed): typeString = parsed
            case .failure(let error): throw fail(error.message)
            }
        case .list:
            throw fail("unsupported dtype: structured (record) arrays with named fields are not supported")
        case let other:
            throw fail("bad header: 'descr' should be a type string like '<f4', found \(shorten(other.summary))")
        }

        guard case .bool(let fortranOrder) = values["fortran_order"]! else {
            throw fail("bad header: 'fortran_order' should be True or False, found \(shorten(values["fortran_order"]!.summary))")
        }

        let shapeLiteral = values["shape"]!
        let items: [PythonLiteral]
        switch shapeLiteral {
        case .tuple(let list), .list(let list): items = list
        default:
            throw fail("bad header: 'shape' should be a tuple of integers, found \(shorten(shapeLiteral.summary))")
        }
        guard items.count <= maximumRank else {
            throw fail("bad header: shape has \(items.count) dimensions; at most \(maximumRank) are supported")
        }
        var shape: [Int] = []
        for item in items {
            guard case .integer(let value, let text) = item else {
                throw fail("bad header: shape \(shorten(shapeLiteral.summary)) contains \(shorten(item.summary)), which is not an integer")
            }
            guard let value else {
                throw fail("bad header: shape dimension \(shorten(text)) is too large")
            }
            guard value >= 0 else {
                throw fail("bad header: shape \(shorten(shapeLiteral.summary)) has a negative dimension")
            }
            shape.append(value)
        }
        guard let elementCount = checkedProduct(shape) else {
            throw fail("bad header: shape \(shorten(formatShape(shape))) has more elements than can be addressed (size overflows)")
        }
        let (byteCount, overflow) = elementCount.multipliedReportingOverflow(by: typeString.elementSize)
        guard !overflow else {
            throw fail("bad header: shape \(shorten(formatShape(shape))) of \(typeString.dtype.rawValue) needs more bytes than can be addressed (size overflows)")
        }
        return NumpyHeader(
            typeString: typeString, fortranOrder: fortranOrder, shape: shape,
            version: 1, dataOffset: 0, elementCount: elementCount, byteCount: byteCount)
    }

    // MARK: - Writing

    /// The magic, version, length field and padded header dictionary numpy would write for a
    /// C-order array: version 1.0 unless the dictionary is too long for a 16-bit length.
    static func encode(descr: String, shape: [Int]) -> [UInt8] {
        let dictionary = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(formatShape(shape)), }"
        var text = Array(dictionary.utf8)
        func padded(prefixLength: Int) -> [UInt8] {
            // Spaces, then a newline, so that the data starts on a 64-byte boundary.
            let unpadded = prefixLength + text.count + 1
            let padding = 64 - unpadded % 64
            return text + [UInt8](repeating: 0x20, count: padding) + [0x0A]
        }
        let version1 = padded(prefixLength: 10)
        if version1.count <= Int(UInt16.max) {
            text = version1
            let length = UInt16(text.count)
            return magic + [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)] + text
        }
        text = padded(prefixLength: 12)
        let length = UInt32(text.count)
        return magic + [2, 0] + (0..<4).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + text
    }
}

// MARK: - Formatting helpers shared by the reader, writer and archive code

/// The shape as Python prints a tuple: (), (5,), (3, 4).
func formatShape(_ shape: [Int]) -> String {
    if shape.count == 1 { return "(\(shape[0]),)" }
    return "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

/// Product of the dimensions, or nil on overflow. A zero anywhere gives zero.
func checkedProduct(_ dims: [Int]) -> Int? {
    if dims.contains(0) { return 0 }
    var product = 1
    for dim in dims {
        let (next, overflow) = product.multipliedReportingOverflow(by: dim)
        if overflow { return nil }
        product = next
    }
    return product
}

/// Up to `count` leading bytes as hex, for "this is not the file you think" messages.
func hexPreview(_ bytes: UnsafeRawBufferPointer, count: Int) -> String {
    let shown = bytes.prefix(count).map { byte -> String in
        let hex = String(byte, radix: 16, uppercase: true)
        return hex.count == 1 ? "0" + hex : hex
    }
    return "bytes " + shown.joined(separator: " ") + (bytes.count > count ? " ..." : "")
}

/// Header text with unprintable bytes escaped, shortened for messages.
func textPreview(_ bytes: [UInt8], limit: Int = 160) -> String {
    var result = ""
    for byte in bytes.prefix(limit) {
        switch byte {
        case 0x0A: result += "\\n"
        case 0x20..<0x7F: result.append(Character(Unicode.Scalar(byte)))
        default:
            let hex = String(byte, radix: 16)
            result += "\\x" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    if bytes.count > limit { result += "..." }
    return "\"" + result + "\""
}

/// Cuts long text from a hostile header down to a readable size.
func shorten(_ text: String, limit: Int = 80) -> String {
    text.count > limit ? String(text.prefix(limit)) + "..." : text
}
