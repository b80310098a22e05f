import Foundation
import LossKit
import Testing

@testable import LossData

/// A bad byte or line early in a huge file is reported at once, while streaming, not after
/// the whole file has been read (issue 11: a 2 GB sparse CSV). The huge files are sparse: a
/// few real bytes, then a hole the file system stores as nothing and reads as NUL bytes.
@Suite struct StreamingValidationTests {
    static let holeSize: UInt64 = 2 << 30

    /// `text`, then a hole up to `holeSize` bytes.
    func sparseFile(_ scratch: TemporaryDirectory, _ name: String, _ text: String) throws -> String {
        let path = try scratch.write(name, text)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: Self.holeSize)
        try handle.close()
        return path
    }

    /// The load's error message, and how long it took.
    func timedFailure(_ path: String, labels: String? = nil) -> (String, Duration) {
        var message = ""
        let elapsed = ContinuousClock().measure {
            message = loaderError(startsWith: labels ?? path) { try DatasetLoader.load(path: path, labels: labels) }
        }
        return (message, elapsed)
    }

    @Test func aHoleAfterGoodLinesIsReportedAtItsFirstByte() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let csv = try sparseFile(scratch, "big.csv", "x,y,label\n1,2,a\n3,4,b\n")
        let (message, elapsed) = timedFailure(csv)
        expectMessage(message, contains: "byte offset 22 (line 4, column 1)", "NUL byte")
        #expect(elapsed < .seconds(5), "took \(elapsed) to report a bad byte at offset 22")
    }

    @Test func aBadValueBeforeTheHoleIsReportedFirst() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let csv = try sparseFile(scratch, "big.csv", "x,y,label\n1,2,a\n3,oops,b\n5,6,a\n")
        let (message, elapsed) = timedFailure(csv)
        expectMessage(message, contains: "line 3", "'oops' is not a number")
        #expect(elapsed < .seconds(5), "took \(elapsed)")
        let tsv = try sparseFile(scratch, "big.tsv", "1\t2\ta\n3\t4\n")
        expectMessage(timedFailure(tsv).0, contains: "line 2 has 2 fields, expected 3")
    }

    @Test func jsonlAndLabelFilesStreamToo() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let jsonl = try sparseFile(scratch, "big.jsonl", "{\"text\": \"a b\", \"label\": 1}\n")
        let (message, elapsed) = timedFailure(jsonl)
        expectMessage(message, contains: "line 2", "NUL byte")
        #expect(elapsed < .seconds(5), "took \(elapsed)")

        let vectors = try scratch.write("x.csv", "1,2\n3,4\n")
        let labels = try sparseFile(scratch, "labels.txt", "a\nb\n")
        let labelled = timedFailure(vectors, labels: labels)
        expectMessage(labelled.0, contains: "line 3", "NUL byte")
        #expect(labelled.1 < .seconds(5), "took \(labelled.1)")
    }

    @Test func aLineIsCheckedAsItGrowsAcrossChunks() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        // Bad UTF-8 deep inside one long line: found while the line is still being gathered.
        var bytes = Array("first\n".utf8) + [UInt8](repeating: 0x61, count: 100) + [0xFF] + [UInt8](repeating: 0x61, count: 100)
        let path = try scratch.write("long.txt", bytes: bytes + [0x0A])
        let reader = try TextLineReader(path: path, kind: "text", chunkSize: 16)
        _ = try reader.next()
        expectMessage(dataErrorMessage { try reader.next() }, contains: "byte offset 106 (line 2, column 101)", "not valid UTF-8")

        // A multi-byte character split by a chunk boundary is fine.
        bytes = Array("ab".utf8) + Array("é€😀".utf8) + [UInt8](repeating: 0x62, count: 40) + [0x0A]
        for chunk in 16...20 {
            let split = try scratch.write("split\(chunk).txt", bytes: bytes)
            let lines = try TextLineReader(path: split, kind: "text", chunkSize: chunk)
            #expect(try lines.next().map { String(decoding: $0.bytes, as: UTF8.self) } == String(decoding: bytes.dropLast(), as: UTF8.self))
        }
    }

    @Test func aLineLongerThanTheLimitIsRefusedAsItGrows() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("wide.txt", String(repeating: "x", count: 500) + "\n")
        let reader = try TextLineReader(path: path, kind: "CSV text", chunkSize: 16, maximumLineBytes: 100)
        expectMessage(dataErrorMessage { try reader.next() }, contains: "line 1", "runs over 100 bytes without a line break")
    }
}
