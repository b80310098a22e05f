import LossKit

/// A teacher for the distillation losses (`load ... teacher=FILE [teacher_key=NAME]`):
/// - a 2-D `.npy`, a teacher embedding per item in the items' order;
/// - an array of an `.npz` archive, the same shape: `teacher_key` names it (optional when the
///   archive holds one array, or an array called `teacher`);
/// - a JSON Lines file with one record per example, in the data's order, whose field
///   `teacher_key` (default `label`, else `score`) is a list of numbers: for data of one column
///   the teacher's embedding of that text, for (query, positive, negative...) data the teacher's
///   scores of the example (a plain number for a single margin), as sentence-transformers'
///   MSELoss and MarginMSELoss / DistillKLDivLoss datasets carry them in their label column.
/// The teacher's width may differ from the items'.
public enum TeacherLoader {
    public enum Teacher: Sendable {
        /// (items, width): a teacher embedding per item.
        case embeddings(Matrix<Float>)
        /// (examples, k): the teacher's scores of each example, in the examples' order.
        case scores(Matrix<Float>)
    }

    public static let defaultFields = ["label", "score"]
    private static let file = ItemRowsFile(role: "teacher", keyOption: "teacher_key")

    /// `examples`: the data's examples as its file listed them, each naming its items by column.
    public static func load(path: String, key: String?, itemCount: Int, examples: [[Int]]) throws -> Teacher {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") {
            return try fromRecords(path: path, key: key, itemCount: itemCount, examples: examples)
        }
        guard lower.hasSuffix(".npy") || lower.hasSuffix(".npz") else {
            throw DataError.file(path, "a teacher is a .npy file or an .npz array (teacher_key=NAME) with one row per item, or a JSONL file with a \"label\" or \"score\" list per example")
        }
        return .embeddings(try file.read(path: path, key: key, itemCount: itemCount, fallbackKey: "teacher"))
    }

    private static func fromRecords(path: String, key: String?, itemCount: Int, examples: [[Int]]) throws -> Teacher {
        let columns = examples.first?.count ?? 1
        let reader = try TextLineReader(path: path, kind: "JSON Lines text")
        var field = key
        var lists: [[Float]] = []
        var lines: [Int] = []
        while let line = try reader.next() {
            if line.isBlank { continue }
            let at = "line \(line.number)"
            let object = try JSONLineParser.object(line.bytes, path: path, at: at)
            if field == nil { field = defaultFields.first { object[$0] != nil } }
            guard let name = field, let entry = object[name] else {
                let wanted = field.map { "\"\($0)\"" } ?? "\"label\" or \"score\""
                throw DataError.file(path, "\(at) has no field \(wanted) (the teacher's \(columns == 1 ? "embedding" : "scores"); teacher_key=FIELD names another)")
            }
            lists.append(try numbers(entry, field: name, at: at, path: path, allowNegativeInfinity: columns > 1))
            lines.append(line.number)
        }
        guard lists.count == examples.count else {
            throw DataError.file(path, "the teacher has \(lists.count) records but the data has \(examples.count) examples; give one teacher record per example, in the data's order")
        }
        let width = lists.first?.count ?? 0
        if let wrong = lists.firstIndex(where: { $0.count != width }) {
            throw DataError.file(path, "line \(lines[wrong]): the teacher's list has \(lists[wrong].count) values, line \(lines[0])'s has \(width)")
        }
        if columns > 1 { return .scores(Matrix(rows: lists.count, cols: width, values: lists.flatMap { $0 })) }

        // One text per example: its list is the teacher's embedding of that item.
        var rows = [[Float]?](repeating: nil, count: itemCount)
        var firstLine = [Int](repeating: 0, count: itemCount)
        for (record, example) in examples.enumerated() {
            let item = example[0]
            if let earlier = rows[item] {
                guard earlier == lists[record] else {
                    throw DataError.file(path, "line \(lines[record]) gives a text a different teacher embedding than line \(firstLine[item]) (one text is one item, with one teacher row)")
                }
            } else {
                rows[item] = lists[record]
                firstLine[item] = lines[record]
            }
        }
        let missing = rows.filter { $0 == nil }.count
        guard missing == 0 else {
            throw DataError.file(path, "\(missing) item\(missing == 1 ? " has" : "s have") no teacher embedding (no record names them)")
        }
        return .embeddings(Matrix(rows: itemCount, cols: width, values: rows.flatMap { $0! }))
    }

    /// A list of numbers, or one number (a single margin). Teacher scores may be -inf (a
    /// candidate DistillKLDivLoss leaves out); nothing else non-finite is accepted.
    private static func numbers(_ value: JSONValue, field: String, at: String, path: String, allowNegativeInfinity: Bool) throws -> [Float] {
        let elements: [JSONValue]
        switch value {
        case .number: elements = [value]
        case .array(let list) where !list.isEmpty: elements = list
        default:
            throw DataError.file(path, "\(at): \"\(field)\" is \(value.typeName), expected a list of numbers")
        }
        return try elements.enumerated().map { index, element in
            guard case .number(let number, let text) = element else {
                throw DataError.file(path, "\(at): element \(index) of \"\(field)\" is \(element.typeName), expected a number")
            }
            let float = Float(number)
            guard float.isFinite || (allowNegativeInfinity && float == -.infinity) else {
                throw DataError.file(path, "\(at): element \(index) of \"\(field)\" is \(text), not a finite float32\(allowNegativeInfinity ? " (-Infinity is the one non-finite score accepted)" : "")")
            }
            return float
        }
    }
}
