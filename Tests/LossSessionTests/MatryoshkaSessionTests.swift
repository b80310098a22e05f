import LossData
import LossKit
import LossSession
import Testing

/// MatryoshkaLoss in sessions: nested settings, the data its inner loss fits, the inner loss's
/// trained weights, seeded dimension sampling, the parameter pane and the exported script.
@Suite struct MatryoshkaSessionTests {
    func run(_ lines: [String]) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return runner
    }

    @Test func nestedSettingsReachTheInnerLoss() throws {
        let runner = try run(["load text:scored", "encoder bow dim=8",
                              "loss MatryoshkaLoss loss=CoSENTLoss loss.scale=20 matryoshka_dims=8,4,2"])
        let loss = try #require(runner.session.loss.embeddingLoss as? MatryoshkaLoss)
        let inner = try #require(loss.inner as? CoSENTLoss)
        #expect(inner.scale == 20)
        #expect(loss.dimensions == [8, 4, 2])
        #expect(runner.session.loss.line.contains("loss=CoSENTLoss loss.scale=20.0"))
        // The pane's table holds the inner loss's parameters under their nested names.
        let names = runner.session.loss.parameters(in: .latest).map(\.name)
        #expect(names.contains("loss.scale") && names.contains("matryoshka_dims"))
    }

    @Test func theDataMustFitTheInnerLoss() throws {
        let runner = try run(["load text:pairs", "encoder bow dim=8"])
        #expect(throws: (any Error).self) { try runner.execute("loss MatryoshkaLoss loss=CoSENTLoss") }
        #expect(throws: (any Error).self) { try runner.execute("loss MatryoshkaLoss loss=GlobalOrthogonalRegularizationLoss") }
        #expect(throws: (any Error).self) { try runner.execute("loss MatryoshkaLoss loss=MatryoshkaLoss") }
        #expect(throws: (any Error).self) { try runner.execute("loss MatryoshkaLoss loss.scale=abc") }
        try runner.execute("loss MatryoshkaLoss loss=MultipleNegativesRankingLoss matryoshka_dims=16")
        // The dimension is checked against the embeddings when a batch is scored.
        #expect(throws: (any Error).self) { try runner.execute("step 1") }
        #expect(runner.session.stepIndex == 0)
    }

    @Test func theInnerClassifierTrains() throws {
        let runner = try run(["load text:nli", "encoder bow dim=8", "loss MatryoshkaLoss loss=SoftmaxLoss matryoshka_dims=8"])
        let start = try #require(runner.session.model?.lossParameters["loss.classifier.weight"])
        try runner.execute("step 5")
        let trained = try #require(runner.session.model?.lossParameters["loss.classifier.weight"])
        #expect(trained.values != start.values)
    }

    @Test func sampledDimensionsReplayAndFollowTheSeed() throws {
        let lines = ["load text:pairs", "encoder bow dim=8", "set batch_size=16",
                     "loss MatryoshkaLoss matryoshka_dims=8,4,2,1 n_dims_per_step=1", "step 12"]
        let first = try run(lines).session.history.map(\.loss)
        #expect(first == (try run(lines).session.history.map(\.loss)))
        let all = try run(lines.map { $0.replacingOccurrences(of: "n_dims_per_step=1", with: "n_dims_per_step=-1") }).session.history.map(\.loss)
        #expect(first != all)
    }

    @Test func theScriptWrapsTheInnerLoss() throws {
        let loss = try LossCatalog.make("MatryoshkaLoss", settings: ["loss": "CoSENTLoss", "loss.scale": "10",
                                                                    "matryoshka_dims": "384,128,32", "matryoshka_weights": "1,1,2"])
        #expect(loss.scriptLoss(ScriptContext()).call
            == "losses.MatryoshkaLoss(model, loss=losses.CoSENTLoss(model, scale=10.0), matryoshka_dims=[384, 128, 32], matryoshka_weights=[1.0, 1.0, 2.0])")
        let softmax = try LossCatalog.make("MatryoshkaLoss", settings: ["loss": "SoftmaxLoss", "matryoshka_dims": "8"])
        #expect(softmax.scriptLoss(ScriptContext(classCount: 3)).call.contains("matryoshka_dims=[model.get_embedding_dimension()] * 1"))
    }
}
