import Foundation
import LossKit
import Testing

@testable import LossData

@Suite struct NumpyRoundTripTests {
    @Test func floatMatrixRoundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let matrix = Matrix<Float>(rows: 3, cols: 4, values: (0..<12).map { Float($0) * 0.25 - 1 })
        let path = directory.file("m.npy")
        try NumpyFile.write(matrix, to: path)
        let array = try NumpyFile.read(path: path)
        #expect(array.dtype == .float32)
        #expect(array.shape == [3, 4])
        #expect(try array.matrix(Float.self) == matrix)
        #expect(directory.contents() == ["m.npy"])  // no temporary file left behind
    }

    @Test func doubleMatrixRoundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let matrix = Matrix<Double>(rows: 2, cols: 3, values: [0.1, -2e300, .pi, 4, Double.leastNonzeroMagnitude * 3, -0.0])
        let path = directory.file("d.npy")
        try NumpyFile.write(matrix, to: path)
        let array = try NumpyFile.read(path: path)
        #expect(array.dtype == .float64)
        #expect(try array.matrix(Double.self) == matrix)
        #expect(try array.matrix(Float.self) == matrix.converted(to: Float.self))
    }

    @Test func overwritesExistingFileAtomically() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("x.npy")
        try NumpyFile.write(Matrix<Float>(rows: 1, cols: 1, values: [1]), to: path)
        try NumpyFile.write(Matrix<Float>(rows: 1, cols: 2, values: [2, 3]), to: path)
        #expect(try NumpyFile.read(path: path).storage == .floats32([2, 3]))
        #expect(directory.contents() == ["x.npy"])
    }

    @Test func headerLayoutMatchesNumpy() throws {
        let bytes = try NumpyFile.encode(NumpyArray(Matrix<Float>(zeros: 3, 4)))
        #expect(Array(bytes.prefix(8)) == [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, 1, 0])
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        #expect((10 + headerLength) % 64 == 0)
        #expect(bytes[10 + headerLength - 1] == 0x0A)
        let text = String(decoding: bytes[10..<(10 + headerLength)], as: UTF8.self)
        #expect(text.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }"))
        #expect(text.dropFirst(60).dropLast().allSatisfy { $0 == " " })
        #expect(bytes.count == 10 + headerLength + 48)
    }

    @Test func everyDTypeRoundTripsInMemory() throws {
        let cases: [(NumpyDType, NumpyArray.Storage)] = [
            (.float16, .floats32([0, 1, -2.5, 65504, 0x1p-24, -.infinity])),
            (.float32, .floats32([1.5, -0.0, .infinity, 3e38])),
            (.float64, .floats64([Double.leastNormalMagnitude / 7, -1, 2, .pi])),
            (.int8, .ints([-128, 0, 127, 5])),
            (.int16, .ints([-32768, 0, 32767, 5])),
            (.int32, .ints([-2_147_483_648, 0, 2_147_483_647, 5])),
            (.int64, .ints([Int64.min, 0, Int64.max, 5])),
            (.uint8, .ints([0, 1, 200, 255])),
            (.uint16, .ints([0, 1, 60000, 65535])),
            (.uint32, .ints([0, 1, 3_000_000_000, 4_294_967_295])),
            (.bool, .ints([0, 1, 1, 0])),
        ]
        for (dtype, storage) in cases {
            let shape = storage.count == 4 ? [2, 2] : [storage.count]
            let array = NumpyArray(shape: shape, dtype: dtype, storage: storage)
            let back = try NumpyFile.read(data: try NumpyFile.encode(array), name: dtype.rawValue)
            #expect(back.dtype == dtype)
            #expect(back.shape == shape)
            #expect(back.storage == storage, "\(dtype)")
        }
    }

    @Test func zeroDimensionalAndEmptyRoundTrip() throws {
        for (shape, storage) in [([], NumpyArray.Storage.floats64([7])), ([0, 5], .floats32([])), ([3, 0, 2], .ints([]))] {
            let array = NumpyArray(shape: shape, dtype: storage == .ints([]) ? .int32 : .float64, storage: storage)
            let back = try NumpyFile.read(data: try NumpyFile.encode(array), name: "t")
            #expect(back.shape == shape)
            #expect(back.count == storage.count)
        }
    }

    @Test func storageIsConvertedToTheRequestedDType() throws {
        let array = NumpyArray(shape: [3], dtype: .int16, storage: .floats64([1, -2, 300]))
        let back = try NumpyFile.read(data: try NumpyFile.encode(array), name: "t")
        #expect(back.storage == .ints([1, -2, 300]))

        let narrowed = NumpyArray(shape: [2], dtype: .float32, storage: .floats64([0.1, 2]))
        let back2 = try NumpyFile.read(data: try NumpyFile.encode(narrowed), name: "t")
        #expect(back2.storage == .floats32([0.1, 2]))
    }

    @Test func writeRejectsValuesTheDTypeCannotHold() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let path = directory.file("bad.npy")
        let tooBig = NumpyArray(shape: [2], dtype: .int8, storage: .ints([1, 300]))
        expectMessage(dataErrorMessage { try NumpyFile.write(tooBig, to: path) }, contains: path, "300", "int8")
        let fraction = NumpyArray(shape: [1], dtype: .int32, storage: .floats32([2.5]))
        expectMessage(dataErrorMessage { try NumpyFile.write(fraction, to: path) }, contains: "2.5", "whole number")
        let notBool = NumpyArray(shape: [1], dtype: .bool, storage: .ints([2]))
        expectMessage(dataErrorMessage { try NumpyFile.write(notBool, to: path) }, contains: "only 0 and 1")
        let wrongCount = NumpyArray(shape: [2, 3], dtype: .float32, storage: .floats32([1, 2]))
        expectMessage(dataErrorMessage { try NumpyFile.write(wrongCount, to: path) }, contains: "(2, 3)", "6 values", "holds 2")
        let negative = NumpyArray(shape: [-1], dtype: .float32, storage: .floats32([]))
        expectMessage(dataErrorMessage { try NumpyFile.write(negative, to: path) }, contains: "negative")
        #expect(directory.contents().isEmpty)  // failed writes leave nothing behind
    }

    @Test func writeIntoMissingDirectoryFails() {
        let path = "/nonexistent-lossdata-dir/x.npy"
        let message = dataErrorMessage { try NumpyFile.write(Matrix<Float>(zeros: 1, 1), to: path) }
        expectMessage(message, contains: path, "does not exist")
    }

    @Test func halfFloatRounding() {
        #expect(HalfFloat.fromFloat(1) == 0x3C00)
        #expect(HalfFloat.fromFloat(1 + 0x1p-11) == 0x3C00)  // tie, to even
        #expect(HalfFloat.fromFloat(1 + 0x1p-10 + 0x1p-11) == 0x3C02)  // tie, to even (up)
        #expect(HalfFloat.fromFloat(65519) == 0x7BFF)
        #expect(HalfFloat.fromFloat(65520) == 0x7C00)
        #expect(HalfFloat.fromFloat(0x1p-25) == 0)  // tie between 0 and the smallest subnormal
        #expect(HalfFloat.fromFloat(0x1p-25 * 1.5) == 1)
        #expect(HalfFloat.fromFloat(-0x1p-14) == 0x8400)
        #expect(HalfFloat.fromFloat(.nan) & 0x7C00 == 0x7C00)
        let mismatches = (UInt16(0)...UInt16(0x7BFF)).filter { HalfFloat.fromFloat(HalfFloat.toFloat($0)) != $0 }
        #expect(mismatches.isEmpty)
    }

    /// A 20000 x 768 float32 file (61 MB) reads and writes quickly, even in a debug build.
    @Test func largeFileIsFast() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanUp() }
        let rows = 20000
        let cols = 768
        var values = [Float](repeating: 0, count: rows * cols)
        for i in stride(from: 0, to: values.count, by: 997) { values[i] = Float(i) }
        let path = directory.file("big.npy")
        let clock = ContinuousClock()
        let writeTime = try clock.measure { try NumpyFile.write(Matrix(rows: rows, cols: cols, values: values), to: path) }
        var array: NumpyArray?
        let readTime = try clock.measure { array = try NumpyFile.read(path: path) }
        let matrixTime = try clock.measure { _ = try array!.matrix(Float.self) }
        #expect(array?.storage == .floats32(values))
        #expect(writeTime < .seconds(5))
        #expect(readTime < .seconds(2))
        #expect(matrixTime < .seconds(1))
    }
}
