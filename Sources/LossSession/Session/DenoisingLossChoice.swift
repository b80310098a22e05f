import LossKit

/// DenoisingAutoEncoderLoss as the session's current loss. It trains an encoder over tokens
/// with a decoder (Session.Model.decoder), not on a batch of embeddings, so the session runs it
/// on its own path; this type carries its name and settings like any other loss.
public struct DenoisingLossChoice: EmbeddingLoss {
    public static let className = "DenoisingAutoEncoderLoss"
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

    public let loss: DenoisingAutoEncoderLoss

    public init(settings values: [String: String]) throws {
        var settings = LossSettings(values, for: Self.self)
        let ratio = try settings.double("deletion_ratio")
        try settings.fixed("tie_encoder_decoder") { $0.lowercased() == "true" }
        try settings.finish()
        do { loss = try DenoisingAutoEncoderLoss(deletionRatio: ratio) } catch { throw LossError("DenoisingAutoEncoderLoss: \(error)") }
    }

    public var settings: [(name: String, value: String)] { [("deletion_ratio", "\(loss.deletionRatio)")] }

    /// 6.2's loss reads (damaged, original) text pairs; LossLab damages each sentence as it
    /// trains. The script damages every sentence once, as DenoisingAutoEncoderDataset's
    /// deletion noise does, with LossLab's deletion_ratio and its rule (each word kept with
    /// probability 1 - ratio, at least one kept), on whitespace-separated words.
    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss {
        var call = ScriptLoss.derived(from: self, skipping: ["deletion_ratio"])
        call.imports = ["import random"]
        call.prepareDataset = "add_deletion_noise"
        call.definitions = """
            DELETION_RATIO = \(ScriptLoss.pythonNumber(loss.deletionRatio))  # LossLab's deletion_ratio


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

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { throw Self.notABatchLoss }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { throw Self.notABatchLoss }

    static let notABatchLoss = LossError("DenoisingAutoEncoderLoss reconstructs sentences from token ids: train it in a session on text:sentences (or any text data) with the bow encoder; `losslab eval` does not take it")

    /// The session's way to build any loss by name, this one included.
    public static func make(_ name: String, settings: [String: String]) throws -> any EmbeddingLoss {
        if name.lowercased().hasSuffix("denoisingautoencoderloss") { return try DenoisingLossChoice(settings: settings) }
        return try LossCatalog.make(name, settings: settings)
    }
}
