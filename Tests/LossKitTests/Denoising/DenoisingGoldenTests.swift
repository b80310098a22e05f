import Foundation
import LossKit
import Testing

/// LossLab's TSDAE decoder against PyTorch (torch.nn.GRU, tied F.embedding / output projection,
/// F.cross_entropy with ignore_index=0, float64 autograd): Tests/Fixtures/denoising/cases.json,
/// made by Tests/Fixtures/denoising/generate.py.
@Suite struct DenoisingGoldenTests {
    struct Tensor: Decodable {
        var shape: [Int]
        var data: [Double]
        var matrix: Matrix<Double> {
            Matrix(rows: shape[0], cols: shape.count > 1 ? shape[1] : 1, values: data)
        }
    }

    struct EncoderSpec: Decodable {
        var sentences: [[Int]]
        var items: [Int]
        var noisy: [[Int]]
        var normalize: Bool
    }

    struct Expected: Decodable {
        var loss: Double
        var token_accuracy: Double
        var target_count: Int
        var gradients: [String: Tensor]
    }

    struct Case: Decodable, CustomStringConvertible, Sendable {
        var name: String
        var vocabulary_size: Int
        var dimension: Int
        var targets: [[Int]]?
        var encoder: EncoderSpec?
        var embeddings: Tensor
        var parameters: [String: Tensor]
        var expected: Expected
        var description: String { name }
    }

    struct File: Decodable { var cases: [Case] }

    static let fixture = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/denoising/cases.json")

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: fixture), let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    /// Elementwise relative 1e-9; an entry more than a thousand times smaller than the tensor's
    /// largest is compared against a thousandth of that largest value instead (its few ulps of
    /// cancellation error would otherwise count as a large relative error).
    static func expectClose(_ actual: Matrix<Double>, _ expected: Tensor, _ label: String) {
        #expect(actual.rows == expected.shape[0] && actual.count == expected.data.count, "\(label): shape \(actual.shape) vs \(expected.shape)")
        guard actual.count == expected.data.count else { return }
        let largest = expected.data.reduce(0) { max($0, abs($1)) }
        var worst = 0.0, worstIndex = 0
        for (k, (a, e)) in zip(actual.values, expected.data).enumerated() {
            let error = abs(a - e) / max(abs(e), 1e-3 * largest, .leastNormalMagnitude)
            if error > worst { worst = error; worstIndex = k }
        }
        #expect(worst <= 1e-9, "\(label): relative error \(worst) at [\(worstIndex)]: \(actual.values[worstIndex]) vs \(expected.data[worstIndex])")
    }

    static func decoder(_ c: Case) -> DenoisingDecoder<Double> {
        var decoder = DenoisingDecoder<Double>(dimension: c.dimension, vocabularySize: c.vocabulary_size, seed: 0)
        for name in DenoisingDecoder<Double>.parameterNames { decoder.parameters[name] = c.parameters[name]!.matrix }
        return decoder
    }

    @Test func fixtureIsPresent() {
        #expect(Self.cases.count == 5, "could not read \(Self.fixture.path)")
    }

    @Test(arguments: cases.filter { $0.targets != nil })
    func decoderMatchesTorch(_ c: Case) {
        let result = Self.decoder(c).loss(embeddings: c.embeddings.matrix, targets: c.targets!,
                                          tokenTable: c.parameters["tokens.weight"]!.matrix)
        #expect(abs(result.value - c.expected.loss) <= 1e-9 * abs(c.expected.loss), "\(c): loss \(result.value) vs \(c.expected.loss)")
        #expect(result.targetCount == c.expected.target_count)
        #expect(abs(result.tokenAccuracy - c.expected.token_accuracy) < 1e-12)
        for name in DenoisingDecoder<Double>.parameterNames {
            Self.expectClose(result.parameterGradients[name]!, c.expected.gradients[name]!, "\(c) \(name)")
        }
        Self.expectClose(result.dTokenTable, c.expected.gradients["tokens.weight"]!, "\(c) tokens.weight")
        Self.expectClose(result.dEmbeddings, c.expected.gradients["embeddings"]!, "\(c) embeddings")
    }

    @Test(arguments: cases.filter { $0.encoder != nil })
    func wholeStepMatchesTorch(_ c: Case) throws {
        let spec = c.encoder!
        var encoder = try Encoder<Double>(kind: .bagOfWords(dimension: c.dimension),
                                          input: .tokens(spec.sentences, vocabularySize: c.vocabulary_size),
                                          normalize: spec.normalize, seed: 0)
        encoder.parameters["tokens.weight"] = c.parameters["tokens.weight"]!.matrix
        let decoder = Self.decoder(c)
        let step = try DenoisingAutoEncoderLoss().evaluate(encoder: encoder, decoder: decoder, items: spec.items,
                                                           noisyTokens: spec.noisy)
        #expect(abs(step.value - c.expected.loss) <= 1e-9 * abs(c.expected.loss), "\(c): loss \(step.value) vs \(c.expected.loss)")
        #expect(step.targetCount == c.expected.target_count)
        #expect(abs(step.tokenAccuracy - c.expected.token_accuracy) < 1e-12)
        Self.expectClose(step.embeddings, c.embeddings, "\(c) embeddings")
        // The tied table: encoder share + decoder share.
        Self.expectClose(step.encoderGradients["tokens.weight"]!, c.expected.gradients["tokens.weight"]!, "\(c) tokens.weight")
        for name in DenoisingDecoder<Double>.parameterNames {
            Self.expectClose(step.decoderGradients[name]!, c.expected.gradients[name]!, "\(c) \(name)")
        }
        // The gradient the decoder hands to the encoder.
        let targets = spec.items.map { spec.sentences[$0].filter { $0 != 0 } }
        let decoded = decoder.loss(embeddings: step.embeddings, targets: targets, tokenTable: encoder.parameters["tokens.weight"]!)
        Self.expectClose(decoded.dEmbeddings, c.expected.gradients["embeddings"]!, "\(c) dEmbeddings")
    }
}
