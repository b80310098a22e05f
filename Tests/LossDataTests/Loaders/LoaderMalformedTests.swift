import Foundation
import LossKit
import Testing

@testable import LossData

/// Broken inputs: each must raise a DataError that starts with the offending path and says
/// what is wrong and where, never crash or return a partial dataset.
@Suite struct LoaderMalformedTests {
    /// Writes `text` to `name` in a fresh directory and returns the load error message.
    private func failure(
        _ name: String, _ text: String, labels: (String, String)? = nil, options: LoadOptions = .init(),
        blame: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        try failure(name, bytes: Array(text.utf8), labels: labels, options: options, blame: blame, sourceLocation: sourceLocation)
    }

    private func failure(
        _ name: String, bytes: [UInt8], labels: (String, String)? = nil, options: LoadOptions = .init(),
        blame: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) throws -> String {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write(name, bytes: bytes)
        let labelsPath = try labels.map { try scratch.write($0.0, $0.1) }
        let blamed = blame.map(scratch.file) ?? path
        return loaderError(startsWith: blamed, sourceLocation: sourceLocation) {
            try DatasetLoader.load(path: path, labels: labelsPath, options: options)
        }
    }

    // MARK: - Files that are not there or are not files

    @Test func missingPathDirectoryAndUnknownExtension() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let missing = scratch.file("nope.csv")
        expectMessage(loaderError(startsWith: missing) { try DatasetLoader.load(path: missing) }, contains: "no such file")
        let directory = scratch.file("folder.csv")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        expectMessage(loaderError(startsWith: directory) { try DatasetLoader.load(path: directory) }, contains: "is a directory")
        let odd = try scratch.write("data.xlsx", "1,2\n")
        expectMessage(loaderError(startsWith: odd) { try DatasetLoader.load(path: odd) }, contains: "cannot tell the format", "csv")
        let labelsDirectory = scratch.file("labels.txt")
        try FileManager.default.createDirectory(atPath: labelsDirectory, withIntermediateDirectories: false)
        let data = try scratch.write("v.tsv", "1\t2\n")
        expectMessage(loaderError(startsWith: labelsDirectory) { try DatasetLoader.load(path: data, labels: labelsDirectory) }, contains: "is a directory")
    }

    @Test func unreadableFile() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("secret.csv", "1,a\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path) }
        guard FileManager.default.isReadableFile(atPath: path) == false else { return }  // root reads anything
        expectMessage(loaderError(startsWith: path) { try DatasetLoader.load(path: path) }, contains: "permission denied")
    }

    // MARK: - Empty and shapeless

    @Test func emptyFiles() throws {
        for name in ["e.csv", "e.tsv", "e.jsonl"] {
            expectMessage(try failure(name, ""), contains: "empty (0 bytes)")
        }
        expectMessage(try failure("blank.csv", "\n  \n\n"), contains: "no rows", "blank")
        expectMessage(try failure("blank.jsonl", "\n\n"), contains: "no records")
        expectMessage(try failure("v.tsv", "1\t2\n", labels: ("labels.txt", ""), blame: "labels.txt"), contains: "empty (0 bytes)")
        expectMessage(try failure("v.tsv", "1\t2\n", labels: ("labels.txt", "\n\n"), blame: "labels.txt"), contains: "no labels")
    }

    @Test func headerWithoutRows() throws {
        expectMessage(try failure("h.csv", "a,b,label\n"), contains: "line 1", "no data rows")
        expectMessage(try failure("v.tsv", "1\t2\n", labels: ("meta.tsv", "label\tname\n"), blame: "meta.tsv"), contains: "line 1 is a header", "no labels follow")
    }

    @Test func noColumnsToUse() throws {
        expectMessage(try failure("t.csv", "a,b\nc,d\n", options: LoadOptions(labelColumn: "0")), contains: "no column holds numbers")
        expectMessage(try failure("semi.csv", "1;2;a\n3;4;b\n"), contains: "no column holds numbers", "';': is that the delimiter")
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let noColumns = scratch.file("c0.npy")
        try NumpyFile.write(Matrix<Float>(zeros: 3, 0), to: noColumns)
        let labels = try scratch.write("l.txt", "a\nb\nc\n")
        expectMessage(loaderError(startsWith: noColumns) { try DatasetLoader.load(path: noColumns, labels: labels) }, contains: "0 columns")
        let noRows = scratch.file("r0.npy")
        try NumpyFile.write(Matrix<Float>(zeros: 0, 4), to: noRows)
        expectMessage(loaderError(startsWith: noRows) { try DatasetLoader.load(path: noRows, labels: labels) }, contains: "0 rows")
        let threeD = scratch.file("3d.npy")
        try NumpyFile.write(NumpyArray(shape: [2, 2, 2], dtype: .float32, storage: .floats32(Array(repeating: 1, count: 8))), to: threeD)
        expectMessage(loaderError(startsWith: threeD) { try DatasetLoader.load(path: threeD, labels: labels) }, contains: "2-D")
    }

    // MARK: - Rows and values

    @Test func raggedRows() throws {
        expectMessage(try failure("r.csv", "1,2,a\n3,4,b\n5,c\n"), contains: "line 3 has 2 fields, expected 3", "line 1")
        // Beyond the rows read ahead, in the streaming part.
        let rows = (0..<400).map { "\($0),\($0),x" } + ["1,2,3,x"]
        expectMessage(try failure("r2.csv", rows.joined(separator: "\n")), contains: "line 401 has 4 fields, expected 3")
        expectMessage(
            try failure("v.tsv", "1\t2\n3\t4\n", labels: ("m.tsv", "label\tname\na\tx\nb\n"), blame: "m.tsv"), contains:
            "line 3 has 1 fields, expected 2")
    }

    @Test func nonNumericValueInANumericColumn() throws {
        expectMessage(try failure("n.csv", "a,b,label\n1,2,x\n3,4,y\n5,abc,x\n"), contains: "line 4, column 2 ('b')", "'abc' is not a number")
        let rows = (0..<300).map { "\($0)\t\($0)" } + ["7\toops"]
        expectMessage(try failure("n.tsv", rows.joined(separator: "\n"), labels: ("l.txt", "")), contains: "line 301, column 2", "'oops'")
        expectMessage(try failure("e.csv", "1,2,x\n3,,y\n4,5,x\n"), contains: "line 2, column 2", "empty")
    }

    @Test func nonFiniteValues() throws {
        expectMessage(try failure("f.csv", "a,b,label\n1,2,x\n3,nan,y\n4,inf,x\n"), contains: "line 3 (data row 2), column 2", "nan", "not a finite number")
        expectMessage(try failure("f.tsv", "1\t2\n1e39\t2\n", labels: ("l.txt", "a\nb\n")), contains: "line 2", "column 1", "too large for float32")
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let npy = scratch.file("nan.npy")
        try NumpyFile.write(Matrix<Float>(rows: [[1, 2], [3, .infinity], [.nan, 0]]), to: npy)
        let labels = try scratch.write("l.txt", "a\nb\nc\n")
        expectMessage(loaderError(startsWith: npy) { try DatasetLoader.load(path: npy, labels: labels) }, contains: "row 1, column 1", "inf")
        expectMessage(
            try failure("e.jsonl", #"{"text": "a", "label": 1, "embedding": [1, 2]}"# + "\n" + #"{"text": "b", "label": 0, "embedding": [1, NaN]}"#), contains:
            "line 2", "element 1 of \"embedding\"", "NaN", "not a finite number")
    }

    @Test func invalidUTF8() throws {
        var bytes = Array("a,b,label\n1,2,x\n3,4,".utf8)
        let offset = bytes.count
        bytes += [0x63, 0xFF, 0x61, 0x0A]
        expectMessage(try failure("u.csv", bytes: bytes), contains: "byte offset \(offset + 1)", "line 3, column 6", "not valid UTF-8")
        // A truncated multi-byte sequence at the end of a line.
        expectMessage(try failure("u.jsonl", bytes: Array(#"{"text": "caf"#.utf8) + [0xC3] + Array(#"", "label": 1}"#.utf8)), contains: "byte offset 13", "line 1", "UTF-8")
        // Latin-1 labels.
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = try scratch.write("v.tsv", "1\t2\n3\t4\n")
        let latin1 = try scratch.write("l.txt", bytes: [0x61, 0x0A, 0x63, 0x61, 0x66, 0xE9, 0x0A])
        expectMessage(
            loaderError(startsWith: latin1) { try DatasetLoader.load(path: vectors, labels: latin1) }, contains:
            "byte offset 5 (line 2, column 4)", "0xE9")
    }

    @Test func binaryFiles() throws {
        var random = SeededRandom(seed: 7)
        let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) } + [0, 0, 0]
        let message = try failure("paste.csv", bytes: Array("1,2,a\n".utf8) + garbage)
        #expect(message.contains("NUL byte") || message.contains("not valid UTF-8"), "\(message)")
        expectMessage(message, contains: "line 2")
        expectMessage(try failure("zeros.csv", bytes: [0x31, 0x2C, 0x00, 0x0A]), contains: "byte offset 2", "NUL byte", "binary file")
        let npy = try NumpyFile.encode(NumpyArray(Matrix<Float>(rows: [[1, 2]])))
        expectMessage(try failure("renamed.csv", bytes: npy), contains: "numpy .npy file")
        expectMessage(try failure("renamed.jsonl", bytes: [0x50, 0x4B, 0x03, 0x04, 1, 2, 3]), contains: "ZIP archive")
        // A binary file given as .npy is refused by the .npy reader, naming the path.
        expectMessage(try failure("text.npy", "1,2,3\n", labels: ("l.txt", "a\n")), contains: "text.npy")
    }

    @Test func labelCountMismatch() throws {
        expectMessage(
            try failure("v.tsv", "1\t2\n3\t4\n5\t6\n", labels: ("meta.tsv", "a\nb\n"), blame: "meta.tsv"), contains:
            "2 labels for the 3 data rows", "v.tsv")
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = scratch.file("v.npy")
        try NumpyFile.write(Matrix<Float>(rows: [[1], [2]]), to: vectors)
        let labels = scratch.file("l.npy")
        try NumpyFile.write(NumpyArray(shape: [3], dtype: .int64, storage: .ints([0, 1, 2])), to: labels)
        expectMessage(loaderError(startsWith: labels) { try DatasetLoader.load(path: vectors, labels: labels) }, contains: "3 labels for the 2 rows")
        let archive = try scratch.write("a.npz", bytes: loaderStoredZip([
            "embeddings": NumpyArray(Matrix<Float>(rows: [[1], [2]])),
            "labels": NumpyArray(shape: [1], dtype: .int64, storage: .ints([0])),
        ]))
        expectMessage(loaderError(startsWith: archive + "[labels.npy]") { try DatasetLoader.load(path: archive) }, contains: "1 labels for the 2 rows")
        // A blank line inside a labels file would shift every label after it.
        expectMessage(try failure("v.tsv", "1\n2\n3\n", labels: ("l.txt", "a\n\nb\nc\n"), blame: "l.txt"), contains: "line 2 is blank")
    }

    @Test func unusableLabels() throws {
        expectMessage(try failure("v.tsv", "1\n2\n", labels: ("l.txt", "0.5\n1\n"), blame: "l.txt"), contains: "line 1", "0.5 is not a whole number")
        expectMessage(try failure("x.csv", "1,a,b\n2,c,d\n"), contains: "2 columns hold text", "column 2, e.g. 'a' on line 1", "column 3", "only one can be the label")
        expectMessage(try failure("x.csv", "v,label,other\n1,a,b\n2,c,d\n"), contains: "column 3 ('other') holds text", "'b' on line 2", "labels come from column 2 ('label')")
        expectMessage(try failure("x.csv", "v,label\n1,a\n", labels: ("l.txt", "a\n")), contains: "holds labels", "one or the other")
        expectMessage(try failure("x.csv", "1,2\n", options: LoadOptions(labelColumn: "kind")), contains: "no column 'kind'")
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let labels2D = scratch.file("l.npy")
        try NumpyFile.write(Matrix<Float>(rows: [[1, 2]]), to: labels2D)
        let vectors = try scratch.write("v.tsv", "1\t2\n")
        expectMessage(loaderError(startsWith: labels2D) { try DatasetLoader.load(path: vectors, labels: labels2D) }, contains: "1-D")
    }

    @Test func vectorsWithoutLabels() throws {
        let message = try failure("v.tsv", "1\t2\n3\t4\n")
        expectMessage(message, contains: "no labels", "batch triplet losses", "labels file", ".jsonl", "teacher")
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let npy = scratch.file("v.npy")
        try NumpyFile.write(Matrix<Float>(rows: [[1, 2]]), to: npy)
        expectMessage(loaderError(startsWith: npy) { try DatasetLoader.load(path: npy) }, contains: "no labels", "labels file")
        let archive = try scratch.write("a.npz", bytes: loaderStoredZip([
            "p": NumpyArray(Matrix<Float>(rows: [[1, 2]])), "q": NumpyArray(Matrix<Float>(rows: [[1, 2]])),
        ]))
        expectMessage(loaderError(startsWith: archive) { try DatasetLoader.load(path: archive) }, contains: "cannot tell which array", "'p', 'q'")
    }

    // MARK: - Quoting

    @Test func quotingErrors() throws {
        expectMessage(try failure("q.csv", "1,2,x\n3,\"4,y\n5,6,z\n"), contains: "line 2, column 3", "never closed")
        expectMessage(try failure("q.csv", "1,\"2\"x,y\n"), contains: "line 1, column 6", "after the closing quote")
        let many = "1,\"2" + String(repeating: "\n", count: DelimitedReader.maximumQuotedLines + 5) + "\",x\n"
        expectMessage(try failure("q.csv", many), contains: "line 1", "unbalanced")
    }

    // MARK: - JSON Lines

    @Test func jsonSyntax() throws {
        expectMessage(
            try failure("s.jsonl", #"{"text": "a", "label": 1}"# + "\n" + #"{"text": "b" "label": 2}"#), contains:
            "line 2, column 14", "expected ',' or '}'")
        expectMessage(try failure("s.jsonl", "{\n  \"text\": \"a\"\n}\n"), contains: "line 1", "one complete object per line")
        expectMessage(try failure("s.jsonl", #"[{"text": "a"}]"#), contains: "line 1 holds an array", "one object per line")
        expectMessage(try failure("s.jsonl", #"{"text": "a"} {"text": "b"}"#), contains: "line 1, column 15", "after the JSON value")
        expectMessage(try failure("s.jsonl", #"{"text": "a\q"}"#), contains: "line 1, column 12", "unknown escape")
        expectMessage(try failure("s.jsonl", #"{"text": "unterminated}"#), contains: "line 1, column 10", "never closed")
        expectMessage(try failure("s.jsonl", String(repeating: "[", count: 10_000)), contains: "nested deeper")
        expectMessage(try failure("s.jsonl", #"{"text": 01}"#), contains: "line 1")
    }

    @Test func jsonRecordProblems() throws {
        let a = #"{"text": "a", "label": 1}"#
        expectMessage(try failure("r.jsonl", a + "\n" + #"{"anchor": "q", "positive": "p"}"#), contains: "line 2 is an anchor", "line 1 is a text with a class label")
        expectMessage(try failure("r.jsonl", #"{"prompt": "q", "reply": "a"}"#), contains: "line 1", "\"prompt\", \"reply\"", "matches no known record")
        expectMessage(try failure("r.jsonl", #"{"anchor": "q"}"#), contains: "line 1 has \"anchor\" but no positive")
        expectMessage(try failure("r.jsonl", #"{"text": 5, "label": 1}"#), contains: "line 1: \"text\" is a number, expected a string")
        expectMessage(try failure("r.jsonl", #"{"sentence1": "a", "sentence2": "b"}"#), contains: "line 1", "no \"label\"")
        expectMessage(try failure("r.jsonl", #"{"text": "a", "label": null}"#), contains: "\"label\" is null")
        expectMessage(try failure("r.jsonl", #"{"text": "a", "label": 1.5}"#), contains: "line 1", "1.5 is not a whole number")
        expectMessage(try failure("r.jsonl", #"{"text": "...", "label": 1}"#), contains: "line 1", "no words")
        expectMessage(
            try failure("r.jsonl", #"{"texts": ["a", "b", "c"]}"# + "\n" + #"{"texts": ["a", "b"]}"#), contains:
            "line 2 has 2 texts, but line 1 has 3")
        expectMessage(try failure("r.jsonl", #"{"texts": ["a"]}"#), contains: "at least 2")
        let pairs = [
            #"{"sentence1": "a", "sentence2": "b", "label": 0.5}"#,
            #"{"sentence1": "a", "sentence2": "c", "label": 3.5}"#,
        ]
        expectMessage(try failure("p.jsonl", pairs.joined(separator: "\n")), contains: "line 2", "3.5", "rescaled")
        expectMessage(try failure("p.jsonl", #"{"sentence1": "a", "sentence2": "b", "label": -1}"#), contains: "line 1", "-1")
    }

    @Test func jsonEmbeddingProblems() throws {
        let with = #"{"text": "a", "label": 1, "embedding": [1, 2]}"#
        let without = #"{"text": "b", "label": 0}"#
        expectMessage(try failure("e.jsonl", with + "\n" + without), contains: "line 2 has no embedding but line 1 has")
        expectMessage(try failure("e.jsonl", without + "\n" + with), contains: "line 2 has an embedding but line 1 has none")
        expectMessage(
            try failure("e.jsonl", with + "\n" + #"{"text": "c", "label": 0, "embedding": [1, 2, 3]}"#), contains:
            "line 2", "3 values", "line 1's have 2")
        expectMessage(try failure("e.jsonl", #"{"text": "a", "label": 1, "embedding": [1, "x"]}"#), contains: "element 1 of \"embedding\" is a string")
        expectMessage(try failure("e.jsonl", #"{"text": "a", "label": 1, "embedding": []}"#), contains: "\"embedding\" is empty")
        expectMessage(
            try failure("e.jsonl", #"{"anchor": "a", "positive": "b", "embedding": [1]}"#), contains: "one vector for 2 texts")
        expectMessage(
            try failure("e.jsonl", #"{"text": "a", "label": [1, 2]}"# + "\n" + #"{"text": "b", "label": [1]}"#), contains:
            "line 2", "teacher embedding has 1 values")
        expectMessage(try failure("e.jsonl", #"{"text": "a", "label": 1}"#, labels: ("l.txt", "a\n"), blame: "l.txt"), contains: "not used with JSON Lines")
    }

    /// Random corruptions of a good file must fail cleanly or load, never crash.
    @Test func mutatedFilesNeverCrash() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let csv = Array("v1,v2,label,text\n1,2,\"a, b\",\"x \"\"y\"\"\"\n3,4,c,z\n".utf8)
        let jsonl = Array((#"{"sentence1": "a b", "sentence2": "c", "label": 0.5, "embeddings": [[1, 2], [3, 4]]}"# + "\n").utf8)
        var generator = SeededRandom(seed: 42)
        let rounds = Int(ProcessInfo.processInfo.environment["LOSSLAB_LOADER_FUZZ_ROUNDS"] ?? "") ?? 300
        for (name, original) in [("m.csv", csv), ("m.jsonl", jsonl)] {
            for round in 0..<rounds {
                var bytes = original
                for _ in 0..<(1 + round % 4) {
                    let index = Int.random(in: 0..<bytes.count, using: &generator)
                    switch round % 3 {
                    case 0: bytes[index] = UInt8.random(in: 0...255, using: &generator)
                    case 1: bytes.remove(at: index)
                    default: bytes.insert(Array(",\"\n\t{}[]:0".utf8).randomElement(using: &generator)!, at: index)
                    }
                }
                let path = try scratch.write(name, bytes: bytes)
                do {
                    let dataset = try DatasetLoader.load(path: path)
                    try dataset.validate()
                } catch let error as DataError {
                    #expect(error.message.hasPrefix(path + ":"), "\(error.message)")
                }
            }
        }
    }
}
