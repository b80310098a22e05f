import LossKit
import Testing

@testable import LossData

/// Files numpy wrote (see Data/make_npy_fixtures.py for the exact values).
@Suite struct NumpyFixtureTests {
    @Test func float32Matrix() throws {
        let array = try NumpyFile.read(path: Fixture.path("f32_2d.npy"))
        #expect(array.shape == [3, 4])
        #expect(array.dtype == .float32)
        #expect(array.storage == .floats32([1.5, -2.25, 0, 3, 4, 5.5, -6, 0.125, 8, 9, 10, 1e30]))
        let matrix = try array.matrix(Float.self)
        #expect(matrix.rows == 3 && matrix.cols == 4)
        #expect(matrix[2, 3] == 1e30)
        #expect(array.source == Fixture.path("f32_2d.npy"))
    }

    @Test func float64Matrix() throws {
        let array = try NumpyFile.read(path: Fixture.path("f64_2d.npy"))
        #expect(array.shape == [2, 3])
        #expect(array.dtype == .float64)
        #expect(array.storage == .floats64([0.1, -0.2, 0.3, 1e-300, 2.5, -1e300]))
        #expect(try array.matrix(Double.self).values == [0.1, -0.2, 0.3, 1e-300, 2.5, -1e300])
    }

    @Test func integerTypes() throws {
        let cases: [(String, NumpyDType, [Int], [Int64])] = [
            ("i32_2d.npy", .int32, [2, 3], [1, -2, 3, 2_147_483_647, -2_147_483_648, 0]),
            ("i64_1d.npy", .int64, [4], [0, -1, 1 << 62, Int64.min]),
            ("u8_1d.npy", .uint8, [4], [0, 1, 127, 255]),
            ("bool_1d.npy", .bool, [3], [1, 0, 1]),
            ("i8_1d.npy", .int8, [4], [-128, -1, 0, 127]),
            ("i16_1d.npy", .int16, [4], [-32768, -1, 0, 32767]),
            ("u16_1d.npy", .uint16, [3], [0, 1, 65535]),
            ("u32_1d.npy", .uint32, [3], [0, 1, 4_294_967_295]),
        ]
        for (name, dtype, shape, values) in cases {
            let array = try NumpyFile.read(path: Fixture.path(name))
            #expect(array.dtype == dtype, "\(name)")
            #expect(array.shape == shape, "\(name)")
            #expect(array.storage == .ints(values), "\(name)")
            #expect(try array.int64s() == values, "\(name)")
        }
    }

    @Test func float16() throws {
        let array = try NumpyFile.read(path: Fixture.path("f16_1d.npy"))
        #expect(array.dtype == .float16)
        #expect(array.storage == .floats32([0, 1, -2.5, 65504, 0x1p-24, -.infinity]))
    }

    @Test func fortranOrderIsTransposedToC() throws {
        let array = try NumpyFile.read(path: Fixture.path("fortran_2d.npy"))
        #expect(array.shape == [2, 3])
        #expect(array.storage == .floats32([0, 1, 2, 3, 4, 5]))

        let cube = try NumpyFile.read(path: Fixture.path("fortran_3d.npy"))
        #expect(cube.shape == [2, 3, 4])
        #expect(cube.dtype == .int32)
        #expect(cube.storage == .ints((0..<24).map { Int64($0) }))
    }

    @Test func bigEndian() throws {
        let f4 = try NumpyFile.read(path: Fixture.path("be_f4.npy"))
        #expect(f4.dtype == .float32)
        #expect(f4.shape == [2, 2])
        #expect(f4.storage == .floats32([1.5, -2, 3, 4.25]))
        let f8 = try NumpyFile.read(path: Fixture.path("be_f8.npy"))
        #expect(f8.storage == .floats64([0.1, -1e200, 7]))
        let i4 = try NumpyFile.read(path: Fixture.path("be_i4.npy"))
        #expect(i4.storage == .ints([1, -2, 70000]))
    }

    @Test func oneDimensionalZeroDimensionalAndEmpty() throws {
        let vector = try NumpyFile.read(path: Fixture.path("f32_1d.npy"))
        #expect(vector.shape == [5])
        #expect(vector.doubles() == [0, 1, 2, 3, 4])

        let scalar = try NumpyFile.read(path: Fixture.path("scalar_0d.npy"))
        #expect(scalar.shape == [])
        #expect(scalar.storage == .floats64([3.5]))

        let empty = try NumpyFile.read(path: Fixture.path("empty_0x5.npy"))
        #expect(empty.shape == [0, 5])
        #expect(empty.count == 0)
        let matrix = try empty.matrix(Float.self)
        #expect(matrix.rows == 0 && matrix.cols == 5)
    }

    @Test func headerVersions2And3() throws {
        for name in ["v2_header.npy", "v3_header.npy"] {
            let array = try NumpyFile.read(path: Fixture.path(name))
            #expect(array.shape == [2, 2], "\(name)")
            #expect(array.storage == .floats64([1, 2, 3, 4]), "\(name)")
        }
    }

    @Test func nonFiniteValuesAreLocated() throws {
        let array = try NumpyFile.read(path: Fixture.path("nonfinite.npy"))
        #expect(array.hasNonFinite?.index == 4)
        #expect(array.hasNonFinite?.row == 1)
        #expect(array.firstNonFinite()?.row == 1)
        #expect(array.firstNonFinite()?.col == 1)
        let clean = try NumpyFile.read(path: Fixture.path("f32_2d.npy"))
        #expect(clean.hasNonFinite == nil)
        #expect(clean.firstNonFinite() == nil)
    }

    @Test func readFromMemoryMatchesReadFromPath() throws {
        let bytes = try Fixture.bytes("f64_2d.npy")
        let fromMemory = try NumpyFile.read(data: bytes, name: "f64_2d.npy")
        let fromPath = try NumpyFile.read(path: Fixture.path("f64_2d.npy"))
        #expect(fromMemory.storage == fromPath.storage)
        #expect(fromMemory.source == "f64_2d.npy")
    }

    /// Our float16 encoding matches numpy's byte for byte.
    @Test func float16EncodingMatchesNumpy() throws {
        let numpyBytes = try Fixture.bytes("f16_1d.npy")
        let array = try NumpyFile.read(data: numpyBytes, name: "f16")
        let ours = try NumpyFile.encode(array)
        #expect(Array(ours.suffix(12)) == Array(numpyBytes.suffix(12)))
    }
}
