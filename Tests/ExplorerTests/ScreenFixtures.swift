import Foundation
import Explorer
import LossKit
@testable import LossSession
import TerminalKit

/// Training snapshots built by hand, synchronously and the same on every machine: the
/// explorer's screens are drawn from these, never from a trainer thread.
enum ScreenFixtures {
    static let blobsSummary = "blobs (6 classes x 30, 8-D, seed 1) · labelled-items · N=180 D=8"

    static let batchHardParameters = [
        LossParameter("distance_metric", .choice(["euclidean", "cosine", "manhattan"]), default: "euclidean", role: .metric, "how far apart two embeddings are"),
        LossParameter("margin", .number, default: "5.0", role: .margin, "the distance a negative must be beyond the positive"),
    ]

    /// A fixed picker list (the real catalog's is tested on its own, so screens do not change
    /// whenever a loss is added).
    static let lossFits = [
        LossFit(name: "BatchAllTripletLoss", summary: "every valid triplet of the batch, averaged over the active ones", mismatch: nil),
        LossFit(name: "BatchHardTripletLoss", summary: "farthest positive vs closest negative per anchor", mismatch: nil),
        LossFit(name: "BatchSemiHardTripletLoss", summary: "the closest negative beyond the positive, per pair", mismatch: nil),
        LossFit(name: "ContrastiveLoss", summary: "pulls positive pairs together, pushes negatives past a margin",
                mismatch: "ContrastiveLoss needs binary-pairs data; this is labelled-items"),
        LossFit(name: "CosineSimilarityLoss", summary: "cosine of a pair regressed onto its score", mismatch: "CosineSimilarityLoss needs scored-pairs data; this is labelled-items"),
        LossFit(name: "MultipleNegativesRankingLoss", summary: "in-batch negatives: softmax over the candidates",
                mismatch: "MultipleNegativesRankingLoss needs anchor-positive or triplets data; this is labelled-items"),
        LossFit(name: "SoftmaxLoss", summary: "a classifier over (u, v, |u-v|)", mismatch: "SoftmaxLoss needs class-pairs data; this is labelled-items"),
        LossFit(name: "TripletLoss", summary: "anchor, positive, negative with a margin", mismatch: "TripletLoss needs triplets data; this is labelled-items"),
    ]

    static let trainingSettings: [(String, String)] = [
        ("optimizer", "adam"), ("lr", "0.01"), ("batch_size", "32"), ("sampler", "auto"), ("k", "4"), ("seed", "1"),
    ]

    static func cell(_ text: String, _ output: String = "", error: Bool = false, prose: Bool = false) -> TrainingSnapshot.Cell {
        TrainingSnapshot.Cell(text: text, output: output, isError: error, isProse: prose, isSkipped: false)
    }

    /// A number in [0, 1) from an index, by integer arithmetic only.
    static func jitter(_ i: Int, _ salt: Int) -> Double {
        Double((i * 7919 + salt * 104_729) % 1000) / 1000
    }

    /// Right after `load toy:blobs spread=2`: the points, no step yet.
    static func fresh() -> TrainingSnapshot {
        var s = TrainingSnapshot()
        s.version = 1
        s.datasetSummary = blobsSummary
        s.datasetShape = .labelledItems
        s.lossName = "BatchHardTripletLoss"
        s.lossParameters = batchHardParameters
        s.lossSettings = [("distance_metric", "euclidean"), ("margin", "5.0")]
        s.encoderSummary = "table"
        s.trainingSettings = trainingSettings
        s.classNames = (0..<6).map { "class \($0)" }
        s.lossFits = lossFits
        s.cells = [cell("load toy:blobs spread=2", "loaded blobs (6 classes x 30, 8-D, seed 1): labelled-items, 180 items")]
        s.message = s.cells[0].output
        let centres: [(Double, Double)] = [(-3, 2), (0, 3), (3, 2), (-3, -2), (0, -3), (3, -2)]
        for item in 0..<180 {
            let group = item / 30
            let x = centres[group].0 + 2 * (jitter(item, 1) - 0.5)
            let y = centres[group].1 + 2 * (jitter(item, 2) - 0.5)
            s.points.append(TrainingSnapshot.Point(x: x, y: y, group: group, inBatch: false))
            s.pointItems.append(item)
        }
        s.axes.minX = -4.5; s.axes.maxX = 4.5; s.axes.minY = -4.5; s.axes.maxY = 4.5
        return s
    }

    /// After `step 120`: history with held-out losses, the last batch and its mined triplets.
    static func trained() -> TrainingSnapshot {
        var s = fresh()
        s.version = 2
        s.step = 120
        var loss = 4.0
        for step in 1...120 {
            loss *= 0.97
            let wobble = 0.3 * (jitter(step, 3) - 0.5)
            var counts = MiningCounts(valid: 3000, used: 32, active: max(32 - step / 4, 2))
            counts.hard = max(20 - step / 6, 0)
            counts.semiHard = 8
            counts.easy = 3000 - counts.hard - counts.semiHard
            s.history.append(StepRecord(step: step, loss: loss + wobble * loss, gradientNorm: 0.5 * loss + 0.05 * jitter(step, 4),
                                        groupNorms: [:], learningRate: 0.01, counts: counts, health: EmbeddingHealth()))
        }
        s.evaluations = stride(from: 20, through: 120, by: 20).map { step in
            EvaluationRecord(step: step, metrics: [("test_loss", 4.5 * Double(140 - step) / 140)])
        }
        let batchItems = (0..<32).map { ($0 * 37) % 180 }
        for (index, item) in s.pointItems.enumerated() where batchItems.contains(item) { s.points[index].inBatch = true }
        let tuples = (0..<32).map { row -> MinedTuple in
            let positive = Double(3 + row % 5) + jitter(row, 5)
            let negative = positive + Double(row % 7) - 1.5
            let rowLoss = max(positive - negative + 5, 0)
            var tuple = MinedTuple(anchor: row, positive: (row + 6) % 32, negative: (row + 11) % 32, positiveScore: positive,
                                   negativeScore: negative, loss: rowLoss)
            tuple.hardness = negative < positive ? .hard : (rowLoss > 0 ? .semiHard : .easy)
            return tuple
        }
        var report = MiningReport(kind: .triplet, tuples: tuples, counts: MiningCounts(valid: 3000, used: 32, active: 7))
        report.counts.hard = 5
        report.counts.semiHard = 8
        report.counts.easy = 2987
        s.batch = BatchOutcome(step: 120, examples: batchItems, items: [batchItems], mining: report, largestGradients: [])
        s.cells += [cell("loss BatchHardTripletLoss margin=5", "loss BatchHardTripletLoss distance_metric=euclidean margin=5.0"),
                    cell("step 120", "step 120: loss 0.104, |grad| 0.052")]
        s.message = s.cells.last!.output
        return s
    }

    /// `trained()` as a sample of 120,000 items: 30 drawn per class, two batch items the sample
    /// missed drawn after it, the classes' shares of the data unequal.
    static func sampled() -> TrainingSnapshot {
        var s = trained()
        s.itemCount = 120_000
        s.sampledPoints = s.points.count
        let totals = [40_000, 30_000, 20_000, 15_000, 10_000, 5_000]
        s.pointCounts = totals.enumerated().map { DisplaySample.GroupCount(group: $0.offset, shown: 30, total: $0.element) }
        for (item, group, x, y) in [(119_001, 2, 1.5, 0.5), (119_002, 4, -0.5, -1.5)] {
            s.points.append(TrainingSnapshot.Point(x: x, y: y, group: group, inBatch: true))
            s.pointItems.append(item)
        }
        return s
    }

    /// A command that failed: its cell in red, the message in the status row.
    static func withError() -> TrainingSnapshot {
        var s = trained()
        s.version = 3
        s.cells.append(cell("set lr=banana", "lr must be a number, got banana", error: true))
        s.message = "lr must be a number, got banana"
        s.messageIsError = true
        return s
    }

    /// `trained()` with each batch point's push: where the loss moves it, and the points it ignores.
    static func withForces() -> TrainingSnapshot {
        var s = trained()
        let batch = s.batch!.items[0]
        for (row, item) in batch.enumerated() where row % 4 != 3 {
            let point = s.points[item]
            s.forces.append(TrainingSnapshot.Force(item: item, x: point.x, y: point.y, dx: -point.x / 4, dy: -point.y / 4, group: point.group))
        }
        s.idleItems = Set(batch.enumerated().filter { $0.offset % 4 == 3 }.map(\.element))
        return s
    }

    /// MultipleNegativesRankingLoss on 8 (anchor, positive) pairs after a step: each anchor's
    /// similarity to the 8 candidates is kept, so the softmax inspector can open.
    static func rankings() -> TrainingSnapshot {
        var s = TrainingSnapshot()
        s.version = 1
        s.step = 12
        s.datasetSummary = "pairs (8 anchor-positive pairs, 4-D) · anchor-positive · N=16 D=4"
        s.datasetShape = .anchorPositive
        s.lossName = "MultipleNegativesRankingLoss"
        s.lossParameters = [
            LossParameter("scale", .number, default: "20.0", role: .scale, "multiplies the similarities before the softmax"),
            LossParameter("similarity_fct", .choice(["cos_sim", "dot_score"]), default: "cos_sim", role: .metric, "how similar two embeddings are"),
        ]
        s.lossSettings = [("scale", "20.0"), ("similarity_fct", "cos_sim")]
        s.encoderSummary = "table"
        s.trainingSettings = [("optimizer", "adam"), ("lr", "0.01"), ("batch_size", "8"), ("sampler", "auto")]
        s.lossFits = lossFits
        s.cells = [cell("load toy:pairs", "loaded 8 pairs"), cell("loss MultipleNegativesRankingLoss"), cell("step 12", "step 12: loss 0.812")]
        s.message = "step 12: loss 0.812"
        for item in 0..<16 {
            let pair = item % 8
            s.points.append(TrainingSnapshot.Point(x: Double(pair) - 3.5 + (item < 8 ? 0 : 0.4), y: item < 8 ? 1 : -1 + 0.2 * Double(pair % 3),
                                                   group: pair, inBatch: true))
            s.pointItems.append(item)
        }
        s.axes.minX = -4.5; s.axes.maxX = 4.5; s.axes.minY = -2; s.axes.maxY = 2
        var scores: [Double] = []
        var tuples: [MinedTuple] = []
        for anchor in 0..<8 {
            let row = (0..<8).map { candidate in candidate == anchor ? 0.55 + 0.05 * Double(anchor % 3) : 0.1 * Double((anchor * 3 + candidate * 5) % 8) - 0.2 }
            scores += row
            let best = (0..<8).filter { $0 != anchor }.max { row[$0] < row[$1] }!
            let rank = 1 + (0..<8).filter { $0 != anchor && row[$0] > row[anchor] }.count
            let logits = row.map { $0 * 20 }
            let top = logits.max()!
            let loss = -(logits[anchor] - top) + log(logits.map { exp($0 - top) }.reduce(0, +))
            var tuple = MinedTuple(anchor: anchor, positive: anchor, negative: best, positiveScore: row[anchor], negativeScore: row[best], loss: loss)
            tuple.label = Double(rank)
            tuples.append(tuple)
        }
        var report = MiningReport(kind: .ranking, tuples: tuples, counts: MiningCounts(valid: 8, used: 8, active: 8))
        report.scores = scores
        report.scoreColumns = 8
        s.batch = BatchOutcome(step: 12, examples: Array(0..<8), items: [Array(0..<8), Array(8..<16)], mining: report, largestGradients: [])
        return s
    }
}

extension ScreenFixtures {
    /// `trained()` on text data: each batch item's sentence, and the step's dL/d(embedding)
    /// of every batch row (integer-made), for the row detail.
    static func trainedWithTexts() -> TrainingSnapshot {
        var s = trained()
        let topics = ["the cat sat on the warm windowsill all afternoon", "a recipe for bread that needs no kneading at all",
                      "the train to the coast leaves every hour on the hour", "how to tune a guitar by ear without any app",
                      "rain is expected over the mountains by the evening", "the museum opens a new wing for modern sculpture"]
        for item in s.batch!.items[0] { s.batchTexts[item] = "item \(item): " + topics[item / 30] }
        let rows = s.batch!.items[0].count
        s.batch!.embeddingGradients = Matrix<Float>(rows: rows, cols: 8, values: (0..<(rows * 8)).map { Float(($0 * 37) % 11 - 5) / 100 })
        return s
    }

    /// The neighbours the trainer would send for `item` (made by hand: five items of its class).
    static func neighbours(of item: Int, in s: TrainingSnapshot, withText: Bool = false) -> PointNeighbours {
        let base = (item / 30) * 30
        let near = (1...5).map { base + (item - base + $0 * 7) % 30 }
        return PointNeighbours(item: item, text: withText ? "the sentence of item \(item)" : nil, measure: .euclidean, dimension: 8,
                               searched: 180, itemCount: 180,
                               neighbours: near.enumerated().map { PointNeighbours.Neighbour(item: $0.element, value: 0.25 * Double($0.offset + 1),
                                                                                              text: withText ? "the sentence of item \($0.element)" : nil) })
    }
}
