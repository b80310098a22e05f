@testable import LossKit
import Testing

@Suite struct MatrixTransposeTests {
    /// Shapes on both sides of the 32-wide tiles and of the parallel threshold (2^17 elements).
    static let shapes = [(0, 3), (1, 1), (3, 5), (31, 33), (64, 32), (70, 2000), (1000, 300)]

    @Test(arguments: shapes) func transposedMatchesAPlainLoop(shape: (Int, Int)) {
        let (rows, cols) = shape
        let m = Matrix<Float>(rows: rows, cols: cols, values: (0..<(rows * cols)).map { Float($0) })
        for width in Set([cols, cols / 2]) {
            let t = m.transposed(firstColumns: width)
            #expect(t.rows == width && t.cols == rows)
            var same = true
            for j in 0..<width { for i in 0..<rows where t[j, i] != m[i, j] { same = false } }
            #expect(same)
        }
    }

    @Test(arguments: shapes) func addTransposedAddsIntoTheLeadingBlock(shape: (Int, Int)) {
        let (rows, cols) = shape
        let g = Matrix<Double>(rows: rows, cols: cols, values: (0..<(rows * cols)).map { Double($0 % 97) - 40 })
        let extra = 3
        var target = Matrix<Double>(rows: cols, cols: rows + extra, values: (0..<(cols * (rows + extra))).map { Double($0 % 13) })
        let before = target
        target.addTransposed(g)
        var same = true
        for j in 0..<cols {
            for i in 0..<(rows + extra) {
                let expected = before[j, i] + (i < rows ? g[i, j] : 0)
                if target[j, i] != expected { same = false }
            }
        }
        #expect(same)
    }
}
