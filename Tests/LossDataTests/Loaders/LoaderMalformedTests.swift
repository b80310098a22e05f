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
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let path = try scratch.write(name, bytes: bytes)
        let labelsPath = try labels.map { try scratch.write($0.0, $0.1) }
        let blamed = blame.map(scratch.file) ?? path
        return loaderError(startsWith: blamed, sourceLocation: sourceLocation) {
            try DatasetLoader.load(path: path, labels: labelsPath, options: options)
        }
    }

    // MARK: - Files that are not there or are not files

    @Test func missingPathDirectoryAndUnknownExtension() throws {
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let missing = scratch.file("nope.csv")
        expectFragments(loaderError(startsWith: missing) { try DatasetLoader.load(path: missing) }, "no such file")
        let directory = scratch.file("folder.csv")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false)
        expectFragments(loaderError(startsWith: directory) { try DatasetLoader.load(path: directory) }, "is a directory")
        let odd = try scratch.write("data.xlsx", "1,2\n")
        expectFragments(loaderError(startsWith: odd) { try DatasetLoader.load(path: odd) }, "cannot tell the format", "csv")
        let labelsDirectory = scratch.file("labels.txt")
        try FileManager.default.createDirectory(atPath: labelsDirectory, withIntermediateDirectories: false)
        let data = try scratch.write("v.tsv", "1\t2\n")
        expectFragments(loaderError(startsWith: labelsDirectory) { try DatasetLoader.load(path: data, labels: labelsDirectory) }, "is a directory")
    }

    @Test func unreadableFile() throws {
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let path = try scratch.write("secret.csv", "1,a\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: path)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path) }
        guard FileManager.default.isReadableFile(atPath: path) == false else { return }  // root reads anything
        expectFragments(loaderError(startsWith: path) { try DatasetLoader.load(path: path) }, "permission denied")
    }

    // MARK: - Empty and shapeless

    @Test func emptyFiles() throws {
        for name in ["e.csv", "e.tsv", "e.jsonl"] {
            expectFragments(try failure(name, ""), "empty (0 bytes)")
        }
        expectFragments(try failure("blank.csv", "\n  \n\n"), "no rows", "blank")
        expectFragments(try failure("blank.jsonl", "\n\n"), "no records")
        expectFragments(try failure("v.tsv", "1\t2\n", labels: ("labels.txt", ""), blame: "labels.txt"), "empty (0 bytes)")
        expectFragments(try failure("v.tsv", "1\t2\n", labels: ("labels.txt", "\n\n"), blame: "labels.txt"), "no labels")
    }

    @Test func headerWithoutRows() throws {
        expectFragments(try failure("h.csv", "a,b,label\n"), "line 1", "no data rows")
        expectFragments(try failure("v.tsv", "1\t2\n", labels: ("meta.tsv", "label\tname\n"), blame: "meta.tsv"), "line 1 is a header", "no labels follow")
    }

    @Test func noColumnsToUse() throws {
        expectFragments(try failure("t.csv", "a,b\nc,d\n", options: LoadOptions(labelColumn: "0")), "no column holds numbers")
        expectFragments(try failure("semi.csv", "1;2;a\n3;4;b\n"), "no column holds numbers", "';': is that the delimiter")
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let noColumns = scratch.file("c0.npy")
        try NumpyFile.write(Matrix<Float>(zeros: 3, 0), to: noColumns)
        let labels = try scratch.write("l.txt", "a\nb\nc\n")
        expectFragments(loaderError(startsWith: noColumns) { try DatasetLoader.load(path: noColumns, labels: labels) }, "0 columns")
        let noRows = scratch.file("r0.npy")
        try NumpyFile.write(Matrix<Float>(zeros: 0, 4), to: noRows)
        expectFragments(loaderError(startsWith: noRows) { try DatasetLoader.load(path: noRows, labels: labels) }, "0 rows")
        let threeD = scratch.file("3d.npy")
        try NumpyFile.write(NumpyArray(shape: [2, 2, 2], dtype: .float32, storage: .floats32(Array(repeating: 1, count: 8))), to: threeD)
        expectFragments(loaderError(startsWith: threeD) { try DatasetLoader.load(path: threeD, labels: labels) }, "2-D")
    }

    // MARK: - Rows and values

    @Test func raggedRows() throws {
        expectFragments(try failure("r.csv", "1,2,a\n3,4,b\n5,c\n"), "line 3 has 2 fields, expected 3", "line 1")
        // Beyond the rows read ahead, in the streaming part.
        let rows = (0..<400).map { "\($0),\($0),x" } + ["1,2,3,x"]
        expectFragments(try failure("r2.csv", rows.joined(separator: "\n")), "line 401 has 4 fields, expected 3")
        expectFragments(
            try failure("v.tsv", "1\t2\n3\t4\n", labels: ("m.tsv", "label\tname\na\tx\nb\n"), blame: "m.tsv"),
            "line 3 has 1 fields, expected 2")
    }

    @Test func nonNumericValueInANumericColumn() throws {
        expectFragments(try failure("n.csv", "a,b,label\n1,2,x\n3,4,y\n5,abc,x\n"), "line 4, column 2 ('b')", "'abc' is not a number")
        let rows = (0..<300).map { "\($0)\t\($0)" } + ["7\toops"]
        expectFragments(try failure("n.tsv", rows.joined(separator: "\n"), labels: ("l.txt", "")), "line 301, column 2", "'oops'")
        expectFragments(try failure("e.csv", "1,2,x\n3,,y\n4,5,x\n"), "line 2, column 2", "empty")
    }

    @Test func nonFiniteValues() throws {
        expectFragments(try failure("f.csv", "a,b,label\n1,2,x\n3,nan,y\n4,inf,x\n"), "line 3 (data row 2), column 2", "nan", "not a finite number")
        expectFragments(try failure("f.tsv", "1\t2\n1e39\t2\n", labels: ("l.txt", "a\nb\n")), "line 2", "column 1", "too large for float32")
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let npy = scratch.file("nan.npy")
        try NumpyFile.write(Matrix<Float>(rows: [[1, 2], [3, .infinity], [.nan, 0]]), to: npy)
        let labels = try scratch.write("l.txt", "a\nb\nc\n")
        expectFragments(loaderError(startsWith: npy) { try DatasetLoader.load(path: npy, labels: labels) }, "row 1, column 1", "inf")
        expectFragments(
            try failure("e.jsonl", #"{"text": "a", "label": 1, "embedding": [1, 2]}"# + "\n" + #"{"text": "b", "label": 0, "embedding": [1, NaN]}"#),
            "line 2", "element 1 of \"embedding\"", "NaN", "not a finite number")
    }

    @Test func invalidUTF8() throws {
        var bytes = Array("a,b,label\n1,2,x\n3,4,".utf8)
        let offset = bytes.count
        bytes += [0x63, 0xFF, 0x61, 0x0A]
        expectFragments(try failure("u.csv", bytes: bytes), "byte offset \(offset + 1)", "line 3, column 6", "not valid UTF-8")
        // A truncated multi-byte sequence at the end of a line.
        expectFragments(try failure("u.jsonl", bytes: Array(#"{"text": "caf"#.utf8) + [0xC3] + Array(#"", "label": 1}"#.utf8)), "byte offset 13", "line 1", "UTF-8")
        // Latin-1 labels.
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let vectors = try scratch.write("v.tsv", "1\t2\n3\t4\n")
        let latin1 = try scratch.write("l.txt", bytes: [0x61, 0x0A, 0x63, 0x61, 0x66, 0xE9, 0x0A])
        expectFragments(
            loaderError(startsWith: latin1) { try DatasetLoader.load(path: vectors, labels: latin1) },
            "byte offset 5 (line 2, column 4)", "0xE9")
    }

    @Test func binaryFiles() throws {
        var random = LoaderSeededGenerator(state: 7)
        let garbage = (0..<4096).map { _ in UInt8.random(in: 0...255, using: &random) } + [0, 0, 0]
        let message = try failure("paste.csv", bytes: Array("1,2,a\n".utf8) + garbage)
        #expect(message.contains("NUL byte") || message.contains("not valid UTF-8"), "\(message)")
        expectFragments(message, "line 2")
        expectFragments(try failure("zeros.csv", bytes: [0x31, 0x2C, 0x00, 0x0A]), "byte offset 2", "NUL byte", "binary file")
        let npy = try NumpyFile.encode(NumpyArray(Matrix<Float>(rows: [[1, 2]])))
        expectFragments(try failure("renamed.csv", bytes: npy), "numpy .npy file")
        expectFragments(try failure("renamed.jsonl", bytes: [0x50, 0x4B, 0x03, 0x04, 1, 2, 3]), "ZIP archive")
        // A binary file given as .npy is refused by the .npy reader, naming the path.
        expectFragments(try failure("text.npy", "1,2,3\n", labels: ("l.txt", "a\n")), "text.npy")
    }

    @Test func labelCountMismatch() throws {
        expectFragments(
            try failure("v.tsv", "1\t2\n3\t4\n5\t6\n", labels: ("meta.tsv", "a\nb\n"), blame: "meta.tsv"),
            "2 labels for the 3 data rows", "v.tsv")
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let vectors = scratch.file("v.npy")
        try NumpyFile.write(Matrix<Float>(rows: [[1], [2]]), to: vectors)
        let labels = scratch.file("l.npy")
        try NumpyFile.write(NumpyArray(shape: [3], dtype: .int64, storage: .ints([0, 1, 2])), to: labels)
        expectFragments(loaderError(startsWith: labels) { try DatasetLoader.load(path: vectors, labels: labels) }, "3 labels for the 2 rows")
        let archive = try scratch.write("a.npz", bytes: loaderStoredZip([
            "embeddings": NumpyArray(Matrix<Float>(rows: [[1], [2]])),
            "labels": NumpyArray(shape: [1], dtype: .int64, storage: .ints([0])),
        ]))
        expectFragments(loaderError(startsWith: archive + "[labels.npy]") { try DatasetLoader.load(path: archive) }, "1 labels for the 2 rows")
        // A blank line inside a labels file would shift every label after it.
        expectFragments(try failure("v.tsv", "1\n2\n3\n", labels: ("l.txt", "a\n\nb\nc\n"), blame: "l.txt"), "line 2 is blank")
    }

    @Test func unusableLabels() throws {
        expectFragments(try failure("v.tsv", "1\n2\n", labels: ("l.txt", "0.5\n1\n"), blame: "l.txt"), "line 1", "0.5 is not a whole number")
        expectFragments(try failure("x.csv", "1,a,b\n2,c,d\n"), "2 columns hold text", "column 2, e.g. 'a' on line 1", "column 3", "only one can be the label")
        expectFragments(try failure("x.csv", "v,label,other\n1,a,b\n2,c,d\n"), "column 3 ('other') holds text", "'b' on line 2", "labels come from column 2 ('label')")
        expectFragments(try failure("x.csv", "v,label\n1,a\n", labels: ("l.txt", "a\n")), "holds labels", "one or the other")
        expectFragments(try failure("x.csv", "1,2\n", options: LoadOptions(labelColumn: "kind")), "no column 'kind'")
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let labels2D = scratch.file("l.npy")
        try NumpyFile.write(Matrix<Float>(rows: [[1, 2]]), to: labels2D)
        let vectors = try scratch.write("v.tsv", "1\t2\n")
        expectFragments(loaderError(startsWith: labels2D) { try DatasetLoader.load(path: vectors, labels: labels2D) }, "1-D")
    }

    @Test func vectorsWithoutLabels() throws {
        let message = try failure("v.tsv", "1\t2\n3\t4\n")
        expectFragments(message, "no labels", "BatchHardTripletLoss", "labels file", ".jsonl", "MSELoss")
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let npy = scratch.file("v.npy")
        try NumpyFile.write(Matrix<Float>(rows: [[1, 2]]), to: npy)
        expectFragments(loaderError(startsWith: npy) { try DatasetLoader.load(path: npy) }, "no labels", "labels file")
        let archive = try scratch.write("a.npz", bytes: loaderStoredZip([
            "p": NumpyArray(Matrix<Float>(rows: [[1, 2]])), "q": NumpyArray(Matrix<Float>(rows: [[1, 2]])),
        ]))
        expectFragments(loaderError(startsWith: archive) { try DatasetLoader.load(path: archive) }, "cannot tell which array", "'p', 'q'")
    }

    // MARK: - Quoting

    @Test func quotingErrors() throws {
        expectFragments(try failure("q.csv", "1,2,x\n3,\"4,y\n5,6,z\n"), "line 2, column 3", "never closed")
        expectFragments(try failure("q.csv", "1,\"2\"x,y\n"), "line 1, column 6", "after the closing quote")
        let many = "1,\"2" + String(repeating: "\n", count: DelimitedReader.maximumQuotedLines + 5) + "\",x\n"
        expectFragments(try failure("q.csv", many), "line 1", "unbalanced")
    }

    // MARK: - JSON Lines

    @Test func jsonSyntax() throws {
        expectFragments(
            try failure("s.jsonl", #"{"text": "a", "label": 1}"# + "\n" + #"{"text": "b" "label": 2}"#),
            "line 2, column 14", "expected ',' or '}'")
        expectFragments(try failure("s.jsonl", "{\n  \"text\": \"a\"\n}\n"), "line 1", "one complete object per line")
        expectFragments(try failure("s.jsonl", #"[{"text": "a"}]"#), "line 1 holds an array", "one object per line")
        expectFragments(try failure("s.jsonl", #"{"text": "a"} {"text": "b"}"#), "line 1, column 15", "after the JSON value")
        expectFragments(try failure("s.jsonl", #"{"text": "a\q"}"#), "line 1, column 12", "unknown escape")
        expectFragments(try failure("s.jsonl", #"{"text": "unterminated}"#), "line 1, column 10", "never closed")
        expectFragments(try failure("s.jsonl", String(repeating: "[", count: 10_000)), "nested deeper")
        expectFragments(try failure("s.jsonl", #"{"text": 01}"#), "line 1")
    }

    @Test func jsonRecordProblems() throws {
        let a = #"{"text": "a", "label": 1}"#
        expectFragments(try failure("r.jsonl", a + "\n" + #"{"anchor": "q", "positive": "p"}"#), "line 2 is an anchor", "line 1 is a text with a class label")
        expectFragments(try failure("r.jsonl", #"{"question": "q", "answer": "a"}"#), "line 1", "\"answer\", \"question\"", "matches no known record")
        expectFragments(try failure("r.jsonl", #"{"anchor": "q"}"#), "line 1 has no \"positive\"")
        expectFragments(try failure("r.jsonl", #"{"text": 5, "label": 1}"#), "line 1: \"text\" is a number, expected a string")
        expectFragments(try failure("r.jsonl", #"{"sentence1": "a", "sentence2": "b"}"#), "line 1", "no \"label\"")
        expectFragments(try failure("r.jsonl", #"{"text": "a", "label": null}"#), "\"label\" is null")
        expectFragments(try failure("r.jsonl", #"{"text": "a", "label": 1.5}"#), "line 1", "1.5 is not a whole number")
        expectFragments(try failure("r.jsonl", #"{"text": "...", "label": 1}"#), "line 1", "no words")
        expectFragments(
            try failure("r.jsonl", #"{"texts": ["a", "b", "c"]}"# + "\n" + #"{"texts": ["a", "b"]}"#),
            "line 2 has 2 texts, but line 1 has 3")
        expectFragments(try failure("r.jsonl", #"{"texts": ["a"]}"#), "at least 2")
        let pairs = [
            #"{"sentence1": "a", "sentence2": "b", "label": 0.5}"#,
            #"{"sentence1": "a", "sentence2": "c", "label": 3.5}"#,
        ]
        expectFragments(try failure("p.jsonl", pairs.joined(separator: "\n")), "line 2", "3.5", "rescaled")
        expectFragments(try failure("p.jsonl", #"{"sentence1": "a", "sentence2": "b", "label": -1}"#), "line 1", "-1")
    }

    @Test func jsonEmbeddingProblems() throws {
        let with = #"{"text": "a", "label": 1, "embedding": [1, 2]}"#
        let without = #"{"text": "b", "label": 0}"#
        expectFragments(try failure("e.jsonl", with + "\n" + without), "line 2 has no embedding but line 1 has")
        expectFragments(try failure("e.jsonl", without + "\n" + with), "line 2 has an embedding but line 1 has none")
        expectFragments(
            try failure("e.jsonl", with + "\n" + #"{"text": "c", "label": 0, "embedding": [1, 2, 3]}"#),
            "line 2", "3 values", "line 1's have 2")
        expectFragments(try failure("e.jsonl", #"{"text": "a", "label": 1, "embedding": [1, "x"]}"#), "element 1 of \"embedding\" is a string")
        expectFragments(try failure("e.jsonl", #"{"text": "a", "label": 1, "embedding": []}"#), "\"embedding\" is empty")
        expectFragments(
            try failure("e.jsonl", #"{"anchor": "a", "positive": "b", "embedding": [1]}"#), "one vector for 2 texts")
        expectFragments(
            try failure("e.jsonl", #"{"text": "a", "label": [1, 2]}"# + "\n" + #"{"text": "b", "label": [1]}"#),
            "line 2", "teacher embedding has 1 values")
        expectFragments(try failure("e.jsonl", #"{"text": "a", "label": 1}"#, labels: ("l.txt", "a\n"), blame: "l.txt"), "not used with JSON Lines")
    }

    /// Random corruptions of a good file must fail cleanly or load, never crash.
    @Test func mutatedFilesNeverCrash() throws {
        let scratch = try LoaderScratch()
        defer { scratch.remove() }
        let csv = Array("v1,v2,label,text\n1,2,\"a, b\",\"x \"\"y\"\"\"\n3,4,c,z\n".utf8)
        let jsonl = Array((#"{"sentence1": "a b", "sentence2": "c", "label": 0.5, "embeddings": [[1, 2], [3, 4]]}"# + "\n").utf8)
        var generator = LoaderSeededGenerator(state: 42)
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
