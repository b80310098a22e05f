import ArgumentParser
import LossData
import LossKit

/// Writes the small .npy arrays that Tests/cli/run.sh feeds to `losslab eval` (hidden).
struct TestArraysCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-arrays", abstract: "Write small test arrays (.npy) into a directory.", shouldDisplay: false)

    @Option(help: "Directory to write into.") var out: String

    func run() throws {
        var random = SeededRandom(seed: 7)
        func matrix(_ rows: Int, _ cols: Int) -> Matrix<Float> {
            Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in Float(random.normal()) })
        }
        func ints(_ values: [Int64]) -> NumpyArray { NumpyArray(shape: [values.count], dtype: .int64, storage: .ints(values)) }
        try NumpyFile.write(matrix(12, 4), to: "\(out)/items.npy")
        try NumpyFile.write(ints((0..<12).map { Int64($0 % 3) }), to: "\(out)/classes.npy")
        for name in ["a", "b", "c"] { try NumpyFile.write(matrix(6, 4), to: "\(out)/\(name).npy") }
        try NumpyFile.write(ints([0, 1, 2, 0, 1, 2]), to: "\(out)/nli.npy")
        try NumpyFile.write(ints([1, 0, 1, 0, 1, 0]), to: "\(out)/binary.npy")
        try NumpyFile.write(NumpyArray(shape: [6], dtype: .float32, storage: .floats32([0.1, 0.9, 0.5, 0.3, 1, 0])), to: "\(out)/scores.npy")
        try NumpyFile.write(matrix(3, 12), to: "\(out)/w.npy")
        try NumpyFile.write(NumpyArray(shape: [3], dtype: .float32, storage: .floats32([0.1, -0.2, 0.05])), to: "\(out)/bias.npy")
        // Class probabilities per pair (SoftmaxLoss's soft labels), also a 3-wide teacher.
        try NumpyFile.write(NumpyArray(shape: [6, 3], dtype: .float32, storage: .floats32((0..<18).map { Float($0 % 4) / 4 })),
                            to: "\(out)/soft.npy")
        // One 4-wide teacher per column of a pair: (6, 2, 4).
        try NumpyFile.write(NumpyArray(shape: [6, 2, 4], dtype: .float32, storage: .floats32(matrix(6, 8).values)), to: "\(out)/teachers.npy")
        var withNaN = matrix(6, 4)
        withNaN[2, 1] = .nan
        try NumpyFile.write(withNaN, to: "\(out)/nan.npy")
    }
}
