@testable import LossKit
import Testing

@Suite struct VectorKernelsTests {
    /// Every length up to 40 crosses the 16- and 8-wide blocks and the scalar tail.
    @Test func reductionsAgreeWithPlainLoops() {
        var random = SeededRandom(seed: 11)
        for count in 0...40 {
            let a = (0..<count).map { _ in random.normal() }
            let b = (0..<count).map { _ in random.normal() }
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    let x = pa.baseAddress ?? UnsafePointer(bitPattern: 8)!, y = pb.baseAddress ?? UnsafePointer(bitPattern: 8)!
                    let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
                    #expect(abs(VectorKernels.dot(x, y, count: count) - dot) < 1e-12)
                    #expect(abs(VectorKernels.sum(x, count: count) - a.reduce(0, +)) < 1e-12)
                    let squared = zip(a, b).reduce(0) { $0 + (($1.0 - $1.1) + 0.5) * (($1.0 - $1.1) + 0.5) }
                    #expect(abs(VectorKernels.squaredDistance(x, y, shift: 0.5, count: count) - squared) < 1e-12)
                    let manhattan = zip(a, b).reduce(0) { $0 + abs(($1.0 - $1.1) + 0.5) }
                    #expect(abs(VectorKernels.absoluteDistance(x, y, shift: 0.5, count: count) - manhattan) < 1e-12)
                    let scaled = zip(a, b).reduce(0) { $0 + ($1.0 / 3) * ($1.1 / 7) }
                    #expect(abs(VectorKernels.scaledDot(x, y, dividedBy: 3, 7, count: count) - scaled) < 1e-12)
                    #expect(VectorKernels.maximum(x, count: count) == (a.max() ?? -.infinity))
                    let threshold = b.first ?? 0
                    #expect(VectorKernels.count(x, count: count) { $0 > threshold } == a.filter { $0 > threshold }.count)
                }
            }
        }
    }

    @Test func crossEntropyRanksTargetsWithFirstIndexTies() {
        // Row 0: the target (column 2) ties the best rival at column 1 → rank 1, rival 1.
        // Row 1: two rivals beat the target; the strongest is the first of the tied maxima.
        // Row 2: a single column has no rival.
        let logits = Matrix<Double>(rows: [[0, 3, 3, 1], [5, 1, 5, 2]])
        let output = CrossEntropy.evaluate(logits: logits, targets: [2, 3], rankTargets: true)
        #expect(output.ranks == [1, 3])
        #expect(output.strongestRivals == [1, 0])
        let single = CrossEntropy.evaluate(logits: Matrix<Double>(rows: [[4]]), targets: [0], rankTargets: true)
        #expect(single.ranks == [1])
        #expect(single.strongestRivals == [nil])
        #expect(abs(single.value) < 1e-15)
    }

    @Test func floatExpHandlesNaNAndTheClampedEnds() {
        #expect(FastExp.exp(.nan).isNaN)
        #expect(FastExp.exp(200) == FastExp.exp(88.7))
        #expect(FastExp.exp(-200) == FastExp.exp(-87.3))
    }
}

@Suite struct TripletCensusTests {
    /// The census against a literal loop over every (anchor, positive, negative), for classes
    /// of 3 (the vectorised per-positive path) and of 30 (the sorted-positives path), on
    /// integer coordinates so that ties between distances are common.
    @Test(arguments: [3, 30]) func censusCountsEveryTripletLikeALiteralLoop(classSize: Int) {
        var random = SeededRandom(seed: UInt64(classSize))
        for round in 0..<20 {
            let n = [60, 64, 7, 33][(round / 4) % 4], dim = 3
            let values = (0..<(n * dim)).map { _ in Double(Int(random.uniform(0, 4))) }
            let labels = (0..<n).map { Double($0 / classSize) }
            let distances = BatchDistanceMetric.euclidean.forward(Matrix(rows: n, cols: dim, values: values)).distances
            let margin = [0.0, 0.5, 1.0, 2.0][round % 4]
            var expected = MiningCounts()
            for a in 0..<n {
                for p in 0..<n where p != a && labels[p] == labels[a] {
                    for k in 0..<n where labels[k] != labels[a] {
                        let dap = distances[a, p], dan = distances[a, k]
                        expected.valid += 1
                        if dap > dan { expected.hard += 1 } else if dap + margin > dan { expected.semiHard += 1 } else { expected.easy += 1 }
                    }
                }
            }
            let counts = LabelledBatch(labels: labels, distances: distances).census(margin: margin)
            #expect(counts.valid == expected.valid && counts.hard == expected.hard
                    && counts.semiHard == expected.semiHard && counts.easy == expected.easy,
                    "round \(round): \(counts) vs \(expected)")
        }
    }
}

@Suite struct SoftmaxLossPathTests {
    /// The fused passes (few classes) and the GEMM path (many classes) compute the same loss
    /// and gradients, for every choice of blocks.
    @Test(arguments: [3, 20]) func fusedAndGEMMPathsAgree(labels: Int) throws {
        var random = SeededRandom(seed: UInt64(labels))
        let n = 37, d = 19
        for (rep, difference, multiplication) in [(true, true, false), (true, false, true), (false, true, true), (true, true, true), (false, false, true)] {
            let loss = SoftmaxLoss(numLabels: labels, concatenationSentRep: rep, concatenationSentDifference: difference,
                                   concatenationSentMultiplication: multiplication)
            let column = { Matrix<Double>(rows: n, cols: d, values: (0..<(n * d)).map { _ in random.normal() }) }
            var batch = LossBatch(columns: [column(), column()])
            batch.labels = (0..<n).map { Double($0 % labels) }
            batch.parameters = loss.initialParameters(dimension: d, seed: 3)
            let fused = try loss.compute(batch, fused: true)
            let plain = try loss.compute(batch, fused: false)
            #expect(abs(fused.value - plain.value) <= 1e-12 * abs(plain.value))
            for (a, b) in zip(fused.columnGradients, plain.columnGradients) {
                #expect(zip(a.values, b.values).allSatisfy { abs($0 - $1) <= 1e-12 })
            }
            for name in [SoftmaxLoss.weightName, SoftmaxLoss.biasName] {
                let a = fused.parameterGradients[name]!, b = plain.parameterGradients[name]!
                #expect(zip(a.values, b.values).allSatisfy { abs($0 - $1) <= 1e-12 })
            }
        }
    }
}
