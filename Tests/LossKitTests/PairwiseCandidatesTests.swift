@testable import LossKit
import Testing

@Suite struct PairwiseCandidatesTests {
    /// Rows that hit every special case: a zero row, a row equal to its candidate (zero
    /// distance), and rows whose upstream gradient is 0.
    static func columns(rows: Int, dim: Int, seed: UInt64) -> (Matrix<Double>, [Matrix<Double>], [[Double]]) {
        var random = SeededRandom(seed: seed)
        func column() -> Matrix<Double> { Matrix(rows: rows, cols: dim, values: (0..<(rows * dim)).map { _ in random.normal() }) }
        var query = column()
        var candidates = [column(), column(), column()]
        for t in 0..<dim { query[0, t] = 0; candidates[1][1, t] = query[1, t] }
        let upstream = candidates.indices.map { c in (0..<rows).map { i in i % 4 == c ? 0 : random.normal() } }
        return (query, candidates, upstream)
    }

    @Test(arguments: PairwiseSimilarity.allCases, [(6, 5), (300, 700)])
    func oneQueryPassEqualsACandidateAtATime(similarity: PairwiseSimilarity, shape: (Int, Int)) {
        let (query, candidates, upstream) = Self.columns(rows: shape.0, dim: shape.1, seed: 5)
        let scores = similarity.forward(query, candidates: candidates)
        #expect(scores == candidates.map { similarity.forward(query, $0) })

        let joint = similarity.backward(query, candidates: candidates, upstream)
        var expectedQuery = Matrix<Double>(zeros: query.rows, query.cols)
        for (c, candidate) in candidates.enumerated() {
            let (dq, dc) = similarity.backward(query, candidate, upstream[c])
            expectedQuery = expectedQuery.adding(dq)
            #expect(joint.candidates[c] == dc)
        }
        #expect(joint.query == expectedQuery)
    }

    @Test func noCandidatesGiveAZeroQueryGradient() {
        let query = Matrix<Float>(rows: 3, cols: 2, values: [1, 2, 3, 4, 5, 6])
        let result = PairwiseSimilarity.dotScore.backward(query, candidates: [], [])
        #expect(result.query == Matrix(zeros: 3, 2) && result.candidates.isEmpty)
        #expect(PairwiseSimilarity.dotScore.forward(query, candidates: []).isEmpty)
    }
}
