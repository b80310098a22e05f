import LossData
import LossKit
import LossSession
import Testing

/// Commands in, numbers out: replays are exact, bad commands change nothing, divergence is
/// caught, and every loss trains on a dataset of its shape.
@Suite struct SessionTests {
    func run(_ lines: [String]) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return runner
    }

    @Test func aNotebookReplaysToTheSameNumbers() throws {
        let lines = ["load toy:blobs classes=5 per_class=12 dim=6 seed=3", "loss BatchSemiHardTripletLoss margin=2",
                     "encoder linear dim=4", "set lr=0.02 optimizer=adamw batch_size=20", "step 15"]
        let first = try run(lines).session.history.map(\.loss)
        let second = try run(lines).session.history.map(\.loss)
        #expect(first.count == 15)
        #expect(first == second)
        let other = try run(lines.map { $0.replacingOccurrences(of: "seed=3", with: "seed=4") }).session.history.map(\.loss)
        #expect(other != first)
    }

    @Test func rejectedCommandsLeaveTheSessionAsItWas() throws {
        let runner = try run(["load toy:blobs classes=3 per_class=8 dim=4", "loss BatchHardTripletLoss margin=1", "step 2"])
        let session = runner.session
        let before = (session.loss.className, session.settings, session.stepIndex, session.encoderChoice)
        for bad in ["loss ContrastiveLoss", "loss BatchHardTripletLoss margin=abc", "set lr=-1", "set batch_size=0", "set lr=nan",
                    "set warp=9", "encoder transformer", "load toy:nothing", "load /no/such/file.npy", "frobnicate",
                    "step 0", "step -3", "loss TripletLoss", "set sampler=sometimes", "load toy:blobs classes=1"] {
            #expect(throws: (any Error).self, "\(bad) should be refused") { try runner.execute(bad) }
        }
        #expect(session.loss.className == before.0)
        #expect(session.settings == before.1)
        #expect(session.stepIndex == before.2)
        #expect(session.encoderChoice == before.3)
        try runner.execute("step 1")
        #expect(session.stepIndex == 3)
    }

    @Test func aDivergingStepIsCaughtAndTheLastGoodStateKept() throws {
        let runner = try run(["load toy:blobs classes=3 per_class=10 dim=4", "loss BatchHardSoftMarginTripletLoss",
                              "set optimizer=sgd lr=1e30", "step 1"])
        #expect(throws: (any Error).self) { try runner.execute("step 5") }
        guard case .diverged = runner.session.state else { Issue.record("expected a diverged state"); return }
        #expect(try runner.session.embeddings().allFinite)
        #expect(throws: (any Error).self) { try runner.session.step() }
        try runner.execute("set lr=0.01")
        try runner.execute("reset")
        try runner.execute("step 2")
        #expect(runner.session.state == .ready)
    }

    /// A dataset, loss and encoder for every loss a session trains (checked below).
    static let trainingCases = [
        ("toy:blobs classes=4 per_class=10 dim=6", "BatchAllTripletLoss", ""),
        ("toy:blobs classes=4 per_class=10 dim=6", "MinedTripletLoss miner=batch-hard", ""),
        ("toy:blobs classes=4 per_class=10 dim=6", "BatchHardTripletLoss", ""),
        ("toy:blobs classes=4 per_class=10 dim=6", "BatchHardSoftMarginTripletLoss", ""),
        ("toy:blobs classes=4 per_class=10 dim=6", "BatchSemiHardTripletLoss", ""),
        ("toy:blobs classes=4 per_class=10 dim=6 as=pairs", "ContrastiveLoss", ""),
        ("toy:blobs classes=4 per_class=10 dim=6 as=pairs", "OnlineContrastiveLoss", ""),
        ("text:scored", "CosineSimilarityLoss", "encoder bow dim=8"),
        ("text:scored", "CoSENTLoss", "encoder bow dim=8"),
        ("text:scored", "AnglELoss", "encoder bow dim=8"),
        ("text:triplets", "AnglELoss scale=10", "encoder bow dim=8"),
        ("toy:blobs classes=4 per_class=10 dim=6 as=teacher teacher_dim=5", "MSELoss", "encoder linear dim=5"),
        ("toy:blobs classes=4 per_class=10 dim=6 as=teacher teacher_dim=5", "EmbedDistillLoss", "encoder linear dim=5"),
        ("toy:blobs classes=4 per_class=10 dim=6 as=teacher teacher_dim=5", "EmbedDistillLoss distance_metric=l2 projection_dim=5", "encoder linear dim=3"),
        ("toy:blobs classes=4 per_class=10 dim=6 as=teacher-scored teacher_dim=5", "MarginMSELoss similarity_fct=pairwise_cos_sim", ""),
        ("toy:blobs classes=4 per_class=10 dim=6 as=teacher-scored teacher_dim=5", "DistillKLDivLoss temperature=0.5", ""),
        ("text:sentences as=contrastive-tension", "ContrastiveTensionLoss", "encoder bow dim=8"),
        ("text:pairs", "ContrastiveTensionLossInBatchNegatives", "encoder bow dim=8"),
        ("text:pairs", "MultipleNegativesRankingLoss", "encoder bow dim=8"),
        ("text:pairs", "MegaBatchMarginLoss", "encoder bow dim=8"),
        ("text:triplets", "MultipleNegativesRankingLoss directions=query_to_doc,doc_to_query partition_mode=per_direction hardness_mode=hard_negatives hardness_strength=2", "encoder bow dim=8"),
        ("text:pairs", "MultipleNegativesSymmetricRankingLoss", "encoder bow dim=8"),
        ("text:pairs", "CachedMultipleNegativesRankingLoss mini_batch_size=4 directions=query_to_doc,query_to_query", "encoder bow dim=8"),
        ("text:triplets", "CachedMultipleNegativesSymmetricRankingLoss mini_batch_size=5", "encoder bow dim=8"),
        ("text:pairs", "GISTEmbedLoss temperature=0.05", "encoder bow dim=8"),
        ("text:triplets", "CachedGISTEmbedLoss mini_batch_size=5", "encoder bow dim=8"),
        ("text:pairs", "GlobalOrthogonalRegularizationLoss", "encoder bow dim=8"),
        ("text:nli", "SoftmaxLoss", "encoder bow dim=8"),
        ("text:triplets", "TripletLoss", "encoder bow dim=8"),
        ("toy:blobs classes=4 per_class=10 dim=6 as=hard-triplets", "MultipleNegativesRankingLoss", "encoder mlp dim=4 hidden=8"),
        ("text:pairs", "MatryoshkaLoss", "encoder bow dim=8"),
        ("text:scored", "MatryoshkaLoss loss=CoSENTLoss loss.scale=10 matryoshka_dims=8,4,2 n_dims_per_step=1", "encoder bow dim=8"),
        ("text:nli", "MatryoshkaLoss loss=SoftmaxLoss matryoshka_dims=8,8 matryoshka_weights=1,0.5", "encoder bow dim=8"),
        ("toy:blobs classes=4 per_class=10 dim=6 as=teacher teacher_dim=5", "MatryoshkaLoss loss=MSELoss matryoshka_dims=5,3", "encoder linear dim=5"),
        ("text:triplets", "MatryoshkaLoss loss=CachedMultipleNegativesRankingLoss loss.mini_batch_size=5 matryoshka_dims=8,4", "encoder bow dim=8"),
        ("toy:blobs classes=4 per_class=10 dim=6 as=hard-triplets", "AdaptiveLayerLoss", "encoder mlp dim=4 hidden=8 layers=3"),
        ("toy:blobs classes=4 per_class=10 dim=6 as=pairs", "AdaptiveLayerLoss loss=OnlineContrastiveLoss n_layers_per_step=-1 layer_weighting=log", "encoder mlp dim=4 hidden=8 layers=2 normalize=true"),
        ("toy:blobs classes=4 per_class=10 dim=6 as=hard-triplets", "Matryoshka2dLoss matryoshka_dims=4,2", "encoder mlp dim=4 hidden=8 layers=3"),
        ("text:sentences", "DenoisingAutoEncoderLoss", "encoder bow dim=8"),
        ("text:topics", "DenoisingAutoEncoderLoss deletion_ratio=0.3", "encoder bow dim=8 normalize=true"),
    ]

    @Test func everyLossHasATrainingCase() {
        let covered = Set(Self.trainingCases.map { String($0.1.split(separator: " ")[0]) })
        let missing = SessionLoss.all.map { $0.className }.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "no training case for \(missing)")
    }

    @Test(arguments: trainingCases)
    func everyLossTrainsOnItsShape(_ source: String, _ loss: String, _ encoder: String) throws {
        var lines = ["load \(source)", "loss \(loss)"]
        if !encoder.isEmpty { lines.append(encoder) }
        lines += ["set batch_size=16 eval_every=5", "step 10"]
        let runner = try run(lines)
        #expect(runner.session.stepIndex == 10)
        #expect(runner.session.history.allSatisfy { $0.loss.isFinite })
        #expect(!runner.session.evaluations.isEmpty)
    }

    @Test func expectationsCheckTheRun() throws {
        let runner = try run(["load toy:blobs classes=3 per_class=10 dim=4", "loss BatchHardTripletLoss margin=1", "step 3",
                              "expect loss < 1000", "expect loss > 1000", "expect margin == 1", "expect loss <= 10 * margin"])
        #expect(runner.failedExpectations.count == 1)
        #expect(throws: (any Error).self) { try runner.execute("expect nonsense < 1") }
    }

    @Test func savedNotebookReplaysTheSameRun() throws {
        let path = "/tmp/losslab-session-test-\(UInt32.random(in: 0...UInt32.max)).lab"
        let runner = try run(["# a comment", "load toy:blobs classes=3 per_class=10 dim=4", "step 4", "save \(path)"])
        let replay = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        _ = replay.run(try Notebook.read(path: path))
        #expect(replay.session.history.map(\.loss) == runner.session.history.map(\.loss))
    }
}

@Suite struct NotebookFormatTests {
    @Test func windowsLineEndingsReadAsSeparateCells() {
        let notebook = Notebook(text: "# prose\r\nload toy:blobs\r\n\r\nstep 2\r\n")
        #expect(notebook.cells == [.prose("prose"), .command("load toy:blobs"), .blank, .command("step 2")])
    }
}
