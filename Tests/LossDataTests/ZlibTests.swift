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

/// The system zlib behind `.npz` entries: the streams Python's zlib writes (stored, fixed
/// and dynamic blocks), every truncation, sizes that disagree with the data, corrupt streams
/// (zlib's own reason in the message) and random bytes.
@Suite struct ZlibTests {
    @Test func storedFixedAndDynamicBlocks() throws {
        let plain = try Fixture.bytes("inflate_plain.bin")
        for name in ["deflate_stored.bin", "deflate_fixed.bin", "deflate_dynamic.bin"] {
            let compressed = try Fixture.bytes(name)
            #expect(try Zlib.inflate(compressed, expectedSize: plain.count) == plain, "\(name)")
        }
    }

    @Test func everyTruncationIsAnError() throws {
        let plain = try Fixture.bytes("inflate_plain.bin")
        for name in ["deflate_fixed.bin", "deflate_dynamic.bin", "deflate_stored.bin"] {
            let compressed = try Fixture.bytes(name)
            var failures = 0
            for length in 0..<compressed.count {
                do {
                    _ = try Zlib.inflate(Array(compressed.prefix(length)), expectedSize: plain.count)
                } catch is DataError {
                    failures += 1
                }
            }
            #expect(failures == compressed.count, "\(name)")
        }
        let message = dataErrorMessage { try Zlib.inflate(Array(try Fixture.bytes("deflate_dynamic.bin").prefix(100)), expectedSize: plain.count) }
        expectMessage(message, contains: "truncated", "of the 6000 bytes")
    }

    @Test func wrongExpectedSize() throws {
        let plain = try Fixture.bytes("inflate_plain.bin")
        let compressed = try Fixture.bytes("deflate_dynamic.bin")
        expectMessage(dataErrorMessage { try Zlib.inflate(compressed, expectedSize: plain.count + 1) }, contains: "ends after 6000 bytes")
        expectMessage(dataErrorMessage { try Zlib.inflate(compressed, expectedSize: 100) }, contains: "more than the 100 bytes")
        expectMessage(dataErrorMessage { try Zlib.inflate(compressed, expectedSize: 0) }, contains: "more than the 0 bytes")
    }

    @Test func handBuiltFixedBlock() throws {
        var writer = BitWriter()
        writer.bits(1, 1)  // final
        writer.bits(1, 2)  // fixed Huffman
        writer.fixed(65)  // 'A'
        writer.fixed(257)  // length 3
        writer.code(0, 5)  // distance 1
        writer.fixed(256)  // end of block
        #expect(try Zlib.inflate(writer.bytes, expectedSize: 4) == Array("AAAA".utf8))
    }

    @Test func corruptStreamsGiveZlibsReason() {
        var backReference = BitWriter()
        backReference.bits(1, 1)
        backReference.bits(1, 2)
        backReference.fixed(257)  // a match before any output
        backReference.code(0, 5)
        backReference.fixed(256)
        expectMessage(dataErrorMessage { try Zlib.inflate(backReference.bytes, expectedSize: 3) }, contains: "corrupt deflate data", "too far back")

        var distance = BitWriter()
        distance.bits(1, 1)
        distance.bits(1, 2)
        distance.fixed(65)
        distance.fixed(257)
        distance.code(30, 5)  // distance symbols 30 and 31 do not exist
        expectMessage(dataErrorMessage { try Zlib.inflate(distance.bytes, expectedSize: 10) }, contains: "corrupt deflate data", "distance")

        expectMessage(dataErrorMessage { try Zlib.inflate([0x07], expectedSize: 1) }, contains: "corrupt deflate data", "invalid block type")
        expectMessage(
            dataErrorMessage { try Zlib.inflate([0x01, 0x05, 0x00, 0x00, 0x00], expectedSize: 5) }, contains: "stored block length")
        // A stored block that promises more bytes than follow.
        expectMessage(
            dataErrorMessage { try Zlib.inflate([0x01, 0x05, 0x00, 0xFA, 0xFF, 0x41], expectedSize: 5) }, contains: "truncated")
        // Non-final empty stored blocks until the input runs out: an error, not a loop.
        let endless = [UInt8]((0..<100).flatMap { _ in [0x00, 0x00, 0x00, 0xFF, 0xFF] as [UInt8] })
        expectMessage(dataErrorMessage { try Zlib.inflate(endless, expectedSize: 0) }, contains: "truncated")

        var tooManyLiterals = BitWriter()
        tooManyLiterals.bits(1, 1)
        tooManyLiterals.bits(2, 2)
        tooManyLiterals.bits(30, 5)  // 287 literal/length codes
        tooManyLiterals.bits(0, 5)
        tooManyLiterals.bits(0, 4)
        expectMessage(dataErrorMessage { try Zlib.inflate(tooManyLiterals.bytes, expectedSize: 1) }, contains: "corrupt deflate data", "too many length or distance symbols")
    }

    @Test func randomInputNeverCrashes() {
        var generator = SeededRandom(seed: 99)
        for _ in 0..<3000 {
            let length = Int.random(in: 0..<300, using: &generator)
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            do {
                _ = try Zlib.inflate(bytes, expectedSize: Int.random(in: 0..<5000, using: &generator))
            } catch is DataError {
            } catch {
                Issue.record("unexpected error type \(error)")
            }
        }
    }
}
