import LossKit

/// Loads a JSON Lines file, one record (object) per line; the first record's keys decide the
/// layout and every other record must follow it (see `DatasetLoader`).
enum JSONLinesLoader {
    enum Layout: Equatable {
        /// {"text", "label"} with a class label.
        case labelledText
        /// {"text", "label": [floats]}: the label is a teacher embedding.
        case teacherText
        /// {"text"} alone.
        case sentence
        /// {"sentence1"/"text1", "sentence2"/"text2", "label"}.
        case pair
        /// {"anchor", "positive"[, "negative"/"negatives"/"negative_1"...]}.
        case anchor
        /// {"texts": [...]}.
        case texts

        var summary: String {
            switch self {
            case .labelledText: "a text with a class label ({\"text\", \"label\"})"
            case .teacherText: "a text with a teacher embedding ({\"text\", \"label\": [numbers]})"
            case .sentence: "a lone text ({\"text\"})"
            case .pair: "a sentence pair ({\"sentence1\", \"sentence2\", \"label\"})"
            case .anchor: "an anchor with its positive ({\"anchor\", \"positive\", ...})"
            case .texts: "a list of texts ({\"texts\": [...]})"
            }
        }
    }

    static let knownLayouts =
        "{\"text\", \"label\"}, {\"text\"}, {\"anchor\"/\"query\"/\"question\", \"positive\"/\"answer\"/\"document\"[, \"negative\"/\"negative_1\"...]}, {\"texts\": [...]}, or {\"sentence1\"/\"premise\", \"sentence2\"/\"hypothesis\", \"label\"/\"score\"}"

    /// The column names sentence-transformers' docs and the Hub's datasets use, by role.
    enum RecordColumns {
        static let anchors = ["anchor", "query", "question"]
        static let positives = ["positive", "answer", "document"]
        /// A pair's first and second sentence: `firsts[i]` goes with `seconds[i]`.
        static let firsts = ["sentence1", "text1", "premise"]
        static let seconds = ["sentence2", "text2", "hypothesis"]
        static let labels = ["label", "score"]
        static let singles = ["text", "sentence"]
        /// Names that make a table's first row the header of text records.
        static let recordMarkers = Set(anchors + firsts + ["texts"])
    }

    /// What one line contributes.
    private struct Record {
        var layout: Layout
        var texts: [String]
        var embeddings: [[Float]]?
        var label: JSONValue?
        /// What each key read became, in column order ("\"query\" as the anchor").
        var roles: [String]
        /// The keys read.
        var used: Set<String>
    }

    static func load(path: String, name: String) throws -> Dataset {
        let reader = try TextLineReader(path: path, kind: "JSON Lines text")
        var first = true
        return try build(path: path, name: name, unit: "record") {
            while let line = try reader.next() {
                if line.isBlank { continue }
                let at = "line \(line.number)"
                let value: JSONValue
                do {
                    value = try JSONLineParser.parse(line.bytes)
                } catch let error as JSONSyntaxError {
                    var hint = ""
                    if first {
                        let trimmed = String(decoding: line.bytes, as: UTF8.self).loaderTrimmed()
                        if trimmed == "[" || trimmed == "{" || trimmed.hasPrefix("[{") || trimmed.hasPrefix("[ {") {
                            hint = " (this looks like a JSON document spread over lines or one array; JSON Lines needs one complete object per line)"
                        }
                    }
                    throw DataError.file(path, "\(at), column \(error.column): \(error.reason)\(hint)")
                }
                guard case .object(let object) = value else {
                    let hint = value.typeName == "an array" ? " (JSON Lines needs one object per line, not an array of them)" : ""
                    throw DataError.file(path, "\(at) holds \(value.typeName), expected an object {...}\(hint)")
                }
                first = false
                return (line.number, object)
            }
            return nil
        }
    }

    /// Builds the dataset from records, one object per line: the records of a JSON Lines file
    /// or the rows of a text table (`unit` names them in messages). The first record's keys
    /// decide the layout and every other record must follow it.
    static func build(path: String, name: String, unit: String, next: () throws -> (line: Int, object: [String: JSONValue])?) throws -> Dataset {
        var layout: Layout?
        var firstLine = 0
        var columns = 0
        var withEmbeddings = false
        var dimension = 0
        var teacherDimension = 0
        var pool = TextItemPool()
        var examples: [[Int]] = []
        var rawLabels: [RawLabel] = []
        var lines: [Int] = []
        var roles: [String] = []
        var ignored: Set<String> = []

        while let (lineNumber, object) = try next() {
            let at = "line \(lineNumber)"
            let record = try interpret(object, at: at, path: path)
            ignored.formUnion(object.keys.filter { !record.used.contains($0) })
            if let layout {
                if record.layout != layout {
                    throw DataError.file(
                        path, "\(at) is \(record.layout.summary), but line \(firstLine) is \(layout.summary); a file holds one kind of record")
                }
                if record.texts.count != columns {
                    throw DataError.file(
                        path, "\(at) has \(record.texts.count) texts, but line \(firstLine) has \(columns); every example needs the same number")
                }
                if (record.embeddings != nil) != withEmbeddings {
                    let which = withEmbeddings ? "has no embedding but line \(firstLine) has" : "has an embedding but line \(firstLine) has none"
                    throw DataError.file(path, "\(at) \(which); give every record embeddings or none")
                }
            } else {
                layout = record.layout
                roles = record.roles
                firstLine = lineNumber
                columns = record.texts.count
                withEmbeddings = record.embeddings != nil
                dimension = record.embeddings?.first?.count ?? 0
            }
            if let embeddings = record.embeddings, let bad = embeddings.first(where: { $0.count != dimension }) {
                throw DataError.file(path, "\(at): an embedding has \(bad.count) values, but line \(firstLine)'s have \(dimension)")
            }
            if !withEmbeddings, let index = record.texts.firstIndex(where: { Vocabulary.tokenize($0).isEmpty }) {
                throw DataError.file(path, "\(at): text \(index + 1) ('\(record.texts[index])') has no words (letters or digits), so it would have no tokens")
            }

            var teacher: [Float]?
            switch record.layout {
            case .teacherText:
                let vector = try numbers(record.label!, key: "label", at: at, path: path)
                if teacherDimension == 0 { teacherDimension = vector.count }
                if vector.count != teacherDimension {
                    throw DataError.file(path, "\(at): the teacher embedding has \(vector.count) values, but line \(firstLine)'s has \(teacherDimension)")
                }
                teacher = vector
            case .labelledText, .pair:
                rawLabels.append(try rawLabel(record.label!, at: at, path: path))
            case .sentence, .anchor, .texts:
                break
            }
            var example: [Int] = []
            example.reserveCapacity(columns)
            for (index, text) in record.texts.enumerated() {
                example.append(pool.item(text, vector: record.embeddings?[index], teacher: teacher))
            }
            examples.append(example)
            lines.append(lineNumber)
        }

        guard let layout else {
            throw DataError.file(path, "there are no \(unit)s (the file holds only blank lines)")
        }
        var notes = ["read " + joinedRoles(roles) + " (\(examples.count) \(unit)\(examples.count == 1 ? "" : "s"))"]
        if !ignored.isEmpty {
            let names = ignored.sorted().map { "\"\($0)\"" }
            notes.append("warning: ignored the column\(names.count == 1 ? "" : "s") \(joined(names)) (LossLab reads only the texts, labels and embeddings)")
        }
        var dataset = try assemble(layout, path: path, name: name, pool: pool, examples: examples, rawLabels: rawLabels, lines: lines, columns: columns)
        if let note = dataset.notes.first { notes.append(note) }
        dataset.notes = notes
        return dataset
    }

    /// "a and b", "a, b and c"; a last part that has its own "and" gets a comma.
    static func joined(_ parts: [String]) -> String {
        guard parts.count > 1 else { return parts.first ?? "" }
        let last = parts.last!
        return parts.dropLast().joined(separator: ", ") + (last.contains(" and ") ? ", " : " and ") + last
    }

    private static func joinedRoles(_ roles: [String]) -> String { joined(roles) }

    /// The dataset of the records' layout; its only note is the ids class names became.
    private static func assemble(
        _ layout: Layout, path: String, name: String, pool: TextItemPool, examples: [[Int]], rawLabels: [RawLabel], lines: [Int], columns: Int
    ) throws -> Dataset {
        let place: (Int) -> String = { "line \(lines[$0])" }
        let items = pool.features()
        switch layout {
        case .labelledText:
            let classes = try LabelMapping.classes(rawLabels, source: path, place: place)
            var itemClasses = [Int](repeating: -1, count: pool.count)
            for (example, items) in examples.enumerated() where itemClasses[items[0]] < 0 {
                itemClasses[items[0]] = classes.ids[example]
            }
            var dataset = Dataset(
                name: name, shape: .labelledItems, items: items, texts: pool.texts, examples: examples,
                labels: classes.ids.map(Double.init), labelNames: classes.names, itemClasses: itemClasses)
            dataset.notes = [classes.note].compactMap { $0 }
            return dataset
        case .teacherText:
            return Dataset(name: name, shape: .teacherItems, items: items, texts: pool.texts, examples: examples, teacher: pool.teacherMatrix())
        case .sentence:
            return Dataset(name: name, shape: .sentences, items: items, texts: pool.texts, examples: examples)
        case .pair:
            let labels = try LabelMapping.pairs(rawLabels, source: path, place: place)
            var dataset = Dataset(
                name: name, shape: labels.shape, items: items, texts: pool.texts, examples: examples,
                labels: labels.values, labelNames: labels.names)
            dataset.notes = [labels.note].compactMap { $0 }
            return dataset
        case .anchor, .texts:
            return Dataset(name: name, shape: columns == 3 ? .triplets : .anchorPositive, items: items, texts: pool.texts, examples: examples)
        }
    }

    /// The layout, texts, embeddings and label of one record.
    private static func interpret(_ object: [String: JSONValue], at: String, path: String) throws -> Record {
        func text(_ key: String) throws -> String {
            guard let value = object[key] else { throw DataError.file(path, "\(at) has no \"\(key)\"") }
            guard case .string(let string) = value else {
                throw DataError.file(path, "\(at): \"\(key)\" is \(value.typeName), expected a string")
            }
            return string
        }
        func strings(_ value: JSONValue, key: String) throws -> [String] {
            if case .string(let string) = value { return [string] }
            guard case .array(let elements) = value else {
                throw DataError.file(path, "\(at): \"\(key)\" is \(value.typeName), expected a string or an array of strings")
            }
            return try elements.enumerated().map { index, element in
                guard case .string(let string) = element else {
                    throw DataError.file(path, "\(at): element \(index) of \"\(key)\" is \(element.typeName), expected a string")
                }
                return string
            }
        }

        let layout: Layout
        var texts: [String]
        var label: JSONValue?
        var roles: [String] = []
        var used: Set<String> = []
        func read(_ key: String, as role: String) throws -> String {
            used.insert(key)
            roles.append("\"\(key)\" as \(role)")
            return try text(key)
        }
        /// The label or score, when there is one.
        func readLabel() -> JSONValue? {
            guard let key = RecordColumns.labels.first(where: { object[$0] != nil }) else { return nil }
            used.insert(key)
            roles.append("\"\(key)\" as the label")
            return object[key]
        }
        if let anchor = RecordColumns.anchors.first(where: { object[$0] != nil }) {
            guard let positive = RecordColumns.positives.first(where: { object[$0] != nil }) else {
                let names = RecordColumns.positives.map { "\"\($0)\"" }
                throw DataError.file(path, "\(at) has \"\(anchor)\" but no positive (\(joined(names).replacingOccurrences(of: " and ", with: " or ")))")
            }
            texts = [try read(anchor, as: "the anchor"), try read(positive, as: "the positive")]
            var negatives: [String] = []
            if let negative = object["negative"] {
                texts += try strings(negative, key: "negative")
                negatives.append("negative")
            }
            if let list = object["negatives"] {
                texts += try strings(list, key: "negatives")
                negatives.append("negatives")
            }
            let numbered = object.keys.compactMap { key -> (Int, String)? in
                guard key.hasPrefix("negative_"), let number = Int(key.dropFirst("negative_".count)) else { return nil }
                return (number, key)
            }.sorted { $0.0 < $1.0 }
            for (_, key) in numbered {
                texts.append(try text(key))
                negatives.append(key)
            }
            used.formUnion(negatives)
            if !negatives.isEmpty {
                let single = negatives == ["negative"] && texts.count == 3
                roles.append(joined(negatives.map { "\"\($0)\"" }) + (single ? " as the negative" : " as negatives"))
            }
            label = readLabel()
            if label != nil {
                // A labelled (anchor, positive) is a scored or binary pair, as in sentence-transformers.
                guard texts.count == 2 else {
                    throw DataError.file(path, "\(at): a label beside \(texts.count) texts; labelled examples are pairs (two texts), and triplets take no label")
                }
                layout = .pair
            } else {
                layout = .anchor
            }
        } else if let list = object["texts"] {
            layout = .texts
            used.insert("texts")
            roles.append("\"texts\" as the texts")
            texts = try strings(list, key: "texts")
            guard texts.count >= 2 else {
                throw DataError.file(path, "\(at): \"texts\" holds \(texts.count) text\(texts.count == 1 ? "" : "s"); an example needs at least 2 (anchor, positive)")
            }
        } else if let firstKey = RecordColumns.firsts.first(where: { object[$0] != nil }) {
            layout = .pair
            let pairedSecond = RecordColumns.seconds[RecordColumns.firsts.firstIndex(of: firstKey)!]
            guard let secondKey = object[pairedSecond] != nil ? pairedSecond : RecordColumns.seconds.first(where: { object[$0] != nil }) else {
                throw DataError.file(path, "\(at) has \"\(firstKey)\" but no \"\(pairedSecond)\" (the second sentence of the pair)")
            }
            texts = [try read(firstKey, as: "the first sentence"), try read(secondKey, as: "the second")]
            label = readLabel()
            guard label != nil else {
                throw DataError.file(
                    path, "\(at): the pair (\"\(firstKey)\", \"\(secondKey)\") has no \"label\" or \"score\" (1/0, a score in [0, 1], or a class); pairs without labels are anchor-positive data: name their columns \"anchor\" and \"positive\"")
            }
        } else if let key = RecordColumns.singles.first(where: { object[$0] != nil }) {
            texts = [try read(key, as: "the text")]
            if let value = object["label"] {
                used.insert("label")
                label = value
                if case .array = value {
                    layout = .teacherText
                    roles.append("\"label\" as the teacher embedding")
                } else {
                    layout = .labelledText
                    roles.append("\"label\" as the label")
                }
            } else {
                layout = .sentence
            }
        } else {
            let keys = object.keys.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            throw DataError.file(
                path, "\(at): an object with the keys \(keys.isEmpty ? "(none)" : keys) matches no known record; expected \(knownLayouts)")
        }

        var embeddings: [[Float]]?
        if let many = object["embeddings"] {
            guard case .array(let elements) = many, elements.count == texts.count else {
                throw DataError.file(path, "\(at): \"embeddings\" must be an array of \(texts.count) embeddings (one per text)")
            }
            embeddings = try elements.enumerated().map { index, element in
                try numbers(element, key: "embeddings[\(index)]", at: at, path: path)
            }
            used.insert("embeddings")
            roles.append("\"embeddings\" as their vectors")
        } else if let one = object["embedding"] {
            guard texts.count == 1 else {
                throw DataError.file(path, "\(at): \"embedding\" gives one vector for \(texts.count) texts; use \"embeddings\": [[...], ...] with one per text")
            }
            embeddings = [try numbers(one, key: "embedding", at: at, path: path)]
            used.insert("embedding")
            roles.append("\"embedding\" as its vector")
        }
        return Record(layout: layout, texts: texts, embeddings: embeddings, label: label, roles: roles, used: used)
    }

    /// A non-empty array of finite numbers, as floats.
    private static func numbers(_ value: JSONValue, key: String, at: String, path: String) throws -> [Float] {
        guard case .array(let elements) = value else {
            throw DataError.file(path, "\(at): \"\(key)\" is \(value.typeName), expected an array of numbers")
        }
        guard !elements.isEmpty else { throw DataError.file(path, "\(at): \"\(key)\" is empty") }
        var vector: [Float] = []
        vector.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .number(let number, let text) = element else {
                throw DataError.file(path, "\(at): element \(index) of \"\(key)\" is \(element.typeName), expected a number")
            }
            let float = Float(number)
            guard float.isFinite else {
                let why = number.isFinite ? "too large for float32" : "not a finite number"
                throw DataError.file(path, "\(at): element \(index) of \"\(key)\" is \(text), \(why)")
            }
            vector.append(float)
        }
        return vector
    }

    private static func rawLabel(_ value: JSONValue, at: String, path: String) throws -> RawLabel {
        switch value {
        case .string(let string): return .string(string)
        case .number(let number, let text): return .number(number, text: text)
        case .bool(let flag): return .number(flag ? 1 : 0, text: flag ? "true" : "false")
        default: throw DataError.file(path, "\(at): \"label\" is \(value.typeName), expected a number or a string")
        }
    }
}
