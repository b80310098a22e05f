import LossData
import LossKit
@testable import LossSession
import Testing

/// `loss A + 0.1 * B`: the grammar, a notebook that trains a sum, its replay, rewind, duel,
/// the classifier of a summed SoftmaxLoss and the exported script.
@Suite struct LossSumSessionTests {
    func run(_ lines: [String]) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return runner
    }

    static let sum = "loss MultipleNegativesRankingLoss scale=20 + 0.1 * GlobalOrthogonalRegularizationLoss mean_weight=1"

    @Test func theGrammarReadsTermsWeightsAndSettings() throws {
        let spec = LossSpec(terms: [
            LossSpec.Term(name: "MultipleNegativesRankingLoss", settings: ["scale": "20"]),
            LossSpec.Term(weight: 0.1, name: "GlobalOrthogonalRegularizationLoss", settings: ["mean_weight": "1"]),
        ])
        #expect(try Command.parse(Self.sum) == .loss(spec))
        // Each term may set the same name; `+` inside a value is the value's.
        #expect(try Command.parse("loss CoSENTLoss scale=1e+1 + 2 * AnglELoss scale=5")
                == .loss(LossSpec(terms: [LossSpec.Term(name: "CoSENTLoss", settings: ["scale": "1e+1"]),
                                          LossSpec.Term(weight: 2, name: "AnglELoss", settings: ["scale": "5"])])))
        #expect(try Command.parse("loss TripletLoss triplet_margin=1") == .loss(name: "TripletLoss", settings: ["triplet_margin": "1"]))
        #expect(try Command.parse("duel loss CoSENTLoss + 0.5 * GlobalOrthogonalRegularizationLoss")
                == .duel(LossSpec(terms: [LossSpec.Term(name: "CoSENTLoss"), LossSpec.Term(weight: 0.5, name: "GlobalOrthogonalRegularizationLoss")])))
        #expect(try Command.parse("duel off") == .duel(nil))
        for (bad, says) in [("loss A +", "a loss name is missing (term 2)"), ("loss + B", "a loss name is missing (term 1)"),
                            ("loss A + x * B", "the weight 'x' (term 2) is not a decimal number"),
                            ("loss A + 0 * B", "a weight of 0 (term 2) leaves its loss out"),
                            ("loss A+B", "write + and * as words of their own"), ("loss 0.1*B", "write + and * as words of their own"),
                            ("loss A scale=1 scale=2", "scale is given twice"), ("loss A B", "unexpected 'B'"), ("loss", "loss needs a loss name")] {
            do {
                _ = try Command.parse(bad)
                Issue.record("'\(bad)' was accepted")
            } catch { #expect("\(error)".contains(says), "\(bad): \(error)") }
        }
    }

    @Test func printingAndParsingRoundTrip() throws {
        let specs = [
            LossSpec(terms: [LossSpec.Term(name: "MultipleNegativesRankingLoss", settings: ["scale": "20", "directions": "query_to_doc,doc_to_query"]),
                             LossSpec.Term(weight: 0.1, name: "GlobalOrthogonalRegularizationLoss", settings: ["mean_weight": "none"]),
                             LossSpec.Term(weight: -1e-3, name: "CoSENTLoss", settings: ["similarity_fct": "a b=c"])]),
            LossSpec(terms: [LossSpec.Term(weight: 0.30000000000000004, name: "CoSENTLoss")]),
            LossSpec(name: "TripletLoss", settings: ["triplet_margin": "1"]),
        ]
        for spec in specs {
            #expect(try Command.parse("loss " + spec.text) == .loss(spec), "\(spec.text)")
            #expect(try Command.parse("duel loss " + spec.text) == .duel(spec))
        }
        // The session's own line for a sum is a command that builds the same sum.
        let session = try run(["load text:pairs", Self.sum]).session
        #expect(try Command.parse("loss " + session.loss.spec.text) == .loss(session.loss.spec))
        #expect(try SessionLoss.make(session.loss.spec).line == session.loss.line)
        #expect(session.loss.line.hasPrefix("MultipleNegativesRankingLoss scale=20.0 "))
        #expect(session.loss.line.contains(" + 0.1 * GlobalOrthogonalRegularizationLoss similarity_fct=cos_sim mean_weight=1.0"))
    }

    @Test func aSumTrainsLogsEachTermAndReplaysExactly() throws {
        let lines = ["load text:pairs", Self.sum, "set batch_size=16", "step 12"]
        let first = try run(lines).session
        #expect(first.history.count == 12)
        for record in first.history {
            #expect(record.terms.map(\.name) == ["MultipleNegativesRankingLoss", "gor_mean", "gor_second_moment"])
            #expect(abs(record.terms.reduce(0) { $0 + $1.value } - record.loss) <= 1e-6 * max(1, record.loss))
            #expect(record.targets.map(\.name) == ["mean_similarity", "second_moment"] && record.targets[1].target == 1.0 / 16)
            let metrics = Dictionary(record.metrics, uniquingKeysWith: { $1 })
            #expect(metrics["gor_mean"] != nil && metrics["multiplenegativesrankingloss"] != nil && metrics["second_moment"] != nil)
        }
        #expect(first.lastBatch?.termMinings.map(\.name) == ["MultipleNegativesRankingLoss", "GlobalOrthogonalRegularizationLoss"])
        #expect(first.lastBatch?.termMinings.first?.mining.kind == .ranking)
        let second = try run(lines).session
        #expect(first.history == second.history)
        // Replayed from a saved notebook, and through a rewind.
        let path = "/tmp/losslab-sum-test-\(UInt32.random(in: 0...UInt32.max)).lab"
        _ = try run(lines + ["save \(path)"])
        let replay = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        _ = replay.run(try Notebook.read(path: path))
        #expect(replay.session.history == first.history)
        let rewound = try run(lines + ["rewind 10", "step 2"]).session
        #expect(rewound.history == first.history)
    }

    /// The sum's step is the weighted parts' step: one term alone at weight 1 trains exactly as
    /// the loss on its own, and a GOR weight of 0.1 changes the curve.
    @Test func oneTermWithWeightOneTrainsAsTheLossAlone() throws {
        let alone = try run(["load text:pairs", "loss MultipleNegativesRankingLoss", "step 5"]).session.history.map(\.loss)
        let single = try run(["load text:pairs", "loss 1 * MultipleNegativesRankingLoss", "step 5"]).session.history.map(\.loss)
        let summed = try run(["load text:pairs", Self.sum, "step 5"]).session.history.map(\.loss)
        #expect(alone == single)
        #expect(summed != alone)
    }

    @Test func termsThatDoNotFitTheDataAreRefusedInOneLine() throws {
        let runner = try run(["load text:pairs"])
        for (bad, says) in [
            ("loss TripletLoss + ContrastiveLoss", "TripletLoss and ContrastiveLoss cannot share a batch"),
            ("loss MultipleNegativesRankingLoss + 0.1 * SoftmaxLoss", "every loss of a sum trains on the same batches: SoftmaxLoss needs"),
            ("loss MultipleNegativesRankingLoss + DenoisingAutoEncoderLoss", "term 2 of the sum"),
            ("loss MultipleNegativesRankingLoss + NoSuchLoss", "term 2 of the sum: unknown loss 'NoSuchLoss'"),
            ("loss MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss mean_weight=0 second_moment_weight=0", "term 2 of the sum"),
        ] {
            do {
                try runner.execute(bad)
                Issue.record("'\(bad)' was accepted")
            } catch {
                #expect("\(error)".contains(says), "\(bad): \(error)")
                #expect(!"\(error)".contains("\n"))
            }
        }
        #expect(runner.session.loss.className == "MultipleNegativesRankingLoss")
    }

    @Test func aSummedClassifierOwnsItsWeightsUnderItsTermsName() throws {
        let session = try run(["load text:nli", "loss SoftmaxLoss + 0.5 * GlobalOrthogonalRegularizationLoss", "step 3"]).session
        #expect(Set(session.model!.lossParameters.keys) == ["losses.0.classifier.weight", "losses.0.classifier.bias"])
        #expect(session.history.last!.groupNorms["losses.0.classifier.weight"] != nil)
        let evaluation = try session.evaluate()
        #expect(evaluation.value("accuracy") != nil && evaluation.value("test_loss") != nil)
    }

    @Test func aDuelAndAPinnedBatchTakeSums() throws {
        let runner = try run(["load text:pairs", "loss MultipleNegativesRankingLoss", "step 3", "pin"])
        let output = try runner.execute("loss MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss")
        #expect(output.contains("pinned batch: loss"))
        try runner.execute("duel loss MultipleNegativesRankingLoss + 0.5 * GlobalOrthogonalRegularizationLoss")
        try runner.execute("step 2")
        let rival = try #require(runner.session.rival)
        #expect(rival.loss.isSum && rival.history.count == 5 && rival.history.last!.terms.count == 3)
        #expect(runner.session.history.last!.loss != rival.history.last!.loss)
    }

    @Test func aReferenceChangeRebuildsEveryTerm() throws {
        let runner = try run(["load text:pairs", "loss MultipleNegativesRankingLoss scale=10 + 0.5 * MegaBatchMarginLoss", "set reference=1.2.0"])
        #expect(runner.session.loss.line.hasPrefix("MultipleNegativesRankingLoss scale=10.0"))
        #expect(runner.session.loss.line.contains("+ 0.5 * MegaBatchMarginLoss"))
        #expect(runner.session.settings.reference == .v1_2_0)
        try runner.execute("set reference=6.2.0")
        try runner.execute("loss MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss")
        #expect(throws: (any Error).self) { try runner.execute("set reference=1.2.0") }
    }
}

/// The exported script of a sum: each term's own constructor, weighted in one module whose dict
/// the trainer sums. (Whether it runs on 6.2: Tests/interop/check_training_script.py --sum-with.)
@Suite struct LossSumScriptTests {
    @Test func theScriptSumsTheWeightedTermsInOneModule() throws {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in ["load text:nli", "loss SoftmaxLoss + 0.25 * GlobalOrthogonalRegularizationLoss mean_weight=2"] { try runner.execute(line) }
        let script = TrainingScript.make(runner.session)
        #expect(script.contains("class WeightedLossSum(torch.nn.Module):"))
        #expect(script.contains("\n    loss = WeightedLossSum(model, terms=[\n        ([\"SoftmaxLoss\"], 1.0, losses.SoftmaxLoss(model, "))
        #expect(script.contains("        ([\"gor_mean\", \"gor_second_moment\"], 0.25, losses.GlobalOrthogonalRegularizationLoss(model, mean_weight=2.0)),\n    ])"))
        #expect(script.contains("import torch\n"))
        #expect(script.contains("default=\"output/softmaxloss-globalorthogonalregularizationloss\""))
        // A lone loss keeps its own call.
        try runner.execute("loss SoftmaxLoss")
        #expect(!TrainingScript.make(runner.session).contains("WeightedLossSum"))
    }
}
