import Foundation

/// Hyperparameters given by name (as `--set name=value` or a notebook command writes them),
/// read by a loss's initializer. Names and spellings follow sentence-transformers.
public struct LossSettings: Sendable {
    private var values: [String: String]
    private var read: Set<String> = []
    private let owner: String
    /// The loss's parameter table: defaults, kinds and the accepted names come from it.
    private let parameters: [LossParameter]
    /// The release whose parameter names apply.
    public let reference: LossReference
    /// A parameter given under a name this reference does not know, found before any read.
    private var misnamed: LossError?

    public init(_ values: [String: String], for owner: String, parameters: [LossParameter] = [],
                reference: LossReference = .latest) {
        self.owner = owner
        self.parameters = parameters
        self.reference = reference
        self.values = values
        for parameter in parameters { resolveName(of: parameter) }
    }

    /// Reads `values` against a loss's own table, with the names of `reference`.
    public init(_ values: [String: String], for loss: any LossDescription.Type, reference: LossReference = .latest) {
        self.init(values, for: loss.className, parameters: loss.parameters, reference: reference)
    }

    /// Maps the name the user wrote to the table's name: a parameter this reference lacks, or
    /// a name from another release, is an error that says what to write instead. The one
    /// exception is the library's own: a renamed parameter's old name still works in the
    /// release that renamed it (it is deprecated there), and the new name wins over it.
    private mutating func resolveName(of parameter: LossParameter) {
        let current = parameter.name
        if !parameter.exists(in: reference), values[current] != nil, let until = parameter.until, reference > until {
            misnamed = LossError("\(owner): \(current) has no meaning in sentence-transformers \(reference.rawValue): \(parameter.retiredBecause ?? "that release has no such parameter") (set reference=\(until.rawValue) to use it)")
            return
        }
        if !parameter.exists(in: reference), values[current] != nil {
            misnamed = LossError("\(owner): \(current) is new in sentence-transformers \(parameter.since!.rawValue); reference \(reference.rawValue) does not have it (set reference=\(LossReference.latest.rawValue))")
            return
        }
        guard let old = parameter.formerName, let since = parameter.since else { return }
        if reference < since {
            if values[current] != nil {
                misnamed = LossError("\(owner): \(current) is called \(old) in sentence-transformers \(reference.rawValue); write \(old)=\(values[current]!)")
                return
            }
            if let value = values.removeValue(forKey: old) { values[current] = value }
        } else if let value = values.removeValue(forKey: old), values[current] == nil {
            values[current] = value
        }
    }

    /// Names the user wrote that this reference renamed, with the name to write instead.
    public static func renamedNames(in values: [String: String], for loss: any LossDescription.Type,
                                    reference: LossReference) -> [(written: String, current: String)] {
        loss.parameters.compactMap { parameter in
            guard let old = parameter.formerName, let since = parameter.since, reference >= since, values[old] != nil else { return nil }
            return (old, parameter.name)
        }
    }

    private func declared(_ name: String) -> LossParameter {
        guard let parameter = parameters[name] else { preconditionFailure("\(owner) reads '\(name)', which its parameter table lacks") }
        return parameter
    }

    // MARK: - Reads whose default and bounds come from the table

    public mutating func double(_ name: String) throws -> Double {
        try double(name, default: Double(declared(name).defaultValue ?? "") ?? 0)
    }

    public mutating func int(_ name: String, maximum: Int = .max, bound: String = "") throws -> Int {
        let parameter = declared(name)
        guard case .wholeNumber(let minimum) = parameter.kind else { preconditionFailure("\(owner).\(name) is not a whole number") }
        return try int(name, default: Int(parameter.defaultValue ?? "") ?? minimum, minimum: minimum, maximum: maximum, bound: bound)
    }

    /// A whole number whose default comes from the data: nil when it is not given.
    public mutating func optionalInt(_ name: String, maximum: Int = .max, bound: String = "") throws -> Int? {
        let given = values[name] != nil
        let value = try int(name, maximum: maximum, bound: bound)
        return given ? value : nil
    }

    public mutating func bool(_ name: String) throws -> Bool {
        try bool(name, default: declared(name).defaultValue == "true")
    }

    /// A choice: the default is the table's, parsed like the user's text; `accepted` names
    /// the spellings in the error (the table's values by default).
    public mutating func choice<V>(_ name: String, accepted: String? = nil, parse: (String) -> V?) throws -> V {
        let parameter = declared(name)
        guard let fallback = parse(parameter.defaultValue ?? "") else {
            preconditionFailure("\(owner).\(name): the default '\(parameter.defaultValue ?? "")' does not parse")
        }
        let list = accepted ?? parameter.cycle?.joined(separator: ", ") ?? ""
        return try choice(name, default: fallback, accepted: list, parse: parse)
    }

    /// A reference parameter LossLab does not vary: any spelling `accepts` takes is fine.
    public mutating func fixed(_ name: String, accepts: (String) -> Bool) throws {
        let parameter = declared(name)
        _ = try choice(name, default: true, accepted: parameter.defaultValue ?? "") { accepts($0) ? true : nil }
    }

    /// Comma-joined whole numbers ("64,32,16"), each at least `minimum`; nil when not given
    /// or "none".
    public mutating func intList(_ name: String, minimum: Int) throws -> [Int]? {
        guard let numbers = try numberList(name) else { return nil }
        return try numbers.map { number in
            guard number == number.rounded(), abs(number) < 1e15 else {
                throw LossError("\(owner): \(name) must be comma-joined whole numbers, got '\(values[name]!)'")
            }
            guard Int(number) >= minimum else {
                throw LossError("\(owner): every value of \(name) must be at least \(minimum), got \(Int(number))")
            }
            return Int(number)
        }
    }

    /// Comma-joined finite decimal numbers ("1,0.5,0.25"); nil when not given or "none".
    public mutating func numberList(_ name: String) throws -> [Double]? {
        guard let text = take(name) else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.lowercased() == "none" { return nil }
        let parts = trimmed.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if trimmed.isEmpty { throw LossError("\(owner): \(name) is empty; give at least one value, comma-joined (e.g. 64,32,16)") }
        return try parts.map { part in
            guard let value = DecimalNumber.double(part), value.isFinite else {
                throw LossError("\(owner): \(name) must be comma-joined finite numbers, got '\(text)'")
            }
            return value
        }
    }

    /// The settings under `prefix.` (`loss.scale=10` for `loss`), without the prefix: a wrapped
    /// loss's own hyperparameters, which the wrapper hands on unread.
    public mutating func nested(under prefix: String) -> [String: String] {
        var inner: [String: String] = [:]
        for (name, value) in values where name.hasPrefix(prefix + ".") {
            read.insert(name)
            inner[String(name.dropFirst(prefix.count + 1))] = value
        }
        return inner
    }

    /// Call after reading every parameter: names the table lacks are errors.
    public func finish() throws {
        if let misnamed { throw misnamed }
        try finish(accepted: parameters.filter { $0.exists(in: reference) }.map { $0.name(in: reference) })
    }

    public mutating func double(_ name: String, default fallback: Double) throws -> Double {
        guard let text = take(name) else { return fallback }
        guard let value = DecimalNumber.double(text.trimmingCharacters(in: .whitespaces)), value.isFinite else {
            throw LossError("\(owner): \(name) must be a finite decimal number, got '\(text)'")
        }
        return value
    }

    /// A whole number in minimum...maximum, written as digits ("50") or as a whole decimal ("5e1").
    public mutating func int(_ name: String, default fallback: Int, minimum: Int, maximum: Int = .max,
                             bound: String = "") throws -> Int {
        guard let text = take(name) else { return fallback }
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let number = DecimalNumber.double(trimmed), number.isFinite, number == number.rounded() else {
            throw LossError("\(owner): \(name) must be a whole decimal number, got '\(text)'")
        }
        // Digits read exactly; "5e1" and "50.0" through the Double, which is exact below 1e15.
        let value = DecimalNumber.integer(trimmed) ?? (abs(number) < 1e15 ? Int(number) : nil)
        guard let value, value >= minimum else {
            if number < Double(minimum) { throw LossError("\(owner): \(name) must be at least \(minimum), got \(trimmed)") }
            throw LossError("\(owner): \(name)=\(trimmed) is too large; it must be at most \(maximum)\(bound.isEmpty ? "" : " (\(bound))")")
        }
        guard value <= maximum else {
            throw LossError("\(owner): \(name)=\(value) is too large; it must be at most \(maximum)\(bound.isEmpty ? "" : " (\(bound))")")
        }
        return value
    }

    public mutating func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let text = take(name) else { return fallback }
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw LossError("\(owner): \(name) must be true or false, got '\(text)'")
        }
    }

    /// A named choice; `parse` maps the user's spelling to a value or nil.
    public mutating func choice<V>(_ name: String, default fallback: V, accepted: String,
                                   parse: (String) -> V?) throws -> V {
        guard let text = take(name) else { return fallback }
        guard let value = parse(text) else {
            throw LossError("\(owner): \(name) '\(text)' is not one of \(accepted)")
        }
        return value
    }

    /// Call after reading every parameter: names that no reader asked for are errors.
    public func finish(accepted: [String]) throws {
        if let misnamed { throw misnamed }
        let unknown = Set(values.keys).subtracting(read).sorted()
        guard let first = unknown.first else { return }
        let list = accepted.isEmpty ? "it takes no parameters" : "it takes " + accepted.joined(separator: ", ")
        throw LossError("\(owner) has no parameter '\(first)'; \(list)")
    }

    private mutating func take(_ name: String) -> String? {
        read.insert(name)
        return values[name]
    }
}

/// The user's spelling of a metric, reduced to a plain lowercase word: the part after the last
/// dot (so "SiameseDistanceMetric.COSINE_DISTANCE" and "cosine_distance" agree).
func metricWord(_ text: String) -> String {
    let lowered = text.trimmingCharacters(in: .whitespaces).lowercased()
    let tail = lowered.split(separator: ".").last.map(String.init) ?? lowered
    return tail.hasSuffix("_distance") ? String(tail.dropLast("_distance".count)) : tail
}
