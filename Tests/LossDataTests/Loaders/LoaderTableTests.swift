import Foundation
import LossKit
import Testing

@testable import LossData

/// CSV / TSV tables, .npy / .npz vectors and labels files, and the Embedding Projector pair.
@Suite struct LoaderTableTests {
    @Test func csvWithHeaderAndStringLabels() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("points.csv", "x,y,species\n1,2,cat\n3,4,dog\n5,6.5,cat\n")
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.shape == .labelledItems)
        #expect(dataset.name == "points.csv")
        #expect(dataset.vectorRows() == [[1, 2], [3, 4], [5, 6.5]])
        #expect(dataset.labels == [0, 1, 0])
        #expect(dataset.labelNames == ["cat", "dog"])
        #expect(dataset.itemClasses == [0, 1, 0])
        #expect(dataset.examples == [[0], [1], [2]])
        #expect(dataset.texts == nil)
    }

    @Test func csvWithoutHeaderTakesTheOnlyTextColumnAsLabel() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("p.csv", "dog,1,2\ncat,3,4\r\ndog,5,6")
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.vectorRows() == [[1, 2], [3, 4], [5, 6]])
        #expect(dataset.labels == [0, 1, 0])
        #expect(dataset.labelNames == ["dog", "cat"])
    }

    @Test func numericLabelColumnNamedInHeader() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        // Numeric labels become dense ids in increasing order, named by their values.
        let path = try scratch.write("p.csv", "a,b,class\n0.5,1,7\n1.5,2,3\n2.5,3,7\n")
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.vectorRows() == [[0.5, 1], [1.5, 2], [2.5, 3]])
        #expect(dataset.labels == [1, 0, 1])
        #expect(dataset.labelNames == ["3", "7"])
    }

    @Test func labelColumnOptionByNameAndIndex() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let named = try scratch.write("named.csv", "f1,f2,group\n0.5,1,1\n1.5,2,0\n")
        let byName = try DatasetLoader.load(path: named, options: LoadOptions(labelColumn: "group"))
        #expect(byName.vectorRows() == [[0.5, 1], [1.5, 2]])
        #expect(byName.labels == [1, 0])
        let bare = try scratch.write("bare.csv", "0.5,1,1\n1.5,2,0\n")
        let byIndex = try DatasetLoader.load(path: bare, options: LoadOptions(labelColumn: "2"))
        #expect(byIndex.vectorRows() == [[0.5, 1], [1.5, 2]])
        #expect(byIndex.labelNames == ["0", "1"])
    }

    @Test func headerDetection() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        // A name above a column of numbers.
        let named = try DatasetLoader.load(path: try scratch.write("a.csv", "d0,d1,label\n1,2,a\n3,4,b\n"))
        #expect(named.vectorRows() == [[1, 2], [3, 4]])
        // No header: every row is data.
        let bare = try DatasetLoader.load(path: try scratch.write("b.csv", "1,2,a\n3,4,b\n"))
        #expect(bare.vectorRows() == [[1, 2], [3, 4]])
        #expect(bare.labelNames == ["a", "b"])
        // pandas's default header 0,1,...,label.
        let pandas = try DatasetLoader.load(path: try scratch.write("c.csv", "0,1,label\n0.25,0.5,a\n0.75,1.5,b\n"))
        #expect(pandas.vectorRows() == [[0.25, 0.5], [0.75, 1.5]])
        #expect(pandas.labelNames == ["a", "b"])
        // pandas's index column (an unnamed first column) is dropped.
        let indexed = try DatasetLoader.load(path: try scratch.write("d.csv", ",0,1,label\n0,0.25,0.5,a\n1,0.75,1.5,b\n"))
        #expect(indexed.vectorRows() == [[0.25, 0.5], [0.75, 1.5]])
        // A header of names only, over text columns.
        let texts = try DatasetLoader.load(path: try scratch.write("e.csv", "text,label\nthe cat sat,pets\na dog ran,pets\n"))
        #expect(texts.texts == ["the cat sat", "a dog ran"])
        #expect(texts.labelNames == ["pets"])
        // "y" is the label only when no text column could be.
        let coordinates = try DatasetLoader.load(path: try scratch.write("f.csv", "x,y,species\n1,2,cat\n3,4,dog\n"))
        #expect(coordinates.vectorRows() == [[1, 2], [3, 4]])
        #expect(coordinates.labelNames == ["cat", "dog"])
        let target = try DatasetLoader.load(path: try scratch.write("g.csv", "x0,x1,y\n1,2,0\n3,4,1\n"))
        #expect(target.vectorRows() == [[1, 2], [3, 4]])
        #expect(target.labels == [0, 1])
    }

    @Test func quotedFields() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let csv = #"""
            v1,v2,label,text
            1,2,"cat, small","she said ""hi"""
            "3", 4 ,dog,"two
            lines"
            5,6,"cat, small",plain

            """#
        let dataset = try DatasetLoader.load(path: try scratch.write("q.csv", csv))
        #expect(dataset.vectorRows() == [[1, 2], [3, 4], [5, 6]])
        #expect(dataset.labelNames == ["cat, small", "dog"])
        #expect(dataset.labels == [0, 1, 0])
        #expect(dataset.texts == ["she said \"hi\"", "two\nlines", "plain"])
    }

    @Test func tsvWithTextColumn() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("t.tsv", "sentence\tlabel\te0\te1\nHello there\tgreet\t0.1\t0.2\nBye, now\tleave\t0.3\t0.4\n")
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.vectorRows() == [[0.1, 0.2], [0.3, 0.4]])
        #expect(dataset.texts == ["Hello there", "Bye, now"])
        #expect(dataset.labelNames == ["greet", "leave"])
    }

    @Test func textOnlyTablesGiveTokenItems() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("t.csv", "text,label\nthe cat,animal\nthe car,vehicle\nthe cat,animal\n")
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.shape == .labelledItems)
        #expect(dataset.itemCount == 2)  // identical texts share one item
        #expect(dataset.examples == [[0], [1], [0]])
        #expect(dataset.labels == [0, 1, 0])
        #expect(dataset.itemClasses == [0, 1])
        let tokens = try #require(dataset.tokenItems)
        #expect(tokens.vocabulary[0] == Vocabulary.padding)
        #expect(tokens.ids.map { $0.map { tokens.vocabulary[$0] } } == [["the", "cat"], ["the", "car"]])

        let sentences = try DatasetLoader.load(path: try scratch.write("s.csv", "text\nfirst one\nsecond one\n"))
        #expect(sentences.shape == .sentences)
        #expect(sentences.itemCount == 2)
    }

    @Test func npyWithLabelFiles() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = Matrix<Float>(rows: [[1, 2], [3, 4], [5, 6]])
        let path = scratch.file("v.npy")
        try NumpyFile.write(vectors, to: path)

        let intLabels = scratch.file("labels.npy")
        try NumpyFile.write(NumpyArray(shape: [3], dtype: .int64, storage: .ints([2, 0, 2])), to: intLabels)
        let fromNpy = try DatasetLoader.load(path: path, labels: intLabels)
        #expect(fromNpy.shape == .labelledItems)
        #expect(fromNpy.vectorRows() == [[1, 2], [3, 4], [5, 6]])
        #expect(fromNpy.labels == [1, 0, 1])
        #expect(fromNpy.labelNames == ["0", "2"])

        let floatLabels = scratch.file("flabels.npy")
        try NumpyFile.write(NumpyArray(shape: [3, 1], dtype: .float32, storage: .floats32([1, 0, 1])), to: floatLabels)
        #expect(try DatasetLoader.load(path: path, labels: floatLabels).labels == [1, 0, 1])

        let text = try scratch.write("labels.txt", "label\nbird\nfish\nbird\n")
        let fromText = try DatasetLoader.load(path: path, labels: text)
        #expect(fromText.labelNames == ["bird", "fish"])
        #expect(fromText.labels == [0, 1, 0])

        let csv = try scratch.write("labels.csv", "\"a, b\"\nc\n\"a, b\"\n\n\n")
        #expect(try DatasetLoader.load(path: path, labels: csv).labelNames == ["a, b", "c"])
    }

    @Test func npzWithLabelsAndTeacher() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = NumpyArray(shape: [2, 3], dtype: .float64, storage: .floats64([1, 2, 3, 4, 5, 6]))
        let labels = NumpyArray(shape: [2], dtype: .int64, storage: .ints([0, 1]))
        let teacher = NumpyArray(shape: [2, 2], dtype: .float32, storage: .floats32([9, 8, 7, 6]))
        let labelled = try scratch.write("l.npz", bytes: loaderStoredZip(["embeddings": vectors, "labels": labels]))
        let dataset = try DatasetLoader.load(path: labelled)
        #expect(dataset.shape == .labelledItems)
        #expect(dataset.vectorRows() == [[1, 2, 3], [4, 5, 6]])
        #expect(dataset.labels == [0, 1])

        // Any other single 2-D array will do for the vectors.
        let odd = try scratch.write("o.npz", bytes: loaderStoredZip(["arr_0": vectors, "labels": labels]))
        #expect(try DatasetLoader.load(path: odd).itemCount == 2)

        let distilled = try scratch.write("t.npz", bytes: loaderStoredZip(["embeddings": vectors, "teacher": teacher]))
        let teacherData = try DatasetLoader.load(path: distilled)
        #expect(teacherData.shape == .teacherItems)
        #expect(teacherData.teacher == Matrix<Float>(rows: [[9, 8], [7, 6]]))
        #expect(teacherData.examples == [[0], [1]])
        #expect(teacherData.labels.isEmpty)
    }

    @Test func projectorPairWithOneMetadataColumn() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = try scratch.write("vectors.tsv", "0.1\t0.2\t0.3\n0.4\t0.5\t0.6\n0.7\t0.8\t0.9\n")
        let metadata = try scratch.write("metadata.tsv", "apple\nbanana\napple\n")
        let dataset = try DatasetLoader.load(path: vectors, labels: metadata)
        #expect(dataset.shape == .labelledItems)
        #expect(dataset.vectorRows() == [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6], [0.7, 0.8, 0.9]])
        #expect(dataset.labelNames == ["apple", "banana"])
        #expect(dataset.labels == [0, 1, 0])
        #expect(dataset.texts == nil)
    }

    @Test func projectorPairWithSeveralMetadataColumns() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = try scratch.write("vectors.tsv", "1\t0\n0\t1\n")
        let metadata = try scratch.write("metadata.tsv", "topic\tname\tyear\nsport\tthe match\t2001\nnews\tthe vote\t2002\n")
        let dataset = try DatasetLoader.load(path: vectors, labels: metadata)
        #expect(dataset.labelNames == ["sport", "news"])
        #expect(dataset.texts == ["the match", "the vote"])

        let byYear = try DatasetLoader.load(path: vectors, labels: metadata, options: LoadOptions(labelColumn: "year"))
        #expect(byYear.labelNames == ["2001", "2002"])
        #expect(byYear.texts == ["the match", "the vote"])

        let named = try scratch.write("m2.tsv", "text\tlabel\nfirst\tb\nsecond\ta\n")
        let labelNamed = try DatasetLoader.load(path: vectors, labels: named)
        #expect(labelNamed.labelNames == ["b", "a"])
        #expect(labelNamed.texts == ["first", "second"])
    }

    @Test func formatOptionOverridesTheExtension() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("data.dat", "1,2,a\n3,4,b\n")
        let dataset = try DatasetLoader.load(path: path, options: LoadOptions(format: .csv, name: "mine"))
        #expect(dataset.name == "mine")
        #expect(dataset.itemCount == 2)
    }

    @Test func chunkBoundariesDoNotSplitLines() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let lines = (0..<50).map { "line \($0) " + String(repeating: "é", count: $0 % 7) }
        let path = try scratch.write("lines.txt", "\u{FEFF}" + lines.joined(separator: "\r\n") + "\r\n")
        for chunkSize in [16, 17, 31, 64] {
            let reader = try TextLineReader(path: path, kind: "text", chunkSize: chunkSize)
            var read: [String] = []
            var offsets: [Int] = []
            while let line = try reader.next() {
                read.append(String(decoding: line.bytes, as: UTF8.self))
                offsets.append(line.offset)
            }
            #expect(read == lines, "chunk size \(chunkSize)")
            #expect(offsets.first == 3)
        }
    }

    @Test func largeFileStreamsInLinearTime() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let rows = 40_000
        let width = 16
        var text = (0..<width).map { "f\($0)" }.joined(separator: ",") + ",label\n"
        text.reserveCapacity(rows * width * 8)
        for row in 0..<rows {
            for col in 0..<width { text += "\(Float(row % 97) / 8 + Float(col))," }
            text += "c\(row % 5)\n"
        }
        let path = try scratch.write("big.csv", text)
        let clock = ContinuousClock()
        let start = clock.now
        let dataset = try DatasetLoader.load(path: path)
        let elapsed = clock.now - start
        #expect(dataset.itemCount == rows)
        #expect(dataset.dimension == width)
        #expect(dataset.labelNames.count == 5)
        #expect(dataset.vectorRows()[rows - 1][3] == Float((rows - 1) % 97) / 8 + 3)
        #expect(elapsed < .seconds(30), "took \(elapsed)")
    }

    @Test func veryLongLine() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let width = 300_000
        let row = (0..<width).map { String($0 % 10) }.joined(separator: "\t")
        let path = try scratch.write("wide.tsv", row + "\n" + row + "\n")
        let labels = try scratch.write("labels.txt", "a\nb\n")
        let dataset = try DatasetLoader.load(path: path, labels: labels)
        #expect(dataset.dimension == width)
        #expect(dataset.itemCount == 2)
    }
}

/// A ZIP archive of stored (uncompressed) `.npy` entries, as `np.savez` writes it.
func loaderStoredZip(_ arrays: [String: NumpyArray]) throws -> [UInt8] {
    var archive: [UInt8] = []
    var central: [UInt8] = []
    func u16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    func u32(_ value: Int) -> [UInt8] { u16(value & 0xFFFF) + u16(value >> 16 & 0xFFFF) }
    for key in arrays.keys.sorted() {
        let data = try NumpyFile.encode(arrays[key]!)
        let name = Array((key + ".npy").utf8)
        let crc = Int(Zlib.crc32(data))
        let offset = archive.count
        archive += u32(0x0403_4B50) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(crc)
            + u32(data.count) + u32(data.count) + u16(name.count) + u16(0) + name + data
        central += u32(0x0201_4B50) + u16(20) + u16(20) + u16(0) + u16(0) + u16(0) + u16(0) + u32(crc)
            + u32(data.count) + u32(data.count) + u16(name.count) + u16(0) + u16(0) + u16(0) + u16(0)
            + u32(0) + u32(offset) + name
    }
    let centralOffset = archive.count
    archive += central
    archive += u32(0x0605_4B50) + u16(0) + u16(0) + u16(arrays.count) + u16(arrays.count)
        + u32(central.count) + u32(centralOffset) + u16(0)
    return archive
}
