import Foundation
import LossKit
import Testing

@testable import LossData

/// Class labels past 2^53 are told apart exactly, or refused with the file and the value;
/// never merged because a Double cannot hold them (issue 11).
@Suite struct LabelExactnessTests {
    static let big = Int64(1) << 53

    func int64Npy(_ values: [Int64]) -> [UInt8] {
        let data = values.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) } }
        return npyImage(header: "{'descr': '<i8', 'fortran_order': False, 'shape': (\(values.count),), }", data: data)
    }

    func float64Npy(_ values: [Double]) -> [UInt8] {
        let data = values.flatMap { value in (0..<8).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * $0)) } }
        return npyImage(header: "{'descr': '<f8', 'fortran_order': False, 'shape': (\(values.count),), }", data: data)
    }

    func vectorsNpy(rows: Int) -> [UInt8] {
        npyImage(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (\(rows), 2), }",
                 data: float32Bytes((0..<(2 * rows)).map { Float($0) }))
    }

    /// The distinct class names in order of the class ids.
    func classNames(_ dataset: Dataset) -> [String] { dataset.labelNames }

    @Test func int64LabelsPastTwoToThe53AreDistinctClasses() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = try scratch.write("x.npy", bytes: vectorsNpy(rows: 4))
        let labels = try scratch.write("y.npy", bytes: int64Npy([Self.big, Self.big + 1, Self.big, 7]))
        let dataset = try DatasetLoader.load(path: vectors, labels: labels)
        #expect(dataset.labelNames == ["7", "9007199254740992", "9007199254740993"])
        #expect(dataset.labels == [1, 2, 1, 0])
    }

    @Test func textLabelFilesCsvAndJsonlMapDigitsExactly() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = try scratch.write("x.npy", bytes: vectorsNpy(rows: 3))
        let text = try scratch.write("y.txt", "9007199254740993\n9007199254740992\n9007199254740993\n")
        #expect(try DatasetLoader.load(path: vectors, labels: text).labels == [1, 0, 1])

        let csv = try scratch.write("t.csv", "a,b,label\n1,2,9007199254740993\n3,4,9007199254740992\n5,6,9007199254740993\n")
        let table = try DatasetLoader.load(path: csv)
        #expect(table.labelNames == ["9007199254740992", "9007199254740993"])
        #expect(table.labels == [1, 0, 1])

        let jsonl = try scratch.write("t.jsonl", """
            {"text": "one", "label": 18014398509481985}
            {"text": "two", "label": 18014398509481984}
            {"text": "three", "label": 18014398509481985}

            """)
        #expect(try DatasetLoader.load(path: jsonl).labels == [1, 0, 1])
    }

    @Test func wholeNumbersWrittenAsFloatsPastTwoToThe53AreRefused() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = try scratch.write("x.npy", bytes: vectorsNpy(rows: 2))
        let text = try scratch.write("y.txt", "9007199254740993.0\n1\n")
        expectMessage(loaderError(startsWith: text) { try DatasetLoader.load(path: vectors, labels: text) },
                      contains: "line 1", "9007199254740993.0", "beyond 2^53")
        let floats = try scratch.write("f.npy", bytes: float64Npy([1e17, 1]))
        expectMessage(loaderError(startsWith: floats) { try DatasetLoader.load(path: vectors, labels: floats) },
                      contains: "element 0", "beyond 2^53")
        let jsonl = try scratch.write("t.jsonl", "{\"text\": \"a\", \"label\": 1e17}\n{\"text\": \"b\", \"label\": 2}\n")
        expectMessage(loaderError(startsWith: jsonl) { try DatasetLoader.load(path: jsonl) }, contains: "line 1", "1e17", "beyond 2^53")
    }

    @Test func integersPast64BitsAreRefused() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let csv = try scratch.write("t.csv", "a,label\n1,99999999999999999999\n2,99999999999999999998\n")
        expectMessage(loaderError(startsWith: csv) { try DatasetLoader.load(path: csv) },
                      contains: "line 2", "99999999999999999999", "64-bit integer")
    }

    @Test func uint64LabelArraysAreRefusedNamingTheFile() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let vectors = try scratch.write("x.npy", bytes: vectorsNpy(rows: 2))
        let labels = try scratch.write("u.npy", bytes: npyImage(header: "{'descr': '<u8', 'fortran_order': False, 'shape': (2,), }",
                                                               data: [UInt8](repeating: 0xFF, count: 16)))
        expectMessage(loaderError(startsWith: labels) { try DatasetLoader.load(path: vectors, labels: labels) }, contains: "uint64")
    }

    @Test func hexadecimalLabelsAreNamesNotNumbers() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let csv = try scratch.write("t.csv", "a,label\n1,0x10\n2,16\n3,0x10\n")
        let table = try DatasetLoader.load(path: csv)
        #expect(table.labelNames == ["0x10", "16"])
        #expect(table.labels == [0, 1, 0])
    }

    @Test func exactDoublesRefusesIntegersADoubleCannotHold() throws {
        let fits = NumpyArray(shape: [2], dtype: .int64, storage: .ints([Self.big, -Self.big]), source: "l.npy")
        #expect(try fits.exactDoubles() == [0x1p53, -0x1p53])
        let past = NumpyArray(shape: [3], dtype: .int64, storage: .ints([1, Self.big + 1, 2]), source: "l.npy")
        expectMessage(dataErrorMessage { try past.exactDoubles() }, contains: "l.npy", "element 1", "9007199254740993", "beyond 2^53")
    }
}
