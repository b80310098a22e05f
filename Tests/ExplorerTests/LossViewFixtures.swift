import Foundation
import Explorer
import LossData
import LossKit
@testable import LossSession
import TerminalKit

/// Snapshots for the views of issue 14's losses. The mining reports come from the real losses
/// run on small integer-made batches (so the numbers on screen are the loss's own); the points
/// and curves are integer-made as in `ScreenFixtures`.
extension ScreenFixtures {
    static let sentences = [
        "A man is playing a guitar on the stage.", "The cat sleeps on the warm windowsill.", "Stock prices fell sharply on Monday.",
        "She planted tomatoes in the back garden.", "The train to Leeds was cancelled again.", "Children are building a sandcastle.",
        "He fixed the bug before the release.", "A storm closed the mountain pass overnight.",
        "Someone performs music with a guitar.", "A kitten naps in the sunny window.", "Markets dropped steeply at the week's start.",
        "Tomato plants went into her backyard.", "The Leeds service did not run, once more.", "Kids make a castle out of sand.",
        "The defect was repaired ahead of shipping.", "Heavy weather shut the pass during the night.",
    ]

    /// Integer-made rows, `rows` x `cols`, differing by `salt`.
    static func integerMatrix(_ rows: Int, _ cols: Int, salt: Int) -> Matrix<Double> {
        Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { Double((($0 + 1) * (7 + salt * 4) + salt * 13) % 11) - 5 })
    }

    static func lossViewBase(name: String, summary: String, shape: DatasetShape, parameters: [LossParameter],
                             settings: [(String, String)], command: String) -> TrainingSnapshot {
        var s = TrainingSnapshot()
        s.version = 1
        s.step = 12
        s.datasetSummary = summary
        s.datasetShape = shape
        s.lossName = name
        s.lossParameters = parameters
        s.lossSettings = settings.map { (name: $0.0, value: $0.1) }
        s.encoderSummary = "bow dim=8"
        s.trainingSettings = [("optimizer", "adam"), ("lr", "0.01"), ("batch_size", "8"), ("sampler", "auto")]
        s.lossFits = lossFits
        s.cells = [cell("load text:sample"), cell(command), cell("step 12", "step 12: loss 0.812")]
        s.message = "step 12: loss 0.812"
        for item in 0..<16 {
            let pair = item % 8
            s.points.append(TrainingSnapshot.Point(x: Double(pair) - 3.5 + (item < 8 ? 0 : 0.4), y: item < 8 ? 1 : -1 + 0.2 * Double(pair % 3),
                                                   group: item < 8 ? 0 : 1, inBatch: true))
            s.pointItems.append(item)
        }
        s.axes.minX = -4.5; s.axes.maxX = 4.5; s.axes.minY = -2; s.axes.maxY = 2
        for item in 0..<16 { s.batchTexts[item] = sentences[item] }
        return s
    }

    /// CoSENTLoss after a step on 8 scored pairs: inverted orderings, the worst with their texts.
    static func cosent() -> TrainingSnapshot {
        var s = lossViewBase(name: "CoSENTLoss", summary: "scored (8 pairs with scores) · scored-pairs · N=16", shape: .scoredPairs,
                             parameters: CoSENTLoss.parameters, settings: [("scale", "20.0"), ("similarity_fct", "pairwise_cos_sim")],
                             command: "loss CoSENTLoss")
        var batch = LossBatch(columns: [integerMatrix(8, 3, salt: 1), integerMatrix(8, 3, salt: 2)],
                              labels: [0.9, 0.1, 0.5, 0.7, 0.3, 0.8, 0.2, 0.6])
        batch.explain = true
        let report = try! CoSENTLoss().evaluate(batch).mining
        s.batch = BatchOutcome(step: 12, examples: Array(0..<8), items: [Array(0..<8), Array(8..<16)], mining: report, largestGradients: [])
        for step in 1...12 {
            var record = StepRecord(step: step, loss: 2.0 - 0.1 * Double(step), gradientNorm: 1, groupNorms: [:], learningRate: 0.01,
                                    counts: MiningCounts(valid: 8, used: 8, active: 8 - step / 3), health: EmbeddingHealth())
            record.extras = [("inversions", Double(14 - step)), ("comparable_pairs", 28)]
            s.history.append(record)
        }
        s.history[11].extras = report.namedCounts.map { ($0.name, $0.value) }
        return s
    }

    /// GISTEmbedLoss after a step on 8 (anchor, positive) pairs whose guide masks some candidates.
    static func gist() -> TrainingSnapshot {
        var s = lossViewBase(name: "GISTEmbedLoss", summary: "pairs (8 anchor-positive pairs) · anchor-positive · N=16", shape: .anchorPositive,
                             parameters: GISTEmbedLoss.parameters,
                             settings: [("temperature", "0.01"), ("margin_strategy", "absolute"), ("margin", "0.0"), ("contrast_anchors", "true"),
                                        ("contrast_positives", "true"), ("gather_across_devices", "false")],
                             command: "loss GISTEmbedLoss")
        var batch = LossBatch(columns: [integerMatrix(8, 3, salt: 3), integerMatrix(8, 3, salt: 4)])
        batch.guides = [integerMatrix(8, 2, salt: 5), integerMatrix(8, 2, salt: 6)]
        batch.explain = true
        let report = try! GISTEmbedLoss(settings: [:]).evaluate(batch).mining
        s.batch = BatchOutcome(step: 12, examples: Array(0..<8), items: [Array(0..<8), Array(8..<16)], mining: report, largestGradients: [])
        for step in 1...12 {
            var counts = MiningCounts(valid: 30 + step, used: 8, active: 8 - step / 4)
            counts.hard = 6 - step / 3
            counts.easy = 8 - counts.hard
            var record = StepRecord(step: step, loss: 3.0 - 0.2 * Double(step), gradientNorm: 1, groupNorms: [:], learningRate: 0.01,
                                    counts: counts, health: EmbeddingHealth())
            record.extras = [("masked", Double(16 - step))]
            s.history.append(record)
        }
        s.history[11].counts = report.counts
        s.history[11].extras = report.namedCounts.map { ($0.name, $0.value) }
        return s
    }

    /// MultipleNegativesRankingLoss over two directions with a hardness penalty.
    static func rankingWithHardness() -> TrainingSnapshot {
        let settings = ["directions": "query_to_doc,doc_to_query", "hardness_mode": "in_batch_negatives", "hardness_strength": "3"]
        let loss = try! MultipleNegativesRankingLoss(settings: settings)
        var s = lossViewBase(name: "MultipleNegativesRankingLoss", summary: "pairs (8 anchor-positive pairs) · anchor-positive · N=16",
                             shape: .anchorPositive, parameters: MultipleNegativesRankingLoss.parameters,
                             settings: loss.settings, command: "loss MultipleNegativesRankingLoss directions=query_to_doc,doc_to_query hardness_mode=in_batch_negatives hardness_strength=3")
        var batch = LossBatch(columns: [integerMatrix(8, 3, salt: 7), integerMatrix(8, 3, salt: 8)])
        batch.explain = true
        let report = try! loss.evaluate(batch).mining
        s.batch = BatchOutcome(step: 12, examples: Array(0..<8), items: [Array(0..<8), Array(8..<16)], mining: report, largestGradients: [])
        return s
    }
}
