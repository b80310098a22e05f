import LossData
import LossKit

/// The loss a session trains: a batch loss over embeddings, or a token-level loss that
/// trains the encoder through a decoder (DenoisingAutoEncoderLoss).
public enum SessionLoss: Sendable {
    /// The loss that trains on tokens through a decoder. This file is the one place outside
    /// LossKit that names it.
    public typealias TokenLevel = DenoisingAutoEncoderLoss

    case embeddings(any EmbeddingLoss)
    case tokens(TokenLevel)

    /// Every loss a session trains: the engine's catalog, and the token-level one.
    public static let all: [any LossDescription.Type] = LossCatalog.all + [TokenLevel.self]

    /// The loss of this class name (case-insensitive, "losses." prefixes ignored), as
    /// `reference` has it.
    public static func make(_ name: String, settings: [String: String] = [:], reference: LossReference = .latest) throws -> SessionLoss {
        let wanted = (name.split(separator: ".").last.map(String.init) ?? name).lowercased()
        if wanted == TokenLevel.className.lowercased() {
            return .tokens(try TokenLevel(settings: settings, reference: reference))
        }
        return .embeddings(try LossCatalog.make(name, settings: settings, reference: reference))
    }

    /// A fresh loss of this type with its defaults.
    public static func make(_ type: any LossDescription.Type, reference: LossReference = .latest) throws -> SessionLoss {
        try make(type.className, reference: reference)
    }

    public var description: any LossDescription {
        switch self {
        case .embeddings(let loss): return loss
        case .tokens(let loss): return loss
        }
    }

    public var type: any LossDescription.Type { Swift.type(of: description) }
    public var className: String { description.className }
    public var inputSpec: LossInputSpec { description.inputSpec }
    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss { description.scriptLoss(context) }
    public var settings: [(name: String, value: String)] { description.settings }
    /// Its parameter table under `reference`.
    public func parameters(in reference: LossReference) -> [LossParameter] { description.parameterTable(in: reference) }
    public func value(of role: LossParameter.Role) -> String? { description.value(of: role) }

    /// The batch loss, or nil for a token-level one.
    public var embeddingLoss: (any EmbeddingLoss)? {
        if case .embeddings(let loss) = self { return loss }
        return nil
    }

    /// "BatchHardTripletLoss margin=5.0 ...", as cells and the status line show it.
    public var line: String {
        ([className] + settings.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
    }
}

extension Session {
    /// Why a loss cannot train on this dataset, or nil when it can.
    public static func mismatch(_ dataset: Dataset, _ loss: any LossDescription.Type) -> String? {
        mismatch(dataset, className: loss.className, spec: loss.inputSpec)
    }

    /// Why a loss with this input spec cannot train on this dataset, or nil when it can.
    static func mismatch(_ dataset: Dataset, className: String, spec: LossInputSpec) -> String? {
        if spec.needsText {
            if case .tokens = dataset.items { return nil }
            return "\(className) needs sentences (text data); \(dataset.name) holds vectors"
        }
        let shape = dataset.shape
        if shape.fits(spec) { return nil }
        let needs = DatasetShape.allCases.filter { $0.fits(spec) }.map(\.rawValue)
        let fitting = SessionLoss.all.filter { !$0.inputSpec.needsText && shape.fits($0.inputSpec) }.map { $0.className }
        return "\(className) needs \((needs.isEmpty ? ["a shape LossLab does not have"] : needs).joined(separator: " or ")) data; "
            + "this dataset is \(shape.rawValue) (fits \(fitting.joined(separator: ", ")))"
    }

    static func mismatch(_ dataset: Dataset, _ loss: SessionLoss) -> String? {
        // The loss's own spec: a wrapper's is its inner loss's.
        mismatch(dataset, className: loss.className, spec: loss.inputSpec)
    }
}
