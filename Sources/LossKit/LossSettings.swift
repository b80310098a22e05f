import Foundation

/// Hyperparameters given by name (as `--set name=value` or a notebook command writes them),
/// read by a loss's initializer. Names and spellings follow sentence-transformers.
public struct LossSettings: Sendable {
    private let values: [String: String]
    private var read: Set<String> = []
    private let owner: String

    public init(_ values: [String: String], for owner: String) {
        self.values = values
        self.owner = owner
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
