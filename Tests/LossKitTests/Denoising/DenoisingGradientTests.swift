import LossKit
import Testing

/// The TSDAE decoder's hand-written backward pass against central finite differences in Double,
/// for every decoder parameter, the tied token table and the sentence embeddings; and the whole
/// step (encoder + decoder through the shared table).
@Suite struct DenoisingGradientTests {
    struct Configuration: CustomStringConvertible, Sendable {
        var name: String
        var targets: [[Int]]
        /// Standard deviation of the random parameters (large values saturate the gates).
        var scale: Double
        var description: String { name }
    }

    static let vocabulary = 12, dimension = 5

    static let configurations = [
        Configuration(name: "lengths 6, 1, 4", targets: [[3, 7, 7, 2, 11, 5], [9], [4, 1, 10, 6]], scale: 0.5),
        Configuration(name: "lengths 2, 5, 3", targets: [[8, 8], [1, 2, 3, 4, 5], [11, 6, 9]], scale: 0.8),
        Configuration(name: "padding inside and an empty row", targets: [[5, 0, 8, 3], [], [2, 2, 2, 0, 0, 7]], scale: 0.5),
        Configuration(name: "saturating weights", targets: [[6, 10, 4], [3, 3, 3, 3, 3, 3], [9, 1]], scale: 2),
    ]

    struct Problem {
        var decoder: DenoisingDecoder<Double>
        var table: Matrix<Double>
        var embeddings: Matrix<Double>
    }

    static func problem(_ configuration: Configuration, seed: UInt64) -> Problem {
        var decoder = DenoisingDecoder<Double>(dimension: dimension, vocabularySize: vocabulary, seed: seed)
        var random = SeededRandom(seed: seed &+ 50)
        func normal(_ rows: Int, _ cols: Int) -> Matrix<Double> {
            Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in configuration.scale * random.normal() })
        }
        for name in DenoisingDecoder<Double>.parameterNames {
            let shape = decoder.parameters[name]!.shape
            decoder.parameters[name] = normal(shape[0], shape[1])
        }
        return Problem(decoder: decoder, table: normal(vocabulary, dimension),
                       embeddings: normal(configuration.targets.count, dimension))
    }

    static func expectClose(_ analytic: Double, _ numeric: Double, _ label: @autoclosure () -> String) {
        #expect(abs(numeric - analytic) <= 1e-6 * max(1, abs(numeric)), "\(label()): analytic \(analytic), numeric \(numeric)")
    }

    @Test(arguments: configurations)
    func decoderGradientsMatchFiniteDifferences(_ configuration: Configuration) {
        let h = 1e-6
        for seed in UInt64(1)...2 {
            let p = Self.problem(configuration, seed: seed)
            let targets = configuration.targets
            func loss(_ q: Problem) -> Double {
                q.decoder.loss(embeddings: q.embeddings, targets: targets, tokenTable: q.table).value
            }
            let result = p.decoder.loss(embeddings: p.embeddings, targets: targets, tokenTable: p.table)
            #expect(result.value.isFinite && result.value > 0)
            #expect(Set(result.parameterGradients.keys) == Set(DenoisingDecoder<Double>.parameterNames))

            for name in DenoisingDecoder<Double>.parameterNames {
                let gradient = result.parameterGradients[name]!
                #expect(gradient.shape == p.decoder.parameters[name]!.shape, "\(name) shape")
                for k in gradient.values.indices {
                    var plus = p, minus = p
                    plus.decoder.parameters[name]!.values[k] += h
                    minus.decoder.parameters[name]!.values[k] -= h
                    Self.expectClose(gradient.values[k], (loss(plus) - loss(minus)) / (2 * h),
                                     "\(configuration) seed \(seed): \(name)[\(k)]")
                }
            }
            #expect(result.dTokenTable.shape == p.table.shape)
            for k in p.table.values.indices {
                var plus = p, minus = p
                plus.table.values[k] += h
                minus.table.values[k] -= h
                Self.expectClose(result.dTokenTable.values[k], (loss(plus) - loss(minus)) / (2 * h),
                                 "\(configuration) seed \(seed): tokens.weight[\(k)]")
            }
            #expect(result.dEmbeddings.shape == p.embeddings.shape)
            for k in p.embeddings.values.indices {
                var plus = p, minus = p
                plus.embeddings.values[k] += h
                minus.embeddings.values[k] -= h
                Self.expectClose(result.dEmbeddings.values[k], (loss(plus) - loss(minus)) / (2 * h),
                                 "\(configuration) seed \(seed): embeddings[\(k)]")
            }
        }
    }

    @Test func rowWithoutTargetsGetsNoEmbeddingGradient() {
        let configuration = Self.configurations[2]
        let p = Self.problem(configuration, seed: 4)
        let result = p.decoder.loss(embeddings: p.embeddings, targets: configuration.targets, tokenTable: p.table)
        #expect(result.dEmbeddings.row(1).allSatisfy { $0 == 0 })
        #expect(result.dEmbeddings.row(0).contains { $0 != 0 })
        // Real targets only: 3 + 0 + 4.
        #expect(result.targetCount == 7)
    }

    @Test func batchWithoutTargetsHasZeroLossAndGradients() {
        let p = Self.problem(Self.configurations[0], seed: 1)
        let result = p.decoder.loss(embeddings: Matrix(zeros: 2, Self.dimension), targets: [[0, 0], []], tokenTable: p.table)
        #expect(result.value == 0 && result.targetCount == 0 && result.tokenAccuracy == 0)
        #expect(result.dTokenTable.values.allSatisfy { $0 == 0 } && result.dEmbeddings.shape == [2, Self.dimension])
        #expect(result.parameterGradients.values.allSatisfy { $0.values.allSatisfy { $0 == 0 } })
    }

    @Test func lossIsTheMeanOverTargetsNotRows() {
        // Appending padding changes nothing; splitting a batch gives a count-weighted mean.
        let p = Self.problem(Self.configurations[0], seed: 2)
        let targets = Self.configurations[0].targets
        let whole = p.decoder.loss(embeddings: p.embeddings, targets: targets, tokenTable: p.table)
        let padded = p.decoder.loss(embeddings: p.embeddings, targets: targets.map { $0 + [0, 0, 0] }, tokenTable: p.table)
        #expect(abs(whole.value - padded.value) <= 1e-14 * whole.value)
        let parts = (0..<3).map { i in
            p.decoder.loss(embeddings: p.embeddings.rows(i..<(i + 1)), targets: [targets[i]], tokenTable: p.table)
        }
        let weighted = parts.reduce(0.0) { $0 + $1.value * Double($1.targetCount) } / Double(whole.targetCount)
        #expect(abs(whole.value - weighted) <= 1e-12 * whole.value)
        #expect(whole.targetCount == 11)
    }

    @Test func floatAgreesWithDouble() {
        let p = Self.problem(Self.configurations[1], seed: 3)
        let targets = Self.configurations[1].targets
        let double = p.decoder.loss(embeddings: p.embeddings, targets: targets, tokenTable: p.table)
        let float = p.decoder.converted(to: Float.self).loss(
            embeddings: p.embeddings.converted(to: Float.self), targets: targets, tokenTable: p.table.converted(to: Float.self))
        #expect(abs(Double(float.value) - double.value) <= 1e-5 * double.value)
        for name in DenoisingDecoder<Double>.parameterNames {
            let a = float.parameterGradients[name]!.converted(to: Double.self), b = double.parameterGradients[name]!
            #expect(zip(a.values, b.values).allSatisfy { abs($0 - $1) <= 1e-4 * max(1, abs($1)) }, "\(name)")
        }
        #expect(float.tokenAccuracy == double.tokenAccuracy)
    }

    @Test func initialisationFollowsTorch() {
        let decoder = DenoisingDecoder<Double>(dimension: 16, vocabularySize: 100, seed: 5)
        let bound = 1 / 4.0
        #expect(decoder.parameters["decoder.weight_ih"]!.shape == [48, 16])
        #expect(decoder.parameters["decoder.weight_hh"]!.shape == [48, 16])
        #expect(decoder.parameters["decoder.bias_ih"]!.shape == [1, 48])
        #expect(decoder.parameters["decoder.bias_hh"]!.shape == [1, 48])
        #expect(decoder.parameters["decoder.output_bias"]! == Matrix(zeros: 1, 100))
        for name in ["decoder.weight_ih", "decoder.weight_hh", "decoder.bias_ih", "decoder.bias_hh"] {
            #expect(decoder.parameters[name]!.values.allSatisfy { abs($0) <= bound }, "\(name)")
        }
        #expect(DenoisingDecoder<Double>(dimension: 16, vocabularySize: 100, seed: 5).parameters == decoder.parameters)
        #expect(DenoisingDecoder<Double>(dimension: 16, vocabularySize: 100, seed: 6).parameters != decoder.parameters)
    }

    // MARK: - The whole step

    static let sentences: [[Int]] = [[4, 9, 3, 0, 0], [7, 7, 11, 2], [5, 3], [10, 0, 6, 8, 1], [1, 2, 8]]

    @Test(arguments: [false, true])
    func stepGradientsMatchFiniteDifferences(_ normalize: Bool) throws {
        var encoder = try Encoder<Double>(kind: .bagOfWords(dimension: Self.dimension),
                                          input: .tokens(Self.sentences, vocabularySize: Self.vocabulary),
                                          normalize: normalize, seed: 3)
        var random = SeededRandom(seed: 31)
        encoder.parameters["tokens.weight"]!.values = encoder.parameters["tokens.weight"]!.values.map { $0 + 0.5 * random.normal() }
        var decoder = DenoisingDecoder<Double>(dimension: Self.dimension, vocabularySize: Self.vocabulary, seed: 4)
        decoder.parameters["decoder.output_bias"]!.values = (0..<Self.vocabulary).map { _ in 0.3 * random.normal() }
        let items = [0, 3, 1, 3, 4]
        let noisy = [[9], [6, 8], [7, 2], [10, 1], [2]]
        let tsdae = try DenoisingAutoEncoderLoss()
        let step = try tsdae.evaluate(encoder: encoder, decoder: decoder, items: items, noisyTokens: noisy)
        #expect(step.noisyTokens == noisy && step.embeddings.shape == [5, Self.dimension])
        #expect(Set(step.gradients.keys) == Set(["tokens.weight"] + DenoisingDecoder<Double>.parameterNames))

        func value(_ e: Encoder<Double>, _ d: DenoisingDecoder<Double>) throws -> Double {
            try tsdae.evaluate(encoder: e, decoder: d, items: items, noisyTokens: noisy).value
        }
        let h = 1e-6
        let table = encoder.parameters["tokens.weight"]!
        for k in table.values.indices {
            var plus = encoder, minus = encoder
            plus.parameters["tokens.weight"]!.values[k] += h
            minus.parameters["tokens.weight"]!.values[k] -= h
            Self.expectClose(step.encoderGradients["tokens.weight"]!.values[k],
                             (try value(plus, decoder) - value(minus, decoder)) / (2 * h),
                             "normalize \(normalize): tokens.weight[\(k)]")
        }
        for name in ["decoder.weight_hh", "decoder.bias_ih"] {
            for k in decoder.parameters[name]!.values.indices {
                var plus = decoder, minus = decoder
                plus.parameters[name]!.values[k] += h
                minus.parameters[name]!.values[k] -= h
                Self.expectClose(step.decoderGradients[name]!.values[k],
                                 (try value(encoder, plus) - value(encoder, minus)) / (2 * h),
                                 "normalize \(normalize): \(name)[\(k)]")
            }
        }
    }

    @Test func stepWithRandomNoiseIsSeededAndTargetsTheOriginals() throws {
        let encoder = try Encoder<Float>(kind: .bagOfWords(dimension: 8), input: .tokens(Self.sentences, vocabularySize: Self.vocabulary), seed: 1)
        let decoder = DenoisingDecoder<Float>(dimension: 8, vocabularySize: Self.vocabulary, seed: 2)
        let tsdae = try DenoisingAutoEncoderLoss()
        var a = SeededRandom(seed: 77), b = SeededRandom(seed: 77)
        let first = try tsdae.evaluate(encoder: encoder, decoder: decoder, items: [0, 1, 2, 3, 4, 1], random: &a)
        let second = try tsdae.evaluate(encoder: encoder, decoder: decoder, items: [0, 1, 2, 3, 4, 1], random: &b)
        #expect(first.noisyTokens == second.noisyTokens && first.value == second.value)
        // Targets are the sentences without padding: 3 + 4 + 2 + 4 + 3 + 4.
        #expect(first.targetCount == 20)
        for (row, item) in [0, 1, 2, 3, 4, 1].enumerated() {
            #expect(!first.noisyTokens[row].isEmpty && first.noisyTokens[row].allSatisfy { Self.sentences[item].contains($0) })
        }
        // At the start the decoder knows nothing: the loss is near log(vocabulary).
        #expect(abs(Double(first.value) - Double.log(Double(Self.vocabulary))) < 0.5)
    }

    @Test func stepRejectsMismatches() throws {
        let tsdae = try DenoisingAutoEncoderLoss()
        let encoder = try Encoder<Double>(kind: .bagOfWords(dimension: 4), input: .tokens(Self.sentences, vocabularySize: Self.vocabulary), seed: 1)
        let vectors = try Encoder<Double>(kind: .table, input: .vectors(ReadOnlyRows(Matrix(rows: [[1, 2, 3, 4]]))), seed: 1)
        let decoder = DenoisingDecoder<Double>(dimension: 4, vocabularySize: Self.vocabulary, seed: 1)
        #expect(throws: LossError.self) { try tsdae.evaluate(encoder: vectors, decoder: decoder, items: [0], noisyTokens: [[1]]) }
        #expect(throws: LossError.self) {
            try tsdae.evaluate(encoder: encoder, decoder: DenoisingDecoder(dimension: 5, vocabularySize: Self.vocabulary, seed: 1),
                               items: [0], noisyTokens: [[4]])
        }
        #expect(throws: LossError.self) { try tsdae.evaluate(encoder: encoder, decoder: decoder, items: [0, 1], noisyTokens: [[4]]) }
        #expect(throws: LossError.self) { try tsdae.evaluate(encoder: encoder, decoder: decoder, items: [9], noisyTokens: [[4]]) }
        #expect(throws: LossError.self) { try tsdae.evaluate(encoder: encoder, decoder: decoder, items: [0], noisyTokens: [[40]]) }
    }
}
