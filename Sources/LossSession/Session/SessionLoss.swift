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
    /// A weighted sum of batch losses (`loss A + 0.1 * B`), each with its own settings.
    case sum(LossSum)

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

    /// The loss a `loss` command names: one loss, or a weighted sum of batch losses.
    public static func make(_ spec: LossSpec, reference: LossReference = .latest) throws -> SessionLoss {
        guard spec.isSum else { return try make(spec.terms[0].name, settings: spec.terms[0].settings, reference: reference) }
        var terms: [LossSum.Term] = []
        for (index, term) in spec.terms.enumerated() {
            let which = spec.terms.count == 1 ? "" : "term \(index + 1) of the sum: "
            let made: SessionLoss
            do { made = try make(term.name, settings: term.settings, reference: reference) } catch let error as LossError {
                throw LossError(which + error.message)
            }
            guard case .embeddings(let loss) = made else {
                throw LossError("\(which)\(made.className) trains through a decoder on the sentences' tokens, so it cannot be summed with other losses")
            }
            terms.append(LossSum.Term(weight: term.weight ?? 1, loss: loss))
        }
        return .sum(try LossSum(terms: terms))
    }

    /// A fresh loss of this type with its defaults.
    public static func make(_ type: any LossDescription.Type, reference: LossReference = .latest) throws -> SessionLoss {
        try make(type.className, reference: reference)
    }

    /// Each loss of the sum in order (the loss itself when it is not a sum).
    public var descriptions: [any LossDescription] {
        switch self {
        case .embeddings(let loss): return [loss]
        case .tokens(let loss): return [loss]
        case .sum(let sum): return sum.terms.map(\.loss)
        }
    }

    /// The loss, or a sum's first term (the loss a regulariser is added to).
    public var description: any LossDescription { descriptions[0] }

    public var isSum: Bool {
        if case .sum = self { return true }
        return false
    }

    public var type: any LossDescription.Type { Swift.type(of: description) }
    /// The class name, or a sum's: "MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss".
    public var className: String {
        switch self {
        case .embeddings(let loss): return loss.className
        case .tokens(let loss): return loss.className
        case .sum(let sum): return sum.className
        }
    }
    public var inputSpec: LossInputSpec { batchLoss?.inputSpec ?? type.inputSpec }
    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss {
        if case .sum(let sum) = self { return sum.scriptLoss(context) }
        return description.scriptLoss(context)
    }
    /// The hyperparameters with their values; a sum's under `losses.<k>.` names (see `termPrefix`).
    public var settings: [(name: String, value: String)] {
        descriptions.enumerated().flatMap { index, loss in loss.settings.map { (termPrefix(index) + $0.name, $0.value) } }
    }
    /// Its parameter table under `reference`, a sum's every term's under `losses.<k>.` names.
    public func parameters(in reference: LossReference) -> [LossParameter] {
        descriptions.enumerated().flatMap { index, loss in
            loss.parameterTable(in: reference).map { parameter in
                var named = parameter
                named.name = termPrefix(index) + parameter.name
                return named
            }
        }
    }
    /// The value of the parameter with this role: a sum's first term that has one.
    public func value(of role: LossParameter.Role) -> String? {
        descriptions.lazy.compactMap { $0.value(of: role) }.first
    }

    /// How a sum names term `index`'s settings and weights ("losses.1."), "" for one loss.
    public func termPrefix(_ index: Int) -> String { isSum ? "losses.\(index)." : "" }

    /// The batch loss, or nil for a token-level one or a sum.
    public var embeddingLoss: (any EmbeddingLoss)? {
        if case .embeddings(let loss) = self { return loss }
        return nil
    }

    /// The batch loss as a sum (a lone loss is a sum of one), or nil for a token-level one.
    public var batchLoss: LossSum? {
        switch self {
        case .embeddings(let loss): return LossSum(loss)
        case .sum(let sum): return sum
        case .tokens: return nil
        }
    }

    /// The narrower widths its losses train embeddings of `width` for (a MatryoshkaLoss's
    /// dimensions, also as a term of a sum); empty when it trains the full width only.
    public func truncationDimensions(width: Int) -> [Int] {
        var dimensions: [Int] = []
        for term in batchLoss?.terms ?? [] {
            for dimension in term.loss.truncationDimensions(width: width) where !dimensions.contains(dimension) { dimensions.append(dimension) }
        }
        return dimensions
    }

    /// The `loss` command's words after the verb for this loss as it stands.
    public var spec: LossSpec {
        guard case .sum(let sum) = self else {
            return LossSpec(name: className, settings: Dictionary(uniqueKeysWithValues: settings.map { ($0.name, $0.value) }))
        }
        return LossSpec(terms: sum.terms.map { term in
            LossSpec.Term(weight: term.weight, name: term.loss.className,
                          settings: Dictionary(uniqueKeysWithValues: term.loss.settings.map { ($0.name, $0.value) }))
        })
    }

    /// "BatchHardTripletLoss margin=5.0 ...", as cells and the status line show it; a sum as
    /// `loss` takes it: "MultipleNegativesRankingLoss scale=20.0 ... + 0.1 * GlobalOrthogonalRegularizationLoss ...".
    public var line: String {
        guard case .sum(let sum) = self else { return ([className] + settings.map { "\($0.name)=\($0.value)" }).joined(separator: " ") }
        return sum.terms.enumerated().map { index, term in
            ([(index == 0 ? "" : "+ ") + LossSum.weightText(term.weight) + term.loss.className]
             + term.loss.settings.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
        }.joined(separator: " ")
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
        guard case .sum(let sum) = loss else { return mismatch(dataset, className: loss.className, spec: loss.inputSpec) }
        // A term without labels trains on labelled data beside one that reads them.
        if dataset.shape.fits(sum.inputSpec) { return nil }
        let reason = loss.descriptions.lazy.compactMap { mismatch(dataset, Swift.type(of: $0)) }.first
            ?? "together they need \(sum.inputSpec.dataDescription); this dataset is \(dataset.shape.rawValue)"
        return "every loss of a sum trains on the same batches: " + reason
    }
}
