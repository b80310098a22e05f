import LossKit

/// The loss a `loss` or `duel loss` command names: one loss, or a weighted sum of losses.
///
///     loss NAME [name=value]...
///     loss [WEIGHT *] NAME [name=value]... + [WEIGHT *] NAME [name=value]... + ...
///
/// `+` and `*` are words of their own (spaces around them); a weight is a decimal number and
/// applies to the one loss after it; each loss's settings are the name=value words up to the
/// next `+`. A `+` or `*` inside a name=value word (`margin=1e+3`) is part of the value.
public struct LossSpec: Equatable, Sendable {
    public struct Term: Equatable, Sendable {
        /// nil: written without a weight (weight 1).
        public var weight: Double?
        public var name: String
        public var settings: [String: String]

        public init(weight: Double? = nil, name: String, settings: [String: String] = [:]) {
            self.weight = weight
            self.name = name
            self.settings = settings
        }
    }

    public var terms: [Term]

    /// The grammar in one line, for the help.
    public static let usage = "A sum of losses: loss A name=value + 0.1 * B name=value (spaces around + and *; each loss's settings follow its name)"

    public init(terms: [Term]) { self.terms = terms }

    /// One loss on its own.
    public init(name: String, settings: [String: String] = [:]) { terms = [Term(name: name, settings: settings)] }

    /// A sum (several terms, or one with a weight) rather than a bare loss.
    public var isSum: Bool { terms.count > 1 || terms[0].weight != nil }

    /// `loss …` after its verb: the words of the line after `loss`.
    static func parse(_ words: [CommandLexer.Word], verb: String) throws -> LossSpec {
        let example = "e.g. \(verb) A scale=20 + 0.1 * B (A and B loss names)"
        var groups: [[CommandLexer.Word]] = [[]]
        for word in words {
            if word.equals == nil && word.text == "+" { groups.append([]) } else { groups[groups.count - 1].append(word) }
        }
        var terms: [Term] = []
        for (index, group) in groups.enumerated() {
            let which = groups.count == 1 ? "" : " (term \(index + 1))"
            var rest = group[...]
            var weight: Double?
            if rest.count >= 2, rest[rest.startIndex + 1].equals == nil, rest[rest.startIndex + 1].text == "*" {
                let text = rest.first!.text
                guard let value = DecimalNumber.double(text), value.isFinite, rest.first!.equals == nil else {
                    throw CommandError("\(verb): the weight '\(text)'\(which) is not a decimal number; \(example)")
                }
                guard value != 0 else { throw CommandError("\(verb): a weight of 0\(which) leaves its loss out; drop the term instead") }
                weight = value
                rest = rest.dropFirst(2)
            }
            guard let name = rest.first, name.equals == nil else {
                throw CommandError(groups.count == 1 && group.isEmpty
                    ? "\(verb) needs a loss name, e.g. \(verb) \(LossCatalog.sessionDefault.className) margin=1"
                    : "\(verb): a loss name is missing\(which) around '+' or '*'; \(example)")
            }
            if name.text == "*" || name.text.contains("*") || name.text.contains("+") && name.text.count > 1 {
                throw CommandError("\(verb): '\(name.text)'\(which): write + and * as words of their own, with spaces around them; \(example)")
            }
            var settings: [String: String] = [:]
            for word in rest.dropFirst() {
                guard let equals = word.equals else {
                    throw CommandError("\(verb): unexpected '\(word.text)'\(which) after \(name.text); settings are name=value, terms are joined by ' + '; \(example)")
                }
                let key = word.text[..<equals].lowercased()
                if settings[key] != nil { throw CommandError("\(verb): \(key) is given twice\(which)") }
                settings[key] = String(word.text[word.text.index(after: equals)...])
            }
            terms.append(Term(weight: weight, name: name.text, settings: settings))
        }
        return LossSpec(terms: terms)
    }

    /// The spec with one setting changed, named as `SessionLoss.settings` names a sum's
    /// (`losses.<k>.scale`); a name without a term prefix is the first term's.
    public func setting(_ name: String, to value: String) -> LossSpec {
        var changed = self
        var index = 0, key = name
        let parts = name.split(separator: ".", maxSplits: 2).map(String.init)
        if parts.count == 3, parts[0] == "losses", let term = Int(parts[1]), terms.indices.contains(term) { (index, key) = (term, parts[2]) }
        changed.terms[index].settings[key] = value
        return changed
    }

    /// The command text after the verb, so that `parse` gives this spec back.
    public var text: String {
        terms.map { term in
            let weight = term.weight.map { "\($0) * " } ?? ""
            let settings = term.settings.sorted { $0.key < $1.key }.map { " \($0.key)=\(CommandLexer.quote($0.value))" }.joined()
            return weight + CommandLexer.quote(term.name) + settings
        }.joined(separator: " + ")
    }
}
