@testable import LossKit
import Testing

/// The fused passes give the values of the separate passes they replace, to the bit:
/// MarginMSELoss's one pass over the rows against its scores-then-gradients passes,
/// the normalisation of a prefix where it lies against a copy of it normalised, and a part
/// of a gradient added into a wider one as it is computed against one computed and added after.
@Suite struct FusedPassTests {
    static func matrix(_ rows: Int, _ cols: Int, _ random: inout SeededRandom) -> Matrix<Float> {
        Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in Float(random.normal()) })
    }

    static func prefix(_ matrix: Matrix<Float>, _ count: Int) -> Matrix<Float> {
        Matrix(rows: (0..<matrix.rows).map { i in (0..<count).map { matrix[i, $0] } })
    }

    @Test(arguments: PairwiseSimilarity.allCases, [(5, 7, 1), (300, 700, 2), (64, 33, 3)])
    func marginMSEsRowPassIsItsTwoPasses(similarity: PairwiseSimilarity, shape: (Int, Int, Int)) {
        let (rows, dim, negatives) = shape
        var random = SeededRandom(seed: UInt64(rows * 31 + dim))
        var query = Self.matrix(rows, dim, &random)
        var candidates = (0...negatives).map { _ in Self.matrix(rows, dim, &random) }
        // A zero query row, a candidate equal to its query (zero distance), and a row whose
        // margins the student already matches exactly (zero upstream gradients).
        for t in 0..<dim { query[0, t] = 0; candidates[1][1, t] = query[1, t] }
        for t in 0..<dim { candidates[1][2, t] = candidates[0][2, t] }
        var target = (0..<(rows * negatives)).map { _ in Float(random.normal()) }
        for j in 0..<negatives { target[2 * negatives + j] = 0 }
        let loss = MarginMSELoss(similarity: similarity)
        let fused = loss.rowPass(query, candidates: candidates, target: target)

        let scores = similarity.forward(query, candidates: candidates)
        #expect(fused.scores == scores)
        let scale = 2 / Float(rows * negatives)
        var upstream = [[Float]](repeating: [Float](repeating: 0, count: rows), count: negatives + 1)
        for i in 0..<rows {
            var error2: Float = 0
            for j in 0..<negatives {
                let error = scores[0][i] - scores[j + 1][i] - target[i * negatives + j]
                error2 += error * error
                upstream[0][i] += scale * error
                upstream[j + 1][i] = -scale * error
            }
            #expect(fused.rowErrors[i] == error2)
        }
        let separate = similarity.backward(query, candidates: candidates, upstream)
        #expect(fused.gradients == [separate.query] + separate.candidates)
    }

    @Test(arguments: [(7, 12, 5), (300, 768, 96), (9, 4, 4), (3, 6, 0)])
    func aPrefixNormalisedWhereItLiesIsItsCopyNormalised(shape: (Int, Int, Int)) {
        let (rows, cols, count) = shape
        var random = SeededRandom(seed: UInt64(rows + cols + count))
        var x = Self.matrix(rows, cols, &random)
        for t in 0..<min(count, cols) { x[0, t] = 0 }  // a zero prefix
        let copied = L2Normalization.forward(Self.prefix(x, count))
        let inPlace = L2Normalization.forward(x, prefix: count)
        #expect(inPlace.output == copied.output && inPlace.norms == copied.norms)

        let gradient = Self.matrix(rows, count, &random)
        let part = L2Normalization.backward(gradient, output: copied.output, input: copied.output, norms: copied.norms)
        var added = Self.matrix(rows, cols, &random)
        var expected = added
        for i in 0..<rows { for k in 0..<count { expected[i, k] += part[i, k] } }
        L2Normalization.backward(gradient, output: inPlace.output, norms: inPlace.norms, addingInto: &added)
        #expect(added == expected)
    }
}
