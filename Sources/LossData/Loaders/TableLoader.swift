import LossKit

/// Loads a CSV or TSV table (see `DatasetLoader` for the layout rules). The first rows are
/// read ahead to find the header and the role of each column; then the whole file streams
/// through, numbers going straight into the item matrix.
enum TableLoader {
    /// Rows read ahead to decide the header and the column roles.
    static let sampleSize = 256

    private enum Role: Equatable {
        case number, label, text, ignored
    }

    static func load(path: String, delimiter: UInt8, labelsPath: String?, options: LoadOptions, name: String) throws -> Dataset {
        let kind = delimiter == 0x2C ? "CSV text" : "TSV text"
        let reader = try DelimitedReader(path: path, delimiter: delimiter, kind: kind)
        var sample: [DelimitedReader.Record] = []
        // A read error while sampling (a NUL byte, bad UTF-8) waits until the rows before it
        // are checked, so that problems are reported in file order: a bad value on line 3 is
        // not hidden by a bad byte further on.
        var held: Error?
        do {
            while sample.count < sampleSize, let record = try reader.next() {
                if let first = sample.first { try checkWidth(record, first, path: path) }
                sample.append(record)
            }
        } catch {
            held = error
        }
        if let header = sample.first, header.fields.count >= 2,
           header.fields.contains(where: { JSONLinesLoader.RecordColumns.recordMarkers.contains(ColumnNames.normalized($0.text)) }) {
            return try textRecords(header: header, sample: sample.dropFirst(), held: held, reader: reader, labelsPath: labelsPath, path: path, name: name)
        }
        let layout: Layout
        do {
            layout = try Layout(sample: sample, delimiter: delimiter, options: options, labelsPath: labelsPath, path: path)
        } catch {
            throw held ?? error
        }
        let (first, dataSample, roles, width) = (layout.first, layout.dataSample, layout.roles, layout.width)
        let describe = layout.describe

        // Stream every row.
        let numberColumns = (0..<width).filter { roles[$0] == .number }
        let labelColumn = roles.firstIndex(of: .label)
        let textColumn = roles.firstIndex(of: .text)
        var values: [Float] = []
        var rawLabels: [RawLabel] = []
        var texts: [String] = []
        var lines: [Int] = []
        func consume(_ record: DelimitedReader.Record) throws {
            for column in numberColumns {
                let field = record.fields[column]
                let text = field.quoted ? field.text.loaderTrimmed() : field.text
                guard let value = text.tableFloat else {
                    let what = text.isEmpty ? "the value is empty" : "'\(text.count > 40 ? String(text.prefix(40)) + "…" : text)' is not a number"
                    throw DataError.file(path, "line \(record.line), \(describe(column)): \(what) (the column holds numbers)")
                }
                guard value.isFinite else {
                    let lower = text.lowercased()
                    let why = lower.contains("nan") || lower.contains("inf") ? "not a finite number" : "too large for float32"
                    throw DataError.file(
                        path, "line \(record.line) (data row \(lines.count + 1)), \(describe(column)): \(text) is \(why) (the first such value)")
                }
                values.append(value)
            }
            if let labelColumn { rawLabels.append(RawLabel(field: record.fields[labelColumn].text)) }
            if let textColumn { texts.append(record.fields[textColumn].text) }
            lines.append(record.line)
        }
        for record in dataSample { try consume(record) }
        if let held { throw held }
        while let record = try reader.next() {
            try checkWidth(record, first, path: path)
            try consume(record)
        }

        let rows = lines.count
        let place: (Int) -> String = { "line \(lines[$0])" }
        var labelFile: LabelFile?
        if let labelsPath {
            let file = try LabelFileReader.read(path: labelsPath, options: options)
            try file.checkCount(rows, of: path, rows: "data rows")
            labelFile = file
        }
        let itemTexts = textColumn != nil ? texts : labelFile?.texts

        if numberColumns.isEmpty {
            // Text items: identical texts share one item.
            var pool = TextItemPool()
            let examples = texts.map { [pool.item($0)] }
            if let index = texts.firstIndex(where: { Vocabulary.tokenize($0).isEmpty }) {
                throw DataError.file(
                    path, "line \(lines[index]), \(describe(textColumn!)): the text '\(texts[index])' has no words (letters or digits), so it would have no tokens")
            }
            let raw = labelColumn != nil ? rawLabels : labelFile?.labels
            guard let raw else {
                return Dataset(name: name, shape: .sentences, items: pool.features(), texts: pool.texts, examples: examples)
            }
            let classes = try LabelMapping.classes(raw, source: labelFile?.path ?? path, place: labelFile?.place ?? place)
            var itemClasses = [Int](repeating: -1, count: pool.count)
            for (example, items) in examples.enumerated() where itemClasses[items[0]] < 0 {
                itemClasses[items[0]] = classes.ids[example]
            }
            return Dataset(
                name: name, shape: .labelledItems, items: pool.features(), texts: pool.texts, examples: examples,
                labels: classes.ids.map(Double.init), labelNames: classes.names, itemClasses: itemClasses)
        }

        let matrix = Matrix(rows: rows, cols: numberColumns.count, values: values)
        let classes: LabelMapping.Classes
        if labelColumn != nil {
            classes = try LabelMapping.classes(rawLabels, source: path, place: place)
        } else if let labelFile {
            classes = try LabelMapping.classes(labelFile.labels, source: labelFile.path, place: labelFile.place)
        } else {
            throw DatasetLoader.missingLabels(
                path, how: "add a label column (a header named label), or give a labels file (the Embedding Projector's metadata TSV, a .txt with one label per line, or a .npy)")
        }
        return DatasetLoader.labelledItems(name: name, items: .vectors(ReadOnlyRows(matrix)), texts: itemTexts, classes: classes)
    }

    /// A table of texts under sentence-transformers' column names (anchor, positive,
    /// negative_1..., sentence1/sentence2/score, premise/hypothesis/label...), as
    /// `Dataset.to_csv` writes it: each row becomes a record, read like a JSON Lines one.
    private static func textRecords(
        header: DelimitedReader.Record, sample: ArraySlice<DelimitedReader.Record>, held: Error?, reader: DelimitedReader,
        labelsPath: String?, path: String, name: String
    ) throws -> Dataset {
        if let labelsPath {
            throw DataError.file(labelsPath, "a separate labels file is not used with a table of texts (\(path)); put the labels in a label or score column")
        }
        let keys = header.fields.map { ColumnNames.normalized($0.text) }
        if let duplicate = keys.indices.first(where: { keys[..<$0].contains(keys[$0]) }) {
            throw DataError.file(path, "line \(header.line): the column name '\(keys[duplicate])' appears twice")
        }
        let labelColumns = Set(JSONLinesLoader.RecordColumns.labels)
        var pending = sample.makeIterator()
        var held = held
        func object(_ record: DelimitedReader.Record) throws -> [String: JSONValue] {
            try checkWidth(record, header, path: path)
            var object: [String: JSONValue] = [:]
            for (column, key) in keys.enumerated() {
                let text = record.fields[column].text
                if listWrittenAsText(text) || ColumnNames.embedding.contains(key) {
                    throw listInText("column \(column + 1) ('\(header.fields[column].text)')", text, line: record.line, path: path)
                }
                if labelColumns.contains(key), case .number(let value, let written) = RawLabel(field: text.loaderTrimmed()) {
                    object[key] = .number(value, text: written)
                } else {
                    object[key] = .string(text)
                }
            }
            return object
        }
        return try JSONLinesLoader.build(path: path, name: name, unit: "row") {
            if let record = pending.next() { return (record.line, try object(record)) }
            if let error = held {
                held = nil
                throw error
            }
            guard let record = try reader.next() else { return nil }
            return (record.line, try object(record))
        }
    }

    /// True for a field such as "[0.1 0.2]" or "[0.1, 0.2, ...]": a list column that
    /// `to_csv` (pandas, datasets) wrote as its text.
    static func listWrittenAsText(_ field: String) -> Bool {
        let text = field.loaderTrimmed()
        guard text.count >= 2, text.first == "[", text.last == "]" else { return false }
        let parts = text.dropFirst().dropLast().split { $0 == "," || $0 == " " || $0 == "\n" }
        return !parts.isEmpty && parts.allSatisfy { $0 == "..." || String($0).readsAsNumber }
    }

    static func listInText(_ column: String, _ value: String, line: Int, path: String) -> DataError {
        let shown = value.count > 40 ? String(value.prefix(40)) + "…" : value
        return DataError.file(
            path,
            "\(column) holds lists written as text ('\(shown)' on line \(line)): to_csv writes a list column as its text, so the vectors cannot be read back from it; save the dataset with to_json (its \"embedding\" lists load as vectors) or the vectors with np.save")
    }

    /// What the sampled rows say about the table: its header, and the role of each column.
    private struct Layout {
        let first: DelimitedReader.Record
        let width: Int
        let header: [String]?
        let dataSample: ArraySlice<DelimitedReader.Record>
        let roles: [Role]

        func describe(_ column: Int) -> String {
            if let header { return "column \(column + 1) ('\(header[column])')" }
            return "column \(column + 1)"
        }

        init(sample: [DelimitedReader.Record], delimiter: UInt8, options: LoadOptions, labelsPath: String?, path: String) throws {
            guard let first = sample.first else {
                throw DataError.file(path, "there are no rows (the file holds only blank lines)")
            }
            let width = first.fields.count
            let firstRow = first.fields.map(\.text)
            let hasHeader = try detectHeader(sample, options: options, labelsPath: labelsPath, path: path)
            let header: [String]? = hasHeader ? firstRow : nil
            let dataSample = sample.dropFirst(hasHeader ? 1 : 0)
            guard !dataSample.isEmpty else {
                throw DataError.file(path, "line \(first.line) is a header and no data rows follow it")
            }

            // Column roles: options first, then header names, then what the values look like.
            // With a labels file the column options are about that file.
            let labelOption = labelsPath == nil ? options.labelColumn : nil
            let textOption = labelsPath == nil ? options.textColumn : nil
            var roles = [Role?](repeating: nil, count: width)
            if let reference = labelOption {
                roles[try ColumnNames.resolve(reference, header: header, width: width, path: path, option: "label column")] = .label
            }
            if let reference = textOption {
                let column = try ColumnNames.resolve(reference, header: header, width: width, path: path, option: "text column")
                if roles[column] == .label {
                    throw DataError.file(path, "column \(column + 1) cannot be both the label and the text column")
                }
                roles[column] = .text
            }
            if let header {
                let normalized = header.map(ColumnNames.normalized)
                // "y" waits: it is as often a coordinate as a target (see below).
                if !roles.contains(.label),
                   let column = normalized.indices.first(where: { roles[$0] == nil && normalized[$0] != "y" && ColumnNames.label.contains(normalized[$0]) }) {
                    roles[column] = .label
                }
                if !roles.contains(.text), let column = normalized.indices.first(where: { roles[$0] == nil && ColumnNames.text.contains(normalized[$0]) }) {
                    roles[column] = .text
                }
                // pandas writes its row index as an unnamed first column.
                if roles[0] == nil && (normalized[0].isEmpty || normalized[0].hasPrefix("unnamed:")) { roles[0] = .ignored }
            }
            var textual: [Int] = []
            for column in 0..<width where roles[column] == nil {
                let numbers = dataSample.reduce(0) { $0 + ($1.fields[column].text.readsAsNumber ? 1 : 0) }
                if 2 * numbers >= dataSample.count {
                    roles[column] = .number
                } else {
                    textual.append(column)
                }
            }
            func describe(_ column: Int) -> String {
                if let header { return "column \(column + 1) ('\(header[column])')" }
                return "column \(column + 1)"
            }
            func example(_ column: Int) -> String {
                let record = dataSample.first { !$0.fields[column].text.readsAsNumber }!
                return "'\(record.fields[column].text)' on line \(record.line)"
            }
            for column in textual {
                if let record = dataSample.first(where: { listWrittenAsText($0.fields[column].text) }) {
                    throw listInText(describe(column), record.fields[column].text, line: record.line, path: path)
                }
            }
            if !roles.contains(.label) && labelsPath == nil {
                if textual.count == 1 {
                    roles[textual.removeFirst()] = .label
                } else if textual.isEmpty, let column = header?.firstIndex(where: { ColumnNames.normalized($0) == "y" }) {
                    roles[column] = .label
                }
            }
            if !roles.contains(.number) && !roles.contains(.text) {
                let columns = header.map { ": " + $0.map { "'\($0)'" }.joined(separator: ", ") } ?? ""
                var hint = ""
                if width == 1, let other = [";", "\t", ",", "|"].first(where: { firstRow[0].contains($0) && UInt8(ascii: Unicode.Scalar($0)!) != delimiter }) {
                    hint = " (line \(first.line) holds '\(other == "\t" ? "\\t" : other)': is that the delimiter? This reader splits \(delimiter == 0x2C ? ".csv files at commas" : ".tsv files at tabs"))"
                }
                throw DataError.file(
                    path, "no column holds numbers, so there are no vectors (\(width) column\(width == 1 ? "" : "s")\(columns))\(hint); a table needs numeric columns, or a text column named text or sentence")
            }
            if let column = textual.first {
                let fix = "choose the label with the label-column option, name a text column 'text', or fix the values"
                if roles.contains(.label) || labelsPath != nil {
                    let source = roles.firstIndex(of: .label).map(describe) ?? labelsPath!
                    throw DataError.file(
                        path, "\(describe(column)) holds text, not numbers (\(example(column))), but the labels come from \(source); \(fix)")
                }
                throw DataError.file(
                    path, "\(textual.count) columns hold text (\(textual.map { "\(describe($0)), e.g. \(example($0))" }.joined(separator: "; "))), but only one can be the label; \(fix)")
            }
            if let labelsPath, let column = roles.firstIndex(of: .label) {
                throw DataError.file(path, "\(describe(column)) holds labels, and a labels file (\(labelsPath)) was given too; use one or the other")
            }
            (self.first, self.width, self.header, self.dataSample) = (first, width, header, dataSample)
            self.roles = roles.map { $0 ?? .ignored }
        }
    }

    private static func checkWidth(_ record: DelimitedReader.Record, _ first: DelimitedReader.Record, path: String) throws {
        if record.fields.count != first.fields.count {
            throw DataError.file(
                path, "line \(record.line) has \(record.fields.count) fields, expected \(first.fields.count) (as on line \(first.line))")
        }
    }

    /// Whether the first row is a header: it has a non-number above a column of numbers, or
    /// a known column name (label, text...) or an option's column name, or it is pandas's
    /// default header 0, 1, 2... above fractional values.
    private static func detectHeader(_ sample: [DelimitedReader.Record], options: LoadOptions, labelsPath: String?, path: String) throws -> Bool {
        let first = sample[0].fields.map(\.text)
        let rest = sample.dropFirst()
        let firstIsNumber = first.map(\.readsAsNumber)
        if rest.isEmpty {
            if !firstIsNumber.contains(true) {
                throw DataError.file(path, "line \(sample[0].line) looks like a header (it holds no numbers) and no data rows follow it")
            }
            return false
        }
        for column in first.indices where !firstIsNumber[column] {
            let numbers = rest.reduce(0) { $0 + ($1.fields[column].text.readsAsNumber ? 1 : 0) }
            if numbers > 0 && 2 * numbers >= rest.count { return true }
        }
        let names = first.map(ColumnNames.normalized)
        if names.contains(where: { ColumnNames.headerMarkers.contains($0) }) { return true }
        for option in [labelsPath == nil ? options.labelColumn : nil, labelsPath == nil ? options.textColumn : nil] {
            if let option, Int(option) == nil, first.contains(option) { return true }
        }
        if first.count > 1 && first == (0..<first.count).map(String.init) {
            return rest.contains { $0.fields.contains { field in field.text.tableFloat.map { $0.rounded() != $0 } ?? false } }
        }
        return false
    }
}
