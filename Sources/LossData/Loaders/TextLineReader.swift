#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a text file line by line in fixed-size chunks, so a file of any size is streamed
/// rather than held in memory (only the current chunk and the current line are). Every
/// line is checked before it is handed out: a NUL byte (a binary file) or bytes that are
/// not UTF-8 stop the read with a DataError naming the byte offset and the line. A line
/// that runs over chunks is checked as it grows, so a bad byte is reported as soon as it is
/// read, not after the rest of a huge (or sparse, all-NUL) file has been gathered into one line.
final class TextLineReader {
    /// One line without its terminator ("\n" or "\r\n").
    struct Line {
        var bytes: ArraySlice<UInt8>
        /// 1-based line number.
        var number: Int
        /// Byte offset of the line's first byte in the file.
        var offset: Int

        var isBlank: Bool { bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D } }
    }

    let path: String
    /// What the file should hold, for messages ("CSV text", "JSON Lines").
    let kind: String
    private let file: InputFile
    private let chunkSize: Int
    private let maximumLineBytes: Int
    private var fileOffset = 0
    private var chunk: [UInt8] = []
    private var chunkStart = 0
    private var position = 0
    private var carry: [UInt8] = []
    private var carryOffset = 0
    /// How much of `carry` has been checked: complete, valid UTF-8 sequences without NUL.
    private var carryChecked = 0
    private var lineNumber = 0

    /// A longer line is refused as it grows: no text format LossLab reads has lines this long.
    static let maximumLineBytes = 1 << 30

    init(path: String, kind: String, chunkSize: Int = 1 << 20, maximumLineBytes: Int = TextLineReader.maximumLineBytes) throws {
        self.maximumLineBytes = maximumLineBytes
        self.path = path
        self.kind = kind
        self.chunkSize = max(chunkSize, 16)
        file = try InputFile(path: path)
        if file.size == 0 {
            throw DataError.file(path, "the file is empty (0 bytes)")
        }
        let head = try file.read(at: 0, count: min(file.size, 8))
        if let format = Self.binaryFormat(head) {
            throw DataError.file(path, "this is \(format), not \(kind); check the file name and extension")
        }
    }

    /// Total size of the file when it was opened.
    var size: Int { file.size }

    /// Recognizes a few binary formats that end up under a text extension by mistake.
    static func binaryFormat(_ head: [UInt8]) -> String? {
        if head.starts(with: [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]) { return "a numpy .npy file" }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return "a ZIP archive (an .npz file?)"
        }
        if head.starts(with: [0x1F, 0x8B]) { return "a gzip-compressed file" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "a PNG image" }
        if head.starts(with: [0x25, 0x50, 0x44, 0x46]) { return "a PDF document" }
        if head.starts(with: [0x7F, 0x45, 0x4C, 0x46]) { return "an ELF executable" }
        return nil
    }

    /// The next line, or nil at the end of the file.
    func next() throws -> Line? {
        while true {
            if position >= chunk.count {
                if fileOffset >= file.size {
                    guard !carry.isEmpty else { return nil }
                    let bytes = carry[...]
                    carry = []
                    return try finish(bytes, offset: carryOffset)
                }
                let count = min(chunkSize, file.size - fileOffset)
                chunk = try file.read(at: fileOffset, count: count)
                chunkStart = fileOffset
                fileOffset += count
                position = 0
            }
            let newline: Int? = chunk.withUnsafeBufferPointer { buffer in
                let start = buffer.baseAddress! + position
                guard let found = memchr(start, 0x0A, buffer.count - position) else { return nil }
                return position + (UnsafeRawPointer(found) - UnsafeRawPointer(start))
            }
            guard let newline else {
                if carry.isEmpty { carryOffset = chunkStart + position }
                carry.append(contentsOf: chunk[position...])
                position = chunk.count
                try checkGrowingLine()
                continue
            }
            let bytes: ArraySlice<UInt8>
            let offset: Int
            if carry.isEmpty {
                bytes = chunk[position..<newline]
                offset = chunkStart + position
            } else {
                carry.append(contentsOf: chunk[position..<newline])
                bytes = carry[...]
                offset = carryOffset
                carry = []
                carryChecked = 0
            }
            position = newline + 1
            return try finish(bytes, offset: offset)
        }
    }

    /// Checks what `carry` gained since the last call; an incomplete UTF-8 sequence at its end
    /// waits for the next chunk.
    private func checkGrowingLine() throws {
        let line = lineNumber + 1
        // finish() numbers columns after a leading byte-order mark; so does this.
        let bom = line == 1 && carry.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let scan = Self.scan(carry[max(carryChecked, bom)...], final: false)
        if let (index, problem) = scan.problem {
            let at = max(carryChecked, bom) + index
            throw badByte(problem, byte: carry[at], offset: carryOffset + at, line: line, column: at - bom + 1)
        }
        carryChecked = max(carryChecked, bom) + scan.checked
        if carry.count > maximumLineBytes {
            throw DataError.file(
                path, "line \(line) (from byte offset \(carryOffset)) runs over \(maximumLineBytes) bytes without a line break; this does not look like \(kind)")
        }
    }

    private func badByte(_ problem: ByteProblem, byte: UInt8, offset: Int, line: Int, column: Int) -> DataError {
        let where_ = "byte offset \(offset) (line \(line), column \(column))"
        switch problem {
        case .nul:
            return DataError.file(path, "\(where_) is a NUL byte: this looks like a binary file, not \(kind)")
        case .utf8:
            return DataError.file(
                path, "\(where_) is not valid UTF-8 (byte 0x\(String(byte, radix: 16, uppercase: true))); save the file as UTF-8")
        }
    }

    private func finish(_ raw: ArraySlice<UInt8>, offset: Int) throws -> Line {
        lineNumber += 1
        var bytes = raw
        var offset = offset
        if bytes.last == 0x0D { bytes = bytes.dropLast() }
        if lineNumber == 1 && bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes = bytes.dropFirst(3)
            offset += 3
        }
        if let (index, problem) = Self.firstBadByte(bytes) {
            throw badByte(problem, byte: bytes[bytes.startIndex + index], offset: offset + index, line: lineNumber, column: index + 1)
        }
        return Line(bytes: bytes, number: lineNumber, offset: offset)
    }

    enum ByteProblem { case nul, utf8 }

    /// The index (from the slice start) of the first NUL byte or invalid UTF-8 sequence.
    static func firstBadByte(_ bytes: ArraySlice<UInt8>) -> (Int, ByteProblem)? {
        scan(bytes, final: true).problem
    }

    /// The first NUL byte or invalid UTF-8 sequence, and how many bytes from the start are
    /// complete valid sequences. Unless `final`, a sequence cut off by the end of `bytes` is
    /// not a problem: the rest of it may follow.
    static func scan(_ bytes: ArraySlice<UInt8>, final: Bool) -> (problem: (Int, ByteProblem)?, checked: Int) {
        bytes.withUnsafeBufferPointer { buffer -> (problem: (Int, ByteProblem)?, checked: Int) in
            let count = buffer.count
            var i = 0
            while i < count {
                let b = buffer[i]
                if b < 0x80 {
                    if b == 0 { return ((i, .nul), i) }
                    i += 1
                    continue
                }
                // Multi-byte sequence: lead byte, then the allowed range of the second byte.
                let length: Int
                var low: UInt8 = 0x80
                var high: UInt8 = 0xBF
                switch b {
                case 0xC2...0xDF: length = 2
                case 0xE0: length = 3; low = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: length = 3
                case 0xED: length = 3; high = 0x9F
                case 0xF0: length = 4; low = 0x90
                case 0xF1...0xF3: length = 4
                case 0xF4: length = 4; high = 0x8F
                default: return ((i, .utf8), i)
                }
                let present = min(length, count - i)
                if present > 1 && !(buffer[i + 1] >= low && buffer[i + 1] <= high) { return ((i, .utf8), i) }
                for k in 2..<max(present, 2) where buffer[i + k] & 0xC0 != 0x80 {
                    return ((i, .utf8), i)
                }
                if present < length { return final ? ((i, .utf8), i) : (nil, i) }
                i += length
            }
            return (nil, count)
        }
    }
}
