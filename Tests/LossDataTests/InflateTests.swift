import LossKit
import Testing

@testable import LossData

/// Builds deflate streams bit by bit for hand-made test cases.
private struct BitWriter {
    var bytes: [UInt8] = []
    private var bitCount = 0

    /// `count` bits of `value`, least significant first (header fields, extra bits).
    mutating func bits(_ value: Int, _ count: Int) {
        for i in 0..<count {
            if bitCount % 8 == 0 { bytes.append(0) }
            if (value >> i) & 1 == 1 { bytes[bytes.count - 1] |= UInt8(1 << (bitCount % 8)) }
            bitCount += 1
        }
    }

    /// A Huffman code, most significant bit first.
    mutating func code(_ value: Int, _ length: Int) {
        for i in stride(from: length - 1, through: 0, by: -1) { bits((value >> i) & 1, 1) }
    }

    /// Fixed-code literal/length symbol.
    mutating func fixed(_ symbol: Int) {
        switch symbol {
        case 0..<144: code(0x30 + symbol, 8)
        case 144..<256: code(0x190 + symbol - 144, 9)
        case 256..<280: code(symbol - 256, 7)
        default: code(0xC0 + symbol - 280, 8)
        }
    }
}

@Suite struct InflateTests {
    @Test func storedFixedAndDynamicBlocks() throws {
        let plain = try Fixture.bytes("inflate_plain.bin")
        for name in ["deflate_stored.bin", "deflate_fixed.bin", "deflate_dynamic.bin"] {
            let compressed = try Fixture.bytes(name)
            #expect(try Inflater.inflate(compressed, expectedSize: plain.count) == plain, "\(name)")
        }
    }

    @Test func everyTruncationIsAnError() throws {
        let plain = try Fixture.bytes("inflate_plain.bin")
        for name in ["deflate_fixed.bin", "deflate_dynamic.bin", "deflate_stored.bin"] {
            let compressed = try Fixture.bytes(name)
            var failures = 0
            for length in 0..<compressed.count {
                do {
                    _ = try Inflater.inflate(Array(compressed.prefix(length)), expectedSize: plain.count)
                } catch is DataError {
                    failures += 1
                }
            }
            #expect(failures == compressed.count, "\(name)")
        }
    }

    @Test func wrongExpectedSize() throws {
        let plain = try Fixture.bytes("inflate_plain.bin")
        let compressed = try Fixture.bytes("deflate_dynamic.bin")
        expectMessage(dataErrorMessage { try Inflater.inflate(compressed, expectedSize: plain.count + 1) }, contains: "ends after 6000 bytes")
        expectMessage(dataErrorMessage { try Inflater.inflate(compressed, expectedSize: 100) }, contains: "more than the 100 bytes")
        expectMessage(dataErrorMessage { try Inflater.inflate(compressed, expectedSize: 0) }, contains: "more than the 0 bytes")
    }

    @Test func handBuiltFixedBlock() throws {
        var writer = BitWriter()
        writer.bits(1, 1)  // final
        writer.bits(1, 2)  // fixed Huffman
        writer.fixed(65)  // 'A'
        writer.fixed(257)  // length 3
        writer.code(0, 5)  // distance 1
        writer.fixed(256)  // end of block
        #expect(try Inflater.inflate(writer.bytes, expectedSize: 4) == Array("AAAA".utf8))
    }

    @Test func backReferenceBeforeStart() {
        var writer = BitWriter()
        writer.bits(1, 1)
        writer.bits(1, 2)
        writer.fixed(257)
        writer.code(0, 5)
        writer.fixed(256)
        expectMessage(dataErrorMessage { try Inflater.inflate(writer.bytes, expectedSize: 3) }, contains: "reaches 1 bytes back")
    }

    @Test func reservedSymbols() {
        var length = BitWriter()
        length.bits(1, 1)
        length.bits(1, 2)
        length.fixed(65)
        length.fixed(286)
        expectMessage(dataErrorMessage { try Inflater.inflate(length.bytes, expectedSize: 10) }, contains: "invalid length symbol 286")

        var distance = BitWriter()
        distance.bits(1, 1)
        distance.bits(1, 2)
        distance.fixed(65)
        distance.fixed(257)
        distance.code(30, 5)
        expectMessage(dataErrorMessage { try Inflater.inflate(distance.bytes, expectedSize: 10) }, contains: "invalid distance symbol 30")
    }

    @Test func badBlockHeaders() {
        expectMessage(dataErrorMessage { try Inflater.inflate([0x07], expectedSize: 1) }, contains: "invalid block type 3")
        expectMessage(
            dataErrorMessage { try Inflater.inflate([0x01, 0x05, 0x00, 0x00, 0x00], expectedSize: 5) }, contains: "stored block length")
        // A stored block that promises more bytes than follow.
        expectMessage(
            dataErrorMessage { try Inflater.inflate([0x01, 0x05, 0x00, 0xFA, 0xFF, 0x41], expectedSize: 5) }, contains: "truncated")
        // Non-final empty stored blocks until the input runs out: an error, not a loop.
        let endless = [UInt8]((0..<100).flatMap { _ in [0x00, 0x00, 0x00, 0xFF, 0xFF] as [UInt8] })
        expectMessage(dataErrorMessage { try Inflater.inflate(endless, expectedSize: 0) }, contains: "truncated")
    }

    @Test func dynamicHeaderChecks() {
        var tooManyLiterals = BitWriter()
        tooManyLiterals.bits(1, 1)
        tooManyLiterals.bits(2, 2)
        tooManyLiterals.bits(30, 5)  // 287 literal/length codes
        tooManyLiterals.bits(0, 5)
        tooManyLiterals.bits(0, 4)
        expectMessage(dataErrorMessage { try Inflater.inflate(tooManyLiterals.bytes, expectedSize: 1) }, contains: "287 literal")

        var repeatFirst = BitWriter()
        repeatFirst.bits(1, 1)
        repeatFirst.bits(2, 2)
        repeatFirst.bits(0, 5)
        repeatFirst.bits(0, 5)
        repeatFirst.bits(0, 4)  // 4 code length codes: for symbols 16, 17, 18, 0
        for _ in 0..<4 { repeatFirst.bits(2, 3) }  // all of length 2: a complete code
        repeatFirst.code(1, 2)  // codes in symbol order: 0 -> 00, 16 -> 01; so 16 first, with nothing to repeat
        repeatFirst.bits(0, 2)
        expectMessage(dataErrorMessage { try Inflater.inflate(repeatFirst.bytes, expectedSize: 1) }, contains: "no previous length")
    }

    @Test func oversubscribedCodeIsRejected() {
        expectMessage(dataErrorMessage { try HuffmanTable(lengths: [1, 1, 1]) }, contains: "over-subscribed")
        #expect(throws: Never.self) { try HuffmanTable(lengths: [1, 2, 0, 2]) }
    }

    @Test func randomInputNeverCrashes() {
        var generator = SeededRandom(seed: 99)
        for _ in 0..<3000 {
            let length = Int.random(in: 0..<300, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            do {
                _ = try Inflater.inflate(bytes, expectedSize: Int.random(in: 0..<5000, using: &generator))
            } catch is DataError {
            } catch {
                Issue.record("unexpected error type \(error)")
            }
        }
    }
}
