import LossKit

extension Session {
    /// Every loss a session trains: the engine's catalog, and DenoisingAutoEncoderLoss.
    public static let losses: [any EmbeddingLoss.Type] = LossCatalog.all + [DenoisingLossChoice.self]
}
