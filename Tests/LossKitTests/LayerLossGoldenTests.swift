import Foundation
@testable import LossKit
import Testing

/// AdaptiveLayerLoss and Matryoshka2dLoss against the real 6.2.0 classes training a model equal
/// to `encoder mlp layers=N` (Tests/Fixtures/golden62-layers/generate.py): the loss and the
/// gradient of every encoder weight, through LossLab's encoder and the loss's layer gradients.
/// They take no `eval` form (eval has no layers), so these cases stand in for the eval-form
/// golden cases of the other losses.
@Suite struct LayerLossGoldenTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var loss: String
        var params: [String: String]
        var input: Int, hidden: Int, output: Int, layers: Int
        var normalize: Bool
        var weights: [String: [Double]]
        var vectors: [Double]
        var columns: [[Int]]
        var labels: [Double]
        var chosenLayers: [Int]
        var expectedLoss: Double
        var expectedGradients: [String: [Double]]
        var description: String { name }
    }

    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/golden62-layers/cases.json")

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: fixture),
              let list = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return [] }
        return list.map { object in
            let encoder = object["encoder"] as! [String: Any]
            let expected = object["expected"] as! [String: Any]
            return Case(name: object["name"] as! String, loss: object["loss"] as! String, params: object["params"] as! [String: String],
                        input: encoder["input"] as! Int, hidden: encoder["hidden"] as! Int, output: encoder["output"] as! Int,
                        layers: encoder["layers"] as! Int, normalize: encoder["normalize"] as! Bool,
                        weights: object["weights"] as! [String: [Double]], vectors: object["vectors"] as! [Double],
                        columns: object["columns"] as! [[Int]], labels: object["labels"] as? [Double] ?? [],
                        chosenLayers: object["chosen_layers"] as! [Int], expectedLoss: expected["loss"] as! Double,
                        expectedGradients: expected["grads"] as! [String: [Double]])
        }
    }()

    /// The case's encoder with the case's weights.
    static func encoder(_ golden: Case) -> Encoder<Double> {
        let items = golden.vectors.count / golden.input
        var parameters: [String: Matrix<Double>] = [:]
        for layer in 0...golden.layers {
            let rows = layer == 0 ? golden.input : golden.hidden
            let cols = layer == golden.layers ? golden.output : golden.hidden
            parameters["mlp.\(2 * layer).weight"] = Matrix(rows: rows, cols: cols, values: golden.weights["mlp.\(2 * layer).weight"]!)
            parameters["mlp.\(2 * layer).bias"] = Matrix(rows: 1, cols: cols, values: golden.weights["mlp.\(2 * layer).bias"]!)
        }
        return Encoder(kind: .mlp(hidden: golden.hidden, output: golden.output, layers: golden.layers), normalize: golden.normalize,
                       parameters: parameters, input: .vectors(ReadOnlyRows(Matrix(rows: items, cols: golden.input, values: golden.vectors))),
                       itemCount: items, outputDimension: golden.output, packedTokens: nil)
    }

    @Test func fixturesCoverBothLosses() {
        #expect(Set(Self.cases.map(\.loss)) == ["AdaptiveLayerLoss", "Matryoshka2dLoss"])
        #expect(Set(LossCatalog.all.filter { $0.inputSpec.needsLayers }.map { $0.className }) == ["AdaptiveLayerLoss", "Matryoshka2dLoss"])
    }

    @Test(arguments: cases)
    func matchesReference(_ golden: Case) throws {
        let encoder = Self.encoder(golden)
        let pass = encoder.forward(items: golden.columns.flatMap { $0 })
        let counts = golden.columns.map(\.count)
        var batch = LossBatch(columns: pass.embeddings.splitRows(counts), labels: golden.labels)
        batch.layers = pass.layerEmbeddings.map { $0.splitRows(counts) }
        let loss = try LossCatalog.make(golden.loss, settings: golden.params)
        let result: LossResult<Double>
        if let adaptive = loss as? AdaptiveLayerLoss {
            result = try adaptive.compute(batch, layers: golden.chosenLayers)
            // The seeded draw takes as many layers as 6.2.0's does.
            #expect(adaptive.chosenLayers(count: batch.layers.count, seed: 5).count == golden.chosenLayers.count)
        } else {
            let matryoshka2d = try #require(loss as? Matryoshka2dLoss)
            result = try matryoshka2d.compute(batch, layers: golden.chosenLayers)
        }
        #expect(abs(result.value - golden.expectedLoss) <= 1e-9 * max(1, abs(golden.expectedLoss)),
                "\(golden.name): loss \(result.value), reference \(golden.expectedLoss)")
        let gradients = encoder.backward(pass, Matrix.vstack(result.columnGradients), layers: result.layerGradients.map { Matrix.vstack($0) })
        #expect(Set(gradients.keys) == Set(golden.expectedGradients.keys))
        for (name, want) in golden.expectedGradients {
            let got = gradients[name]?.values ?? []
            let scale = want.map(abs).max() ?? 0
            let difference = zip(got, want).map { abs($0 - $1) }.max() ?? .infinity
            #expect(got.count == want.count && difference <= 1e-8 * scale + 1e-14,
                    "\(golden.name): grad \(name) off by \(difference) (largest expected \(scale))")
        }
    }
}

/// Central finite differences through the whole encoder for every option of the two layer
/// losses: the weights' gradients come from the loss's layer gradients and the encoder's
/// backward pass together.
@Suite struct LayerLossGradientTests {
    struct Configuration: CustomStringConvertible, Sendable {
        var name: String
        var settings: [String: String]
        var normalize: Bool
        var description: String { ([name] + settings.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ") + (normalize ? " normalize" : "") }
    }

    static let checks: [Configuration] = [
        Configuration(name: "AdaptiveLayerLoss", settings: [:], normalize: false),
        Configuration(name: "AdaptiveLayerLoss", settings: ["n_layers_per_step": "-1", "layer_weighting": "log"], normalize: true),
        Configuration(name: "AdaptiveLayerLoss", settings: ["n_layers_per_step": "2", "layer_weighting": "linear", "last_layer_weight": "0.5",
                                                            "prior_layers_weight": "2", "kl_div_weight": "3", "kl_temperature": "0.7"], normalize: false),
        Configuration(name: "AdaptiveLayerLoss", settings: ["n_layers_per_step": "-1", "kl_temperature": "0", "loss": "CoSENTLoss", "loss.scale": "5"],
                      normalize: false),
        Configuration(name: "AdaptiveLayerLoss", settings: ["n_layers_per_step": "-1", "loss": "TripletLoss", "loss.triplet_margin": "1"], normalize: true),
        Configuration(name: "AdaptiveLayerLoss", settings: ["n_layers_per_step": "-1", "loss": "MatryoshkaLoss", "loss.matryoshka_dims": "4,2"],
                      normalize: false),
        Configuration(name: "AdaptiveLayerLoss", settings: ["loss": "SoftmaxLoss", "loss.num_labels": "3", "n_layers_per_step": "-1"], normalize: false),
        Configuration(name: "Matryoshka2dLoss", settings: ["matryoshka_dims": "4,3,2"], normalize: false),
        Configuration(name: "Matryoshka2dLoss", settings: ["matryoshka_dims": "2,4", "matryoshka_weights": "2,0.5", "n_dims_per_step": "-1",
                                                           "n_layers_per_step": "-1", "layer_weighting": "log", "kl_temperature": "1.5"], normalize: true),
        Configuration(name: "Matryoshka2dLoss", settings: ["loss": "CoSENTLoss", "matryoshka_dims": "4,2", "n_dims_per_step": "2",
                                                           "n_layers_per_step": "2"], normalize: false),
    ]

    /// Through the encoder, end to end, with the KL term off: its teacher (the last layer) is
    /// detached in 6.2.0, so with it on the gradient is on purpose not the value's derivative.
    @Test(arguments: checks)
    func weightGradientsMatchFiniteDifferences(_ configuration: Configuration) throws {
        var settings = configuration.settings
        settings["kl_temperature"] = "0"
        let loss = try LossCatalog.make(configuration.name, settings: settings)
        let setup = try Self.setup(loss, normalize: configuration.normalize)
        func evaluate(_ encoder: Encoder<Double>) throws -> (Double, [String: Matrix<Double>]) {
            let pass = encoder.forward(items: setup.items.flatMap { $0 })
            let result = try loss.evaluate(setup.batch(pass))
            return (result.value, encoder.backward(pass, Matrix.vstack(result.columnGradients), layers: result.layerGradients.map { Matrix.vstack($0) }))
        }
        let (_, analytic) = try evaluate(setup.encoder)
        let h = 1e-6
        for name in setup.encoder.parameterNames {
            for k in setup.encoder.parameters[name]!.values.indices {
                var plus = setup.encoder, minus = setup.encoder
                plus.parameters[name]!.values[k] += h
                minus.parameters[name]!.values[k] -= h
                let numeric = (try evaluate(plus).0 - evaluate(minus).0) / (2 * h)
                let got = analytic[name]!.values[k]
                #expect(abs(numeric - got) <= 1e-5 * max(1, abs(numeric)), "\(configuration): \(name)[\(k)] analytic \(got), numeric \(numeric)")
            }
        }
    }

    /// On the batch with every option on: each earlier layer's gradient is the value's derivative
    /// (the KL term included); the last layer's is the derivative of the same loss without the
    /// KL term, whose teacher passes no gradient.
    @Test(arguments: checks)
    func layerGradientsMatchFiniteDifferences(_ configuration: Configuration) throws {
        let loss = try LossCatalog.make(configuration.name, settings: configuration.settings)
        var withoutKL = configuration.settings
        withoutKL["kl_temperature"] = "0"
        let detached = try LossCatalog.make(configuration.name, settings: withoutKL)
        let setup = try Self.setup(loss, normalize: configuration.normalize)
        let batch = setup.batch(setup.encoder.forward(items: setup.items.flatMap { $0 }))
        let result = try loss.evaluate(batch)
        let h = 1e-6
        for layer in batch.layers.indices {
            for c in batch.columns.indices {
                for k in batch.layers[layer][c].values.indices {
                    var plus = batch, minus = batch
                    plus.layers[layer][c].values[k] += h
                    minus.layers[layer][c].values[k] -= h
                    let numeric = (try loss.evaluate(plus).value - loss.evaluate(minus).value) / (2 * h)
                    let got = result.layerGradients[layer][c].values[k]
                    #expect(abs(numeric - got) <= 1e-5 * max(1, abs(numeric)), "\(configuration): layer \(layer + 1) column \(c)[\(k)] analytic \(got), numeric \(numeric)")
                }
            }
        }
        for c in batch.columns.indices {
            for k in batch.columns[c].values.indices {
                var plus = batch, minus = batch
                plus.columns[c].values[k] += h
                minus.columns[c].values[k] -= h
                let numeric = (try detached.evaluate(plus).value - detached.evaluate(minus).value) / (2 * h)
                let got = result.columnGradients[c].values[k]
                #expect(abs(numeric - got) <= 1e-5 * max(1, abs(numeric)), "\(configuration): last layer column \(c)[\(k)] analytic \(got), numeric \(numeric)")
            }
        }
    }

    struct Setup {
        var encoder: Encoder<Double>
        var items: [[Int]]
        var labels: [Double]
        var parameters: [String: Matrix<Double>]

        func batch(_ pass: EncoderPass<Double>) -> LossBatch<Double> {
            var batch = LossBatch(columns: pass.embeddings.splitRows(items.map(\.count)), labels: labels, parameters: parameters)
            batch.layers = pass.layerEmbeddings.map { $0.splitRows(items.map(\.count)) }
            batch.samplingSeed = 11
            return batch
        }
    }

    /// A 4-layer mlp over 5 rows per column, labels to fit the wrapped loss.
    static func setup(_ loss: any EmbeddingLoss, normalize: Bool) throws -> Setup {
        var random = SeededRandom(seed: 3)
        let rows = 5, inputs = 3
        let spec = loss.inputSpec
        let columns = max(spec.minColumns, 2)
        let vectors = Matrix<Double>(rows: rows * columns, cols: inputs, values: (0..<(rows * columns * inputs)).map { _ in random.normal() })
        let encoder = try Encoder<Double>(kind: .mlp(hidden: 5, output: 4, layers: 4), input: .vectors(ReadOnlyRows(vectors)), normalize: normalize, seed: 9)
        var labels: [Double] = []
        switch spec.labels {
        case .scores: labels = (0..<rows).map { _ in random.uniform(0, 1) }
        case .classes: labels = (0..<rows).map { Double($0 % 3) }
        default: break
        }
        return Setup(encoder: encoder, items: (0..<columns).map { c in Array((c * rows)..<((c + 1) * rows)) }, labels: labels,
                     parameters: loss.initialWeights(dimension: 4, classes: 3, seed: 2))
    }

    /// The seeded layer draw: as many layers as asked, no repeats, the same for a seed, and
    /// every layer when the count asks for all.
    @Test func layerSamplingFollowsTheRule() throws {
        let two = try #require(try LossCatalog.make("AdaptiveLayerLoss", settings: ["n_layers_per_step": "2"]) as? AdaptiveLayerLoss)
        let draws = (UInt64(0)..<50).map { two.chosenLayers(count: 5, seed: $0) }
        #expect(draws.allSatisfy { $0.count == 2 && Set($0).count == 2 && $0.allSatisfy { (0..<5).contains($0) } })
        #expect(draws[3] == two.chosenLayers(count: 5, seed: 3))
        #expect(Set(draws.flatMap { $0 }) == Set(0..<5))
        for all in ["-1", "0", "5", "9"] {
            let loss = try #require(try LossCatalog.make("AdaptiveLayerLoss", settings: ["n_layers_per_step": all]) as? AdaptiveLayerLoss)
            #expect(loss.chosenLayers(count: 5, seed: 1) == Array(0..<5))
        }
    }

    @Test func refusesWhatSixTwoCannotTrainLayerByLayer() {
        for (settings, words) in [(["loss": "CachedMultipleNegativesRankingLoss"], "hook"),
                                  (["loss": "ContrastiveTensionLoss"], "second model"),
                                  (["loss": "AdaptiveLayerLoss"], "AdaptiveLayerLoss cannot wrap")] {
            #expect { try LossCatalog.make("AdaptiveLayerLoss", settings: settings) } throws: { error in
                "\(error)".contains(words) || "\(error)".contains("must be one of") || "\(error)".contains("cannot wrap")
            }
        }
        #expect { try LossCatalog.make("MatryoshkaLoss", settings: ["loss": "AdaptiveLayerLoss"]) } throws: { _ in true }
        // Without layers: one line saying where the loss trains.
        let loss = try? LossCatalog.make("AdaptiveLayerLoss")
        let batch = LossBatch<Double>(columns: [Matrix(zeros: 3, 4), Matrix(zeros: 3, 4)])
        #expect { try loss?.evaluate(batch) } throws: { "\($0)".contains("encoder mlp layers=N") }
    }
}
