import Foundation
import LossKit
import Testing

@testable import LossData

/// Broken `.npy` input must produce a DataError naming the file and the problem.
@Suite struct NumpyMalformedTests {
    private func readError(_ bytes: [UInt8], name: String = "x.npy", sourceLocation: SourceLocation = #_sourceLocation) -> String {
        let message = dataErrorMessage(sourceLocation: sourceLocation) { try NumpyFile.read(data: bytes, name: name) }
        #expect(message.hasPrefix(name + ": "), "message \"\(message)\" does not start with the name", sourceLocation: sourceLocation)
        return message
    }

    private let goodHeader = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }"
    private let goodData = float32Bytes([1, 2, 3, 4])

    @Test func wellFormedHandMadeFileReads() throws {
        let array = try NumpyFile.read(data: npyImage(header: goodHeader, data: goodData), name: "x.npy")
        #expect(array.storage == .floats32([1, 2, 3, 4]))
    }

    @Test func headerSyntaxTolerance() throws {
        let variants = [
            "{'shape': (2, 2), 'fortran_order': False, 'descr': '<f4'}",  // key order, no trailing comma
            "{ \"descr\" : \"<f4\" ,\n 'fortran_order':False,'shape':( 2 ,2 , ) , }",  // whitespace, quotes
            "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 2L), }",  // Python 2 longs
            "{u'descr': u'<f4', u'fortran_order': False, u'shape': (2, 2)}",  // Python 2 unicode
            "{'descr': '<f4', 'fortran_order': False, 'shape': [2, 2]}",
        ]
        for header in variants {
            let array = try NumpyFile.read(data: npyImage(header: header, data: goodData), name: "x.npy")
            #expect(array.shape == [2, 2], "\(header)")
        }
        // Unpadded header (no newline) is fine too.
        let array = try NumpyFile.read(data: npyImage(header: goodHeader, data: goodData, pad: false), name: "x.npy")
        #expect(array.count == 4)
    }

    @Test func badMagic() {
        expectMessage(readError(Array("NOTNUMPY and more bytes here".utf8)), contains: "not a .npy file", "magic")
        expectMessage(readError([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 40)), contains: "ZIP")
    }

    @Test func emptyAndTooShort() {
        expectMessage(readError([]), contains: "empty")
        expectMessage(readError([0x93, 0x4E, 0x55]), contains: "shorter than the 6-byte")
        expectMessage(readError([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]), contains: "truncated", "version")
        expectMessage(readError([0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0, 5]), contains: "header length field")
    }

    @Test func unsupportedVersion() {
        var bytes = npyImage(header: goodHeader, data: goodData)
        bytes[6] = 4
        expectMessage(readError(bytes), contains: "version 4.0")
        bytes[6] = 1
        bytes[7] = 1
        expectMessage(readError(bytes), contains: "version 1.1")
    }

    @Test func truncatedHeader() {
        let full = npyImage(header: goodHeader, data: goodData)
        expectMessage(readError(Array(full.prefix(30))), contains: "header length field says 118 bytes", "only 20 bytes")
    }

    @Test func headerLengthPastEndOfFile() {
        var bytes = npyImage(header: goodHeader, data: goodData)
        bytes[8] = 0xFF
        bytes[9] = 0xFF
        expectMessage(readError(bytes), contains: "65535 bytes")
        var v2 = npyImage(header: goodHeader, data: goodData, major: 2)
        v2[8...11] = [0xFF, 0xFF, 0xFF, 0xFF]
        expectMessage(readError(v2), contains: "4294967295 bytes")
    }

    @Test func badDictionarySyntax() {
        let cases: [(String, String)] = [
            ("{'descr': '<f4' 'fortran_order': False, 'shape': (2, 2)}", "expected ','"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2}", "expected ','"),
            ("{'descr': '<f4, 'fortran_order': False, 'shape': (2, 2)}", "bad header"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)", "missing '}'"),
            ("['descr', '<f4']", "expected a dictionary"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 2)}", "only integers"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)} extra", "after the end"),
            ("{'descr': '<f4', 'fortran_order': False}", "'shape' key is missing"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'x': 1}", "unexpected key 'x'"),
            ("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}", "appears twice"),
            ("{'descr': '<f4', 'fortran_order': 0, 'shape': (2, 2)}", "True or False"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': 4}", "tuple of integers"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", "tuple of integers"),
            ("{'descr': 4, 'fortran_order': False, 'shape': (4,)}", "'descr' should be"),
            ("{'descr': '<f4', 'fortran_order': False, 'shape': ('a', 2)}", "not an integer"),
            ("{'descr': '<f4', 'fortran_order': __import__('os'), 'shape': (2, 2)}", "unexpected name"),
            ("{1: '<f4'}", "not a string"),
            ("", "header ends"),
            (String(repeating: "(", count: 5000) + String(repeating: ")", count: 5000), "nested"),
        ]
        for (header, fragment) in cases {
            let message = readError(npyImage(header: header, data: goodData))
            expectMessage(message, contains: fragment)
        }
    }

    @Test func unsupportedDTypes() {
        let cases: [(String, String)] = [
            ("'|O'", "unpickling"),
            ("'<U'", "a string type without a length"),
            ("'|S2000000'", "strings of 2000000 characters"),
            ("'<c8'", "complex"),
            ("'<c16'", "complex"),
            ("'<M8[ns]'", "datetime"),
            ("'<u8'", "uint64"),
            ("'<f16'", "float of 16 bytes"),
            ("'|V8'", "void"),
            ("'float32'", "unsupported dtype"),
            ("''", "empty type string"),
            ("[('a', '<f4'), ('b', '<i4')]", "structured"),
        ]
        for (descr, fragment) in cases {
            let header = "{'descr': \(descr), 'fortran_order': False, 'shape': (2,), }"
            let message = readError(npyImage(header: header, data: [UInt8](repeating: 0, count: 8)))
            expectMessage(message, contains: fragment)
            if descr.hasPrefix("'") { expectMessage(message, contains: "unsupported dtype") }
        }
    }

    @Test func shapeLargerThanData() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1000, 768), }"
        let message = readError(npyImage(header: header, data: [UInt8](repeating: 0, count: 512)))
        expectMessage(message, contains: "(1000, 768)", "3072000 bytes", "512 bytes", "truncated")
    }

    @Test func hugeAndOverflowingShapes() {
        let cases: [(String, String)] = [
            ("(99999999999999999999999999, 2)", "too large"),
            ("(4294967296, 4294967296)", "overflow"),
            ("(2305843009213693952,)", "overflow"),  // 2^61 float32 elements = 2^63 bytes
            ("(9223372036854775807,)", "overflow"),
            ("(1099511627776, 1099511627776, 0)", "16 unexpected bytes"),  // zero-size: no overflow, but data mismatch
        ]
        for (shape, fragment) in cases {
            let header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
            expectMessage(readError(npyImage(header: header, data: goodData)), contains: fragment)
        }
    }

    @Test func tooManyDimensions() {
        let shape = "(" + String(repeating: "1, ", count: 65) + ")"
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        expectMessage(readError(npyImage(header: header, data: float32Bytes([1]))), contains: "65 dimensions")
    }

    @Test func negativeDimensions() {
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 4), }"
        expectMessage(readError(npyImage(header: header, data: goodData)), contains: "negative dimension")
    }

    @Test func trailingBytes() {
        let message = readError(npyImage(header: goodHeader, data: goodData + [1, 2, 3]))
        expectMessage(message, contains: "3 unexpected bytes", "16 bytes of data expected")
    }

    @Test func pathProblems() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }

        let missing = directory.file("missing.npy")
        expectMessage(dataErrorMessage { try NumpyFile.read(path: missing) }, contains: missing, "no such file")
        expectMessage(
            dataErrorMessage { try NumpyFile.read(path: directory.file("missing/x.npy")) }, contains: "no such file")

        expectMessage(dataErrorMessage { try NumpyFile.read(path: directory.path) }, contains: directory.path, "is a directory")

        let empty = directory.file("empty.npy")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        expectMessage(dataErrorMessage { try NumpyFile.read(path: empty) }, contains: empty, "empty")

        expectMessage(dataErrorMessage { try NumpyFile.read(path: "/dev/null") }, contains: "/dev/null", "not a regular file")

        let fifo = directory.file("pipe.npy")
        #expect(mkfifo(fifo, 0o600) == 0)
        expectMessage(dataErrorMessage { try NumpyFile.read(path: fifo) }, contains: "not a regular file")

        if getuid() != 0 {  // root reads everything
            let locked = directory.file("locked.npy")
            _ = FileManager.default.createFile(atPath: locked, contents: Data([1, 2, 3]), attributes: [.posixPermissions: 0])
            expectMessage(dataErrorMessage { try NumpyFile.read(path: locked) }, contains: "permission denied")
        }
    }

    /// Thousands of random corruptions of real files: every outcome is an array or a
    /// DataError, never a crash or a hang.
    @Test func randomCorruptionNeverCrashes() throws {
        var generator = SeededRandom(seed: 42)
        let originals = try ["f32_2d.npy", "fortran_3d.npy", "be_f8.npy", "v3_header.npy", "bool_1d.npy"].map(Fixture.bytes)
        var errors = 0
        for round in 0..<3000 {
            var bytes = originals[round % originals.count]
            switch round % 3 {
            case 0:
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
            case 1:
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &generator)))
            default:
                // Corrupt the header text specifically.
                let index = Int.random(in: 10..<min(bytes.count, 128), using: &generator)
                bytes[index] = Array("(),:'{}[]-0123456789 LTFxN\\\"".utf8).randomElement(using: &generator)!
            }
            do {
                _ = try NumpyFile.read(data: bytes, name: "fuzz.npy")
            } catch is DataError {
                errors += 1
            }
        }
        #expect(errors > 1000)
    }
}
