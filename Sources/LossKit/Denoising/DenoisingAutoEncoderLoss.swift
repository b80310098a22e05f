/// One TSDAE training step for a token encoder: corrupt the sentences, embed the corrupted
/// ones with the encoder, rebuild the originals with a `DenoisingDecoder` tied to the encoder's
/// token table, and backpropagate into both.
///
/// This is sentence-transformers' `DenoisingAutoEncoderLoss` (v1.2.0) with LossLab's small GRU
/// decoder in place of the transformer decoder; see `DenoisingDecoder` for what differs.
///
/// Wiring into a training loop:
///
///     var random = SeededRandom(seed: ...)
///     let step = try tsdae.evaluate(encoder: encoder, decoder: decoder, items: batch, random: &random)
///     var parameters = encoder.parameters.merging(decoder.parameters) { a, _ in a }
///     _ = optimizer.step(&parameters, gradients: step.gradients)
///     encoder.parameters["tokens.weight"] = parameters["tokens.weight"]
///     for name in DenoisingDecoder<Float>.parameterNames { decoder.parameters[name] = parameters[name] }
///
/// `step.gradients` already holds the SUM of the encoder's and the decoder's gradients for the
/// tied "tokens.weight"; when calling `DenoisingDecoder.loss` directly, the caller must make
/// that sum itself.
///
/// It is not an `EmbeddingLoss`: a session trains it on its own path (the token encoder and
/// the decoder), and `losslab eval`, which takes embeddings, refuses it.
public struct DenoisingAutoEncoderLoss: LossDescription {
    public static let className = "DenoisingAutoEncoderLoss"
    public static let references = LossReference.allCases
    public static let summary = "rebuild a sentence from a noisy copy's embedding (TSDAE)"
    public static let parameters: [LossParameter] = [
        LossParameter("deletion_ratio", .number, default: "\(DenoisingNoise.defaultRatio)", "share of the words deleted from the input"),
        LossParameter("tie_encoder_decoder", .fixed, default: "true", "the decoder's token embeddings are the encoder's (always, here)"),
    ]
    public static let inputSpec: LossInputSpec = {
        var spec = LossInputSpec(columns: 1, labels: .none)
        spec.needsText = true
        return spec
    }()
    public static let insightView = InsightView.reconstruction

    /// Why `losslab eval` and other embedding-only paths cannot take it, and where it trains.
    public static let trainsOnTokens = "DenoisingAutoEncoderLoss reconstructs sentences from their tokens, so it takes text, not a table of embeddings: in a notebook or the explorer, `load text:sentences` (or any text data) and `loss DenoisingAutoEncoderLoss`; `losslab eval` does not take it"

    /// Probability that a word is deleted from the encoder's input (reference default 0.6).
    public let deletionRatio: Double

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        let ratio = try settings.double("deletion_ratio")
        try settings.fixed("tie_encoder_decoder") { $0.lowercased() == "true" }
        try settings.finish()
        do { try self.init(deletionRatio: ratio) } catch { throw LossError("DenoisingAutoEncoderLoss: \(error)") }
    }

    public var settings: [(name: String, value: String)] { [("deletion_ratio", "\(deletionRatio)")] }

    /// 6.2's loss reads (damaged, original) text pairs; LossLab damages each sentence as it
    /// trains. The script damages every sentence once, as DenoisingAutoEncoderDataset's
    /// deletion noise does, with LossLab's deletion_ratio and its rule (each word kept with
    /// probability 1 - ratio, at least one kept), on whitespace-separated words.
    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss {
        var call = ScriptLoss.derived(from: self, skipping: ["deletion_ratio"])
        call.imports = ["import random"]
        call.prepareDataset = "add_deletion_noise"
        call.definitions = """
            DELETION_RATIO = \(ScriptLoss.pythonNumber(deletionRatio))  # LossLab's deletion_ratio


            def delete_words(text, rng):
                \"\"\"Each word kept with probability 1 - DELETION_RATIO; at least one word stays.\"\"\"
                words = text.split()
                if not words:
                    return text
                kept = [word for word in words if rng.random() >= DELETION_RATIO]
                return " ".join(kept or [rng.choice(words)])


            def add_deletion_noise(dataset, seed=0):
                \"\"\"(damaged, original) pairs, the columns DenoisingAutoEncoderLoss reads.\"\"\"
                rng = random.Random(seed)
                texts = dataset["text"]
                return Dataset.from_dict({"damaged": [delete_words(text, rng) for text in texts], "original": texts})

            """
        return call
    }

    public init(deletionRatio: Double = DenoisingNoise.defaultRatio) throws {
        guard deletionRatio >= 0 && deletionRatio <= 1 else {
            throw LossError("TSDAE deletion ratio must lie in [0, 1], got \(deletionRatio)")
        }
        self.deletionRatio = deletionRatio
    }

    /// Each list with deletion noise, in order, from one random stream.
    public func corrupt(_ lists: [[Int]], random: inout SeededRandom) -> [[Int]] {
        lists.map { DenoisingNoise.delete(tokens: $0, ratio: deletionRatio, random: &random) }
    }

    /// The step with noise drawn from `random`: the sentences of `items` (in order) are
    /// corrupted by `corrupt`, then as `evaluate(encoder:decoder:items:noisyTokens:)`.
    public func evaluate<T: Scalar>(encoder: Encoder<T>, decoder: DenoisingDecoder<T>, items: [Int],
                                    random: inout SeededRandom) throws -> DenoisingStep<T> {
        let originals = try Self.sentences(of: encoder, items: items)
        return try evaluate(encoder: encoder, decoder: decoder, items: items, noisyTokens: corrupt(originals, random: &random))
    }

    /// The step with given corrupted inputs.
    ///
    /// - encoder: a token encoder (`.tokens` input, e.g. bagOfWords); its sentences (token lists,
    ///   padding removed) are the decoder's targets.
    /// - items: indices into the encoder's token lists, one per batch row (repeats allowed).
    /// - noisyTokens: what the encoder embeds for each row instead of the item's sentence.
    public func evaluate<T: Scalar>(encoder: Encoder<T>, decoder: DenoisingDecoder<T>, items: [Int],
                                    noisyTokens: [[Int]]) throws -> DenoisingStep<T> {
        guard case .tokens(_, let vocabularySize) = encoder.input, let table = encoder.parameters["tokens.weight"] else {
            throw LossError("TSDAE needs an encoder that reads tokens (bagOfWords); this one reads vectors")
        }
        guard noisyTokens.count == items.count else {
            throw LossError("TSDAE got \(noisyTokens.count) corrupted inputs for \(items.count) items")
        }
        guard decoder.vocabularySize == vocabularySize && decoder.dimension == encoder.outputDimension
              && table.rows == vocabularySize && table.cols == decoder.dimension else {
            throw LossError("TSDAE decoder is \(decoder.dimension)-dimensional over \(decoder.vocabularySize) tokens, "
                            + "the encoder is \(encoder.outputDimension)-dimensional over \(vocabularySize)")
        }
        let targets = try Self.sentences(of: encoder, items: items)

        // The same encoder (same parameters) reading the corrupted sentences.
        let noisyEncoder = Encoder<T>(
            kind: encoder.kind, normalize: encoder.normalize, parameters: encoder.parameters,
            input: .tokens(noisyTokens, vocabularySize: vocabularySize), itemCount: noisyTokens.count,
            outputDimension: encoder.outputDimension,
            packedTokens: try PackedTokens(noisyTokens, vocabularySize: vocabularySize))
        let pass = noisyEncoder.forward(items: Array(0..<noisyTokens.count))
        let decoded = decoder.loss(embeddings: pass.embeddings, targets: targets, tokenTable: table)
        var encoderGradients = noisyEncoder.backward(pass, decoded.dEmbeddings)
        // Tied weights: the table's gradient is the sum of both uses.
        encoderGradients["tokens.weight"] = encoderGradients["tokens.weight"]!.adding(decoded.dTokenTable)
        return DenoisingStep(value: decoded.value, tokenAccuracy: decoded.tokenAccuracy, targetCount: decoded.targetCount,
                             noisyTokens: noisyTokens, embeddings: pass.embeddings,
                             encoderGradients: encoderGradients, decoderGradients: decoded.parameterGradients)
    }

    /// The items' token lists with padding removed.
    static func sentences<T>(of encoder: Encoder<T>, items: [Int]) throws -> [[Int]] {
        guard case .tokens(let lists, _) = encoder.input else {
            throw LossError("TSDAE needs an encoder that reads tokens (bagOfWords); this one reads vectors")
        }
        return try items.map { item in
            guard item >= 0 && item < lists.count else {
                throw LossError("TSDAE item \(item) is outside the encoder's 0..<\(lists.count) sentences")
            }
            return lists[item].filter { $0 != 0 }
        }
    }
}

/// The result of one TSDAE step.
public struct DenoisingStep<T: Scalar>: Sendable {
    /// Mean reconstruction cross-entropy over the batch's target tokens.
    public var value: T
    /// Fraction of target tokens the decoder's arg-max gets right.
    public var tokenAccuracy: Double
    /// Target tokens the mean runs over.
    public var targetCount: Int
    /// What the encoder read, one list per item.
    public var noisyTokens: [[Int]]
    /// The encoder's embeddings of `noisyTokens`, (items, D).
    public var embeddings: Matrix<T>
    /// Gradients of the encoder's parameters; "tokens.weight" is already encoder + decoder.
    public var encoderGradients: [String: Matrix<T>]
    /// Gradients of the decoder's parameters ("decoder.*").
    public var decoderGradients: [String: Matrix<T>]

    /// Both dictionaries in one (the names do not clash), for one optimiser over encoder and
    /// decoder parameters together.
    public var gradients: [String: Matrix<T>] {
        encoderGradients.merging(decoderGradients) { first, _ in first }
    }
}
