/// Reading and writing single arrays in numpy's `.npy` format.
public enum NumpyFile {
    /// Reads a `.npy` file. Any problem with the path or the contents throws a DataError
    /// whose message starts with the path.
    public static func read(path: String) throws -> NumpyArray {
        let bytes = try FileIO.readAll(path: path)
        return try read(data: bytes, name: path)
    }

    /// Reads `.npy` bytes held in memory; `name` starts error messages.
    public static func read(data: [UInt8], name: String) throws -> NumpyArray {
        try data.withUnsafeBytes { try decode($0, name: name) }
    }

    /// Decodes one complete `.npy` image (header and data, nothing after).
    static func decode(_ bytes: UnsafeRawBufferPointer, name: String) throws -> NumpyArray {
        let header = try NumpyHeader.parse(bytes, name: name)
        let payload = UnsafeRawBufferPointer(
            rebasing: bytes[header.dataOffset..<(header.dataOffset + header.byteCount)])
        var storage = decodeElements(payload, as: header.typeString, count: header.elementCount)
        if header.fortranOrder && header.shape.count > 1 && header.elementCount > 0 {
            storage = fortranToC(storage, shape: header.shape)
        }
        return NumpyArray(shape: header.shape, dtype: header.typeString.dtype, storage: storage, source: name)
    }

    /// Converts `count` packed elements (the caller has checked the byte count) into storage.
    static func decodeElements(_ raw: UnsafeRawBufferPointer, as type: NumpyTypeString, count: Int) -> NumpyArray.Storage {
        let swap = type.bigEndian != hostIsBigEndian
        switch type.dtype {
        case .float32:
            var values = copyOut(raw, as: Float.self, count: count)
            if swap {
                values.withUnsafeMutableBufferPointer { buffer in
                    for i in buffer.indices { buffer[i] = Float(bitPattern: buffer[i].bitPattern.byteSwapped) }
                }
            }
            return .floats32(values)
        case .float64:
            var values = copyOut(raw, as: Double.self, count: count)
            if swap {
                values.withUnsafeMutableBufferPointer { buffer in
                    for i in buffer.indices { buffer[i] = Double(bitPattern: buffer[i].bitPattern.byteSwapped) }
                }
            }
            return .floats64(values)
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
            var values = copyOut(raw, as: Int64.self, count: count)
            if swap {
                values.withUnsafeMutableBufferPointer { buffer in
                    for i in buffer.indices { buffer[i] = buffer[i].byteSwapped }
                }
            }
            return .ints(values)
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
                    let rows = shape[0]
                    let cols = shape[1]
                    for row in 0..<rows {
                        for col in 0..<cols { (output.baseAddress! + row * cols + col).initialize(to: input[row + rows * col]) }
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
