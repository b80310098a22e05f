import Foundation
@testable import LossKit
import Testing

/// CBatchKernels against the Swift definitions they replace for Float batches, on every path
/// (the machine's best, AVX2 and the portable loops): the same batch-hard choices and distances
/// bit for bit (NaN, infinities, ties and signed zeros included), the same census counts for
/// finite distances, and pair sums within rounding.
@Suite struct BatchKernelsTests {
    /// Distances with many ties (a few levels), some zeros of either sign; `special` adds
    /// NaN and infinities, the first column included.
    static func batch(n: Int, classes: Int, seed: UInt64, special: Bool) -> LabelledBatch<Float> {
        var random = SeededRandom(seed: seed)
        var values = (0..<(n * n)).map { _ in Float(random.next() % 9) * 0.25 }
        for k in values.indices where random.next() % 17 == 0 { values[k] = -0.0 }
        if special {
            for k in values.indices {
                switch random.next() % 23 {
                case 0: values[k] = .nan
                case 1: values[k] = .infinity
                case 2: values[k] = -.infinity
                default: break
                }
            }
            values[0] = .nan
        }
        let labels = (0..<n).map { _ in Double(random.next() % UInt64(classes)) }
        return LabelledBatch(labels: labels, distances: Matrix(rows: n, cols: n, values: values))
    }

    static func same(_ a: [BatchHardMining<Float>.Choice], _ b: [BatchHardMining<Float>.Choice]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { x, y in
            x.positive == y.positive && x.negative == y.negative && x.rowMaximum == y.rowMaximum
                && x.positiveDistance.bitPattern == y.positiveDistance.bitPattern
                && x.negativeDistance.bitPattern == y.negativeDistance.bitPattern
        }
    }

    @Test func batchHardMiningChoosesWhatTheSwiftDefinitionChooses() {
        for n in [1, 2, 3, 15, 16, 17, 31, 64, 129] {
            for classes in [1, 2, 5, n] {
                for special in [false, true] {
                    for seed in 1...3 as ClosedRange<UInt64> {
                        let batch = Self.batch(n: n, classes: classes, seed: seed &* 977 &+ UInt64(n), special: special)
                        let swift = BatchHardMining<Float>.mineInSwift(batch)
                        for kernel in BatchKernelLevel.allCases {
                            #expect(Self.same(swift, BatchHardMining<Float>.mineInC(batch, kernel: kernel)),
                                    "\(kernel) n \(n) classes \(classes) special \(special)")
                        }
                    }
                }
            }
        }
    }

    @Test func theCensusCountsWhatTheSwiftDefinitionCounts() {
        // 2 classes in 64 rows gives anchors with more than 16 positives (the sorted path).
        for n in [1, 2, 7, 16, 17, 40, 64, 128] {
            for classes in [1, 2, 3, 9] {
                for margin in [0.0, 0.25, 0.6, 5.0] {
                    let batch = Self.batch(n: n, classes: classes, seed: UInt64(n * 31 + classes), special: false)
                    let swift = batch.censusInSwift(margin: margin)
                    for kernel in BatchKernelLevel.allCases {
                        #expect(batch.censusInC(margin: Float(margin), kernel: kernel) == swift, "\(kernel) n \(n) classes \(classes) margin \(margin)")
                    }
                }
            }
        }
    }

    @Test func pairSumsAreThePairByPairSums() {
        var random = SeededRandom(seed: 5)
        for n in [1, 2, 8, 9, 17, 130] {
            var x = Matrix<Double>(zeros: n, 6)
            for k in x.values.indices { x.values[k] = random.normal() }
            if n > 4 { for k in 0..<6 { x[3, k] = 0 } }
            let gram = Matrix.product(x, x, transposeB: true)
            let norms = (0..<n).map { gram[$0, $0].squareRoot() }
            var cosines = 0.0, distances = 0.0, uniform = 0.0
            for i in 0..<n {
                for j in (i + 1)..<max(i + 1, n) {
                    let c = gram[i, j] / (max(norms[i], 1e-12) * max(norms[j], 1e-12))
                    cosines += c
                    distances += max(gram[i, i] + gram[j, j] - 2 * gram[i, j], 0).squareRoot()
                    uniform += Foundation.exp(-2 * max(2 - 2 * c, 0))
                }
            }
            for kernel in BatchKernelLevel.allCases {
                let sums = GramPairSums.of(gram: gram, norms: norms, kernel: kernel)
                let scale = Double(max(n * n, 1))
                #expect(abs(sums.cosines - cosines) <= 1e-13 * scale, "n \(n) \(kernel)")
                #expect(abs(sums.distances - distances) <= 1e-13 * scale, "n \(n) \(kernel)")
                #expect(abs(sums.uniform - uniform) <= 1e-12 * max(uniform, 1), "n \(n) \(kernel)")
            }
        }
    }

    @Test func euclideanDistancesAreTheSwiftLoopsBits() {
        var random = SeededRandom(seed: 9)
        for n in [1, 2, 15, 16, 17, 100] {
            var x = Matrix<Float>(zeros: n, 5)
            for k in x.values.indices { x.values[k] = Float(random.next() % 7) - 3 }
            if n > 3 {
                x.values[5] = .infinity
                x.values[10] = .nan
                for k in 0..<5 { x[2, k] = x[3, k] }
            }
            let gram = x.gram()
            let swift = AllPairsDistances<Float>.euclideanInSwift(fromGram: gram)
            for kernel in BatchKernelLevel.allCases {
                let c = EuclideanKernel.distances(fromGram: gram, kernel: kernel)
                #expect(c.values.map(\.bitPattern) == swift.values.map(\.bitPattern), "n \(n) \(kernel)")
            }
        }
    }

    /// NaNs with different bits on the diagonal and off it: every kernel returns the NaN the
    /// scalar loop returns (its adds keep the first operand's NaN, whatever order a vector add
    /// takes its operands in).
    @Test func euclideanDistancesKeepTheScalarLoopsNaN() {
        let n = 21
        var gram = Matrix<Float>(zeros: n, n)
        for i in 0..<n { for j in 0..<n { gram[i, j] = Float((i * 7 + j * 3) % 5) - 2 } }
        let payloads: [UInt32] = [0x7FC0_0001, 0xFFC0_0002, 0x7FC0_0003, 0xFFC0_0004]
        for i in stride(from: 0, to: n, by: 3) { gram[i, i] = Float(bitPattern: payloads[i % 4]) }
        for i in 0..<n where i % 4 == 1 { gram[i, (i + 5) % n] = Float(bitPattern: payloads[(i + 1) % 4]) }
        let swift = AllPairsDistances<Float>.euclideanInSwift(fromGram: gram)
        #expect(Set(swift.values.filter(\.isNaN).map(\.bitPattern)).count > 1)
        for kernel in BatchKernelLevel.allCases {
            let c = EuclideanKernel.distances(fromGram: gram, kernel: kernel)
            #expect(c.values.map(\.bitPattern) == swift.values.map(\.bitPattern), "\(kernel)")
        }
    }
}
