import Testing
#if canImport(Glibc)
import Glibc
#endif

@testable import LossData
import LossKit

/// float32 `.npy` item vectors are read in place from the file mapped read-only; every other
/// layout takes the copying reader, and both give the same values.
@Suite struct MappedNumpyTests {
    static func randomMatrix(rows: Int, cols: Int, seed: UInt64) -> Matrix<Float> {
        var random = SeededRandom(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in Float(random.normal()) })
    }

    @Test func mappedValuesEqualTheCopiedOnes() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let matrix = Self.randomMatrix(rows: 1000, cols: 37, seed: 5)
        let path = directory.file("x.npy")
        try NumpyFile.write(matrix, to: path)
        let mapped = try #require(try NumpyFile.mappedFloatRows(path: path))
        #expect(mapped.isMapped)
        #expect(mapped.rows == 1000 && mapped.cols == 37)
        #expect(mapped.matrix == (try NumpyFile.read(path: path).matrix(Float.self)))
        #expect(!mapped.valuesChecked)
    }

    @Test func otherLayoutsAreNotMapped() throws {
        // Big-endian, Fortran order, float64, integers, 1-D, empty: the copying reader's cases.
        for name in ["be_f4.npy", "fortran_2d.npy", "f64_2d.npy", "i32_2d.npy", "f32_1d.npy", "empty_0x5.npy"] {
            #expect(try NumpyFile.mappedFloatRows(path: Fixture.path(name)) == nil, "\(name)")
        }
        #expect(try NumpyFile.mappedFloatRows(path: Fixture.path("f32_2d.npy")) != nil)
    }

    @Test func unalignedDataIsCopiedNotMapped() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let values: [Float] = [1, 2, 3, 4, 5, 6]
        // An unpadded header puts the first value at an odd offset.
        let image = npyImage(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", data: float32Bytes(values), pad: false)
        let path = try directory.write("odd.npy", bytes: image)
        #expect((image.count - 24) % 4 != 0)
        #expect(try NumpyFile.mappedFloatRows(path: path) == nil)
        let labels = try directory.write("y.txt", "a\nb\n")
        let dataset = try DatasetLoader.load(path: path, labels: labels)
        guard case .vectors(let rows) = dataset.items else { Issue.record("expected vectors"); return }
        #expect(!rows.isMapped)
        #expect(rows.matrix.values == values)
    }

    @Test func fortranOrderLoadsThroughTheCopyingReader() throws {
        let labels = try TemporaryDirectory()
        defer { labels.cleanUp() }
        let dataset = try DatasetLoader.load(path: Fixture.path("fortran_2d.npy"), labels: try labels.write("y.txt", "a\nb\n"))
        guard case .vectors(let rows) = dataset.items else { Issue.record("expected vectors"); return }
        #expect(!rows.isMapped)
        #expect(rows.matrix == (try NumpyFile.read(path: Fixture.path("fortran_2d.npy")).matrix(Float.self)))
    }

    @Test func aLoadedDatasetReadsItsFileInPlaceCheckedOnce() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let matrix = Self.randomMatrix(rows: 300, cols: 8, seed: 2)
        let path = directory.file("x.npy")
        try NumpyFile.write(matrix, to: path)
        let labels = try directory.write("y.txt", (0..<300).map { "c\($0 % 3)" }.joined(separator: "\n"))
        let dataset = try DatasetLoader.load(path: path, labels: labels)
        guard case .vectors(let rows) = dataset.items else { Issue.record("expected vectors"); return }
        #expect(rows.isMapped)
        #expect(rows.valuesChecked)
        #expect(rows.matrix == matrix)
    }

    @Test func theMappingOutlivesTheLoaderAndTheFilesName() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let matrix = Self.randomMatrix(rows: 64, cols: 5, seed: 9)
        let path = directory.file("x.npy")
        try NumpyFile.write(matrix, to: path)
        let labels = try directory.write("y.txt", (0..<64).map { "\($0 % 2)" }.joined(separator: "\n"))
        var dataset: Dataset? = try DatasetLoader.load(path: path, labels: labels)
        let items = dataset!.items
        dataset = nil
        // Removing the name leaves the mapped pages; a copy of the rows keeps the mapping.
        directory.cleanUp()
        guard case .vectors(let rows) = items else { Issue.record("expected vectors"); return }
        #expect(rows.isMapped)
        #expect(rows.matrix == matrix)
        #expect(rows.gatherRows([63, 0, 63]) == matrix.gatherRows([63, 0, 63]))
    }

    @Test func theMappingIsUnmappedWithItsLastHolder() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("x.npy")
        try NumpyFile.write(Self.randomMatrix(rows: 4, cols: 4, seed: 1), to: path)
        weak var weakMapping: MappedFile?
        do {
            let mapping = try MappedFile(InputFile(path: path))
            weakMapping = mapping
            var rows: ReadOnlyRows<Float>? = ReadOnlyRows(memory: mapping, byteOffset: mapping.byteCount - 64, rows: 4, cols: 4)
            let copy = rows
            rows = nil
            #expect(weakMapping != nil)
            #expect(copy?.row(3).count == 4)
        }
        #expect(weakMapping == nil)
    }

    @Test func aNonFiniteValueInAMappedFileIsNamedLikeACopiedOne() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        var matrix = Self.randomMatrix(rows: 50, cols: 6, seed: 3)
        matrix[41, 4] = .infinity
        let path = directory.file("x.npy")
        try NumpyFile.write(matrix, to: path)
        let labels = try directory.write("y.txt", (0..<50).map { "\($0 % 2)" }.joined(separator: "\n"))
        let message = dataErrorMessage { try DatasetLoader.load(path: path, labels: labels) }
        #expect(message == "\(path): row 41, column 4 is inf, not a finite number (the first non-finite value)")
    }

    @Test func anEncoderOverMappedRowsEmbedsAsOverTheMatrix() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let matrix = Self.randomMatrix(rows: 200, cols: 12, seed: 7)
        let path = directory.file("x.npy")
        try NumpyFile.write(matrix, to: path)
        let mapped = try #require(try NumpyFile.mappedFloatRows(path: path))
        for kind in [EncoderKind.linear(output: 4), .mlp(hidden: 6, output: 3), .table] {
            let onFile = try Encoder(kind: kind, input: .vectors(mapped), normalize: true, seed: 4)
            let inMemory = try Encoder(kind: kind, input: .vectors(ReadOnlyRows(matrix)), normalize: true, seed: 4)
            let items = [199, 3, 3, 0, 150]
            #expect(onFile.forward(items: items).embeddings == inMemory.forward(items: items).embeddings, "\(kind)")
            #expect(onFile.embedAll() == inMemory.embedAll(), "\(kind)")
        }
    }
}

/// A mapped file that another program cuts short reads as zeros from the cut, never SIGBUS.
@Suite struct TruncatedMappingTests {
    @Test func aFileTruncatedWhileMappedReadsZerosInsteadOfCrashing() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("x.npy")
        let matrix = MappedNumpyTests.randomMatrix(rows: 256, cols: 64, seed: 8)
        try NumpyFile.write(matrix, to: path)
        let mapping = try MappedFile(InputFile(path: path))
        let rows = ReadOnlyRows<Float>(memory: mapping, byteOffset: mapping.byteCount - matrix.count * 4, rows: 256, cols: 64)
        #expect(rows.row(255) == Array(matrix.row(255)))
        #expect(!mapping.wasCutShort)
        // np.save over the same path truncates the file first.
        #expect(truncate(path, 8 * TruncationGuard.pageSize) == 0)
        let pageFloats = TruncationGuard.pageSize / 4
        let after = rows.matrix.values
        let kept = 8 * pageFloats - (mapping.byteCount - matrix.count * 4) / 4
        #expect(Array(after[..<kept]) == Array(matrix.values[..<kept]))
        #expect(after[kept...].allSatisfy { $0 == 0 })
        #expect(mapping.wasCutShort)
        #expect(rows.gatherRows([255]).values.allSatisfy { $0 == 0 })
    }
}
