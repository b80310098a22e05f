import LossData
import LossKit

/// The encoder the user picked with `encoder KIND ...`, built anew for each dataset.
public struct EncoderChoice: Equatable, Sendable {
    public var kind = "table"
    /// Output dimension; nil = the data's own (table), 16 otherwise.
    public var dimension: Int? = nil
    public var hidden = 64
    /// An mlp's hidden layers, each giving an embedding (AdaptiveLayerLoss trains them all).
    public var layers = 1
    public static let maximumLayers = 32
    public var normalize = false

    public static let kinds = ["table", "linear", "mlp", "bow"]

    public init() {}

    public init(kind: String, options: [String: String]) throws {
        guard Self.kinds.contains(kind) else { throw CommandError("encoder must be one of \(Self.kinds.joined(separator: ", ")), got '\(kind)'") }
        self.kind = kind
        for (name, text) in options {
            switch name {
            case "dim", "dimension", "output":
                guard let value = DecimalNumber.integer(text), (1...4096).contains(value) else { throw CommandError("dim must be a whole number from 1 to 4096, got '\(text)'") }
                dimension = value
            case "hidden":
                guard let value = DecimalNumber.integer(text), (1...4096).contains(value) else { throw CommandError("hidden must be a whole number from 1 to 4096, got '\(text)'") }
                hidden = value
            case "layers":
                guard let value = DecimalNumber.integer(text), (1...Self.maximumLayers).contains(value) else {
                    throw CommandError("layers must be a whole number from 1 to \(Self.maximumLayers), got '\(text)'")
                }
                layers = value
            case "normalize", "normalise":
                guard let value = ["true": true, "false": false, "1": true, "0": false][text.lowercased()] else {
                    throw CommandError("normalize must be true or false, got '\(text)'")
                }
                normalize = value
            default:
                throw CommandError("encoder has no option '\(name)'; options: dim, hidden and layers (mlp), normalize")
            }
        }
        if kind != "mlp" && layers != 1 { throw CommandError("layers=\(layers) is for the mlp encoder (`encoder mlp layers=\(layers)`); a \(kind) encoder has one layer") }
        if kind == "table" && dimension != nil { throw CommandError("a table encoder keeps the data's dimension; use linear or mlp to change it") }
    }

    public var summary: String {
        var parts = [kind]
        if kind != "table" { parts.append("dim=\(dimension ?? 16)") }
        if kind == "mlp" { parts.append("hidden=\(hidden)") }
        if layers != 1 { parts.append("layers=\(layers)") }
        if normalize { parts.append("normalize=true") }
        return parts.joined(separator: " ")
    }

    func build(for dataset: Dataset, seed: UInt64) throws -> Encoder<Float> {
        let output = dimension ?? 16
        switch (kind, dataset.items) {
        case ("bow", .tokens(let sequences, let vocabulary)):
            return try Encoder(kind: .bagOfWords(dimension: output), input: .tokens(sequences, vocabularySize: vocabulary.count),
                               normalize: normalize, seed: seed)
        case ("bow", .vectors):
            throw CommandError("the bow encoder reads token sequences; \(dataset.name) holds vectors (use table, linear or mlp)")
        case (_, .tokens):
            throw CommandError("\(dataset.name) holds sentences as tokens: use `encoder bow`")
        case ("table", .vectors(let vectors)):
            return try Encoder(kind: .table, input: .vectors(vectors), normalize: normalize, seed: seed)
        case ("linear", .vectors(let vectors)):
            return try Encoder(kind: .linear(output: output), input: .vectors(vectors), normalize: normalize, seed: seed)
        case (_, .vectors(let vectors)):
            return try Encoder(kind: .mlp(hidden: hidden, output: output, layers: layers), input: .vectors(vectors), normalize: normalize, seed: seed)
        }
    }
}
