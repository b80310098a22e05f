import Foundation
import LossData
import LossKit
@testable import LossSession
import Testing

/// `encoder mlp layers=N` and the losses that train its layers, in sessions and notebooks.
@Suite struct LayerSessionTests {
    func run(_ lines: [String]) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return runner
    }

    static let data = "load toy:blobs classes=4 per_class=12 dim=6 as=hard-triplets"

    @Test func oneLayerIsTheMlpOfBefore() throws {
        let plain = try run([Self.data, "encoder mlp dim=4 hidden=8", "step 3"])
        let one = try run([Self.data, "encoder mlp dim=4 hidden=8 layers=1", "step 3"])
        #expect(plain.session.encoderChoice.summary == "mlp dim=4 hidden=8")
        #expect(one.session.encoderChoice == plain.session.encoderChoice)
        #expect(plain.session.model!.encoder.parameterNames == ["mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"])
        #expect(one.session.history.map(\.loss) == plain.session.history.map(\.loss))
    }

    @Test func layersNameTheirWeightsAsASequential() throws {
        let runner = try run([Self.data, "encoder mlp dim=4 hidden=8 layers=3"])
        #expect(runner.session.encoderChoice.summary == "mlp dim=4 hidden=8 layers=3")
        let encoder = runner.session.model!.encoder
        #expect(encoder.parameterNames == ["mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias", "mlp.4.weight", "mlp.4.bias",
                                           "mlp.6.weight", "mlp.6.bias"])
        #expect(encoder.parameters["mlp.2.weight"]!.rows == 8 && encoder.parameters["mlp.6.weight"]!.cols == 4)
        #expect(encoder.forward(items: [0, 1]).layerEmbeddings.count == 2)
    }

    @Test func badLayerSettingsAreOneLine() throws {
        let runner = try run([Self.data])
        for (line, words) in [("encoder linear layers=2", "is for the mlp encoder"), ("encoder mlp layers=0", "from 1 to"),
                              ("encoder mlp layers=x", "from 1 to"), ("encoder mlp layers=33", "from 1 to")] {
            #expect { try runner.execute(line) } throws: { "\($0)".contains(words) && !"\($0)".contains("\n") }
        }
    }

    @Test func adaptiveLayerLossTrainsEveryLayerAndReportsEach() throws {
        let runner = try run([Self.data, "encoder mlp dim=4 hidden=8 layers=3", "loss AdaptiveLayerLoss n_layers_per_step=-1",
                              "set batch_size=16 eval_every=5", "step 10"])
        let last = try #require(runner.session.history.last)
        let names = last.extras.map(\.0)
        #expect(names == ["layer_1_loss", "layer_1_kl", "layer_2_loss", "layer_2_kl", "layer_3_loss"])
        #expect(last.extras.allSatisfy { $0.1.isFinite })
        let evaluation = try #require(runner.session.evaluations.last)
        for name in ["layer_1_test_loss", "layer_2_test_loss", "layer_1_triplet_accuracy", "layer_2_triplet_accuracy"] {
            #expect(evaluation.value(name) != nil, "no held-out \(name)")
        }
        #expect(runner.metric("layer_1_loss") != nil && runner.metric("heldout_layer_1_test_loss") != nil)
        let table = try runner.execute("show layers")
        #expect(table.split(separator: "\n").count == 4)
        #expect(table.contains("triplet_accuracy") && table.contains("3 last"))
    }

    @Test func sampledLayersReadNaNAndReplayTheSame() throws {
        let lines = [Self.data, "encoder mlp dim=4 hidden=8 layers=4", "loss Matryoshka2dLoss matryoshka_dims=4,2", "set batch_size=16", "step 6"]
        let first = try run(lines), second = try run(lines)
        #expect(first.session.history == second.session.history)
        let extras = try #require(first.session.history.last?.extras)
        // One earlier layer of three per batch: two read NaN.
        #expect(extras.filter { $0.0.hasSuffix("_loss") && $0.1.isNaN }.count == 2)
    }

    @Test func matryoshka2dIsMeasuredAtItsDimensions() throws {
        let runner = try run([Self.data, "encoder mlp dim=8 hidden=8 layers=3", "loss Matryoshka2dLoss matryoshka_dims=8,4",
                              "set batch_size=16 eval_every=0", "step 4", "eval"])
        let session = runner.session
        #expect(session.evaluationDimensions == [8, 4, 2])
        let record = try #require(session.evaluations.last)
        let curve = try #require(record.byDimension.first)
        #expect(curve.points.map(\.dimension) == [8, 4, 2])
        // The full width is the plain metric; the layers keep theirs.
        #expect(record.value("\(curve.metric)@8") == record.value(curve.metric))
        #expect(curve.points.allSatisfy { (0...1).contains($0.value) })
        #expect(record.value("layer_1_test_loss") != nil)
        try runner.execute("expect \(curve.metric)@2 <= 1")
        #expect(runner.failedExpectations.isEmpty)
        let lines = try runner.execute("show dimensions").split(separator: "\n").map(String.init)
        #expect(lines.first == "by dimension, on the first d coordinates re-normalised: Matryoshka2dLoss (held-out at step 4)")
        #expect(lines.dropFirst(2).map { $0.split(separator: " ").first.map(String.init) } == ["8", "4", "2"])
    }

    @Test func withoutLayersTheLossSaysWhereItTrains() throws {
        let runner = try run([Self.data, "encoder mlp dim=4 hidden=8", "loss AdaptiveLayerLoss"])
        #expect { try runner.execute("step 1") } throws: { "\($0)".contains("encoder mlp layers=N") }
        _ = try runner.execute("encoder mlp dim=4 hidden=8 layers=2")
        _ = try runner.execute("step 2")
        #expect(runner.session.stepIndex == 2)
    }

    @Test func checkpointsRewindDuelAndPinCarryTheLayers() throws {
        let lines = [Self.data, "encoder mlp dim=4 hidden=8 layers=3", "loss AdaptiveLayerLoss n_layers_per_step=-1", "set batch_size=16"]
        let straight = try run(lines + ["step 20"])
        let rewound = try run(lines + ["step 25", "rewind 20"])
        #expect(rewound.session.history.map(\.loss) == straight.session.history.map(\.loss))
        #expect(rewound.session.model!.encoder.parameters == straight.session.model!.encoder.parameters)
        let duel = try run(lines + ["duel loss MultipleNegativesRankingLoss", "step 3"])
        #expect(duel.session.rival?.encoderChoice.layers == 3)
        #expect(duel.session.rival?.history.count == 3)
        let pinned = try run(lines + ["step 1", "pin"])
        let reply = try pinned.execute("loss AdaptiveLayerLoss n_layers_per_step=-1 kl_temperature=0")
        #expect(reply.contains("pinned batch"))
    }

    @Test func evalRefusesTheLayerLossesInOneLine() throws {
        for name in ["AdaptiveLayerLoss", "Matryoshka2dLoss", "MultipleNegativesRankingLoss + 1 * AdaptiveLayerLoss"] {
            #expect { try EvalJob.run(EvalRequest(lossName: name, embeddings: [])) } throws: { error in
                let text = "\(error)"
                return text.contains("encoder mlp layers=") && text.contains("notebook") && !text.contains("\n")
            }
        }
    }
}
