import LossKit

/// Labels (and perhaps texts) for items whose vectors come from another file: a labels
/// `.npy`, a text file with one label per line, or the Embedding Projector's metadata TSV.
struct LabelFile {
    var path: String
    var labels: [RawLabel]
    /// Item texts, when the file has a text column.
    var texts: [String]?
    /// The line of each label (nil for a `.npy`, whose labels are elements).
    var lines: [Int]?

    func place(_ index: Int) -> String {
        if let lines { return "line \(lines[index])" }
        return "element \(index)"
    }

    /// Throws unless there is exactly one label per item.
    func checkCount(_ items: Int, of dataPath: String, rows: String = "rows") throws {
        if labels.count != items {
            throw DataError.file(path, "\(labels.count) labels for the \(items) \(rows) of \(dataPath); there must be one label per item")
        }
    }
}

/// Column names that mark a label or a text column in a header (compared lowercased).
enum ColumnNames {
    static let label: Set<String> = ["label", "labels", "class", "y"]
    static let text: Set<String> = ["text", "sentence"]
    static let metadataText: Set<String> = ["text", "sentence", "name"]
    /// Vector columns, which a CSV can only hold as text.
    static let embedding: Set<String> = ["embedding", "embeddings"]
    /// Names that make a first row a header all by themselves ("y" is too likely a label).
    static let headerMarkers: Set<String> = ["label", "labels", "class", "text", "sentence"]

    static func normalized(_ name: String) -> String {
        name.loaderTrimmed().lowercased()
    }

    /// The column `reference` names: a header name (exact, then case-insensitive), else a
    /// 0-based index.
    static func resolve(_ reference: String, header: [String]?, width: Int, path: String, option: String) throws -> Int {
        if let header {
            if let index = header.firstIndex(of: reference) { return index }
            if let index = header.firstIndex(where: { normalized($0) == normalized(reference) }) { return index }
        }
        if let index = Int(reference), index >= 0, index < width { return index }
        let known = header.map { "; the columns are " + $0.map { "'\($0)'" }.joined(separator: ", ") } ?? "; the file has no header, so give a column index (0..<\(width))"
        throw DataError.file(path, "there is no column '\(reference)' (the \(option) option)\(known)")
    }
}

extension String {
    func loaderTrimmed() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice = slice.dropFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice = slice.dropLast() }
        return String(slice)
    }

    /// True when the text reads as a floating-point number (NaN and infinities included).
    var readsAsNumber: Bool {
        loaderTrimmed().tableFloat != nil
    }

    /// The value of a field in decimal notation, or a NaN or infinity spelled out (so that it
    /// can be refused as such). Hexadecimal ("0x10"), which Swift's Float would read as 16, is
    /// not a number in a data file.
    var tableFloat: Float? {
        guard DecimalNumber.isDecimal(self) || RawLabel.nonFiniteSpellings.contains(lowercased()) else { return nil }
        return Float(self)
    }
}

enum LabelFileReader {
    static func read(path: String, options: LoadOptions) throws -> LabelFile {
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") {
            let array = try NumpyFile.read(path: path)
            let raw = try LabelMapping.raw(from: array)
            if raw.isEmpty { throw DataError.file(path, "the labels array is empty") }
            return LabelFile(path: path, labels: raw)
        }
        if lower.hasSuffix(".npz") {
            throw DataError.file(path, "a labels file must be a .npy array or a text file (.txt, .tsv, .csv), not an .npz archive")
        }
        // CSV and TSV follow RFC 4180 quoting; other text files are split on tabs as they are.
        let delimiter: UInt8 = lower.hasSuffix(".csv") ? 0x2C : 0x09
        let quoting = lower.hasSuffix(".csv") || lower.hasSuffix(".tsv")
        let reader = try DelimitedReader(path: path, delimiter: delimiter, quoting: quoting, kind: "a labels text file", blankLines: .onlyAtEnd)
        var records: [DelimitedReader.Record] = []
        while let record = try reader.next() {
            if let first = records.first, record.fields.count != first.fields.count {
                throw DataError.file(
                    path, "line \(record.line) has \(record.fields.count) fields, expected \(first.fields.count) (as on line \(first.line))")
            }
            records.append(record)
        }
        guard let first = records.first else {
            throw DataError.file(path, "there are no labels (the file holds only blank lines)")
        }
        let width = first.fields.count
        let names = first.fields.map(\.text)
        var labelColumn = 0
        var textColumn: Int?
        var hasHeader: Bool
        if width == 1 {
            let name = names[0]
            let rest = records.dropFirst()
            hasHeader = ColumnNames.label.contains(ColumnNames.normalized(name)) || name == options.labelColumn
                || (!name.readsAsNumber && !rest.isEmpty && rest.allSatisfy { $0.fields[0].text.readsAsNumber })
        } else {
            // The projector's convention: several columns always come under a header.
            hasHeader = true
            if let reference = options.textColumn {
                textColumn = try ColumnNames.resolve(reference, header: names, width: width, path: path, option: "text column")
            }
            if let reference = options.labelColumn {
                labelColumn = try ColumnNames.resolve(reference, header: names, width: width, path: path, option: "label column")
            } else if let named = names.indices.first(where: { $0 != textColumn && ColumnNames.label.contains(ColumnNames.normalized(names[$0])) }) {
                labelColumn = named
            } else {
                labelColumn = textColumn == 0 ? 1 : 0
            }
            if textColumn == nil {
                textColumn = names.indices.first { $0 != labelColumn && ColumnNames.metadataText.contains(ColumnNames.normalized(names[$0])) }
            }
        }
        let rows = records.dropFirst(hasHeader ? 1 : 0)
        guard !rows.isEmpty else {
            throw DataError.file(path, "line 1 is a header ('\(names.joined(separator: "', '"))') and no labels follow it")
        }
        return LabelFile(
            path: path, labels: rows.map { RawLabel(field: $0.fields[labelColumn].text) },
            texts: textColumn.map { column in rows.map { $0.fields[column].text } }, lines: rows.map(\.line))
    }
}
