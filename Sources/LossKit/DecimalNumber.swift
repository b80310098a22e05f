/// Numbers as users type them: decimal notation only. Swift's `Double(String)` also reads
/// hexadecimal ("0x10" is 16, "0x1p4" too), "inf" and "nan"; a hyperparameter written that way
/// is almost certainly a mistake, so every number parsed from user text goes through here.
public enum DecimalNumber {
    /// `[+-]digits[.digits][e[+-]digits]` (".5" and "5." included), or nil. Whitespace is not
    /// skipped. The value may be infinite when the exponent is out of range ("1e999").
    public static func double(_ text: String) -> Double? {
        guard isDecimal(text) else { return nil }
        return Double(text)
    }

    /// Whether `text` is in the notation `double` reads.
    public static func isDecimal(_ text: String) -> Bool { isDecimal(text, allowFraction: true) }

    /// `[+-]digits`, or nil (also when the value does not fit in Int).
    public static func integer(_ text: String) -> Int? {
        guard isDecimal(text, allowFraction: false) else { return nil }
        return Int(text)
    }

    /// `digits` without a sign, or nil (also when the value does not fit in UInt64).
    public static func unsigned(_ text: String) -> UInt64? {
        guard let first = text.utf8.first, first != UInt8(ascii: "+"), first != UInt8(ascii: "-"),
              isDecimal(text, allowFraction: false) else { return nil }
        return UInt64(text)
    }

    private static func isDecimal(_ text: String, allowFraction: Bool) -> Bool {
        var text = text
        return text.withUTF8 { isDecimal($0, allowFraction: allowFraction) }
    }

    private static func isDecimal(_ bytes: UnsafeBufferPointer<UInt8>, allowFraction: Bool) -> Bool {
        var i = 0
        func digits() -> Int {
            let start = i
            while i < bytes.count, bytes[i] >= 0x30, bytes[i] <= 0x39 { i += 1 }
            return i - start
        }
        if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
        var mantissa = digits()
        if allowFraction, i < bytes.count, bytes[i] == UInt8(ascii: ".") {
            i += 1
            mantissa += digits()
        }
        guard mantissa > 0 else { return false }
        if allowFraction, i < bytes.count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
            i += 1
            if i < bytes.count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
            guard digits() > 0 else { return false }
        }
        return i == bytes.count
    }
}
