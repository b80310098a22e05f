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
        "{\"text\", \"label\"}, {\"text\"}, {\"anchor\", \"positive\"[, \"negative\"]}, {\"texts\": [...]}, or {\"sentence1\", \"sentence2\", \"label\"}"

    /// What one line contributes.
    private struct Record {
        var layout: Layout
        var texts: [String]
        var embeddings: [[Float]]?
        var label: JSONValue?
    }

    static func load(path: String, name: String) throws -> Dataset {
        let reader = try TextLineReader(path: path, kind: "JSON Lines text")
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

        while let line = try reader.next() {
            if line.isBlank { continue }
            let at = "line \(line.number)"
            let value: JSONValue
            do {
                value = try JSONLineParser.parse(line.bytes)
            } catch {
                var hint = ""
                if layout == nil {
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
            let record = try interpret(object, at: at, path: path)
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
                firstLine = line.number
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
            lines.append(line.number)
        }

        guard let layout else {
            throw DataError.file(path, "there are no records (the file holds only blank lines)")
        }
        let place: (Int) -> String = { "line \(lines[$0])" }
        let items = pool.features()
        switch layout {
        case .labelledText:
            let classes = try LabelMapping.classes(rawLabels, source: path, place: place)
            var itemClasses = [Int](repeating: -1, count: pool.count)
            for (example, items) in examples.enumerated() where itemClasses[items[0]] < 0 {
                itemClasses[items[0]] = classes.ids[example]
            }
            return Dataset(
                name: name, shape: .labelledItems, items: items, texts: pool.texts, examples: examples,
                labels: classes.ids.map(Double.init), labelNames: classes.names, itemClasses: itemClasses)
        case .teacherText:
            return Dataset(name: name, shape: .teacherItems, items: items, texts: pool.texts, examples: examples, teacher: pool.teacherMatrix())
        case .sentence:
            return Dataset(name: name, shape: .sentences, items: items, texts: pool.texts, examples: examples)
        case .pair:
            let labels = try LabelMapping.pairs(rawLabels, source: path, place: place)
            return Dataset(
                name: name, shape: labels.shape, items: items, texts: pool.texts, examples: examples,
                labels: labels.values, labelNames: labels.names)
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
        if object["anchor"] != nil {
            layout = .anchor
            texts = [try text("anchor"), try text("positive")]
            if let negative = object["negative"] { texts += try strings(negative, key: "negative") }
            if let negatives = object["negatives"] { texts += try strings(negatives, key: "negatives") }
            let numbered = object.keys.compactMap { key -> (Int, String)? in
                guard key.hasPrefix("negative_"), let number = Int(key.dropFirst("negative_".count)) else { return nil }
                return (number, key)
            }.sorted { $0.0 < $1.0 }
            for (_, key) in numbered { texts.append(try text(key)) }
        } else if let list = object["texts"] {
            layout = .texts
            texts = try strings(list, key: "texts")
            guard texts.count >= 2 else {
                throw DataError.file(path, "\(at): \"texts\" holds \(texts.count) text\(texts.count == 1 ? "" : "s"); an example needs at least 2 (anchor, positive)")
            }
        } else if object["sentence1"] != nil || object["text1"] != nil {
            layout = .pair
            let first = object["sentence1"] != nil ? "sentence1" : "text1"
            let second = object["sentence2"] != nil || object["text2"] == nil ? "sentence2" : "text2"
            texts = [try text(first), try text(second)]
            label = object["label"] ?? object["score"]
            guard label != nil else {
                throw DataError.file(path, "\(at): the pair has no \"label\" (1/0, a score in [0, 1], or a class)")
            }
        } else if object["text"] != nil || object["sentence"] != nil {
            texts = [try text(object["text"] != nil ? "text" : "sentence")]
            label = object["label"]
            if case .array = label {
                layout = .teacherText
            } else {
                layout = label == nil ? .sentence : .labelledText
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
        } else if let one = object["embedding"] {
            guard texts.count == 1 else {
                throw DataError.file(path, "\(at): \"embedding\" gives one vector for \(texts.count) texts; use \"embeddings\": [[...], ...] with one per text")
            }
            embeddings = [try numbers(one, key: "embedding", at: at, path: path)]
        }
        return Record(layout: layout, texts: texts, embeddings: embeddings, label: label)
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
