import Foundation
import LossKit
import Testing

@testable import LossData

/// DatasetWriter: output format, round trips through DatasetLoader, atomicity.
@Suite struct LoaderWriterTests {
    @Test func csvQuoting() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("metrics.csv")
        try DatasetWriter.writeCSV(
            header: ["epoch", "note", "loss"],
            rows: [["1", "plain", "0.5"], ["2", "a, b", "0.25"], ["3", "say \"hi\"\nthen go", "0.125"], ["4", " padded ", ""]],
            to: path)
        #expect(try scratch.read("metrics.csv") == #"""
            epoch,note,loss
            1,plain,0.5
            2,"a, b",0.25
            3,"say ""hi""
            then go",0.125
            4," padded ",

            """#)
        #expect(scratch.contents() == ["metrics.csv"])  // no temporary file left behind
    }

    @Test func csvRoundTripThroughTheLoader() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("data.csv")
        let labels = ["cat, big", "dog \"rex\"", "multi\nline", " spaced "]
        let rows = labels.enumerated().map { index, label in ["\(Float(index) / 4)", "\(-Float(index))", label] }
        try DatasetWriter.writeCSV(header: ["a", "b", "label"], rows: rows, to: path)
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.vectorRows() == [[0, 0], [0.25, -1], [0.5, -2], [0.75, -3]])
        #expect(dataset.labelNames == labels)
    }

    @Test func csvRowsMustMatchTheHeader() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = scratch.file("bad.csv")
        let message = loaderError(startsWith: path) {
            try DatasetWriter.writeCSV(header: ["a", "b"], rows: [["1", "2"], ["3"]], to: path)
        }
        expectMessage(message, contains: "row 1", "1 fields", "2")
        #expect(scratch.contents().isEmpty)
    }

    @Test func embeddingsRoundTrip() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = Matrix<Float>(rows: [[0.1, -2.5, 3e-8], [4, 5.75, -6]])
        let path = scratch.file("emb.npy")
        try DatasetWriter.writeEmbeddings(vectors, to: path)
        let array = try NumpyFile.read(path: path)
        #expect(array.dtype == .float32)
        #expect(try array.matrix(Float.self) == vectors)
        let labels = try scratch.write("labels.txt", "x\ny\n")
        #expect(try DatasetLoader.load(path: path, labels: labels).vectorRows() == [[0.1, -2.5, 3e-8], [4, 5.75, -6]])
    }

    @Test func projectorRoundTripWithOneColumn() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = Matrix<Float>(rows: [[0.1, 0.2], [1e-7, -3.4028235e38], [5, 6]])
        let metadata = [["cat"], ["dog\tand\ncat"], ["\"quoted\""]]
        let vectorsPath = scratch.file("vectors.tsv")
        let metadataPath = scratch.file("metadata.tsv")
        // A header on a single column is left out, as the projector expects.
        try DatasetWriter.writeProjector(vectors: vectors, metadata: metadata, header: ["label"], vectorsPath: vectorsPath, metadataPath: metadataPath)
        #expect(try scratch.read("metadata.tsv").hasPrefix("cat\ndog and cat\n"))
        let dataset = try DatasetLoader.load(path: vectorsPath, labels: metadataPath)
        #expect(dataset.vectorRows() == [[0.1, 0.2], [1e-7, -3.4028235e38], [5, 6]])
        #expect(dataset.labelNames == ["cat", "dog and cat", "\"quoted\""])
        #expect(scratch.contents() == ["metadata.tsv", "vectors.tsv"])
    }

    @Test func projectorRoundTripWithSeveralColumns() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = Matrix<Float>(rows: [[1, 2], [3, 4]])
        let vectorsPath = scratch.file("v.tsv")
        let metadataPath = scratch.file("m.tsv")
        try DatasetWriter.writeProjector(
            vectors: vectors, metadata: [["a", "first text"], ["b", "second text"]], header: ["label", "text"],
            vectorsPath: vectorsPath, metadataPath: metadataPath)
        #expect(try scratch.read("m.tsv") == "label\ttext\na\tfirst text\nb\tsecond text\n")
        #expect(try scratch.read("v.tsv") == "1.0\t2.0\n3.0\t4.0\n")
        let dataset = try DatasetLoader.load(path: vectorsPath, labels: metadataPath)
        #expect(dataset.labelNames == ["a", "b"])
        #expect(dataset.texts == ["first text", "second text"])
    }

    @Test func projectorRefusesBadInputBeforeWriting() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let v = scratch.file("v.tsv")
        let m = scratch.file("m.tsv")
        let good = Matrix<Float>(rows: [[1, 2], [3, 4]])
        expectMessage(loaderError(startsWith: m) {
            try DatasetWriter.writeProjector(vectors: good, metadata: [["a"]], header: nil, vectorsPath: v, metadataPath: m)
        }, contains: "1 metadata rows for 2 vectors")
        expectMessage(loaderError(startsWith: m) {
            try DatasetWriter.writeProjector(vectors: good, metadata: [["a", "b"], ["c", "d"]], header: nil, vectorsPath: v, metadataPath: m)
        }, contains: "needs a header")
        expectMessage(loaderError(startsWith: v) {
            try DatasetWriter.writeProjector(vectors: Matrix(rows: [[1, .nan]]), metadata: [["a"]], header: nil, vectorsPath: v, metadataPath: m)
        }, contains: "row 0, column 1", "not a finite number")
        #expect(scratch.contents().isEmpty)
    }

    @Test func failedWriteLeavesTheOldFile() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("keep.csv", "old\n")
        _ = loaderError(startsWith: path) {
            try DatasetWriter.writeCSV(header: ["a"], rows: [["1", "2"]], to: path)
        }
        #expect(try scratch.read("keep.csv") == "old\n")
        let missingDirectory = scratch.file("no/such/dir/out.csv")
        expectMessage(loaderError(startsWith: missingDirectory) {
            try DatasetWriter.writeCSV(header: ["a"], rows: [["1"]], to: missingDirectory)
        }, contains: "does not exist")
    }
}
