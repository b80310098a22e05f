/// A JSON value, as parsed from one line of a JSON Lines file.
indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    /// A number and the text it was written as.
    case number(Double, text: String)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A short name of the value's type, for messages.
    var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

/// Where and why a line is not valid JSON. `column` is 1-based, in bytes.
struct JSONSyntaxError: Error {
    var column: Int
    var reason: String
}

/// A strict JSON parser for one line (RFC 8259), plus the NaN / Infinity / -Infinity
/// literals Python's json module writes, so such values can be reported as non-finite
/// numbers rather than as syntax errors. Nesting is limited so garbage cannot overflow the
/// stack.
struct JSONLineParser {
    static let maximumDepth = 200

    private let bytes: UnsafeBufferPointer<UInt8>
    private var i = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// A line that must hold one object; the message names the file and `at` (its line).
    static func object(_ line: ArraySlice<UInt8>, path: String, at: String) throws -> [String: JSONValue] {
        let value: JSONValue
        do { value = try parse(line) } catch {
            throw DataError.file(path, "\(at), column \(error.column): \(error.reason)")
        }
        guard case .object(let object) = value else { throw DataError.file(path, "\(at) holds \(value.typeName), expected an object {...}") }
        return object
    }

    static func parse(_ line: ArraySlice<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        let result: Result<JSONValue, JSONSyntaxError> = line.withUnsafeBufferPointer { buffer in
            var parser = JSONLineParser(buffer)
            do throws(JSONSyntaxError) {
                parser.skipSpace()
                let value = try parser.value()
                parser.skipSpace()
                if parser.i < buffer.count {
                    throw parser.failure("unexpected text after the JSON value (one value per line)")
                }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func failure(_ reason: String, at position: Int? = nil) -> JSONSyntaxError {
        JSONSyntaxError(column: (position ?? i) + 1, reason: reason)
    }

    private var current: UInt8? { i < bytes.count ? bytes[i] : nil }

    private mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D || bytes[i] == 0x0A { i += 1 }
    }

    private func describeCurrent() -> String {
        guard let c = current else { return "the end of the line" }
        if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        return "byte 0x\(String(c, radix: 16, uppercase: true))"
    }

    private mutating func value() throws(JSONSyntaxError) -> JSONValue {
        guard let c = current else { throw failure("expected a value but the line ends") }
        switch c {
        case 0x7B: return try object()
        case 0x5B: return try array()
        case 0x22: return .string(try string())
        case 0x74: try literal("true"); return .bool(true)
        case 0x66: try literal("false"); return .bool(false)
        case 0x6E: try literal("null"); return .null
        case 0x4E: try literal("NaN"); return .number(.nan, text: "NaN")
        case 0x49: try literal("Infinity"); return .number(.infinity, text: "Infinity")
        case 0x2D, 0x30...0x39: return try number()
        default: throw failure("expected a value, found \(describeCurrent())")
        }
    }

    private mutating func literal(_ word: StaticString) throws(JSONSyntaxError) {
        let start = i
        let expected = UnsafeBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        for byte in expected {
            guard current == byte else { throw failure("expected '\(word)'", at: start) }
            i += 1
        }
    }

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maximumDepth { throw failure("nested deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func object() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1
        var members: [String: JSONValue] = [:]
        skipSpace()
        if current == 0x7D { i += 1; return .object(members) }
        while true {
            skipSpace()
            guard current == 0x22 else { throw failure("expected a key in double quotes, found \(describeCurrent())") }
            let key = try string()
            skipSpace()
            guard current == 0x3A else { throw failure("expected ':' after the key \"\(key)\", found \(describeCurrent())") }
            i += 1
            skipSpace()
            members[key] = try value()
            skipSpace()
            if current == 0x2C { i += 1; continue }
            if current == 0x7D { i += 1; return .object(members) }
            throw failure("expected ',' or '}' in an object, found \(describeCurrent())")
        }
    }

    private mutating func array() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        i += 1
        var elements: [JSONValue] = []
        skipSpace()
        if current == 0x5D { i += 1; return .array(elements) }
        while true {
            skipSpace()
            elements.append(try value())
            skipSpace()
            if current == 0x2C { i += 1; continue }
            if current == 0x5D { i += 1; return .array(elements) }
            throw failure("expected ',' or ']' in an array, found \(describeCurrent())")
        }
    }

    private mutating func number() throws(JSONSyntaxError) -> JSONValue {
        let start = i
        if current == 0x2D {
            i += 1
            if current == 0x49 {
                try literal("Infinity")
                return .number(-.infinity, text: "-Infinity")
            }
        }
        guard let first = current, first >= 0x30 && first <= 0x39 else { throw failure("expected a digit, found \(describeCurrent())") }
        i += 1
        if first != 0x30 { skipDigits() }
        if current == 0x2E {
            i += 1
            guard let d = current, d >= 0x30 && d <= 0x39 else { throw failure("expected a digit after the decimal point, found \(describeCurrent())") }
            skipDigits()
        }
        if current == 0x65 || current == 0x45 {
            i += 1
            if current == 0x2B || current == 0x2D { i += 1 }
            guard let d = current, d >= 0x30 && d <= 0x39 else { throw failure("expected a digit in the exponent, found \(describeCurrent())") }
            skipDigits()
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self)
        guard let value = Double(text) else { throw failure("cannot read the number \(text)", at: start) }
        return .number(value, text: text)
    }

    private mutating func skipDigits() {
        while let d = current, d >= 0x30 && d <= 0x39 { i += 1 }
    }

    private mutating func string() throws(JSONSyntaxError) -> String {
        let open = i
        i += 1
        var run = i
        var pieces: [UInt8] = []
        while true {
            guard let c = current else { throw failure("the string that starts here is never closed", at: open) }
            if c == 0x22 {
                pieces.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
                i += 1
                return String(decoding: pieces, as: UTF8.self)
            }
            if c < 0x20 { throw failure("a control character (byte 0x\(String(c, radix: 16, uppercase: true))) inside a string must be escaped") }
            if c != 0x5C { i += 1; continue }
            pieces.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i]))
            i += 1
            guard let e = current else { throw failure("the line ends inside an escape sequence") }
            i += 1
            switch e {
            case 0x22: pieces.append(0x22)
            case 0x5C: pieces.append(0x5C)
            case 0x2F: pieces.append(0x2F)
            case 0x62: pieces.append(0x08)
            case 0x66: pieces.append(0x0C)
            case 0x6E: pieces.append(0x0A)
            case 0x72: pieces.append(0x0D)
            case 0x74: pieces.append(0x09)
            case 0x75:
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A high surrogate must be followed by an escaped low surrogate.
                    guard current == 0x5C, i + 1 < bytes.count, bytes[i + 1] == 0x75 else {
                        throw failure("a \\u escape for a high surrogate is not followed by its low surrogate", at: i - 6)
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw failure("a \\u escape holds an invalid low surrogate", at: i - 6) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw failure("a \\u escape holds a lone low surrogate", at: i - 6)
                }
                pieces.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
            default:
                throw failure("unknown escape sequence '\\\(Character(Unicode.Scalar(e)))'", at: i - 2)
            }
            run = i
        }
    }

    private mutating func hex4() throws(JSONSyntaxError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let c = current else { throw failure("the line ends inside a \\u escape") }
            let digit: UInt32
            switch c {
            case 0x30...0x39: digit = UInt32(c - 0x30)
            case 0x41...0x46: digit = UInt32(c - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(c - 0x61 + 10)
            default: throw failure("expected 4 hex digits in a \\u escape, found \(describeCurrent())")
            }
            value = value << 4 | digit
            i += 1
        }
        return value
    }
}
