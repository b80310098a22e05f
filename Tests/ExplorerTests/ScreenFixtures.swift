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

    /// A command that failed: its cell in red, the message in the status row.
    static func withError() -> TrainingSnapshot {
        var s = trained()
        s.version = 3
        s.cells.append(cell("set lr=banana", "lr must be a number, got banana", error: true))
        s.message = "lr must be a number, got banana"
        s.messageIsError = true
        return s
    }
}
