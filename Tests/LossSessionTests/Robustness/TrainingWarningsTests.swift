import LossData
import LossKit
import LossSession
import Testing

/// Warnings carry their evidence (issue 11: MNRL with batch_size=1 is 0 by construction).
@Suite struct TrainingWarningsTests {
    @Test func rankingLossWithABatchOfOneWarnsThatItIsZero() throws {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in ["load text:pairs", "encoder bow dim=8", "loss MultipleNegativesRankingLoss", "set batch_size=1 eval_every=0"] {
            try runner.execute(line)
        }
        let output = try runner.execute("step 2")
        let warning = runner.session.warnings.first { $0.contains("0 by construction") }
        #expect(warning?.hasPrefix("batch of one: the anchor's only candidate is its own positive") == true, "\(runner.session.warnings)")
        #expect(warning?.contains("(loss 0, |grad| 0)") == true, "\(warning ?? "")")
        #expect(output.contains("warning: batch of one"))
        try runner.execute("set batch_size=2")
        try runner.execute("step 1")
        #expect(!runner.session.warnings.contains { $0.contains("0 by construction") })
    }

    @Test func hardNegativesGiveABatchOfOneSomethingToRank() throws {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in ["load text:triplets", "encoder bow dim=8", "loss MultipleNegativesRankingLoss", "set batch_size=1 eval_every=0", "step 1"] {
            try runner.execute(line)
        }
        #expect(!runner.session.warnings.contains { $0.contains("0 by construction") })
    }

    @Test func aHardnessStrengthThatSwampsThePositiveWarns() throws {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in ["load text:pairs", "encoder bow dim=8", "loss MultipleNegativesRankingLoss hardness_mode=all_negatives hardness_strength=200",
                     "set batch_size=16 eval_every=0", "step 1"] {
            try runner.execute(line)
        }
        let warning = runner.session.warnings.first { $0.hasPrefix("hardness_strength 200 is at least the scale 20") }
        #expect(warning?.contains("anchors one outranks the positive") == true, "\(runner.session.warnings)")
        try runner.execute("loss MultipleNegativesRankingLoss hardness_mode=all_negatives hardness_strength=2")
        try runner.execute("step 1")
        #expect(!runner.session.warnings.contains { $0.hasPrefix("hardness_strength") })
    }
}
