import LossKit

/// Reading and writing single arrays in numpy's `.npy` format.
public enum NumpyFile {
    /// Reads a `.npy` file. Any problem with the path or the contents throws a DataError
    /// whose message starts with the path. float32, float64 and int64 data is read straight
    /// into the result's storage, without an intermediate copy of the file.
    public static func read(path: String) throws -> NumpyArray {
        let file = try InputFile(path: path)
        let header = try readHeader(file)
        try checkMemory(for: header, name: path)
        let offset = header.dataOffset
        let count = header.elementCount
        let swap = header.typeString.bigEndian != hostIsBigEndian
        let storage: NumpyArray.Storage
        switch header.typeString.dtype {
        case .float32:
            storage = .floats32(byteSwapped(try readDirectly(file, at: offset, count: count, as: Float.self), if: swap))
        case .float64:
            storage = .floats64(byteSwapped(try readDirectly(file, at: offset, count: count, as: Double.self), if: swap))
        case .int64:
            storage = .ints(byteSwapped(try readDirectly(file, at: offset, count: count, as: Int64.self), if: swap))
        default:
            let raw = try file.read(at: offset, count: header.byteCount)
            storage = try raw.withUnsafeBytes { try decodeElements($0, as: header.typeString, count: count, name: path) }
        }
        return finish(header, storage, name: path)
    }

    /// The 2-D float32 array of a `.npy` file as rows read in place from the file mapped
    /// read-only, when its bytes are already what a `[Float]` holds: native byte order, C
    /// order, 4-byte aligned, not empty. Nil for any other file, which `read` copies (and
    /// converts) instead; a file that is not `.npy` at all throws as `read` does.
    public static func mappedFloatRows(path: String) throws -> ReadOnlyRows<Float>? {
        let file = try InputFile(path: path)
        let header = try readHeader(file)
        guard header.typeString.dtype == .float32, header.typeString.bigEndian == hostIsBigEndian, !header.fortranOrder,
              header.shape.count == 2, header.elementCount > 0, header.dataOffset % MemoryLayout<Float>.alignment == 0
        else { return nil }
        return ReadOnlyRows(memory: try MappedFile(file), byteOffset: header.dataOffset, rows: header.shape[0], cols: header.shape[1])
    }

    /// The header, checked against the file's size: the fixed part first, then the whole
    /// header once its length is known.
    private static func readHeader(_ file: InputFile) throws -> NumpyHeader {
        var prefix = try file.read(at: 0, count: min(file.size, 4096))
        let headerEnd = try prefix.withUnsafeBytes { try NumpyHeader.locate($0, totalCount: file.size, name: file.path).headerEnd }
        if headerEnd > prefix.count {
            prefix = try file.read(at: 0, count: headerEnd)
        }
        return try prefix.withUnsafeBytes { try NumpyHeader.parse($0, totalCount: file.size, name: file.path) }
    }

    /// Reads `.npy` bytes held in memory; `name` starts error messages.
    public static func read(data: [UInt8], name: String) throws -> NumpyArray {
        try data.withUnsafeBytes { try decode($0, name: name) }
    }

    /// Decodes one complete `.npy` image (header and data, nothing after).
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> NumpyArray {
        let header = try NumpyHeader.parse(bytes, totalCount: bytes.count, name: name)
        try checkMemory(for: header, name: name)
        let payload = UnsafeRawBufferPointer(
            rebasing: bytes[header.dataOffset..<(header.dataOffset + header.byteCount)])
        let storage = try decodeElements(payload, as: header.typeString, count: header.elementCount, name: name)
        return finish(header, storage, name: name)
    }

    /// Puts Fortran-order data into C order and wraps up the array.
    private static func finish(_ header: NumpyHeader, _ storage: NumpyArray.Storage, name: String) -> NumpyArray {
        var storage = storage
        if header.fortranOrder && header.shape.count > 1 && header.elementCount > 0 {
            storage = fortranToC(storage, shape: header.shape)
        }
        return NumpyArray(shape: header.shape, dtype: header.typeString.dtype, storage: storage, source: name)
    }

    /// Integer and float16 data widens in memory (int8 to Int64 is 8 times the file size):
    /// refuse arrays that cannot fit rather than die allocating them.
    private static func checkMemory(for header: NumpyHeader, name: String) throws {
        var stride = header.typeString.dtype.isFloatingPoint && header.typeString.dtype != .float64 ? 4 : 8
        if header.typeString.dtype == .unicode || header.typeString.dtype == .bytes {
            // A String per element: its 16-byte value, and its characters when they do not fit in it.
            stride = 16 + header.typeString.characters * 4
        }
        let (bytes, overflow) = header.elementCount.multipliedReportingOverflow(by: stride)
        if overflow || bytes > FileIO.physicalMemory {
            throw DataError.file(
                name,
                "the \(header.typeString.dtype.rawValue) array of shape \(formatShape(header.shape)) needs \(overflow ? "more than Int.max" : String(bytes)) bytes of memory, more than this machine has (\(FileIO.physicalMemory))"
            )
        }
    }

    /// `count` elements read from the file straight into a new array.
    private static func readDirectly<E>(_ file: InputFile, at offset: Int, count: Int, as _: E.Type) throws -> [E] {
        try [E](unsafeUninitializedCapacity: count) { buffer, initialized in
            try file.read(at: offset, into: UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: count * MemoryLayout<E>.stride))
            initialized = count
        }
    }

    /// Converts `count` packed elements (the caller has checked the byte count) into storage;
    /// `name` starts the message about a string element that is not text.
    static func decodeElements(_ raw: UnsafeRawBufferPointer, as type: NumpyTypeString, count: Int, name: String) throws -> NumpyArray.Storage {
        let swap = type.bigEndian != hostIsBigEndian
        switch type.dtype {
        case .unicode:
            return .strings(try decodeUnicode(raw, characters: type.characters, count: count, swap: swap, name: name))
        case .bytes:
            let width = type.characters
            return .strings((0..<count).map { index in
                var end = (index + 1) * width
                while end > index * width && raw[end - 1] == 0 { end -= 1 }
                return String(decoding: UnsafeRawBufferPointer(rebasing: raw[(index * width)..<end]), as: UTF8.self)
            })
        case .float32:
            return .floats32(byteSwapped(copyOut(raw, as: Float.self, count: count), if: swap))
        case .float64:
            return .floats64(byteSwapped(copyOut(raw, as: Double.self, count: count), if: swap))
        case .float16:
            let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count {
                    var bits = raw.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)
                    if swap { bits = bits.byteSwapped }
                    buffer[i] = HalfFloat.toFloat(bits)
                }
                initialized = count
            }
            return .floats32(values)
        case .int8: return .ints(widen(raw, as: Int8.self, count: count, swap: false))
        case .int16: return .ints(widen(raw, as: Int16.self, count: count, swap: swap))
        case .int32: return .ints(widen(raw, as: Int32.self, count: count, swap: swap))
        case .int64:
            return .ints(byteSwapped(copyOut(raw, as: Int64.self, count: count), if: swap))
        case .uint8: return .ints(widen(raw, as: UInt8.self, count: count, swap: false))
        case .uint16: return .ints(widen(raw, as: UInt16.self, count: count, swap: swap))
        case .uint32: return .ints(widen(raw, as: UInt32.self, count: count, swap: swap))
        case .bool:
            let values = [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
                for i in 0..<count { buffer[i] = raw[i] == 0 ? 0 : 1 }
                initialized = count
            }
            return .ints(values)
        }
    }

    /// numpy's `U` elements: `characters` UTF-32 code units each, trailing NULs dropped.
    private static func decodeUnicode(_ raw: UnsafeRawBufferPointer, characters: Int, count: Int, swap: Bool, name: String) throws -> [String] {
        var strings: [String] = []
        strings.reserveCapacity(count)
        for index in 0..<count {
            var scalars = String.UnicodeScalarView()
            var pendingNULs = 0
            for position in 0..<characters {
                var code = raw.loadUnaligned(fromByteOffset: 4 * (index * characters + position), as: UInt32.self)
                if swap { code = code.byteSwapped }
                if code == 0 {
                    pendingNULs += 1
                    continue
                }
                guard let scalar = Unicode.Scalar(code) else {
                    throw DataError.file(name, "element \(index) holds 0x\(String(code, radix: 16, uppercase: true)), which is not a Unicode code point")
                }
                scalars.append(contentsOf: repeatElement(Unicode.Scalar(0), count: pendingNULs))
                pendingNULs = 0
                scalars.append(scalar)
            }
            strings.append(String(scalars))
        }
        return strings
    }

    private static func byteSwapped(_ values: consuming [Float], if swap: Bool) -> [Float] {
        mapInPlace(values, if: swap) { Float(bitPattern: $0.bitPattern.byteSwapped) }
    }

    private static func byteSwapped(_ values: consuming [Double], if swap: Bool) -> [Double] {
        mapInPlace(values, if: swap) { Double(bitPattern: $0.bitPattern.byteSwapped) }
    }

    private static func byteSwapped(_ values: consuming [Int64], if swap: Bool) -> [Int64] {
        mapInPlace(values, if: swap) { $0.byteSwapped }
    }

    /// `values` with `transform` applied to each, in the array's own storage; unchanged unless `apply`.
    @inline(__always)
    private static func mapInPlace<E>(_ values: consuming [E], if apply: Bool, _ transform: (E) -> E) -> [E] {
        guard apply else { return values }
        var values = consume values
        values.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] = transform(buffer[i]) }
        }
        return values
    }

    /// One bulk copy of the bytes into a new array (the source may be unaligned).
    private static func copyOut<E>(_ raw: UnsafeRawBufferPointer, as _: E.Type, count: Int) -> [E] {
        [E](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0, let source = raw.baseAddress, let destination = buffer.baseAddress {
                UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: count * MemoryLayout<E>.stride)
            }
            initialized = count
        }
    }

    private static func widen<I: FixedWidthInteger>(
        _ raw: UnsafeRawBufferPointer, as _: I.Type, count: Int, swap: Bool
    ) -> [Int64] {
        [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
            let size = MemoryLayout<I>.size
            for i in 0..<count {
                let value = raw.loadUnaligned(fromByteOffset: i * size, as: I.self)
                buffer[i] = Int64(swap ? value.byteSwapped : value)
            }
            initialized = count
        }
    }

    /// Reorders column-major (Fortran) data into row-major (C) order.
    static func fortranToC(_ storage: NumpyArray.Storage, shape: [Int]) -> NumpyArray.Storage {
        switch storage {
        case .floats32(let values): .floats32(fortranToC(values, shape: shape))
        case .floats64(let values): .floats64(fortranToC(values, shape: shape))
        case .ints(let values): .ints(fortranToC(values, shape: shape))
        case .strings(let values): .strings(fortranToC(values, shape: shape))
        }
    }

    static func fortranToC<E>(_ source: [E], shape: [Int]) -> [E] {
        let count = source.count
        guard count > 0, shape.count > 1 else { return source }
        // In Fortran order the first axis varies fastest: stride of axis k = product of axes < k.
        var strides = [Int](repeating: 1, count: shape.count)
        for axis in 1..<shape.count { strides[axis] = strides[axis - 1] * shape[axis - 1] }
        return source.withUnsafeBufferPointer { input in
            [E](unsafeUninitializedCapacity: count) { output, initialized in
                if shape.count == 2 {
                    // Transpose in tiles so both sides stay in cache.
                    let rows = shape[0]
                    let cols = shape[1]
                    let tile = 32
                    let target = output.baseAddress!
                    for rowStart in stride(from: 0, to: rows, by: tile) {
                        let rowEnd = min(rowStart + tile, rows)
                        for colStart in stride(from: 0, to: cols, by: tile) {
                            let colEnd = min(colStart + tile, cols)
                            for row in rowStart..<rowEnd {
                                for col in colStart..<colEnd {
                                    (target + row * cols + col).initialize(to: input[row + rows * col])
                                }
                            }
                        }
                    }
                } else {
                    var index = [Int](repeating: 0, count: shape.count)
                    var offset = 0
                    for target in 0..<count {
                        (output.baseAddress! + target).initialize(to: input[offset])
                        var axis = shape.count - 1
                        while axis >= 0 {
                            index[axis] += 1
                            offset += strides[axis]
                            if index[axis] < shape[axis] { break }
                            offset -= strides[axis] * shape[axis]
                            index[axis] = 0
                            axis -= 1
                        }
                    }
                }
                initialized = count
            }
        }
    }
}
