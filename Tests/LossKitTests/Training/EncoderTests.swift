import LossKit
import Testing

/// Encoders under a scalar test loss sum(embeddings ⊙ R) for a fixed random R: its gradient
/// with respect to the embeddings is R, so `backward(pass, R)` must match central finite
/// differences of the loss in every parameter.
@Suite struct EncoderGradientTests {
    struct Configuration: CustomStringConvertible, Sendable {
        var kind: EncoderKind
        var normalize: Bool
        var description: String { "\(kind)\(normalize ? " normalized" : "")" }
    }

    static let configurations: [Configuration] = [
        EncoderKind.table, .linear(output: 3), .linear(output: 4), .mlp(hidden: 6, output: 3), .bagOfWords(dimension: 4),
    ].flatMap { kind in [false, true].map { Configuration(kind: kind, normalize: $0) } }

    /// Repeats included; item 5 (tokens) is padding only and item 6 has no tokens at all.
    static let items = [2, 0, 2, 5, 1, 6, 2, 3]

    static func vectors(seed: UInt64) -> Matrix<Double> {
        var random = SeededRandom(seed: seed)
        return Matrix(rows: 7, cols: 4, values: (0..<28).map { _ in random.normal() })
    }

    /// Token lists with padding inside and at the end, a repeated token, and two items without
    /// any real token (their embedding is defined as zero).
    static let tokenLists: [[Int]] = [[1, 2, 0, 0], [3, 3, 4], [5, 0, 6, 1], [2], [7, 8, 9, 0], [0, 0, 0], []]

    static func input(for kind: EncoderKind, seed: UInt64) -> EncoderInput<Double> {
        if case .bagOfWords = kind { return .tokens(tokenLists, vocabularySize: 10) }
        return .vectors(ReadOnlyRows(vectors(seed: seed)))
    }

    static func encoder(_ configuration: Configuration, seed: UInt64) throws -> Encoder<Double> {
        var encoder = try Encoder(kind: configuration.kind, input: input(for: configuration.kind, seed: seed),
                                  normalize: configuration.normalize, seed: seed)
        // Move parameters off their initial values (the identity adapter would be a special point).
        var random = SeededRandom(seed: seed &+ 100)
        for name in encoder.parameterNames {
            encoder.parameters[name]!.values = encoder.parameters[name]!.values.map { $0 + 0.3 * random.normal() }
        }
        return encoder
    }

    @Test(arguments: configurations)
    func analyticGradientMatchesFiniteDifferences(_ configuration: Configuration) throws {
        for seed in UInt64(1)...2 {
            let encoder = try Self.encoder(configuration, seed: seed)
            var random = SeededRandom(seed: seed &+ 7)
            let r = Matrix<Double>(rows: Self.items.count, cols: encoder.outputDimension,
                                   values: (0..<(Self.items.count * encoder.outputDimension)).map { _ in random.normal() })
            func loss(_ e: Encoder<Double>) -> Double {
                zip(e.forward(items: Self.items).embeddings.values, r.values).reduce(0) { $0 + $1.0 * $1.1 }
            }
            let pass = encoder.forward(items: Self.items)
            let gradients = encoder.backward(pass, r)
            #expect(Set(gradients.keys) == Set(encoder.parameterNames))
            let h = 1e-6
            for name in encoder.parameterNames {
                let parameter = encoder.parameters[name]!
                let gradient = try #require(gradients[name])
                #expect(gradient.rows == parameter.rows && gradient.cols == parameter.cols, "\(configuration): \(name) shape")
                for k in parameter.values.indices {
                    var plus = encoder, minus = encoder
                    plus.parameters[name]!.values[k] += h
                    minus.parameters[name]!.values[k] -= h
                    let numeric = (loss(plus) - loss(minus)) / (2 * h)
                    let analytic = gradient.values[k]
                    #expect(abs(numeric - analytic) <= 1e-6 * max(1, abs(numeric)),
                            "\(configuration) seed \(seed): \(name)[\(k)]: analytic \(analytic), numeric \(numeric)")
                }
            }
        }
    }

    @Test func paddingOnlyItemsEmbedAsZeroAndPassNoGradient() throws {
        for normalize in [false, true] {
            let encoder = try Encoder<Double>(kind: .bagOfWords(dimension: 3), input: .tokens(Self.tokenLists, vocabularySize: 10),
                                              normalize: normalize, seed: 3)
            let pass = encoder.forward(items: [5, 6, 0])
            #expect(pass.embeddings.row(0).allSatisfy { $0 == 0 } && pass.embeddings.row(1).allSatisfy { $0 == 0 })
            #expect(pass.embeddings.row(2).contains { $0 != 0 })
            let gradients = encoder.backward(pass, Matrix(rows: [[1, 2, 3], [4, 5, 6], [0, 0, 0]]))
            #expect(gradients["tokens.weight"]!.values.allSatisfy { $0 == 0 })
            // The padding row is never read, so it never gets gradient either.
            let all = encoder.backward(encoder.forward(items: Array(0..<7)), Matrix(rows: 7, cols: 3, values: Array(repeating: 1, count: 21)))
            #expect(all["tokens.weight"]!.row(0).allSatisfy { $0 == 0 })
        }
    }

    @Test func meanPoolingIgnoresPadding() throws {
        let encoder = try Encoder<Double>(kind: .bagOfWords(dimension: 2), input: .tokens([[3, 0, 1, 0]], vocabularySize: 4), seed: 9)
        let weight = encoder.parameters["tokens.weight"]!
        #expect(weight.row(0).allSatisfy { $0 == 0 }, "the padding row starts at zero")
        let embedding = encoder.forward(items: [0]).embeddings
        for k in 0..<2 { #expect(embedding[0, k] == (weight[3, k] + weight[1, k]) / 2) }
    }
}

@Suite struct EncoderConstructionTests {
    static let vectors = Matrix<Double>(rows: [[1, 2, 3], [4, 5, 6], [-1, 0, 2]])

    @Test func tableStartsFromTheVectors() throws {
        let encoder = try Encoder(kind: .table, input: .vectors(ReadOnlyRows(Self.vectors)), seed: 1)
        #expect(encoder.parameters["table"] == Self.vectors)
        #expect(encoder.forward(items: [2, 0, 2]).embeddings == Self.vectors.gatherRows([2, 0, 2]))
        #expect(encoder.itemCount == 3 && encoder.outputDimension == 3 && encoder.parameterNames == ["table"])
    }

    @Test func squareLinearAdapterStartsAsIdentity() throws {
        let encoder = try Encoder(kind: .linear(output: 3), input: .vectors(ReadOnlyRows(Self.vectors)), seed: 1)
        #expect(encoder.embedAll() == Self.vectors)
        #expect(encoder.parameters["linear.bias"]!.values == [0, 0, 0])
    }

    @Test func linearLayersStartUniformWithinFanIn() throws {
        let linear = try Encoder(kind: .linear(output: 5), input: .vectors(ReadOnlyRows(Self.vectors)), seed: 4)
        let bound = 1 / 3.0.squareRoot()
        #expect(linear.parameters["linear.weight"]!.shape == [3, 5] && linear.parameters["linear.bias"]!.shape == [1, 5])
        #expect(linear.parameters.values.allSatisfy { $0.values.allSatisfy { abs($0) <= bound } })
        let mlp = try Encoder(kind: .mlp(hidden: 16, output: 2), input: .vectors(ReadOnlyRows(Self.vectors)), seed: 4)
        #expect(mlp.parameterNames == ["mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias"])
        #expect(mlp.parameters["mlp.2.weight"]!.shape == [16, 2])
        #expect(mlp.parameters["mlp.2.weight"]!.values.allSatisfy { abs($0) <= 0.25 })
        #expect(mlp.outputDimension == 2)
        let again = try Encoder(kind: .mlp(hidden: 16, output: 2), input: .vectors(ReadOnlyRows(Self.vectors)), seed: 4)
        #expect(again.parameters == mlp.parameters, "seeded")
    }

    @Test func mismatchedInputsAreRejected() {
        let tokens = EncoderInput<Double>.tokens([[1, 2]], vocabularySize: 3)
        #expect(throws: LossError.self) { try Encoder(kind: .table, input: tokens, seed: 1) }
        #expect(throws: LossError.self) { try Encoder(kind: .linear(output: 2), input: tokens, seed: 1) }
        #expect(throws: LossError.self) { try Encoder(kind: .mlp(hidden: 2, output: 2), input: tokens, seed: 1) }
        #expect(throws: LossError.self) { try Encoder(kind: .bagOfWords(dimension: 2), input: .vectors(ReadOnlyRows(Self.vectors)), seed: 1) }
        #expect(throws: LossError.self) { try Encoder<Double>(kind: .bagOfWords(dimension: 2), input: .tokens([[1, 3]], vocabularySize: 3), seed: 1) }
        #expect(throws: LossError.self) { try Encoder<Double>(kind: .bagOfWords(dimension: 2), input: .tokens([[-1]], vocabularySize: 3), seed: 1) }
        #expect(throws: LossError.self) { try Encoder(kind: .bagOfWords(dimension: 0), input: tokens, seed: 1) }
        #expect(throws: LossError.self) { try Encoder(kind: .linear(output: 0), input: .vectors(ReadOnlyRows(Self.vectors)), seed: 1) }
        let broken = Matrix<Float>(rows: [[1, 2], [.nan, 0]])
        #expect(throws: LossError("encoder input vector of item 1 holds a NaN or infinity")) {
            try Encoder(kind: .table, input: .vectors(ReadOnlyRows(broken)), seed: 1)
        }
    }

    @Test func embedAllCoversEveryChunk() throws {
        var random = SeededRandom(seed: 5)
        let count = 4096 + 37
        let input = Matrix<Float>(rows: count, cols: 3, values: (0..<(count * 3)).map { _ in Float(random.normal()) })
        let encoder = try Encoder(kind: .linear(output: 2), input: .vectors(ReadOnlyRows(input)), normalize: true, seed: 2)
        let all = encoder.embedAll()
        #expect(all.rows == count && all.cols == 2)
        let tail = encoder.forward(items: [count - 1, 0])
        #expect(Array(all.row(count - 1)) == Array(tail.embeddings.row(0)))
        #expect(Array(all.row(0)) == Array(tail.embeddings.row(1)))
    }

    @Test func floatAndDoubleAgree() throws {
        let tokens = EncoderGradientTests.tokenLists
        let floats = [
            try Encoder<Float>(kind: .mlp(hidden: 5, output: 3), input: .vectors(ReadOnlyRows(Self.vectors.converted(to: Float.self))), normalize: true, seed: 8),
            try Encoder<Float>(kind: .bagOfWords(dimension: 3), input: .tokens(tokens, vocabularySize: 10), seed: 8),
        ]
        for single in floats {
            let double = single.converted(to: Double.self)
            #expect(double.parameters.mapValues { $0.converted(to: Float.self) } == single.parameters)
            let items = [0, 1, 2, 1]
            let passF = single.forward(items: items), passD = double.forward(items: items)
            for (f, d) in zip(passF.embeddings.values, passD.embeddings.values) { #expect(abs(Double(f) - d) < 1e-5) }
            let r = Matrix<Double>(rows: items.count, cols: 3, values: (0..<12).map { Double($0 % 5) - 2 })
            let gF = single.backward(passF, r.converted(to: Float.self)), gD = double.backward(passD, r)
            for name in double.parameterNames {
                for (f, d) in zip(gF[name]!.values, gD[name]!.values) { #expect(abs(Double(f) - d) < 1e-4 * max(1, abs(d)), "\(name)") }
            }
        }
    }
}
