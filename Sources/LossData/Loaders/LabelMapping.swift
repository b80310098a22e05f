import LossKit

/// A label as it appeared in a file, before it becomes a class id or a score.
enum RawLabel: Equatable {
    /// A number (booleans arrive as 1 and 0); `text` is how the file wrote it.
    case number(Double, text: String)
    case string(String)

    /// A field from a CSV/TSV/text file: a number when it is written in decimal (NaN and
    /// infinities too, so that they are refused as such); anything else, hexadecimal
    /// included ("0x1F"), is a name.
    init(field: String) {
        if let value = DecimalNumber.double(field) {
            self = .number(value, text: field)
        } else if Self.nonFiniteSpellings.contains(field.lowercased()) {
            self = .number(Double(field) ?? .nan, text: field)
        } else {
            self = .string(field)
        }
    }

    /// How files spell NaN and the infinities (lowercased).
    static let nonFiniteSpellings: Set<String> = ["nan", "-nan", "+nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity"]

    var text: String {
        switch self {
        case .number(_, let text): text
        case .string(let text): text
        }
    }
}

/// Turns raw labels into the numbers a Dataset stores. `place(i)` says where label i came
/// from ("line 7", "element 3") and `source` starts every message.
enum LabelMapping {
    struct Classes {
        var ids: [Int]
        var names: [String]
        /// True when the labels were strings, so the ids are LossLab's own numbering.
        var fromStrings = false

        /// What ids the class names became, when they were strings (whole numbers keep their
        /// values and need no key).
        var note: String? {
            guard fromStrings else { return nil }
            return LabelMapping.mappingNote(names)
        }
    }

    /// "labels: 3 class names as ids 0 = a, 1 = b, 2 = c", the first few only when there are many.
    static func mappingNote(_ names: [String], shown: Int = 12) -> String {
        let pairs = names.prefix(shown).enumerated().map { "\($0.offset) = \($0.element)" }
        let more = names.count > shown ? ", … (\(names.count - shown) more)" : ""
        return "labels: \(names.count) class name\(names.count == 1 ? "" : "s") as ids " + pairs.joined(separator: ", ") + more
    }

    /// Class ids for labelled items or class pairs. All-numeric labels must be whole
    /// numbers; their distinct values, in increasing order, become ids 0, 1, 2... (so labels
    /// that already are 0..<K keep their values), named by the values. As soon as one label
    /// is a string, every label is a name and ids follow first appearance.
    static func classes(_ raw: [RawLabel], source: String, place: (Int) -> String) throws -> Classes {
        var allNumbers = true
        for label in raw {
            if case .string = label { allNumbers = false; break }
        }
        if allNumbers {
            var values = [Int64]()
            values.reserveCapacity(raw.count)
            for (index, label) in raw.enumerated() {
                guard case .number(let value, let text) = label else { continue }
                values.append(try exactInteger(value, text: text) { DataError.file(source, "\(place(index)): the label \(text) \($0)") })
            }
            let distinct = Array(Set(values)).sorted()
            var idOf: [Int64: Int] = [:]
            for (id, value) in distinct.enumerated() { idOf[value] = id }
            return Classes(ids: values.map { idOf[$0]! }, names: distinct.map { String($0) })
        }
        var idOf: [String: Int] = [:]
        var names: [String] = []
        var ids: [Int] = []
        ids.reserveCapacity(raw.count)
        for label in raw {
            let name = label.text
            if let id = idOf[name] {
                ids.append(id)
            } else {
                idOf[name] = names.count
                ids.append(names.count)
                names.append(name)
            }
        }
        return Classes(ids: ids, names: names, fromStrings: true)
    }

    /// A class label's exact value. Integers written as digits map as written, even past 2^53
    /// where Doubles merge neighbours (an int64 `.npy` gives its labels as digits); a whole
    /// number written otherwise ("3.0", "1e3", a float array) must be below 2^53, where every
    /// integer still has its own Double. `failure` turns a reason into the error to throw.
    static func exactInteger(_ value: Double, text: String, failure: (String) -> DataError) throws -> Int64 {
        let trimmed = text.loaderTrimmed()
        if let integer = DecimalNumber.integer(trimmed) { return Int64(integer) }
        if trimmed.drop(while: { $0 == "-" || $0 == "+" }).allSatisfy({ $0.isASCII && $0.isNumber }), !trimmed.isEmpty {
            throw failure("does not fit in a 64-bit integer; write such ids as names")
        }
        guard value.isFinite, value.rounded() == value else {
            throw failure("is not a whole number; class labels must be whole numbers or names")
        }
        // Below 2^53 every whole Double is exactly the integer written; 2^53 itself is also
        // what 2^53 + 1 reads as.
        guard value.magnitude < 0x1p53 else {
            throw failure("is beyond 2^53 (9007199254740992) and not written as an integer: as a float it cannot be told from its neighbours; write it with digits only, or renumber the labels")
        }
        return Int64(value)
    }

    struct PairLabels {
        var shape: DatasetShape
        var values: [Double]
        var names: [String]
        /// The ids class names became (see `Classes.note`).
        var note: String?
    }

    /// Labels of sentence pairs: all 0/1 → binary pairs; all numbers in [0, 1] → scored
    /// pairs; any string, or whole numbers above 1 → class pairs (see `classes`).
    static func pairs(_ raw: [RawLabel], source: String, place: (Int) -> String) throws -> PairLabels {
        var anyString = false
        var allBinary = true
        var allUnit = true
        var allWhole = true
        for (index, label) in raw.enumerated() {
            switch label {
            case .string:
                anyString = true
            case .number(let value, let text):
                guard value.isFinite else {
                    throw DataError.file(source, "\(place(index)): the label \(text) is not a finite number")
                }
                if value != 0 && value != 1 { allBinary = false }
                if !(0...1).contains(value) { allUnit = false }
                if value < 0 || value.rounded() != value { allWhole = false }
            }
        }
        if !anyString {
            if allBinary { return PairLabels(shape: .binaryPairs, values: raw.map(number), names: []) }
            if allUnit { return PairLabels(shape: .scoredPairs, values: raw.map(number), names: []) }
            if !allWhole {
                // Either one label fits no kind (a negative or a fraction above 1), or the
                // labels mix kinds (scores in [0, 1] beside classes above 1).
                if let index = raw.firstIndex(where: { label in
                    let value = number(label)
                    return !(0...1).contains(value) && (value < 0 || value.rounded() != value)
                }) {
                    throw DataError.file(
                        source,
                        "\(place(index)): the pair label \(raw[index].text) is neither 0/1, a score in [0, 1], nor a class (a whole number or a name); scores on another scale (STS-B's 0-5, say) must be rescaled to [0, 1] first")
                }
                let fraction = raw.firstIndex { number($0).rounded() != number($0) } ?? 0
                let large = raw.firstIndex { number($0) > 1 } ?? 0
                throw DataError.file(
                    source,
                    "the pair labels mix scores and classes: \(place(fraction)) is the score \(raw[fraction].text) but \(place(large)) is the class \(raw[large].text); use scores in [0, 1] or whole class numbers throughout")
            }
        }
        let classes = try classes(raw, source: source, place: place)
        return PairLabels(shape: .classPairs, values: classes.ids.map(Double.init), names: classes.names, note: classes.note)
    }

    private static func number(_ label: RawLabel) -> Double {
        if case .number(let value, _) = label { return value }
        return .nan
    }

    /// Labels read from a numeric array (a labels `.npy` or the `labels` entry of an `.npz`).
    static func raw(from array: NumpyArray) throws -> [RawLabel] {
        let shape = array.shape
        guard shape.count == 1 || (shape.count == 2 && shape[1] == 1) else {
            throw DataError.file(
                array.source, "labels must be a 1-D array (one label per item), but this array has shape \(formatShape(shape))")
        }
        switch array.storage {
        case .ints(let values):
            return values.map { .number(Double($0), text: String($0)) }
        case .floats32(let values):
            return values.map { .number(Double($0), text: "\($0)") }
        case .floats64(let values):
            return values.map { .number($0, text: "\($0)") }
        case .strings(let values):
            return values.map { .string($0) }
        }
    }
}

/// The pool of text items a JSONL file or a text table builds: identical texts (with
/// identical vectors, when there are vectors) share one item.
struct TextItemPool {
    private(set) var texts: [String] = []
    private var itemsByText: [String: [Int]] = [:]
    /// Item vectors row after row, when the records carry embeddings.
    private(set) var vectors: [Float] = []
    /// Teacher vectors row after row, for teacher items.
    private(set) var teacher: [Float] = []
    private var vectorWidth = 0
    private var teacherWidth = 0
    /// True once an item came with a vector (then all of them do).
    private(set) var hasVectors = false

    var count: Int { texts.count }

    /// The item for `text` (with these vectors), added when new.
    mutating func item(_ text: String, vector: [Float]? = nil, teacher teacherVector: [Float]? = nil) -> Int {
        if let candidates = itemsByText[text] {
            for candidate in candidates where matches(candidate, vector: vector, teacher: teacherVector) {
                return candidate
            }
        }
        let index = texts.count
        texts.append(text)
        itemsByText[text, default: []].append(index)
        if let vector {
            hasVectors = true
            vectorWidth = vector.count
            vectors.append(contentsOf: vector)
        }
        if let teacherVector {
            teacherWidth = teacherVector.count
            teacher.append(contentsOf: teacherVector)
        }
        return index
    }

    private func matches(_ index: Int, vector: [Float]?, teacher teacherVector: [Float]?) -> Bool {
        if let vector, !vectors[(index * vectorWidth)..<((index + 1) * vectorWidth)].elementsEqual(vector) { return false }
        if let teacherVector, !teacher[(index * teacherWidth)..<((index + 1) * teacherWidth)].elementsEqual(teacherVector) {
            return false
        }
        return true
    }

    /// The items as features: vectors when the records had them, otherwise token ids over a
    /// vocabulary of the items' words (`Vocabulary.build`).
    func features() -> ItemFeatures {
        if hasVectors {
            return .vectors(ReadOnlyRows(Matrix(rows: texts.count, cols: vectorWidth, values: vectors)))
        }
        let vocabulary = Vocabulary.build(from: texts)
        return .tokens(texts.map(vocabulary.ids(for:)), vocabulary: vocabulary.words)
    }

    func teacherMatrix() -> Matrix<Float>? {
        teacher.isEmpty ? nil : Matrix(rows: texts.count, cols: teacherWidth, values: teacher)
    }
}

/// Labels of an array as the numbers a loss batch takes: numbers as they are (integers
/// refused past 2^53), strings as class ids in order of first appearance, with the key.
public enum LabelValues {
    public static func read(_ array: NumpyArray) throws -> (values: [Double], note: String?) {
        guard case .strings = array.storage else { return (try array.exactDoubles(), nil) }
        let classes = try LabelMapping.classes(try LabelMapping.raw(from: array), source: array.source) { "element \($0)" }
        return (classes.ids.map(Double.init), classes.note)
    }
}
