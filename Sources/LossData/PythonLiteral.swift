/// A value of the small subset of Python literal syntax that `.npy` headers use.
/// Parsing is purely syntactic: nothing is evaluated, imported or unpickled.
indirect enum PythonLiteral: Equatable {
    case string(String)
    /// `value` is nil when the digits do not fit in `Int`; `text` keeps them for messages.
    case integer(value: Int?, text: String)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([DictEntry])

    struct DictEntry: Equatable {
        var key: String
        var value: PythonLiteral
    }

    /// How the value would look in Python source, shortened for error messages.
    var summary: String {
        switch self {
        case .string(let s): return "'\(s)'"
        case .integer(_, let text): return text
        case .bool(let b): return b ? "True" : "False"
        case .none: return "None"
        case .tuple(let items):
            let inner = items.map(\.summary).joined(separator: ", ")
            return items.count == 1 ? "(\(inner),)" : "(\(inner))"
        case .list(let items): return "[" + items.map(\.summary).joined(separator: ", ") + "]"
        case .dict(let entries):
            return "{" + entries.map { "'\($0.key)': \($0.value.summary)" }.joined(separator: ", ") + "}"
        }
    }

    /// Parses `bytes` as one literal followed only by whitespace (numpy pads headers with
    /// spaces and a newline). Throws a DataError whose message has no file name.
    static func parse(_ bytes: [UInt8]) throws -> PythonLiteral {
        var parser = PythonLiteralParser(bytes: bytes)
        return try parser.parseDocument()
    }
}

/// Recursive-descent parser with a nesting limit, so hostile input cannot exhaust the stack.
struct PythonLiteralParser {
    let bytes: [UInt8]
    var position = 0
    var depth = 0
    static let maximumDepth = 32

    init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func parseDocument() throws -> PythonLiteral {
        let value = try parseValue()
        skipWhitespace()
        if position < bytes.count {
            throw failure("unexpected \(describeByte(bytes[position])) after the end of the header dictionary")
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws -> PythonLiteral {
        skipWhitespace()
        guard let byte = peek() else { throw failure("header ends where a value was expected") }
        switch byte {
        case UInt8(ascii: "{"):
            return try nested { try $0.parseDict() }
        case UInt8(ascii: "("):
            return try nested { try $0.parseParenthesized() }
        case UInt8(ascii: "["):
            return try nested { try $0.parseList() }
        case UInt8(ascii: "'"), UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseInteger()
        default:
            if isIdentifierStart(byte) {
                return try parseIdentifier()
            }
            throw failure("unexpected \(describeByte(byte))")
        }
    }

    private mutating func nested(_ body: (inout PythonLiteralParser) throws -> PythonLiteral) throws -> PythonLiteral {
        depth += 1
        defer { depth -= 1 }
        if depth > Self.maximumDepth {
            throw failure("brackets nested more than \(Self.maximumDepth) deep")
        }
        return try body(&self)
    }

    private mutating func parseDict() throws -> PythonLiteral {
        position += 1  // {
        var entries: [PythonLiteral.DictEntry] = []
        while true {
            skipWhitespace()
            guard let byte = peek() else { throw failure("header ends inside the dictionary (missing '}')") }
            if byte == UInt8(ascii: "}") {
                position += 1
                return .dict(entries)
            }
            let keyValue = try parseValue()
            guard case .string(let key) = keyValue else {
                throw failure("dictionary key \(keyValue.summary) is not a string")
            }
            skipWhitespace()
            guard peek() == UInt8(ascii: ":") else {
                throw failure("expected ':' after dictionary key '\(key)'")
            }
            position += 1
            let value = try parseValue()
            entries.append(.init(key: key, value: value))
            try expectCommaOrClose(UInt8(ascii: "}"), what: "dictionary")
        }
    }

    /// `(...)`: a tuple when empty or when it contains a comma, otherwise a parenthesized value.
    private mutating func parseParenthesized() throws -> PythonLiteral {
        position += 1  // (
        var items: [PythonLiteral] = []
        var sawComma = false
        while true {
            skipWhitespace()
            guard let byte = peek() else { throw failure("header ends inside a tuple (missing ')')") }
            if byte == UInt8(ascii: ")") {
                position += 1
                if items.count == 1 && !sawComma { return items[0] }
                return .tuple(items)
            }
            items.append(try parseValue())
            if try expectCommaOrClose(UInt8(ascii: ")"), what: "tuple") { sawComma = true }
        }
    }

    private mutating func parseList() throws -> PythonLiteral {
        position += 1  // [
        var items: [PythonLiteral] = []
        while true {
            skipWhitespace()
            guard let byte = peek() else { throw failure("header ends inside a list (missing ']')") }
            if byte == UInt8(ascii: "]") {
                position += 1
                return .list(items)
            }
            items.append(try parseValue())
            try expectCommaOrClose(UInt8(ascii: "]"), what: "list")
        }
    }

    /// After an item: consumes a comma (returns true) or leaves the closing bracket in place.
    @discardableResult
    private mutating func expectCommaOrClose(_ close: UInt8, what: String) throws -> Bool {
        skipWhitespace()
        guard let byte = peek() else {
            throw failure("header ends inside a \(what) (missing '\(Character(Unicode.Scalar(close)))')")
        }
        if byte == UInt8(ascii: ",") {
            position += 1
            return true
        }
        if byte == close { return false }
        throw failure("expected ',' or '\(Character(Unicode.Scalar(close)))' in \(what), found \(describeByte(byte))")
    }

    private mutating func parseString() throws -> String {
        let quote = bytes[position]
        position += 1
        var content: [UInt8] = []
        while true {
            guard let byte = peek() else { throw failure("unterminated string") }
            position += 1
            if byte == quote { break }
            if byte == UInt8(ascii: "\n") { throw failure("line break inside a string") }
            if byte == UInt8(ascii: "\\") {
                guard let escaped = peek() else { throw failure("unterminated string") }
                position += 1
                switch escaped {
                case UInt8(ascii: "n"): content.append(UInt8(ascii: "\n"))
                case UInt8(ascii: "t"): content.append(UInt8(ascii: "\t"))
                case UInt8(ascii: "r"): content.append(UInt8(ascii: "\r"))
                case UInt8(ascii: "0"): content.append(0)
                case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""): content.append(escaped)
                default:
                    content.append(UInt8(ascii: "\\"))
                    content.append(escaped)
                }
                continue
            }
            content.append(byte)
        }
        return String(decoding: content, as: UTF8.self)
    }

    private mutating func parseInteger() throws -> PythonLiteral {
        let start = position
        var negative = false
        if let sign = peek(), sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            position += 1
            skipWhitespace()
        }
        var value: Int? = 0
        var digitCount = 0
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            position += 1
            digitCount += 1
            let digit = Int(byte - UInt8(ascii: "0"))
            if let current = value {
                let (times10, o1) = current.multipliedReportingOverflow(by: 10)
                let (next, o2) = negative ? times10.subtractingReportingOverflow(digit) : times10.addingReportingOverflow(digit)
                value = (o1 || o2) ? nil : next
            }
        }
        if digitCount == 0 { throw failure("a sign with no digits after it") }
        // Python 2 wrote long integers with an L suffix, e.g. (3L, 4L).
        if let byte = peek(), byte == UInt8(ascii: "L") || byte == UInt8(ascii: "l") {
            position += 1
        }
        if let byte = peek(), isIdentifierStart(byte) || byte == UInt8(ascii: ".") {
            throw failure("unexpected \(describeByte(byte)) in a number (only integers are allowed)")
        }
        let text = String(decoding: bytes[start..<position], as: UTF8.self)
        return .integer(value: value, text: text)
    }

    private mutating func parseIdentifier() throws -> PythonLiteral {
        let start = position
        while let byte = peek(), isIdentifierStart(byte) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) {
            position += 1
        }
        let word = String(decoding: bytes[start..<position], as: UTF8.self)
        switch word {
        case "True": return .bool(true)
        case "False": return .bool(false)
        case "None": return .none
        case "u", "b", "U", "B":
            // u'...' / b'...' string prefixes from Python 2 era writers.
            if let byte = peek(), byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\"") {
                return .string(try parseString())
            }
            fallthrough
        default:
            let shown = word.count > 40 ? String(word.prefix(40)) + "..." : word
            throw failure("unexpected name '\(shown)' (only True, False and None are allowed)")
        }
    }

    // MARK: - Helpers

    private func peek() -> UInt8? {
        position < bytes.count ? bytes[position] : nil
    }

    private mutating func skipWhitespace() {
        while let byte = peek(),
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C || byte == 0x0B || byte == 0
        {
            position += 1
        }
    }

    private func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || byte == UInt8(ascii: "_")
    }

    private func describeByte(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte, radix: 16, uppercase: true)
    }

    private func failure(_ problem: String) -> DataError {
        DataError("\(problem) at offset \(position) of the header")
    }
}
