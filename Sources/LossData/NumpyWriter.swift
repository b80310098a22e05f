import LossKit

extension NumpyFile {
    /// Writes the array as an NPY 1.0 file (little-endian, C order) in the array's dtype,
    /// through `SafeWriter`.
    public static func write(_ array: NumpyArray, to path: String) throws {
        try SafeWriter.write([pendingFile(array, path: path)])
    }

    /// The `.npy` file for the array, unwritten (to be written with others as one set).
    public static func pendingFile(_ array: NumpyArray, path: String) throws -> PendingFile {
        var named = array
        named.source = path
        try named.checkCount()
        try named.checkWritable()
        let header = NumpyHeader.encode(descr: named.dtype.descr, shape: named.shape)
        return PendingFile(path: path) { sink in
            try sink.write(header)
            try encodePayload(named) { try sink.write($0) }
        }
    }

    /// Writes a matrix as a 2-D array: float32 for `Float`, float64 for `Double`.
    public static func write<T: Scalar>(_ matrix: Matrix<T>, to path: String) throws {
        try write(NumpyArray(matrix, source: path), to: path)
    }

    /// The complete `.npy` file image for the array, as `write` would store it.
    public static func encode(_ array: NumpyArray) throws -> [UInt8] {
        try array.checkCount()
        try array.checkWritable()
        var bytes = NumpyHeader.encode(descr: array.dtype.descr, shape: array.shape)
        try encodePayload(array) { bytes.append(contentsOf: $0) }
        return bytes
    }

    /// Hands the packed little-endian data to `emit`: in one piece when the storage already
    /// has the file's layout, otherwise in chunks converted one element at a time.
    static func encodePayload(_ array: NumpyArray, _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        if !hostIsBigEndian {
            switch (array.storage, array.dtype) {
            case (.floats32(let values), .float32):
                return try values.withUnsafeBytes { try emit($0) }
            case (.floats64(let values), .float64):
                return try values.withUnsafeBytes { try emit($0) }
            case (.ints(let values), .int64):
                return try values.withUnsafeBytes { try emit($0) }
            default:
                break
            }
        }
        let count = array.count
        let itemSize = array.dtype.itemSize
        let chunkLength = 1 << 16
        var chunk = [UInt8](repeating: 0, count: min(count, chunkLength) * itemSize)
        var start = 0
        while start < count {
            let end = min(start + chunkLength, count)
            try chunk.withUnsafeMutableBytes { buffer in
                for index in start..<end {
                    try store(array, index: index, into: buffer, at: (index - start) * itemSize)
                }
                try emit(UnsafeRawBufferPointer(rebasing: buffer[0..<((end - start) * itemSize)]))
            }
            start = end
        }
    }

    /// Converts one element to the array's dtype and stores it little-endian.
    private static func store(
        _ array: NumpyArray, index: Int, into buffer: UnsafeMutableRawBufferPointer, at offset: Int
    ) throws {
        switch array.dtype {
        case .float16:
            buffer.storeBytes(of: HalfFloat.fromFloat(floatValue(array.storage, index)).littleEndian, toByteOffset: offset, as: UInt16.self)
        case .float32:
            buffer.storeBytes(of: floatValue(array.storage, index).bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
        case .float64:
            buffer.storeBytes(of: doubleValue(array.storage, index).bitPattern.littleEndian, toByteOffset: offset, as: UInt64.self)
        case .unicode, .bytes:
            throw array.stringsAreNotNumbers()
        case .int8, .int16, .int32, .int64, .uint8, .uint16, .uint32, .bool:
            let value = try integerValue(array, index)
            let range = array.dtype.integerRange!
            guard range.contains(value) else {
                let allowed = array.dtype == .bool ? "only 0 and 1" : "the range is \(range.lowerBound)...\(range.upperBound)"
                throw DataError.file(array.source, "cannot store element \(index) = \(value) as \(array.dtype.rawValue): \(allowed)")
            }
            switch array.dtype.itemSize {
            case 1: buffer.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: offset, as: UInt8.self)
            case 2: buffer.storeBytes(of: UInt16(truncatingIfNeeded: value).littleEndian, toByteOffset: offset, as: UInt16.self)
            case 4: buffer.storeBytes(of: UInt32(truncatingIfNeeded: value).littleEndian, toByteOffset: offset, as: UInt32.self)
            default: buffer.storeBytes(of: UInt64(bitPattern: value).littleEndian, toByteOffset: offset, as: UInt64.self)
            }
        }
    }

    private static func floatValue(_ storage: NumpyArray.Storage, _ index: Int) -> Float {
        switch storage {
        case .floats32(let values): values[index]
        case .floats64(let values): Float(values[index])
        case .ints(let values): Float(values[index])
        case .strings: .nan
        }
    }

    private static func doubleValue(_ storage: NumpyArray.Storage, _ index: Int) -> Double {
        switch storage {
        case .floats32(let values): Double(values[index])
        case .floats64(let values): values[index]
        case .ints(let values): Double(values[index])
        case .strings: .nan
        }
    }

    private static func integerValue(_ array: NumpyArray, _ index: Int) throws -> Int64 {
        let value: Double
        switch array.storage {
        case .ints(let values): return values[index]
        case .floats32(let values): value = Double(values[index])
        case .floats64(let values): value = values[index]
        case .strings: throw array.stringsAreNotNumbers()
        }
        guard value.isFinite, value.rounded(.towardZero) == value, value >= -0x1p63, value < 0x1p63 else {
            throw DataError.file(array.source, "cannot store element \(index) = \(value) as \(array.dtype.rawValue): not a whole number in range")
        }
        return Int64(value)
    }
}

extension NumpyArray {
    /// Arrays are written as numbers only; string arrays are read (labels), never written.
    func checkWritable() throws {
        if case .strings = storage { throw stringsAreNotNumbers() }
        if dtype == .unicode || dtype == .bytes { throw stringsAreNotNumbers() }
    }
}
