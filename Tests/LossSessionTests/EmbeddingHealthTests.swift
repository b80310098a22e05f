import Foundation
import Testing

import LossKit
import LossSession

@Suite struct EmbeddingHealthTests {
    /// The measures against their definitions, from dot products pair by pair rather than
    /// the Gram matrix, with a zero row among the others.
    @Test func measuresEqualThePairByPairDefinitions() {
        var random = SeededRandom(seed: 11)
        for n in [1, 2, 7, 8, 9, 17, 64, 131] {
            var values = (0..<(n * 5)).map { _ in Float(random.next() >> 40) / Float(1 << 23) - 1 }
            if n > 3 { for k in 0..<5 { values[2 * 5 + k] = 0 } }
            let embeddings = Matrix(rows: n, cols: 5, values: values)
            let positives = n > 1 ? [(0, 1)] : []
            let health = EmbeddingHealth.measure(embeddings, positives: positives)
            let x = embeddings.converted(to: Double.self)
            func dot(_ i: Int, _ j: Int) -> Double { (0..<5).reduce(0) { $0 + x[i, $1] * x[j, $1] } }
            let norms = (0..<n).map { dot($0, $0).squareRoot() }
            var cosines = 0.0, distances = 0.0, uniform = 0.0
            for i in 0..<n {
                for j in (i + 1)..<max(i + 1, n) {
                    let c = dot(i, j) / (max(norms[i], 1e-12) * max(norms[j], 1e-12))
                    cosines += c
                    distances += max(dot(i, i) + dot(j, j) - 2 * dot(i, j), 0).squareRoot()
                    uniform += Foundation.exp(-2 * max(2 - 2 * c, 0))
                }
            }
            let pairs = Double(max(n * (n - 1) / 2, 1))
            #expect(abs(health.meanNorm - norms.reduce(0, +) / Double(n)) < 1e-12)
            if n > 1 {
                #expect(abs(health.meanCosine - cosines / pairs) < 1e-12, "n \(n)")
                #expect(abs(health.meanDistance - distances / pairs) < 1e-12, "n \(n)")
                #expect(abs(health.uniformity - Foundation.log(uniform / pairs)) < 1e-12, "n \(n)")
            }
        }
    }
}
