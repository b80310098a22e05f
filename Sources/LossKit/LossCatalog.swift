/// Every loss LossLab knows, by its sentence-transformers class name.
public enum LossCatalog {
    public static let all: [any EmbeddingLoss.Type] = [
        BatchAllTripletLoss.self,
        BatchHardTripletLoss.self,
        BatchHardSoftMarginTripletLoss.self,
        BatchSemiHardTripletLoss.self,
        ContrastiveLoss.self,
        OnlineContrastiveLoss.self,
        CosineSimilarityLoss.self,
        MSELoss.self,
        MultipleNegativesRankingLoss.self,
        MegaBatchMarginLoss.self,
        SoftmaxLoss.self,
        TripletLoss.self,
        CoSENTLoss.self,
        AnglELoss.self,
        MultipleNegativesSymmetricRankingLoss.self,
        CachedMultipleNegativesRankingLoss.self,
        CachedMultipleNegativesSymmetricRankingLoss.self,
        GISTEmbedLoss.self,
        CachedGISTEmbedLoss.self,
        GlobalOrthogonalRegularizationLoss.self,
        MinedTripletLoss.self,
    ]

    /// The losses of sentence-transformers (the rest are LossLab's own, such as the mining lab).
    public static var sentenceTransformersNames: [String] { names.filter { $0 != MinedTripletLoss.className } }

    public static var names: [String] { all.map { $0.className } }

    /// The loss type for a class name (case-insensitive; "losses." prefixes are ignored).
    public static func type(named name: String) -> (any EmbeddingLoss.Type)? {
        let wanted = (name.split(separator: ".").last.map(String.init) ?? name).lowercased()
        return all.first { $0.className.lowercased() == wanted }
    }

    /// Builds a loss from its class name and hyperparameters given by name.
    public static func make(_ name: String, settings: [String: String] = [:]) throws -> any EmbeddingLoss {
        guard let type = type(named: name) else {
            if name.lowercased().contains("denoisingautoencoder") {
                throw LossError("DenoisingAutoEncoderLoss needs a token encoder and decoder, not a table of embeddings; it is not available in this engine yet")
            }
            throw LossError("unknown loss '\(name)'; known losses: \(names.joined(separator: ", "))")
        }
        return try type.init(settings: settings)
    }
}
