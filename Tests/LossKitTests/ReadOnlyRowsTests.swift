import LossKit
import Testing

/// Rows held by a Matrix and rows held by outside memory answer every question alike.
@Suite struct ReadOnlyRowsTests {
    /// Outside memory standing in for a mapped file: a copy of the values, freed at deinit.
    final class HeapMemory: ReadOnlyMemory, @unchecked Sendable {
        let baseAddress: UnsafeRawPointer
        let byteCount: Int

        init(_ values: [Float]) {
            let memory = UnsafeMutableRawPointer.allocate(byteCount: max(values.count, 1) * 4, alignment: 64)
            values.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            baseAddress = UnsafeRawPointer(memory)
            byteCount = values.count * 4
        }

        deinit {
            UnsafeMutableRawPointer(mutating: baseAddress).deallocate()
        }
    }

    static let matrix: Matrix<Float> = {
        var random = SeededRandom(seed: 11)
        return Matrix(rows: 40, cols: 7, values: (0..<280).map { _ in Float(random.normal()) })
    }()

    static func both() -> [ReadOnlyRows<Float>] {
        [ReadOnlyRows(matrix), ReadOnlyRows(memory: HeapMemory(matrix.values), byteOffset: 0, rows: 40, cols: 7)]
    }

    @Test func gatherEqualsTheMatrixGather() {
        let indices = [39, 0, 5, 5, 17, 39, 2]
        for rows in Self.both() {
            #expect(rows.gatherRows(indices) == Self.matrix.gatherRows(indices))
            #expect(rows.gatherRows([]) == Self.matrix.gatherRows([]))
        }
    }

    @Test func rowsValuesAndProductsEqualTheMatrix() {
        var random = SeededRandom(seed: 12)
        let b = Matrix<Float>(rows: 7, cols: 3, values: (0..<21).map { _ in Float(random.normal()) })
        for rows in Self.both() {
            #expect(rows.matrix == Self.matrix)
            #expect(rows.row(13) == Array(Self.matrix.row(13)))
            #expect(rows[21, 6] == Self.matrix[21, 6])
            #expect(rows.product(b) == Matrix.product(Self.matrix, b))
            #expect(rows.converted(to: Double.self).matrix == Self.matrix.converted(to: Double.self))
        }
    }

    @Test func outsideMemoryIsReleasedWithTheLastCopy() {
        weak var memory: HeapMemory?
        do {
            let heap = HeapMemory(Self.matrix.values)
            memory = heap
            let rows = ReadOnlyRows<Float>(memory: heap, byteOffset: 7 * 4, rows: 39, cols: 7)
            let copy = rows
            #expect(copy.row(0) == Array(Self.matrix.row(1)))
        }
        #expect(memory == nil)
    }

    @Test func theFiniteCheckFindsTheFirstBadValueAndIsRemembered() throws {
        var values = Self.matrix.values
        values[3 * 7 + 2] = .nan
        values[30 * 7] = .infinity
        let bad = ReadOnlyRows<Float>(memory: HeapMemory(values), byteOffset: 0, rows: 40, cols: 7)
        #expect(bad.firstNonFinite() == 23)
        guard case .failure(let where_) = bad.checkedFinite() else { Issue.record("a NaN passed"); return }
        #expect(where_.row == 3 && where_.col == 2)

        let good = ReadOnlyRows(Self.matrix)
        #expect(!good.valuesChecked)
        let checked = try good.checkedFinite().get()
        #expect(checked.valuesChecked)
        #expect(checked.converted(to: Double.self).valuesChecked)
        // Double to Float can overflow to infinity: the check does not carry over.
        let large = try ReadOnlyRows(Matrix<Double>(rows: [[1e300]])).checkedFinite().get()
        #expect(!large.converted(to: Float.self).valuesChecked)
        #expect(large.converted(to: Float.self).firstNonFinite() == 0)
    }

    @Test func anEncoderRefusesUncheckedNonFiniteInputAndTrustsCheckedInput() throws {
        let broken = ReadOnlyRows(Matrix<Float>(rows: [[1, 2], [3, .nan]]))
        #expect(throws: LossError("encoder input vector of item 1 holds a NaN or infinity")) {
            try Encoder(kind: .linear(output: 2), input: .vectors(broken), seed: 1)
        }
        let fine = try ReadOnlyRows(Self.matrix).checkedFinite().get()
        let encoder = try Encoder(kind: .linear(output: 2), input: .vectors(fine), seed: 1)
        #expect(encoder.itemCount == 40)
    }
}
