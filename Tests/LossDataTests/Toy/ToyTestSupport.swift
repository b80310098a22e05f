import LossKit
import Testing

@testable import LossData

/// Runs `body`, which must throw a DataError, and returns its message ("" after recording an
/// issue when it does not).
@discardableResult
func toyErrorMessage<R>(sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R) -> String {
    do {
        _ = try body()
        Issue.record("expected a DataError, got a result", sourceLocation: sourceLocation)
        return ""
    } catch let error as DataError {
        return error.message
    } catch {
        Issue.record("expected a DataError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return ""
    }
}

/// The vector matrix of a dataset (records an issue for token items).
func toyVectors(_ dataset: Dataset, sourceLocation: SourceLocation = #_sourceLocation) -> Matrix<Float> {
    guard case .vectors(let matrix) = dataset.items else {
        Issue.record("expected vector items", sourceLocation: sourceLocation)
        return Matrix(zeros: 0, 0)
    }
    return matrix.matrix
}

/// Bit patterns of the vector values, so determinism checks compare exact bits.
func toyBits(_ dataset: Dataset) -> [UInt32] {
    toyVectors(dataset).values.map(\.bitPattern)
}

/// Squared euclidean distance between two items' vectors, accumulated in Double.
func toySquaredDistance(_ matrix: Matrix<Float>, _ a: Int, _ b: Int) -> Double {
    var sum = 0.0
    for column in 0..<matrix.cols {
        let difference = Double(matrix[a, column]) - Double(matrix[b, column])
        sum += difference * difference
    }
    return sum
}

/// Class of each item according to the labels of a labelled-items dataset's examples.
func toyLabelClasses(_ dataset: Dataset) -> [Int: Int] {
    var classes = [Int: Int]()
    for (index, example) in dataset.examples.enumerated() { classes[example[0]] = Int(dataset.labels[index]) }
    return classes
}

/// A small labelled dataset over 1-D vectors with the given classes (item i at value i).
func toyLabelled(_ classes: [Int], name: String = "tiny") -> Dataset {
    Dataset(
        name: name, shape: .labelledItems,
        items: .vectors(ReadOnlyRows(Matrix(rows: classes.count, cols: 1, values: classes.indices.map { Float($0) }))),
        examples: classes.indices.map { [$0] }, labels: classes.map(Double.init),
        labelNames: (0...(classes.max() ?? 0)).map { "class \($0)" }, itemClasses: classes)
}
