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

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { throw Self.notABatchLoss }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { throw Self.notABatchLoss }

    static let notABatchLoss = LossError("DenoisingAutoEncoderLoss reconstructs sentences from token ids: train it in a session on text:sentences (or any text data) with the bow encoder; `losslab eval` does not take it")

    /// The session's way to build any loss by name, this one included.
    public static func make(_ name: String, settings: [String: String]) throws -> any EmbeddingLoss {
        if name.lowercased().hasSuffix("denoisingautoencoderloss") { return try DenoisingLossChoice(settings: settings) }
        return try LossCatalog.make(name, settings: settings)
    }
}
