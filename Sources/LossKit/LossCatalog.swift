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
        MarginMSELoss.self,
        DistillKLDivLoss.self,
        EmbedDistillLoss.self,
        ContrastiveTensionLoss.self,
        ContrastiveTensionLossInBatchNegatives.self,
        MatryoshkaLoss.self,
        AdaptiveLayerLoss.self,
        Matryoshka2dLoss.self,
        MinedTripletLoss.self,
    ]

    /// The loss a new session starts with (the built-in default dataset is labelled items).
    public static let sessionDefault: any EmbeddingLoss.Type = BatchHardTripletLoss.self

    /// The losses of sentence-transformers (the rest are LossLab's own, such as the mining lab).
    public static var sentenceTransformersNames: [String] { names.filter { $0 != MinedTripletLoss.className } }

    public static var names: [String] { all.map { $0.className } }

    /// The losses whose labels are of one of `kinds`, comma-joined, for messages that point to them.
    public static func names(taking kinds: Set<LabelKind>) -> String {
        all.filter { kinds.contains($0.inputSpec.labels) }.map { $0.className }.joined(separator: ", ")
    }

    /// The losses that, with their defaults, train narrower widths of a 768-d embedding too
    /// (`truncationDimensions`), comma-joined, for messages that point to them.
    public static var truncatingNames: String {
        all.filter { type in
            (try? make(type.className))?.truncationDimensions(width: 768).isEmpty == false
        }.map { $0.className }.joined(separator: ", ")
    }

    /// The loss type for a class name (case-insensitive; "losses." prefixes are ignored).
    public static func type(named name: String) -> (any EmbeddingLoss.Type)? {
        let wanted = (name.split(separator: ".").last.map(String.init) ?? name).lowercased()
        return all.first { $0.className.lowercased() == wanted }
    }

    /// Builds a loss from its class name and hyperparameters given by name, as `reference` has it.
    public static func make(_ name: String, settings: [String: String] = [:], reference: LossReference = .latest) throws -> any EmbeddingLoss {
        guard let type = type(named: name) else {
            if name.lowercased().hasSuffix(DenoisingAutoEncoderLoss.className.lowercased()) {
                throw LossError(DenoisingAutoEncoderLoss.trainsOnTokens)
            }
            throw LossError("unknown loss '\(name)'; known losses: \(names.joined(separator: ", "))")
        }
        try check(type, in: reference)
        return try type.init(settings: settings, reference: reference)
    }

    /// Refuses a loss its reference does not have.
    public static func check(_ type: any LossDescription.Type, in reference: LossReference) throws {
        guard type.references.contains(reference) else {
            let known = type.references.min()!.rawValue
            throw LossError("\(type.className) is not in \(reference.title) (it was added later; LossLab has it as \(known) does): it needs reference \(known)")
        }
    }
}
