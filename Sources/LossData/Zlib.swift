import CZlib

/// Deflate and CRC-32 for `.npz` entries, through the system zlib. Corrupt input throws a
/// DataError (message without a file name; the caller adds it), and the output never grows
/// past the size the archive declares for the entry.
enum Zlib {
    /// The CRC-32 that ZIP stores for an entry.
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CZlib.crc32(0, nil, 0)
        var offset = 0
        // zlib takes a 32-bit length; feed larger buffers in pieces.
        while offset < bytes.count {
            let length = min(bytes.count - offset, 1 << 30)
            crc = CZlib.crc32(crc, bytes.baseAddress!.advanced(by: offset).assumingMemoryBound(to: Bytef.self), uInt(length))
            offset += length
        }
        return UInt32(crc)
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        bytes.withUnsafeBytes { crc32($0) }
    }

    /// Decompresses a raw deflate stream (no zlib or gzip wrapper, as ZIP stores it) that must
    /// produce exactly `expectedSize` bytes.
    static func inflate(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws -> [UInt8] {
        var stream = z_stream()
        // -15: a raw deflate stream with the largest window.
        guard inflateInit2_(&stream, -15, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError("zlib could not start inflating (out of memory?)")
        }
        defer { inflateEnd(&stream) }

        // Grow on demand, so that a lying size field cannot make us allocate it all up front.
        var output = [UInt8](repeating: 0, count: min(expectedSize, max(1 << 16, input.count.multipliedReportingOverflow(by: 4).partialValue)))
        var produced = 0
        var consumed = 0
        var extra: UInt8 = 0
        while true {
            if produced == output.count && output.count < expectedSize {
                output.append(contentsOf: repeatElement(0, count: min(expectedSize, 2 * output.count) - output.count))
            }
            let before = consumed
            let status: (produced: Int, ended: Bool)
            if produced < output.count {
                let capacity = output.count - produced
                status = try output.withUnsafeMutableBufferPointer { buffer in
                    try step(&stream, input: input, consumed: &consumed, into: buffer.baseAddress! + produced, capacity: capacity)
                }
            } else {
                // Full: the stream must end here, without another byte.
                status = try step(&stream, input: input, consumed: &consumed, into: &extra, capacity: 1)
                if status.produced > 0 {
                    throw DataError("deflate data inflates to more than the \(expectedSize) bytes the entry declares")
                }
            }
            produced += status.produced
            if status.ended { break }
            if status.produced == 0 && consumed == before {
                throw DataError("deflate data is truncated: the stream stops after \(produced) of the \(expectedSize) bytes the entry declares")
            }
        }
        guard produced == expectedSize else {
            throw DataError("deflate data ends after \(produced) bytes but the entry declares \(expectedSize)")
        }
        return output
    }

    static func inflate(_ input: [UInt8], expectedSize: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { try inflate($0, expectedSize: expectedSize) }
    }

    /// One call of zlib's inflate: up to `capacity` bytes into `target`. zlib counts in 32-bit
    /// lengths, so input and output go in pieces of at most 1 GiB.
    private static func step(
        _ stream: inout z_stream, input: UnsafeRawBufferPointer, consumed: inout Int,
        into target: UnsafeMutablePointer<UInt8>, capacity: Int
    ) throws -> (produced: Int, ended: Bool) {
        let piece = 1 << 30
        let available = min(input.count - consumed, piece)
        let room = min(capacity, piece)
        stream.next_in = available == 0
            ? nil : UnsafeMutablePointer(mutating: input.baseAddress!.advanced(by: consumed).assumingMemoryBound(to: Bytef.self))
        stream.avail_in = uInt(available)
        stream.next_out = target
        stream.avail_out = uInt(room)
        let status = CZlib.inflate(&stream, Z_NO_FLUSH)
        consumed += available - Int(stream.avail_in)
        let produced = room - Int(stream.avail_out)
        switch status {
        case Z_OK, Z_BUF_ERROR:
            return (produced, false)
        case Z_STREAM_END:
            return (produced, true)
        case Z_MEM_ERROR:
            throw DataError("zlib ran out of memory while inflating")
        default:
            let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
            throw DataError("corrupt deflate data: \(reason)")
        }
    }
}
