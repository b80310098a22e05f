import Foundation
import LossData
import LossKit
@testable import LossSession
import Testing

/// The new losses' views and warnings from a real session: what `show pairs`, the census and
/// the warnings say is what the loss reported about the step's batch.
@Suite struct LossInsightTests {
    static func runner(_ lines: [String]) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return runner
    }

    @Test func coSENTCountsTheStepsInversionsAndQuotesTheWorst() throws {
        let runner = try Self.runner(["load text:scored", "encoder bow dim=8", "loss CoSENTLoss", "set batch_size=12 eval_every=0", "step 2"])
        let session = runner.session
        let batch = try #require(session.lastBatch)
        let tuples = batch.mining.tuples
        var inverted = 0, comparable = 0
        for k in tuples.indices {
            for j in tuples.indices where tuples[k].label! > tuples[j].label! {
                comparable += 1
                if tuples[k].positiveScore <= tuples[j].positiveScore { inverted += 1 }
            }
        }
        #expect(inverted > 0)
        let extras = Dictionary(session.history.last!.extras, uniquingKeysWith: { $1 })
        #expect(extras["inversions"] == Double(inverted) && extras["comparable_pairs"] == Double(comparable))
        let shown = try runner.execute("show pairs")
        #expect(shown.contains("inverted orderings \(inverted) of \(comparable) ("))
        // The worst inversion's line names its two pairs' items, then quotes their sentences.
        let worst = try #require(batch.mining.inversions.first)
        let texts = try #require(session.dataset?.texts)
        let above = tuples[worst.above], below = tuples[worst.below]
        let items = [batch.items[0][above.anchor], batch.items[1][above.positive], batch.items[0][below.anchor], batch.items[1][below.positive]]
        let lines = shown.split(separator: "\n").map(String.init)
        let index = try #require(lines.firstIndex { $0.hasPrefix("  \(items[0])–\(items[1]) label ") })
        #expect(lines[index].contains(" ≤ \(items[2])–\(items[3]) label "))
        #expect(lines[index + 1].hasPrefix("    “" + texts[items[0]].prefix(5)))
        #expect(below.positiveScore >= above.positiveScore && below.label! < above.label!)
        #expect(try runner.execute("show census").contains("inversions  comparable_pairs"))
    }

    @Test func gistMaskingEveryCandidateWarnsWithTheAnchorAndTheGuideScores() throws {
        // margin 5: every candidate's guide cosine is above g(a,p) − 5, so all are masked.
        let runner = try Self.runner(["load text:pairs", "encoder bow dim=8", "loss GISTEmbedLoss margin=5", "set batch_size=6 eval_every=0", "step 1"])
        let session = runner.session
        let batch = try #require(session.lastBatch)
        #expect(batch.mining.unopposed == Array(0..<6))
        #expect(session.history.last!.loss == 0)
        let first = batch.items[0][0]
        let mine = batch.mining.masked.filter { $0.anchor == 0 }
        // In-batch positives (5), other anchors (5), other positives (5).
        #expect(mine.count == 15)
        let warning = try #require(session.warnings.first { $0.hasPrefix("GISTEmbedLoss masked every candidate of anchor item \(first) “") })
        let lowest = mine.min { $0.guideScore < $1.guideScore }!
        #expect(warning.contains(String(format: "the guide rates all 15 above %.3f (its positive's guide similarity %.3f, margin absolute 5.0), the lowest at %.3f",
                                        lowest.threshold, lowest.positiveGuideScore, lowest.guideScore)), "\(warning)")
        #expect(warning.contains("(and 5 more anchors alike)"))
        #expect(Dictionary(session.history.last!.extras, uniquingKeysWith: { $1 })["masked"] == Double(batch.mining.masked.count))
        let shown = try runner.execute("show pairs")
        #expect(shown.contains("masked \(batch.mining.masked.count) probable false negatives: guide sim > g(a,p) − 5.0,"))
        #expect(shown.contains("6 anchors kept no candidate but the positive"))
        // A margin that masks nothing: no warning.
        try runner.execute("loss GISTEmbedLoss margin=-5")
        try runner.execute("step 1")
        #expect(!runner.session.warnings.contains { $0.contains("masked every candidate") })
        #expect(runner.session.lastBatch!.mining.masked.isEmpty)
    }

    /// Picking GIST after the model was built (the explorer's usual way) freezes the encoder as
    /// it is then as the guide, instead of failing for want of one.
    @Test func gistChosenAfterTrainingStartedGuidesWithTheEncoderOfThatMoment() throws {
        let runner = try Self.runner(["load text:pairs", "encoder bow dim=8", "set batch_size=6 eval_every=0", "step 3",
                                      "loss GISTEmbedLoss margin=5", "step 1"])
        let session = runner.session
        let frozen = try #require(session.model?.startingEncoder)
        #expect(session.lastBatch?.mining.unopposed == Array(0..<6))
        // The frozen copy stays as it was while the model trains on.
        let before = frozen.parameters
        try runner.execute("step 2")
        #expect(session.model?.startingEncoder?.parameters == before)
        #expect(session.model?.encoder.parameters != before)
    }

    @Test func aSwampingHardnessStrengthShowsTheWeightsThatProveIt() throws {
        let runner = try Self.runner(["load text:pairs", "encoder bow dim=8",
                                      "loss MultipleNegativesRankingLoss hardness_mode=all_negatives hardness_strength=200",
                                      "set batch_size=16 eval_every=0", "step 1"])
        let batch = try #require(runner.session.lastBatch)
        let warning = try #require(runner.session.warnings.first { $0.hasPrefix("hardness_strength 200 is at least the scale 20") })
        let worst = try #require(batch.mining.tuples.filter { ($0.label ?? 1) > 1 && $0.negativeWeight != nil }.max { $0.negativeWeight! < $1.negativeWeight! })
        let weights = try #require(batch.mining.weights)
        let base = worst.anchor * batch.mining.scoreColumns
        #expect(abs(worst.negativeWeight! - exp(200 * worst.negativeScore!)) <= 1e-9 * worst.negativeWeight!)
        #expect(warning.contains(String(format: "its positive (sim %.3f, weight 1) against negative item %d (sim %.3f, weight e^(200 · %.3f) = %@)",
                                        worst.positiveScore, batch.items[1][worst.negative!], worst.negativeScore!, worst.negativeScore!,
                                        LossInsight.number(worst.negativeWeight!))), "\(warning)")
        #expect(warning.contains(String(format: "softmax share %.3f for the positive, %.3f for that negative",
                                        weights.probabilities[base + worst.anchor], weights.probabilities[base + worst.negative!])))
        #expect(weights.probabilities[base + worst.negative!] > weights.probabilities[base + worst.anchor])
    }

    @Test func symmetricRankingShowsEachDirectionsPartOfTheLoss() throws {
        let runner = try Self.runner(["load text:pairs", "encoder bow dim=8", "loss MultipleNegativesSymmetricRankingLoss",
                                      "set batch_size=8 eval_every=0", "step 1"])
        let parts = try #require(runner.session.lastBatch?.mining.parts)
        #expect(parts.map(\.name) == ["query_to_doc", "doc_to_query"])
        #expect(abs(parts.reduce(0) { $0 + $1.value } - runner.session.history.last!.loss) < 1e-4)
        let total = parts.reduce(0) { $0 + $1.value }
        let expected = "directions: " + parts.map { String(format: "%@ %.0f%%", $0.name, 100 * $0.value / total) }.joined(separator: " · ")
            + " of loss " + LossInsight.number(total)
        #expect(try runner.execute("show pairs").contains(expected))
    }
}
