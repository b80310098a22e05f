/// One hyperparameter of a loss, as its table declares it: the sentence-transformers name,
/// what values it takes, its default, a line of documentation, and the role the explorer's
/// keys and the warnings give it. The table is the one place these facts live: a loss's
/// initializer reads its values through it (`LossSettings`), and the picker, the
/// hyperparameter pane, completion, `losslab losses` and the README's table are made from it.
public struct LossParameter: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// A decimal number.
        case number
        /// A whole number, at least `minimum`.
        case wholeNumber(minimum: Int)
        /// true or false.
        case flag
        /// One of these canonical spellings (the loss may accept others, such as the
        /// reference's enum names).
        case choice([String])
        /// A set of these members written comma-joined in any order ("query_to_doc,doc_to_query"),
        /// always holding `required`.
        case set(members: [String], required: String)
        /// Numbers written comma-joined in order ("64,32,16"); whole numbers when `whole`.
        /// "none" stands for the reference's None where the default is none.
        case numberList(whole: Bool)
        /// Accepted only with its default value: the reference's parameter, which LossLab
        /// does not vary (CosineSimilarityLoss's loss_fct).
        case fixed
    }

    /// What the explorer's keys do with a parameter: `+`/`-` nudge the margin or scale, `m`
    /// cycles the metric. `classCount` sizes weights the loss owns (a classifier's outputs),
    /// which the memory checks bound.
    public enum Role: String, Sendable {
        case margin, scale, metric, classCount
        /// In-batch ranking's hard-negative penalty (mode and strength), which a warning reads.
        case hardness, hardnessStrength
    }

    public var name: String
    public var kind: Kind
    /// The default as a user writes it; nil when it comes from the data (SoftmaxLoss's num_labels).
    public var defaultValue: String?
    public var doc: String
    public var role: Role?
    /// The release that added the parameter, when it is newer than the oldest reference.
    public var since: LossReference?
    /// Its name before `since`, when a release renamed it (SoftmaxLoss's
    /// sentence_embedding_dimension became embedding_dimension).
    public var formerName: String?
    /// How the exported training script passes it; nil: a Python literal of its kind.
    public var script: ScriptForm? = nil

    /// How a parameter reaches the sentence-transformers constructor in the exported script.
    public enum ScriptForm: Sendable, Equatable {
        /// Each choice as a Python expression ("cosine" -> "losses.SiameseDistanceMetric.COSINE_DISTANCE").
        case expressions([String: String])
        /// LossLab's own: sentence-transformers has no such argument; the script says so with this reason.
        case lossLabOnly(String)
    }
    /// The last release that has it, when a later one has no such parameter, and why.
    public var until: LossReference?
    public var retiredBecause: String?

    public init(_ name: String, _ kind: Kind, default defaultValue: String?, role: Role? = nil, _ doc: String) {
        self.name = name
        self.kind = kind
        self.defaultValue = defaultValue
        self.role = role
        self.doc = doc
    }

    /// The same parameter, added in `release` (absent from the references before it).
    public func added(in release: LossReference) -> LossParameter {
        var copy = self
        copy.since = release
        return copy
    }

    /// The same parameter, called `oldName` before `release`.
    public func renamed(from oldName: String, in release: LossReference) -> LossParameter {
        var copy = self
        copy.formerName = oldName
        copy.since = release
        return copy
    }

    /// The same parameter, absent from the releases after `release`; `reason` says why, in
    /// the message that refuses it there.
    public func only(upTo release: LossReference, because reason: String) -> LossParameter {
        var copy = self
        copy.until = release
        copy.retiredBecause = reason
        return copy
    }

    /// Whether the parameter exists under this reference (under some name).
    public func exists(in reference: LossReference) -> Bool {
        if let until, reference > until { return false }
        return formerName != nil || since.map { reference >= $0 } != false
    }

    /// Its name under this reference.
    public func name(in reference: LossReference) -> String {
        if let formerName, let since, reference < since { return formerName }
        return name
    }

    /// The same parameter, passed to the exported script as `form` says.
    public func script(_ form: ScriptForm) -> LossParameter {
        var copy = self
        copy.script = form
        return copy
    }

    /// The values `+`/`-` or Enter cycle through, when the parameter is a choice or a flag.
    public var cycle: [String]? {
        switch kind {
        case .choice(let values): return values
        case .flag: return ["true", "false"]
        case .set(let members, let required):
            // Every subset holding the required member, in the members' order.
            let others = members.filter { $0 != required }
            return (0..<(1 << others.count)).map { mask in
                let chosen = others.enumerated().filter { mask & (1 << $0.offset) != 0 }.map(\.element)
                return members.filter { $0 == required || chosen.contains($0) }.joined(separator: ",")
            }.sorted { ($0.split(separator: ",").count, $0) < ($1.split(separator: ",").count, $1) }
        default: return nil
        }
    }

    /// "cos_sim | dot_score", "true | false", "number", "whole number ≥ 1", for tables and help.
    public var typeDescription: String {
        switch kind {
        case .number: return "number"
        case .wholeNumber(let minimum): return "whole number ≥ \(minimum)"
        case .flag: return "true | false"
        case .choice(let values): return values.joined(separator: " | ")
        case .set(let members, let required):
            return "comma-joined set of " + members.map { $0 == required ? "\($0) (required)" : $0 }.joined(separator: ", ")
        case .numberList(let whole): return "comma-joined " + (whole ? "whole numbers" : "numbers") + (defaultValue == "none" ? " | none" : "")
        case .fixed: return defaultValue ?? ""
        }
    }
}

extension Array where Element == LossParameter {
    public subscript(name: String) -> LossParameter? { first { $0.name == name } }

    public func first(role: LossParameter.Role) -> LossParameter? { first { $0.role == role } }
}

extension Array where Element == LossParameter {
    /// A wrapped loss's table as its wrapper shows it: every name under `prefix.` (`loss.scale`).
    func nested(under prefix: String) -> [LossParameter] {
        map { parameter in
            var nested = parameter
            nested.name = prefix + "." + parameter.name
            return nested
        }
    }
}
