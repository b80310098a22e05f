@testable import LossKit
import Foundation
import Testing

/// `CrossEntropy.symmetric` (both directions of an in-batch softmax in one pass) against the
/// two separate evaluations it replaces: the rows, then the first n columns transposed, the
/// second gradient added transposed.
@Suite struct SymmetricSoftmaxTests {
    static func logits<T: Scalar>(rows: Int, cols: Int, spread: Double, seed: UInt64) -> Matrix<T> {
        var random = SeededRandom(seed: seed)
        return Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in T(random.normal() * spread) })
    }

    static func separate<T: Scalar>(_ z: Matrix<T>, meanOver: Int) -> (gradient: Matrix<T>, rows: CrossEntropy.Output<T>,
                                                                        columns: CrossEntropy.Output<T>) {
        let targets = Array(0..<z.rows)
        let rows = CrossEntropy.evaluate(logits: z, targets: targets, rankTargets: true, meanOver: meanOver)
        let columns = CrossEntropy.evaluate(logits: z.transposed(firstColumns: z.rows), targets: targets, meanOver: meanOver)
        var gradient = rows.gradient
        gradient.addTransposed(columns.gradient)
        return (gradient, rows, columns)
    }

    /// Shapes with and without SIMD tails, square and with extra (hard-negative) columns, one
    /// band of columns and several; spreads up to a scale-20 softmax's and beyond (the e^-60 cut-off).
    static let shapes: [(rows: Int, cols: Int, spread: Double)] = [
        (1, 1, 1), (3, 3, 2), (13, 13, 5), (64, 64, 20), (70, 140, 8), (200, 200, 20), (130, 390, 40), (257, 257, 100),
    ]

    func check<T: Scalar>(_: T.Type, tolerance: Double) {
        for (index, shape) in Self.shapes.enumerated() {
            let z: Matrix<T> = Self.logits(rows: shape.rows, cols: shape.cols, spread: shape.spread, seed: UInt64(index + 1))
            let meanOver = 2 * shape.rows
            let fused = CrossEntropy.symmetric(logits: z, meanOver: meanOver, dotWithLogits: true)
            let (gradient, rows, columns) = Self.separate(z, meanOver: meanOver)
            let label = "\(T.self) \(shape.rows)x\(shape.cols) spread \(shape.spread)"
            #expect(fused.ranks == rows.ranks, "\(label): ranks")
            #expect(fused.strongestRivals == rows.strongestRivals, "\(label): rivals")
            // The rows' direction is the same code: the same numbers.
            #expect(fused.rowLosses == rows.rowLosses, "\(label): row losses")
            for j in 0..<shape.rows {
                let want = Double(columns.rowLosses[j]), got = Double(fused.columnLosses[j])
                #expect(abs(got - want) <= tolerance * max(1, abs(want)), "\(label): column \(j) loses \(got), separately \(want)")
            }
            let largest = gradient.values.map { abs(Double($0)) }.max() ?? 0
            var worst = 0.0
            for k in gradient.values.indices { worst = max(worst, abs(Double(fused.gradient.values[k]) - Double(gradient.values[k]))) }
            #expect(worst <= tolerance * largest, "\(label): gradient off by \(worst) (largest \(largest))")
            var dot = 0.0
            for k in gradient.values.indices { dot += Double(gradient.values[k]) * Double(z.values[k]) }
            let scale = zip(gradient.values, z.values).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            #expect(abs(Double(fused.gradientDotLogits) - dot) <= tolerance * max(scale, 1e-30), "\(label): gradient · logits")
        }
    }

    @Test func doubleAgreesWithTheSeparateDirections() { check(Double.self, tolerance: 1e-13) }

    @Test func floatAgreesWithTheSeparateDirections() { check(Float.self, tolerance: 2e-5) }

    /// A symmetric logits matrix (both encoders fed the same sentences) gives an exactly
    /// symmetric gradient: the column statistics are the rows' own numbers, bit for bit.
    func checkExactSymmetry<T: Scalar>(_: T.Type) {
        for n in [5, 64, 77, 300] {
            var z: Matrix<T> = Self.logits(rows: n, cols: n, spread: 6, seed: UInt64(n))
            for i in 0..<n { for j in 0..<i { z[i, j] = z[j, i] } }
            let fused = CrossEntropy.symmetric(logits: z, meanOver: 2 * n)
            var asymmetric = 0
            for i in 0..<n { for j in 0..<n where fused.gradient[i, j] != fused.gradient[j, i] { asymmetric += 1 } }
            #expect(asymmetric == 0, "\(T.self) \(n): \(asymmetric) entries differ from their transposes")
            #expect(fused.rowLosses == fused.columnLosses, "\(T.self) \(n): the two directions' losses")
        }
    }

    @Test func aSymmetricMatrixGivesASymmetricGradient() {
        checkExactSymmetry(Float.self)
        checkExactSymmetry(Double.self)
    }

    /// MultipleNegativesSymmetricRankingLoss, which now takes the fused path, against its
    /// formula written out in Double.
    @Test func symmetricRankingLossMatchesItsFormula() throws {
        let rows = 37, dim = 12
        var random = SeededRandom(seed: 7)
        func column() -> Matrix<Double> { Matrix(rows: rows, cols: dim, values: (0..<(rows * dim)).map { _ in random.normal() }) }
        let a = column(), p = column()
        let loss = try LossCatalog.make("MultipleNegativesSymmetricRankingLoss", reference: .v6_2_0)
        let result = try loss.evaluate(LossBatch(columns: [a, p]))
        // By hand: cosine similarities · 20, the mean of the rows' and the columns' cross-entropies.
        let qa = L2Normalization.forward(a).output, qp = L2Normalization.forward(p).output
        let z = Matrix.product(qa, qp, transposeB: true, alpha: 20.0)
        var total = 0.0
        for i in 0..<rows {
            var rowSum = 0.0, columnSum = 0.0
            for j in 0..<rows {
                rowSum += Foundation.exp(z[i, j])
                columnSum += Foundation.exp(z[j, i])
            }
            total += (Foundation.log(rowSum) - z[i, i]) + (Foundation.log(columnSum) - z[i, i])
        }
        let expected = total / Double(2 * rows)
        #expect(abs(result.value - expected) <= 1e-12 * expected, "\(result.value) against \(expected)")
    }
}
