/// A deflate (RFC 1951) decoder for ZIP entries. Every read is bounds-checked: corrupt input
/// throws a DataError (message without a file name; the caller adds it) instead of crashing,
/// and the output can never grow past the size the archive declares for the entry.
struct Inflater {
    private let input: UnsafeRawBufferPointer
    private var position = 0
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    private var output: [UInt8]
    private var outputCount = 0
    private let limit: Int

    /// Decompresses a raw deflate stream that must produce exactly `expectedSize` bytes.
    static func inflate(_ input: UnsafeRawBufferPointer, expectedSize: Int) throws -> [UInt8] {
        var inflater = Inflater(input: input, limit: expectedSize)
        try inflater.run()
        guard inflater.outputCount == expectedSize else {
            throw DataError("deflate data ends after \(inflater.outputCount) bytes but the entry declares \(expectedSize)")
        }
        inflater.output.removeLast(inflater.output.count - inflater.outputCount)
        return inflater.output
    }

    static func inflate(_ input: [UInt8], expectedSize: Int) throws -> [UInt8] {
        try input.withUnsafeBytes { try inflate($0, expectedSize: expectedSize) }
    }

    private init(input: UnsafeRawBufferPointer, limit: Int) {
        self.input = input
        self.limit = limit
        // Grow on demand so a lying size field cannot make us allocate up front.
        let initial = min(limit, max(1 << 16, input.count.multipliedReportingOverflow(by: 4).partialValue))
        self.output = [UInt8](repeating: 0, count: max(0, initial))
    }

    private mutating func run() throws {
        var isFinal = false
        while !isFinal {
            isFinal = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock()
            case 1: try huffmanBlock(literals: Self.fixedLiterals, distances: Self.fixedDistances)
            case 2:
                let (literals, distances) = try readDynamicTables()
                try huffmanBlock(literals: literals, distances: distances)
            default:
                throw DataError("corrupt deflate data: invalid block type 3")
            }
        }
    }

    // MARK: - Blocks

    private mutating func storedBlock() throws {
        let unaligned = bitCount % 8
        bitBuffer >>= UInt64(unaligned)
        bitCount -= unaligned
        let length = try bits(16)
        let complement = try bits(16)
        guard length == ~complement & 0xFFFF else {
            throw DataError("corrupt deflate data: stored block length \(length) does not match its check value")
        }
        try reserve(length)
        var remaining = length
        while remaining > 0 && bitCount >= 8 {
            output[outputCount] = UInt8(truncatingIfNeeded: bitBuffer)
            outputCount += 1
            bitBuffer >>= 8
            bitCount -= 8
            remaining -= 1
        }
        guard input.count - position >= remaining else { throw Self.truncated }
        if remaining > 0 {
            let source = UnsafeRawBufferPointer(rebasing: input[position..<(position + remaining)])
            output.withUnsafeMutableBytes { destination in
                UnsafeMutableRawBufferPointer(rebasing: destination[outputCount..<(outputCount + remaining)])
                    .copyMemory(from: source)
            }
            outputCount += remaining
            position += remaining
        }
    }

    private mutating func huffmanBlock(literals: HuffmanTable, distances: HuffmanTable) throws {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                try reserve(1)
                output[outputCount] = UInt8(symbol)
                outputCount += 1
                continue
            }
            if symbol == 256 { return }
            let lengthIndex = symbol - 257
            guard lengthIndex < Self.lengthBase.count else {
                throw DataError("corrupt deflate data: invalid length symbol \(symbol)")
            }
            let length = Self.lengthBase[lengthIndex] + (try bits(Self.lengthExtraBits[lengthIndex]))
            let distanceSymbol = try decode(distances)
            guard distanceSymbol < Self.distanceBase.count else {
                throw DataError("corrupt deflate data: invalid distance symbol \(distanceSymbol)")
            }
            let distance = Self.distanceBase[distanceSymbol] + (try bits(Self.distanceExtraBits[distanceSymbol]))
            guard distance <= outputCount else {
                throw DataError(
                    "corrupt deflate data: a back-reference reaches \(distance) bytes back but only \(outputCount) bytes have been decoded")
            }
            try reserve(length)
            var from = outputCount - distance
            for _ in 0..<length {
                output[outputCount] = output[from]
                outputCount += 1
                from += 1
            }
        }
    }

    private mutating func readDynamicTables() throws -> (HuffmanTable, HuffmanTable) {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else {
            throw DataError("corrupt deflate data: dynamic block declares \(literalCount) literal and \(distanceCount) distance codes")
        }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0..<codeLengthCount {
            codeLengthLengths[Self.codeLengthOrder[i]] = UInt8(try bits(3))
        }
        let codeLengthCode = try HuffmanTable(lengths: codeLengthLengths)
        let total = literalCount + distanceCount
        var lengths = [UInt8](repeating: 0, count: total)
        var filled = 0
        while filled < total {
            let symbol = try decode(codeLengthCode)
            var repeatValue: UInt8 = 0
            let repeatCount: Int
            switch symbol {
            case 0..<16:
                lengths[filled] = UInt8(symbol)
                filled += 1
                continue
            case 16:
                guard filled > 0 else {
                    throw DataError("corrupt deflate data: code length repeat with no previous length")
                }
                repeatValue = lengths[filled - 1]
                repeatCount = 3 + (try bits(2))
            case 17: repeatCount = 3 + (try bits(3))
            default: repeatCount = 11 + (try bits(7))
            }
            guard filled + repeatCount <= total else {
                throw DataError("corrupt deflate data: code lengths run past the declared count")
            }
            for _ in 0..<repeatCount {
                lengths[filled] = repeatValue
                filled += 1
            }
        }
        guard lengths[256] != 0 else {
            throw DataError("corrupt deflate data: dynamic block has no end-of-block code")
        }
        let literals = try HuffmanTable(lengths: Array(lengths[0..<literalCount]))
        let distances = try HuffmanTable(lengths: Array(lengths[literalCount...]))
        return (literals, distances)
    }

    // MARK: - Bits and output

    /// Loads whole bytes until at least `count` bits are buffered; false if the input ends first.
    @inline(__always)
    private mutating func fill(_ count: Int) -> Bool {
        while bitCount < count {
            guard position < input.count else { return false }
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
        return true
    }

    /// The next `count` (0...16) bits, least significant first.
    @inline(__always)
    private mutating func bits(_ count: Int) throws -> Int {
        guard count > 0 else { return 0 }
        guard fill(count) else { throw Self.truncated }
        let value = Int(bitBuffer & ((1 << UInt64(count)) - 1))
        bitBuffer >>= UInt64(count)
        bitCount -= count
        return value
    }

    private mutating func decode(_ code: HuffmanTable) throws -> Int {
        guard code.maxLength > 0 else {
            throw DataError("corrupt deflate data: a symbol is read from an empty code")
        }
        let complete = fill(code.maxLength)
        let entry = code.table[Int(bitBuffer & ((1 << UInt64(code.maxLength)) - 1))]
        let length = Int(entry & 0xF)
        guard length > 0 else {
            throw complete ? DataError("corrupt deflate data: invalid Huffman code") : Self.truncated
        }
        guard length <= bitCount else { throw Self.truncated }
        bitBuffer >>= UInt64(length)
        bitCount -= length
        return Int(entry >> 4)
    }

    /// Makes room for `count` more output bytes, refusing to pass the declared size.
    private mutating func reserve(_ count: Int) throws {
        let needed = outputCount + count
        guard needed <= limit else {
            throw DataError("deflate data decompresses to more than the \(limit) bytes the entry declares")
        }
        if needed > output.count {
            let grown = min(limit, max(needed, output.count * 2))
            output.append(contentsOf: repeatElement(0, count: grown - output.count))
        }
    }

    private static let truncated = DataError("deflate data is truncated (the compressed stream ends early)")

    // MARK: - Tables from RFC 1951

    private static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258,
    ]
    private static let lengthExtraBits = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    private static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145,
        8193, 12289, 16385, 24577,
    ]
    private static let distanceExtraBits = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]

    private static let fixedLiterals: HuffmanTable = {
        var lengths = [UInt8](repeating: 8, count: 288)
        for i in 144..<256 { lengths[i] = 9 }
        for i in 256..<280 { lengths[i] = 7 }
        return try! HuffmanTable(lengths: lengths)  // constant, valid by construction
    }()
    // 32 codes so that the reserved symbols 30 and 31 decode (and are then rejected).
    private static let fixedDistances: HuffmanTable = try! HuffmanTable(lengths: [UInt8](repeating: 5, count: 32))
}

/// A canonical Huffman code as a single lookup table indexed by the next `maxLength` input
/// bits (least significant first). Each entry is symbol << 4 | code length; 0 marks a bit
/// pattern no code uses.
struct HuffmanTable: Sendable {
    let table: [UInt16]
    let maxLength: Int

    init(lengths: [UInt8]) throws {
        var counts = [Int](repeating: 0, count: 16)
        for length in lengths {
            guard length <= 15 else { throw DataError("corrupt deflate data: code length \(length) is over 15") }
            counts[Int(length)] += 1
        }
        counts[0] = 0
        var unused = 1
        for length in 1...15 {
            unused = unused * 2 - counts[length]
            guard unused >= 0 else {
                throw DataError("corrupt deflate data: over-subscribed Huffman code lengths")
            }
        }
        maxLength = (1...15).last { counts[$0] > 0 } ?? 0
        guard maxLength > 0 else {
            table = []
            return
        }
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1...15 {
            code = (code + counts[length - 1]) << 1
            nextCode[length] = code
        }
        var table = [UInt16](repeating: 0, count: 1 << maxLength)
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let bitLength = Int(length)
            let value = nextCode[bitLength]
            nextCode[bitLength] += 1
            // Codes are sent most significant bit first; the table is indexed LSB first.
            var reversed = 0
            for bit in 0..<bitLength where value & (1 << bit) != 0 {
                reversed |= 1 << (bitLength - 1 - bit)
            }
            let entry = UInt16(symbol << 4 | bitLength)
            var slot = reversed
            while slot < table.count {
                table[slot] = entry
                slot += 1 << bitLength
            }
        }
        self.table = table
    }
}
