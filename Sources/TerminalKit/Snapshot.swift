#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Text snapshots of buffers for tests: compare a rendered buffer with expected text kept in
/// the test source. Test targets wrap `check` in their framework's assertion.
///
/// Comparison ignores trailing spaces on every line and trailing empty lines. With the
/// environment variable `RECORD_SNAPSHOTS=1`, `check` reports the actual text as a ready to
/// paste literal instead, so that the test fails and the new snapshot can be copied in.
public enum Snapshot {
    /// Whether `RECORD_SNAPSHOTS` is set to 1 (or "true"/"yes").
    public static var isRecording: Bool {
        guard let raw = getenv("RECORD_SNAPSHOTS") else { return false }
        let value = String(cString: raw).lowercased()
        return value == "1" || value == "true" || value == "yes"
    }

    /// Lines normalised for comparison.
    public static func normalized(_ lines: [String]) -> [String] {
        var result = lines.map { line -> String in
            var s = Substring(line)
            while s.last == " " { s.removeLast() }
            return String(s)
        }
        while result.last == "" { result.removeLast() }
        return result
    }

    /// Splits expected snapshot text into lines.
    public static func lines(of text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The buffer as a Swift multi-line string literal body, for recording.
    public static func literal(_ lines: [String]) -> String {
        var out = "\"\"\"\n"
        for line in normalized(lines) {
            out += line.replacingBackslashes() + "\n"
        }
        out += "\"\"\""
        return out
    }

    /// Nil when `actual` matches `expected`; otherwise a report of the differing lines (or,
    /// when recording, the actual text as a literal).
    public static func check(_ buffer: Buffer, expected: String) -> String? {
        check(lines: buffer.lines(), expected: expected)
    }

    public static func check(lines actual: [String], expected: String) -> String? {
        let got = normalized(actual)
        if isRecording {
            return "RECORD_SNAPSHOTS is set; actual snapshot:\n" + literal(got)
        }
        let want = normalized(lines(of: expected))
        guard got != want else { return nil }
        var report = "snapshot mismatch (\(got.count) lines, expected \(want.count)):\n"
        for i in 0..<max(got.count, want.count) {
            let a = i < got.count ? got[i] : "<missing>"
            let e = i < want.count ? want[i] : "<missing>"
            let mark = a == e ? "  " : "≠ "
            report += "\(mark)\(i): actual   |\(a)|\n"
            if a != e { report += "   \(i): expected |\(e)|\n" }
        }
        report += "actual as literal:\n" + literal(got)
        return report
    }
}

extension Snapshot {
    /// The buffer's styles as text, for snapshots that check colour too: one letter per cell
    /// (`.` for the plain style, trailing ones left out), then a legend naming each letter's
    /// colours and attributes. Letters go by first use, row by row, so a screen always gives
    /// the same text.
    public static func styleLines(_ buffer: Buffer) -> [String] {
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        var codes: [Style: Character] = [.plain: "."]
        var legend: [String] = []
        var rows: [String] = []
        for y in 0..<buffer.height {
            var row = ""
            for x in 0..<buffer.width {
                let style = buffer[x, y].style
                if codes[style] == nil {
                    let letter = legend.count < letters.count ? letters[legend.count] : "?"
                    codes[style] = letter
                    legend.append("\(letter) \(describe(style))")
                }
                row.append(codes[style]!)
            }
            while row.last == "." { row.removeLast() }
            rows.append(row)
        }
        return rows + legend
    }

    /// "cyan on default, bold reverse"
    public static func describe(_ style: Style) -> String {
        func name(_ color: Color) -> String {
            if case .indexed(let n) = color { return "colour \(n)" }
            return "\(color)"
        }
        let attributes = [(TextAttributes.bold, "bold"), (.dim, "dim"), (.reverse, "reverse"), (.underline, "underline")]
            .filter { style.attributes.contains($0.0) }.map(\.1)
        return ([name(style.foreground) + (style.background == .default ? "" : " on " + name(style.background))] + attributes)
            .joined(separator: " ")
    }
}

extension String {
    fileprivate func replacingBackslashes() -> String {
        var out = ""
        for c in self {
            if c == "\\" { out += "\\\\" } else { out.append(c) }
        }
        return out
    }
}
