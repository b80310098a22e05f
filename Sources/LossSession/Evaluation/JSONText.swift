/// JSON text that stays valid whatever the values: the one writer of `losslab eval`'s output
/// and `losslab run`'s summary.json.
///
/// JSON has no NaN or infinity. A non-finite number is written as `null`, and `numberField`
/// adds a field `<name>_reason` saying which it was: `"nan"`, `"inf"` or `"-inf"` (an array
/// gets `<name>_reasons`, a reason or null per element). Strings escape quotes, backslashes
/// and every control character.
public enum JSONText {
    /// A finite number in the shortest form that reads back exactly ("0.5", "1e-05",
    /// "3.4028234663852886e+38"), or `null`.
    public static func number<T: BinaryFloatingPoint>(_ value: T) -> String {
        let double = Double(value)
        guard double.isFinite else { return "null" }
        return "\(double)"
    }

    public static func integer<I: BinaryInteger>(_ value: I) -> String { "\(value)" }

    public static func bool(_ value: Bool) -> String { value ? "true" : "false" }

    /// "nan", "inf" or "-inf" for a non-finite value, nil for a finite one.
    public static func nonFiniteReason<T: BinaryFloatingPoint>(_ value: T) -> String? {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        return nil
    }

    /// `name: value`, followed by `name_reason` when the value is not finite.
    public static func numberField<T: BinaryFloatingPoint>(_ name: String, _ value: T) -> [(String, String)] {
        var fields = [(name, number(value))]
        if let reason = nonFiniteReason(value) { fields.append((name + "_reason", string(reason))) }
        return fields
    }

    /// `name: [values]`, followed by `name_reasons` when any value is not finite.
    public static func numbersField<T: BinaryFloatingPoint>(_ name: String, _ values: [T]) -> [(String, String)] {
        var fields = [(name, array(values.map(number)))]
        let reasons = values.map(nonFiniteReason)
        if reasons.contains(where: { $0 != nil }) {
            fields.append((name + "_reasons", array(reasons.map { $0.map(string) ?? "null" })))
        }
        return fields
    }

    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u00" + String(scalar.value >> 4, radix: 16) + String(scalar.value & 0xF, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Fields in the given order; values are JSON text already.
    public static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { "\(string($0.0)): \($0.1)" }.joined(separator: ", ") + "}"
    }

    /// Items are JSON text already.
    public static func array(_ items: [String]) -> String { "[" + items.joined(separator: ", ") + "]" }
}
