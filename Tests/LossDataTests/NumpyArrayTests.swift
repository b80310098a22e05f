import LossKit
import Testing

@testable import LossData

@Suite struct NumpyArrayTests {
    @Test func matrixNeedsTwoDimensions() {
        let vector = NumpyArray(shape: [5], dtype: .float32, storage: .floats32([1, 2, 3, 4, 5]), source: "v.npy")
        expectMessage(dataErrorMessage { try vector.matrix(Float.self) }, contains: "v.npy: ", "2-D", "1-D", "(5,)")
        let scalar = NumpyArray(shape: [], dtype: .float64, storage: .floats64([1]), source: "s.npy")
        expectMessage(dataErrorMessage { try scalar.matrix(Double.self) }, contains: "0-D")
        let cube = NumpyArray(shape: [1, 1, 1], dtype: .float64, storage: .floats64([1]))
        expectMessage(dataErrorMessage { try cube.matrix(Double.self) }, contains: "3-D", "(1, 1, 1)")
    }

    @Test func matrixChecksShapeAgainstValues() {
        let broken = NumpyArray(shape: [2, 2], dtype: .float32, storage: .floats32([1, 2, 3]))
        expectMessage(dataErrorMessage { try broken.matrix(Float.self) }, contains: "needs 4 values", "holds 3")
    }

    @Test func matrixConvertsElementTypes() throws {
        let ints = NumpyArray(shape: [2, 2], dtype: .int32, storage: .ints([1, -2, 3, 4]))
        #expect(try ints.matrix(Double.self).values == [1, -2, 3, 4])
        #expect(try ints.matrix(Float.self).values == [1, -2, 3, 4])
        let doubles = NumpyArray(shape: [1, 2], dtype: .float64, storage: .floats64([0.1, 2]))
        #expect(try doubles.matrix(Float.self).values == [Float(0.1), 2])
        let floats = NumpyArray(shape: [1, 2], dtype: .float32, storage: .floats32([0.1, 2]))
        #expect(try floats.matrix(Double.self).values == [Double(Float(0.1)), 2])
    }

    @Test func arrayFromMatrix() {
        let array = NumpyArray(Matrix<Double>(rows: 1, cols: 3, values: [1, 2, 3]))
        #expect(array.shape == [1, 3])
        #expect(array.dtype == .float64)
        #expect(array.storage == .floats64([1, 2, 3]))
        #expect(NumpyArray(Matrix<Float>(zeros: 2, 2)).dtype == .float32)
    }

    @Test func int64Conversion() throws {
        let whole = NumpyArray(shape: [3], dtype: .float64, storage: .floats64([1, -2, 3e15]))
        #expect(try whole.int64s() == [1, -2, 3_000_000_000_000_000])
        let fraction = NumpyArray(shape: [2, 2], dtype: .float32, storage: .floats32([1, 2, 3, 2.5]), source: "f.npy")
        expectMessage(dataErrorMessage { try fraction.int64s() }, contains: "f.npy: ", "element 3 (row 1, column 1)", "2.5")
        let nan = NumpyArray(shape: [1], dtype: .float64, storage: .floats64([.nan]))
        expectMessage(dataErrorMessage { try nan.int64s() }, contains: "nan")
        let huge = NumpyArray(shape: [1], dtype: .float64, storage: .floats64([1e19]))
        expectMessage(dataErrorMessage { try huge.int64s() }, contains: "Int64")
    }

    @Test func doublesFromEveryStorage() {
        #expect(NumpyArray(shape: [2], dtype: .int8, storage: .ints([1, -1])).doubles() == [1, -1])
        #expect(NumpyArray(shape: [1], dtype: .float32, storage: .floats32([0.5])).doubles() == [0.5])
        #expect(NumpyArray(shape: [1], dtype: .float64, storage: .floats64([0.1])).doubles() == [0.1])
    }

    @Test func nonFinitePositions() {
        let vector = NumpyArray(shape: [4], dtype: .float64, storage: .floats64([1, 2, -.infinity, .nan]))
        #expect(vector.hasNonFinite?.index == 2)
        #expect(vector.hasNonFinite?.row == 2)
        #expect(vector.firstNonFinite()?.row == 2)
        #expect(vector.firstNonFinite()?.col == 0)
        let cube = NumpyArray(shape: [2, 2, 3], dtype: .float32, storage: .floats32((0..<12).map { $0 == 8 ? .nan : Float($0) }))
        #expect(cube.hasNonFinite?.row == 1)
        #expect(cube.firstNonFinite()?.col == 2)
        #expect(NumpyArray(shape: [1], dtype: .int64, storage: .ints([1])).hasNonFinite == nil)
    }
}
