import LossKit
import RealModule

extension Dataset {
    /// The same items as a distillation set (teacher-items shape): each item's teacher
    /// embedding is tanh(x·R) for a fixed seeded random R (D × dimension), a smooth nonlinear
    /// "teacher" that a linear student can approximate but not copy exactly.
    public func withTeacher(dimension: Int, seed: UInt64) throws -> Dataset {
        guard case .vectors(let vectors) = items else {
            throw DataError("\(name): a synthetic teacher needs vector items")
        }
        guard (1...4096).contains(dimension) else { throw DataError("teacher dimension must be from 1 to 4096, got \(dimension)") }
        let rows = Double(vectors.rows)
        if let refusal = MemoryBudget.refusal("teacher_dim", dimension, what: "the \(vectors.rows) x \(dimension) teacher matrix",
                                              bytesFor: { rows * Double($0) * 4 }) {
            throw DataError(refusal)
        }
        var random = SeededRandom(seed: seed ^ 0x7EAC_4E55)
        let scale = 1 / Double(max(vectors.cols, 1)).squareRoot()
        let projection = Matrix<Float>(rows: vectors.cols, cols: dimension,
                                       values: (0..<(vectors.cols * dimension)).map { _ in Float(random.normal() * scale) })
        var teacher = vectors.product(projection)
        for k in teacher.values.indices { teacher.values[k] = Float.tanh(teacher.values[k]) }
        var result = self
        result.name = name + " → teacher \(dimension)-d"
        result.shape = .teacherItems
        result.examples = (0..<itemCount).map { [$0] }
        result.labels = []
        result.teacher = teacher
        if result.itemClasses == nil && shape == .labelledItems {
            var classes = [Int](repeating: -1, count: itemCount)
            for (index, example) in examples.enumerated() { classes[example[0]] = Int(labels[index]) }
            result.itemClasses = classes
        }
        return result
    }
}
