import Foundation
import LossKit
import Testing

@testable import LossData

@Suite struct NumpyArchiveTests {
    private let name = "t.npz"

    private func archiveError(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let message = dataErrorMessage(sourceLocation: sourceLocation) { try NumpyArchive.read(data: bytes, name: name) }
        #expect(message.hasPrefix(name), "message \"\(message)\" does not start with the name", sourceLocation: sourceLocation)
        return message
    }

    /// Offset of the first central directory record (the fixtures have no archive comment).
    private func centralDirectory(_ bytes: [UInt8]) -> Int { bytes.u32(at: bytes.count - 22 + 16) }

    /// Offset of the first entry's data.
    private func firstEntryData(_ bytes: [UInt8]) -> Int { 30 + bytes.u16(at: 26) + bytes.u16(at: 28) }

    @Test func storedArchive() throws {
        let arrays = try NumpyArchive.read(path: Fixture.path("two_stored.npz"))
        #expect(arrays.keys.sorted() == ["a", "b"])
        #expect(arrays["a"]?.shape == [2, 3])
        #expect(arrays["a"]?.storage == .floats32([0.25, 0.5, 0.75, 1, 1.25, 1.5]))
        #expect(arrays["b"]?.dtype == .int64)
        #expect(arrays["b"]?.storage == .ints([0, 10, 20, 30]))
        #expect(arrays["a"]?.source == Fixture.path("two_stored.npz") + "[a.npy]")
    }

    @Test func compressedArchive() throws {
        let arrays = try NumpyArchive.read(path: Fixture.path("two_compressed.npz"))
        #expect(arrays.keys.sorted() == ["emb", "labels"])
        let emb = try #require(arrays["emb"])
        #expect(emb.shape == [20, 30])
        let expected: [Float] = (0..<600).map { (i: Int) -> Float in Float((i * 37) % 101 - 50) }
        #expect(emb.storage == .floats32(expected))
        let labels: [Int64] = (0..<20).map { (i: Int) -> Int64 in Int64(i % 3) }
        #expect(arrays["labels"]?.storage == .ints(labels))
        #expect(try emb.matrix(Double.self).rows == 20)
    }

    @Test func zip64Archive() throws {
        let arrays = try NumpyArchive.read(path: Fixture.path("zip64.npz"))
        #expect(arrays["a"]?.storage == .floats32([0.25, 0.5, 0.75, 1, 1.25, 1.5]))
        #expect(arrays["b"]?.storage == .ints([0, 10, 20, 30]))
    }

    @Test func badCRC() throws {
        var stored = try Fixture.bytes("two_stored.npz")
        stored[firstEntryData(stored) + 140] ^= 0x01  // inside a.npy's float data
        expectMessage(archiveError(stored), contains: "entry 'a.npy'", "CRC-32 mismatch")

        var compressed = try Fixture.bytes("two_compressed.npz")
        let directory = centralDirectory(compressed)
        compressed.setU32(compressed.u32(at: directory + 16) ^ 0x8000, at: directory + 16)
        expectMessage(archiveError(compressed), contains: "entry 'emb.npy'", "CRC-32 mismatch")
    }

    @Test func truncatedDeflateStream() throws {
        var bytes = try Fixture.bytes("two_compressed.npz")
        let directory = centralDirectory(bytes)
        bytes.setU32(100, at: directory + 20)  // claim only 100 of emb.npy's compressed bytes
        expectMessage(archiveError(bytes), contains: "entry 'emb.npy'", "truncated")
    }

    @Test func corruptDeflateData() throws {
        var bytes = try Fixture.bytes("two_compressed.npz")
        let start = firstEntryData(bytes)
        for offset in 0..<40 { bytes[start + offset] = 0xFF }
        expectMessage(archiveError(bytes), contains: "entry 'emb.npy'")
    }

    @Test func declaredSizesDisagreeWithData() throws {
        let original = try Fixture.bytes("two_compressed.npz")
        let directory = centralDirectory(original)
        let declared = original.u32(at: directory + 24)

        var larger = original
        larger.setU32(declared + 10, at: directory + 24)
        expectMessage(archiveError(larger), contains: "ends after \(declared) bytes", "declares \(declared + 10)")

        var smaller = original
        smaller.setU32(declared - 10, at: directory + 24)
        expectMessage(archiveError(smaller), contains: "more than the \(declared - 10) bytes")

        var absurd = original
        absurd.setU32(0x7FFF_FFFF, at: directory + 24)
        expectMessage(archiveError(absurd), contains: "more than deflate can produce")

        var stored = try Fixture.bytes("two_stored.npz")
        let storedDirectory = centralDirectory(stored)
        stored.setU32(stored.u32(at: storedDirectory + 24) + 1, at: storedDirectory + 24)
        expectMessage(archiveError(stored), contains: "stored entry")
    }

    @Test func badCentralDirectory() throws {
        let original = try Fixture.bytes("two_stored.npz")
        let end = original.count - 22
        let directory = centralDirectory(original)

        var badSignature = original
        badSignature[directory] = 0x00
        expectMessage(archiveError(badSignature), contains: "bad central directory", "entry 1 of 2")

        var secondBad = original
        let secondEntry = directory + 46 + original.u16(at: directory + 28) + original.u16(at: directory + 30)
            + original.u16(at: directory + 32)
        secondBad[secondEntry + 1] = 0x00
        expectMessage(archiveError(secondBad), contains: "entry 2 of 2")

        var pastEnd = original
        pastEnd.setU32(original.count + 100, at: end + 16)
        expectMessage(archiveError(pastEnd), contains: "bad central directory")

        var tooMany = original
        tooMany.setU16(0xFFFE, at: end + 10)
        expectMessage(archiveError(tooMany), contains: "cannot fit")

        var badLocal = original
        badLocal.setU32(original.count - 10, at: directory + 42)
        expectMessage(archiveError(badLocal), contains: "no local file header")

        var longName = original
        longName.setU16(5000, at: directory + 28)
        expectMessage(archiveError(longName), contains: "runs past the end of the directory")

        var zip64Marker = original
        zip64Marker.setU32(0xFFFF_FFFF, at: end + 16)
        expectMessage(archiveError(zip64Marker), contains: "zip64")

        var multiDisk = original
        multiDisk.setU16(1, at: end + 4)
        expectMessage(archiveError(multiDisk), contains: "multi-disk")
    }

    @Test func unsupportedEntries() throws {
        let original = try Fixture.bytes("two_stored.npz")
        let directory = centralDirectory(original)

        var bzip = original
        bzip.setU16(12, at: directory + 10)
        expectMessage(archiveError(bzip), contains: "compression method 12 (bzip2)")

        var encrypted = original
        encrypted.setU16(1, at: directory + 8)
        expectMessage(archiveError(encrypted), contains: "encrypted")
    }

    @Test func brokenArrayInsideArchiveIsNamed() throws {
        var bytes = try Fixture.bytes("two_stored.npz")
        let start = firstEntryData(bytes)
        let length = bytes.u32(at: centralDirectory(bytes) + 20)
        let needle = Array("'<f4'".utf8)
        let descrOffset = try #require((start..<(start + 60)).first { Array(bytes[$0..<($0 + 5)]) == needle })
        bytes.replaceSubrange(descrOffset..<(descrOffset + 5), with: Array("'|O' ".utf8))
        let crc = bytes[start..<(start + length)].withUnsafeBytes { Zlib.crc32($0) }
        bytes.setU32(Int(crc), at: centralDirectory(bytes) + 16)
        expectMessage(archiveError(bytes), contains: "t.npz[a.npy]: unsupported dtype '|O'")
    }

    @Test func notAnArchive() throws {
        expectMessage(archiveError([]), contains: "empty")
        expectMessage(archiveError(try Fixture.bytes("f32_2d.npy")), contains: "this is a .npy file")
        expectMessage(archiveError(Array("just some text that is long enough to search".utf8)), contains: "not an .npz (ZIP) archive")
        let whole = try Fixture.bytes("two_compressed.npz")
        expectMessage(archiveError(Array(whole.prefix(whole.count / 2))), contains: "no end-of-central-directory record")
        expectMessage(archiveError(Array(whole.prefix(10))), contains: "too short")
    }

    @Test func pathProblems() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        expectMessage(dataErrorMessage { try NumpyArchive.read(path: directory.file("none.npz")) }, contains: "no such file")
        expectMessage(dataErrorMessage { try NumpyArchive.read(path: directory.path) }, contains: "is a directory")
    }

    @Test func crcMatchesKnownValues() {
        #expect(Zlib.crc32([UInt8]()) == 0)
        #expect(Zlib.crc32(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(Zlib.crc32(Array("The quick brown fox jumps over the lazy dog".utf8)) == 0x414F_A339)
    }

    @Test func randomCorruptionNeverCrashes() throws {
        var generator = SeededRandom(seed: 7)
        let originals = try ["two_stored.npz", "two_compressed.npz", "zip64.npz"].map(Fixture.bytes)
        var errors = 0
        for round in 0..<1500 {
            var bytes = originals[round % originals.count]
            if round % 4 == 3 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            } else {
                for _ in 0..<Int.random(in: 1...6, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            }
            do {
                _ = try NumpyArchive.read(data: bytes, name: "fuzz.npz")
            } catch is DataError {
                errors += 1
            }
        }
        #expect(errors > 500)
    }
}
