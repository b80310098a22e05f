/// Short number labels for charts and tables, without Foundation.
public enum NumberFormat {
    /// A compact rendering with about `significantDigits` significant digits: `0.4321`,
    /// `12.5`, `3`, `1.2e-4`, `2.5e6`, `nan`, `inf`, `-inf`.
    public static func compact(_ value: Double, significantDigits: Int = 4) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        if value == 0 { return "0" }
        let digits = max(1, significantDigits)
        let magnitude = abs(value)
        if magnitude >= 1e5 || magnitude < 1e-3 {
            return scientific(value, fractionDigits: max(0, min(digits - 1, 2)))
        }
        var decimals: Int
        if magnitude >= 1 {
            var integerDigits = 1
            var bound = 10.0
            while magnitude >= bound {
                integerDigits += 1
                bound *= 10
            }
            decimals = max(0, digits - integerDigits)
        } else {
            var leadingZeros = 0
            var scaled = magnitude * 10
            while scaled < 1 {
                leadingZeros += 1
                scaled *= 10
            }
            decimals = leadingZeros + digits
        }
        decimals = min(decimals, 12)
        return fixed(value, decimals: decimals)
    }

    /// `value` rounded to `decimals` digits after the point, without trailing zeros.
    public static func fixed(_ value: Double, decimals: Int) -> String {
        if !value.isFinite { return compact(value) }
        let scale = power10(max(0, decimals))
        let rounded = (value * scale).rounded() / scale
        var text = rounded.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        if text == "-0" { text = "0" }
        // Very large or small values come back in exponent form; keep it.
        return text
    }

    /// `1.23e-4` style with `fractionDigits` digits after the point (trailing zeros dropped).
    public static func scientific(_ value: Double, fractionDigits: Int = 2) -> String {
        if !value.isFinite { return compact(value) }
        if value == 0 { return "0" }
        var exponent = 0
        var mantissa = abs(value)
        while mantissa >= 10 {
            mantissa /= 10
            exponent += 1
        }
        while mantissa < 1 {
            mantissa *= 10
            exponent -= 1
        }
        let scale = power10(fractionDigits)
        mantissa = (mantissa * scale).rounded() / scale
        if mantissa >= 10 {
            mantissa /= 10
            exponent += 1
        }
        var text = mantissa.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return (value < 0 ? "-" : "") + text + "e" + String(exponent)
    }

    private static func power10(_ n: Int) -> Double {
        var result = 1.0
        for _ in 0..<n { result *= 10 }
        return result
    }
}
