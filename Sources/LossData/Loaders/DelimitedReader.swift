/// Splits a CSV or TSV file into records, streaming. Quoting follows RFC 4180: a field that
/// starts with a double quote runs to the matching closing quote, `""` inside it stands for
/// one quote, and it may hold delimiters and line breaks. Unquoted fields are trimmed of
/// surrounding spaces; a quote inside an unquoted field is kept as an ordinary character.
final class DelimitedReader {
    struct Field {
        var text: String
        var quoted: Bool
    }

    struct Record {
        var fields: [Field]
        /// The line the record starts on.
        var line: Int
    }

    /// What to do with lines holding nothing but spaces.
    enum BlankLines {
        /// Skip them wherever they are (data tables).
        case skip
        /// Skip them at the end of the file, refuse them between rows (label files, where
        /// row n must line up with item n).
        case onlyAtEnd
    }

    /// A quoted field spanning more lines than this is taken for an unbalanced quote.
    static let maximumQuotedLines = 10_000

    let lines: TextLineReader
    let delimiter: UInt8
    let quoting: Bool
    let blankLines: BlankLines
    var path: String { lines.path }

    /// - Parameters:
    ///   - delimiter: the field separator (a comma or a tab).
    ///   - quoting: whether quotes are special (RFC 4180); without, fields are split at every
    ///     delimiter as they are.
    init(path: String, delimiter: UInt8, quoting: Bool = true, kind: String, blankLines: BlankLines = .skip) throws {
        lines = try TextLineReader(path: path, kind: kind)
        self.delimiter = delimiter
        self.quoting = quoting
        self.blankLines = blankLines
    }

    private var pendingBlankLine: Int?

    /// The next record, or nil at the end of the file.
    func next() throws -> Record? {
        while let line = try lines.next() {
            if line.isBlank {
                if pendingBlankLine == nil { pendingBlankLine = line.number }
                continue
            }
            if let blank = pendingBlankLine, blankLines == .onlyAtEnd {
                throw DataError.file(
                    path, "line \(blank) is blank, between rows; every row needs a value (delete the blank line or fill it in)")
            }
            pendingBlankLine = nil
            return Record(fields: try split(line, delimiter: delimiter), line: line.number)
        }
        return nil
    }

    private func split(_ first: TextLineReader.Line, delimiter: UInt8) throws -> [Field] {
        var fields: [Field] = []
        var line = first
        var i = line.bytes.startIndex
        while true {
            let bytes = line.bytes
            // Leading spaces, then either a quoted or an unquoted field.
            var start = i
            while start < bytes.endIndex && bytes[start] == 0x20 && delimiter != 0x20 { start += 1 }
            if quoting && start < bytes.endIndex && bytes[start] == 0x22 {
                // Quoted field, possibly continuing on the following lines.
                var text: [UInt8] = []
                var j = start + 1
                let opened = (line: line.number, column: start - bytes.startIndex + 1)
                var spanned = 0
                closing: while true {
                    let current = line.bytes
                    while j < current.endIndex {
                        let b = current[j]
                        if b == 0x22 {
                            if j + 1 < current.endIndex && current[j + 1] == 0x22 {
                                text.append(0x22)
                                j += 2
                                continue
                            }
                            j += 1
                            break closing
                        }
                        text.append(b)
                        j += 1
                    }
                    // The line ended inside the quotes: the field goes on with a line break.
                    spanned += 1
                    guard let more = try lines.next() else {
                        throw DataError.file(
                            path, "line \(opened.line), column \(opened.column): the quoted field \(fields.count + 1) is never closed (the file ends inside it)")
                    }
                    if spanned > Self.maximumQuotedLines {
                        throw DataError.file(
                            path, "line \(opened.line), column \(opened.column): the quoted field \(fields.count + 1) runs over \(Self.maximumQuotedLines) lines; a quote is probably unbalanced")
                    }
                    text.append(0x0A)
                    line = more
                    j = more.bytes.startIndex
                }
                fields.append(Field(text: String(decoding: text, as: UTF8.self), quoted: true))
                let current = line.bytes
                while j < current.endIndex && current[j] == 0x20 && delimiter != 0x20 { j += 1 }
                if j == current.endIndex { return fields }
                guard current[j] == delimiter else {
                    let shown = String(decoding: current[j..<min(j + 20, current.endIndex)], as: UTF8.self)
                    throw DataError.file(
                        path, "line \(line.number), column \(j - current.startIndex + 1): unexpected text '\(shown)' after the closing quote of field \(fields.count); a quote inside a quoted field must be doubled (\"\")")
                }
                i = j + 1
                if i == current.endIndex {
                    fields.append(Field(text: "", quoted: false))
                    return fields
                }
            } else {
                let end = bytes[i...].firstIndex(of: delimiter) ?? bytes.endIndex
                var low = i
                var high = end
                while low < high && (bytes[low] == 0x20 || bytes[low] == 0x09) && bytes[low] != delimiter { low += 1 }
                while high > low && (bytes[high - 1] == 0x20 || bytes[high - 1] == 0x09) && bytes[high - 1] != delimiter { high -= 1 }
                fields.append(Field(text: String(decoding: bytes[low..<high], as: UTF8.self), quoted: false))
                if end == bytes.endIndex { return fields }
                i = end + 1
                if i == bytes.endIndex {
                    fields.append(Field(text: "", quoted: false))
                    return fields
                }
            }
        }
    }
}
