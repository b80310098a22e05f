@testable import LossKit
import Testing

/// AnglE's pairwise similarity (vectorised over the row halves) against the definition written
/// out literally: pad an odd row with a zero, normalise, cos = x̂·ŷ, sin = Σ x̂2·ŷ1 − x̂1·ŷ2,
/// |cos + sin|; its gradient against central finite differences of that literal version.
/// Every dimension up to 40 crosses the 8-wide blocks of a half, their scalar tail and the
/// unpaired last value of an odd row; 767 and 768 are the sizes the benchmarks use.
@Suite struct AngleSimilarityTests {
    static let dimensions = Array(1...40) + [767, 768]

    static func literal(_ x: [Double], _ y: [Double]) -> Double {
        let (px, py) = x.count % 2 == 0 ? (x, y) : (x + [0], y + [0])
        let (nx, ny) = (max(norm(px), 1e-12), max(norm(py), 1e-12))
        let (xh, yh) = (px.map { $0 / nx }, py.map { $0 / ny })
        let half = px.count / 2
        let cos = zip(xh, yh).reduce(0) { $0 + $1.0 * $1.1 }
        let sin = (0..<half).reduce(0) { $0 + xh[half + $1] * yh[$1] - xh[$1] * yh[half + $1] }
        return abs(cos + sin)
    }

    static func norm(_ v: [Double]) -> Double { v.reduce(0) { $0 + $1 * $1 }.squareRoot() }

    static func rows(_ d: Int, _ random: inout SeededRandom) -> (Matrix<Double>, Matrix<Double>) {
        let x = (0..<d).map { _ in random.normal() }
        // y near x, so that r is far from 0 and |·| is smooth around the point.
        let y = x.map { $0 + 0.7 * random.normal() }
        return (Matrix(rows: 1, cols: d, values: x), Matrix(rows: 1, cols: d, values: y))
    }

    @Test(arguments: dimensions)
    func forwardEqualsTheDefinition(_ d: Int) {
        var random = SeededRandom(seed: UInt64(d))
        let (x, y) = Self.rows(d, &random)
        let value = PairwiseSimilarity.angleSim.forward(x, y)[0]
        #expect(abs(value - Self.literal(x.values, y.values)) < 1e-12)
        let single = PairwiseSimilarity.angleSim.forward(x.converted(to: Float.self), y.converted(to: Float.self))[0]
        #expect(abs(Double(single) - value) < 1e-5)
    }

    @Test(arguments: dimensions)
    func backwardEqualsFiniteDifferences(_ d: Int) {
        var random = SeededRandom(seed: UInt64(d) + 1000)
        let (x, y) = Self.rows(d, &random)
        let upstream = -1.7
        let (gx, gy) = PairwiseSimilarity.angleSim.backward(x, y, [upstream])
        let h = 1e-6
        var worst = 0.0, largest = 0.0
        for k in 0..<d {
            for (which, analytic) in [(0, gx.values[k]), (1, gy.values[k])] {
                var plus = [x.values, y.values], minus = [x.values, y.values]
                plus[which][k] += h
                minus[which][k] -= h
                let numeric = upstream * (Self.literal(plus[0], plus[1]) - Self.literal(minus[0], minus[1])) / (2 * h)
                worst = max(worst, abs(numeric - analytic))
                largest = max(largest, abs(numeric))
            }
        }
        #expect(worst <= 1e-6 * max(largest, 1), "d=\(d): worst difference \(worst), largest gradient \(largest)")
    }

    /// A zero row: the clamp at 1e-12 holds its norm, so r = 0, |·| has no slope and nothing
    /// flows, as in torch.
    @Test func aZeroRowTakesNoGradient() {
        let x = Matrix<Double>(rows: 1, cols: 5, values: [0, 0, 0, 0, 0])
        let y = Matrix<Double>(rows: 1, cols: 5, values: [1, -2, 0.5, 3, 1])
        #expect(PairwiseSimilarity.angleSim.forward(x, y) == [0])
        let (gx, gy) = PairwiseSimilarity.angleSim.backward(x, y, [1])
        #expect(gx.values.allSatisfy { $0 == 0 } && gy.values.allSatisfy { $0 == 0 })
    }

    /// Many rows run on the engine's threads: each row's result is the one it has alone.
    @Test func rowsInParallelEqualRowsAlone() {
        var random = SeededRandom(seed: 5)
        let n = 300, d = 768
        let x = Matrix<Float>(rows: n, cols: d, values: (0..<(n * d)).map { _ in Float(random.normal()) })
        let y = Matrix<Float>(rows: n, cols: d, values: (0..<(n * d)).map { _ in Float(random.normal()) })
        let upstream = (0..<n).map { _ in Float(random.normal()) }
        let values = PairwiseSimilarity.angleSim.forward(x, y)
        let (gx, gy) = PairwiseSimilarity.angleSim.backward(x, y, upstream)
        for i in [0, 1, 149, 150, 299] {
            let (xi, yi) = (x.rows(i..<(i + 1)), y.rows(i..<(i + 1)))
            #expect(PairwiseSimilarity.angleSim.forward(xi, yi) == [values[i]])
            let (gxi, gyi) = PairwiseSimilarity.angleSim.backward(xi, yi, [upstream[i]])
            #expect(gxi.values == gx.rows(i..<(i + 1)).values && gyi.values == gy.rows(i..<(i + 1)).values)
        }
    }
}
