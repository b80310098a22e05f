import Foundation
import Explorer
import LossData
import LossKit
@testable import LossSession
import TerminalKit

/// Snapshots for issue 15's views: MarginMSELoss's student against its teacher (the mining
/// report from the real loss on an integer-made batch) and ContrastiveTensionLoss's two
/// encoders drifting apart (integer-made curves).
extension ScreenFixtures {
    /// `integerMatrix` times `factor`: scores of a size a teacher's margins are compared with.
    static func scaledMatrix(_ rows: Int, _ cols: Int, salt: Int, by factor: Double) -> Matrix<Double> {
        let matrix = integerMatrix(rows, cols, salt: salt)
        return Matrix(rows: rows, cols: cols, values: matrix.values.map { $0 * factor })
    }

    /// MarginMSELoss after a step on 8 (query, positive, negative) triplets with teacher scores.
    static func marginMSE() -> TrainingSnapshot {
        var s = lossViewBase(name: "MarginMSELoss", summary: "sentences + teacher → teacher-scored triplets · teacher-scored · N=24",
                             shape: .teacherScored, parameters: MarginMSELoss.parameters, settings: [("similarity_fct", "pairwise_dot_score")],
                             command: "loss MarginMSELoss")
        var batch = LossBatch(columns: [scaledMatrix(8, 3, salt: 1, by: 0.2), scaledMatrix(8, 3, salt: 2, by: 0.2),
                                        scaledMatrix(8, 3, salt: 3, by: 0.2)])
        // Row i: the positive scored 0.5 + 0.05 i, the negative 0.1 (i mod 5).
        var scores: [Double] = []
        for i in 0..<8 { scores += [0.5 + 0.05 * Double(i), 0.1 * Double(i % 5)] }
        batch.teacherScores = Matrix(rows: 8, cols: 2, values: scores)
        batch.explain = true
        let report = try! MarginMSELoss().evaluate(batch).mining
        // The third column's items follow the first two's 16.
        s.batch = BatchOutcome(step: 12, examples: Array(0..<8), items: [Array(0..<8), Array(8..<16), Array(0..<8).map { ($0 + 3) % 8 }],
                               mining: report, largestGradients: [])
        for step in 1...12 {
            var record = StepRecord(step: step, loss: 2.0 - 0.1 * Double(step), gradientNorm: 1, groupNorms: [:], learningRate: 0.01,
                                    counts: MiningCounts(valid: 8, used: 8, active: 8), health: EmbeddingHealth())
            record.extras = report.namedCounts.map { ($0.name, $0.value) }
            s.history.append(record)
        }
        return s
    }

    /// ContrastiveTensionLoss after 12 steps: the encoders' cosine falls from 1, their distance grows.
    static func contrastiveTension() -> TrainingSnapshot {
        var s = lossViewBase(name: "ContrastiveTensionLoss", summary: "sentences as contrastive-tension pairs · binary-pairs · N=16",
                             shape: .binaryPairs, parameters: ContrastiveTensionLoss.parameters, settings: [],
                             command: "loss ContrastiveTensionLoss")
        var batch = LossBatch(columns: [scaledMatrix(8, 3, salt: 1, by: 0.1), scaledMatrix(8, 3, salt: 2, by: 0.1)],
                              labels: [1, 0, 0, 0, 1, 0, 0, 0])
        batch.explain = true
        let report = try! ContrastiveTensionLoss().evaluate(batch).mining
        s.batch = BatchOutcome(step: 12, examples: Array(0..<8), items: [Array(0..<8), Array(8..<16)], mining: report, largestGradients: [])
        for step in 1...12 {
            var record = StepRecord(step: step, loss: 5.0 - 0.25 * Double(step), gradientNorm: 1, groupNorms: [:], learningRate: 0.01,
                                    counts: report.counts, health: EmbeddingHealth())
            record.extras = [("encoder_cosine", 1 - 0.02 * Double(step - 1)), ("weight_distance", 0.125 * Double(step - 1))]
            s.history.append(record)
        }
        return s
    }
}
