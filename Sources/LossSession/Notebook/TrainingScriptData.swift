import LossData
import LossKit

/// The train and held-out examples the exported script trains and evaluates on, as columns
/// named by sentence-transformers' conventions for the data's shape: the session's own texts
/// and its own train/test split when the data has text, otherwise a marked example.
struct TrainingScriptData {
    struct Column {
        var name: String
        /// Python literals, one per row.
        var values: [String]
    }

    var train: [Column]
    var test: [Column]
    /// Whether these are the example rows rather than the session's data.
    var isExample: Bool
    /// Comment lines on where the rows come from.
    var notes: [String]
    /// Class ids run 0..<classCount, when the labels are classes.
    var classCount: Int?
    /// The column the text of single-sentence rows is in ("sentence", "text").
    var textColumn: String

    /// The most rows written per split; past it the script says how many it left out.
    static let rowLimit = (train: 20_000, test: 5_000)

    static func make(_ session: Session, shape: DatasetShape, tokenLevel: Bool) -> TrainingScriptData {
        if let dataset = session.dataset, let texts = dataset.texts, texts.count == dataset.itemCount {
            let split = session.model.map { ($0.trainExamples, $0.testExamples) }
                ?? Session.split(dataset.exampleCount, testFraction: session.settings.testFraction, seed: session.settings.seed)
            return fromSession(dataset, texts: texts, split: split, tokenLevel: tokenLevel, testFraction: session.settings.testFraction)
        }
        return example(shape: shape, tokenLevel: tokenLevel, vectors: session.dataset.map { session.describe($0) })
    }

    // MARK: - The session's own texts

    static func fromSession(_ dataset: Dataset, texts: [String], split: (train: [Int], test: [Int]), tokenLevel: Bool,
                            testFraction: Double) -> TrainingScriptData {
        let classes = itemClasses(dataset)
        let names = tokenLevel ? ["text"] : columnNames(dataset.shape, columns: dataset.columnCount)
        var notes = ["The session's data: \(dataset.name), \(dataset.shape.rawValue), \(dataset.exampleCount) examples;",
                     "its train/test split (test_fraction=\(testFraction)), the test split held out for the evaluator."]
        func columns(_ examples: [Int], limit: Int, split: String) -> [Column] {
            var rows = examples
            if rows.count > limit {
                notes.append("The \(split) split has \(rows.count) examples; the first \(limit) are written here.")
                rows = Array(rows.prefix(limit))
            }
            if tokenLevel {
                // The sentences themselves, each item once, with its class when it has one.
                var seen = Set<Int>(), items: [Int] = []
                for example in rows { for item in dataset.examples[example] where seen.insert(item).inserted { items.append(item) } }
                var result = [Column(name: "text", values: items.map { ScriptLoss.pythonString(texts[$0]) })]
                if let classes { result.append(Column(name: "label", values: items.map { "\(classes[$0])" })) }
                return result
            }
            var result = names.enumerated().map { column, name in
                Column(name: name, values: rows.map { ScriptLoss.pythonString(texts[dataset.examples[$0][column]]) })
            }
            if let label = labelColumn(dataset.shape) {
                result.append(Column(name: label, values: rows.map { labelLiteral(dataset.labels[$0], shape: dataset.shape) }))
            }
            return result
        }
        let train = columns(split.train, limit: rowLimit.train, split: "train")
        let test = columns(split.test, limit: rowLimit.test, split: "test")
        return TrainingScriptData(train: train, test: test, isExample: false, notes: notes, classCount: classCount(dataset),
                                  textColumn: tokenLevel ? "text" : (names.first ?? "sentence"))
    }

    /// A class per item, when the data has one (labelled items always).
    static func itemClasses(_ dataset: Dataset) -> [Int]? {
        if let classes = dataset.itemClasses { return classes }
        guard dataset.shape == .labelledItems else { return nil }
        var derived = [Int](repeating: -1, count: dataset.itemCount)
        for (index, example) in dataset.examples.enumerated() { derived[example[0]] = Int(dataset.labels[index]) }
        return derived
    }

    static func classCount(_ dataset: Dataset) -> Int? {
        guard dataset.shape.labels == .classes else { return nil }
        let largest = dataset.labels.map { Int($0) }.max() ?? 0
        return max(largest + 1, dataset.labelNames.count)
    }

    // MARK: - Column conventions

    /// sentence-transformers' column names for a shape: the inputs in order (the label column
    /// apart), as its documentation and the Hub's datasets name them.
    static func columnNames(_ shape: DatasetShape, columns: Int) -> [String] {
        switch shape {
        case .labelledItems, .teacherItems: return ["sentence"]
        case .sentences: return ["text"]
        case .binaryPairs, .scoredPairs: return ["sentence1", "sentence2"]
        case .classPairs: return ["premise", "hypothesis"]
        case .anchorPositive, .triplets, .teacherScored:
            if columns <= 2 { return ["anchor", "positive"] }
            if columns == 3 { return ["anchor", "positive", "negative"] }
            return ["anchor", "positive"] + (1...(columns - 2)).map { "negative_\($0)" }
        }
    }

    /// The label column ("label" or "score"); the data collator passes it to the loss as labels.
    static func labelColumn(_ shape: DatasetShape) -> String? {
        switch shape.labels {
        case .classes, .binary, .teacherScores: return "label"
        case .scores: return "score"
        case .teacher, .none: return nil
        }
    }

    static func labelLiteral(_ value: Double, shape: DatasetShape) -> String {
        shape.labels == .scores ? ScriptLoss.pythonNumber(value) : "\(Int(value))"
    }

    // MARK: - The marked example

    /// Sentences on three topics, so that every shape gets at least two classes.
    static let exampleTopics: [[String]] = [
        ["The striker scored in the last minute.", "Our team won the cup final.", "The coach picked a new goalkeeper.",
         "She ran the marathon in under three hours.", "The match went to extra time.", "He trains at the stadium every morning."],
        ["Simmer the sauce for ten minutes.", "Add a pinch of salt to the dough.", "The soup needs more pepper.",
         "Bake the bread until it is golden.", "Chop the onions finely.", "She roasted the vegetables with garlic."],
        ["Heavy rain is expected tomorrow.", "The sky cleared after the storm.", "It will be sunny all weekend.",
         "Snow fell overnight in the hills.", "A cold wind blows from the north.", "The fog lifted by noon."],
    ]

    static func example(shape: DatasetShape, tokenLevel: Bool, vectors: String?) -> TrainingScriptData {
        let topics = exampleTopics
        let perTopic = topics[0].count
        // The first four sentences of each topic train, the last two are held out.
        let trainIndices = Array(0..<4), testIndices = Array(4..<perTopic)
        func sentence(_ topic: Int, _ index: Int) -> String { topics[topic % topics.count][index % perTopic] }
        func columns(_ indices: [Int]) -> [Column] {
            var rows: [(texts: [String], label: Double?)] = []
            for topic in 0..<topics.count {
                for (position, i) in indices.enumerated() {
                    let other = topic + 1
                    // A same-topic sentence of the same split.
                    let partner = sentence(topic, indices[(position + 1) % indices.count])
                    switch tokenLevel ? .sentences : shape {
                    case .labelledItems, .teacherItems, .sentences: rows.append(([sentence(topic, i)], Double(topic)))
                    case .binaryPairs:
                        rows.append(([sentence(topic, i), partner], 1))
                        rows.append(([sentence(topic, i), sentence(other, i)], 0))
                    case .scoredPairs:
                        rows.append(([sentence(topic, i), partner], 0.9))
                        rows.append(([sentence(topic, i), sentence(other, i)], 0.1))
                    case .classPairs:
                        // 0: same topic, 1: the next topic, 2: the one after.
                        for step in 0..<topics.count {
                            rows.append(([sentence(topic, i), step == 0 ? partner : sentence(topic + step, i)], Double(step)))
                        }
                    case .anchorPositive: rows.append(([sentence(topic, i), partner], nil))
                    case .triplets, .teacherScored: rows.append(([sentence(topic, i), partner, sentence(other, i)], nil))
                    }
                }
            }
            let effective = tokenLevel ? DatasetShape.sentences : shape
            let names = tokenLevel ? ["text"] : columnNames(shape, columns: shape.columns)
            var result = names.enumerated().map { c, name in Column(name: name, values: rows.map { ScriptLoss.pythonString($0.texts[c]) }) }
            if tokenLevel || shape == .labelledItems {
                result.append(Column(name: "label", values: rows.map { "\(Int($0.label ?? 0))" }))
            } else if let label = labelColumn(effective) {
                result.append(Column(name: label, values: rows.map { labelLiteral($0.label ?? 0, shape: effective) }))
            }
            return result
        }
        let source = vectors.map { "LossLab trained on \($0), which has no text." } ?? "The session had no data loaded."
        let notes = ["EXAMPLE DATA: \(source) Replace these rows with your own",
                     "\(shape.rawValue) texts (same columns); the test rows are held out for the evaluator."]
        let classCount = shape.labels == .classes ? topics.count : nil
        return TrainingScriptData(train: columns(trainIndices), test: columns(testIndices), isExample: true, notes: notes,
                                  classCount: classCount, textColumn: tokenLevel ? "text" : (columnNames(shape, columns: shape.columns).first ?? "sentence"))
    }

    /// `Dataset.from_dict({...})` over these columns, indented for a function body.
    static func pythonDataset(_ columns: [Column], indent: String) -> String {
        var lines = ["Dataset.from_dict({"]
        for column in columns {
            lines.append("    \(ScriptLoss.pythonString(column.name)): [")
            for value in column.values { lines.append("        \(value),") }
            lines.append("    ],")
        }
        lines.append("})")
        return lines.joined(separator: "\n" + indent)
    }
}
