import LossKit

/// A guide model's embedding of every item (`load ... guide=FILE [guide_key=NAME]`), for the
/// losses that filter false negatives with a guide (GISTEmbedLoss). Three forms:
/// - a 2-D `.npy`, one row per item in the items' order;
/// - an array of an `.npz` archive, the same shape; `guide_key` names it (optional when the
///   archive holds one array);
/// - a JSON Lines file with one record per example, in the data's order (often the data file
///   itself), whose field `guide_key` (default `guide`) holds one vector per text of the
///   example, `[[...], [...]]`, or a single vector when the example has one text. A text that
///   occurs in several examples is one item, so its vectors must agree.
/// The guide's dimension may differ from the items'.
public enum GuideLoader {
    public static let defaultField = "guide"

    /// `itemCount`: the data's items; `examples`: its examples as its file listed them (before
    /// any conversion), each naming its items by column: the JSONL form maps its records through them.
    public static func load(path: String, key: String?, itemCount: Int, examples: [[Int]]) throws -> Matrix<Float> {
        let lower = path.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") {
            let guide = try fromRecords(path: path, field: key ?? defaultField, examples: examples)
            try checkRows(guide.rows, itemCount: itemCount, path: path)
            return guide
        }
        guard lower.hasSuffix(".npy") || lower.hasSuffix(".npz") else {
            throw DataError.file(path, "a guide is a .npy file, an .npz array (guide_key=NAME) or a JSONL field (guide_key=FIELD), with one row per item")
        }
        return try file.read(path: path, key: key, itemCount: itemCount)
    }

    private static let file = ItemRowsFile(role: "guide", keyOption: "guide_key")

    private static func checkRows(_ rows: Int, itemCount: Int, path: String) throws {
        try file.checkRows(rows, itemCount: itemCount, path: path)
    }

    private static func fromRecords(path: String, field: String, examples: [[Int]]) throws -> Matrix<Float> {
        let itemCount = (examples.joined().max() ?? -1) + 1
        let reader = try TextLineReader(path: path, kind: "JSON Lines text")
        var rows = [[Float]?](repeating: nil, count: itemCount)
        var firstLine = [Int](repeating: 0, count: itemCount)
        var dimension = 0
        var records = 0
        while let line = try reader.next() {
            if line.isBlank { continue }
            let at = "line \(line.number)"
            let object = try JSONLineParser.object(line.bytes, path: path, at: at)
            records += 1
            guard records <= examples.count else { continue }  // counted, refused below with both numbers
            let example = examples[records - 1]
            guard let entry = object[field] else {
                throw DataError.file(path, "\(at) has no field \"\(field)\" (the guide's vectors; guide_key=FIELD names another)")
            }
            let vectors = try Self.vectors(entry, texts: example.count, field: field, at: at, path: path)
            for (item, vector) in zip(example, vectors) {
                if dimension == 0 { dimension = vector.count }
                guard vector.count == dimension else {
                    throw DataError.file(path, "\(at): a guide vector has \(vector.count) values, the first has \(dimension)")
                }
                if let earlier = rows[item] {
                    if earlier != vector {
                        throw DataError.file(path, "\(at) gives a text a different guide vector than line \(firstLine[item]) (one text is one item, with one guide row)")
                    }
                } else {
                    rows[item] = vector
                    firstLine[item] = line.number
                }
            }
        }
        guard records == examples.count else {
            throw DataError.file(path, "the guide has \(records) records but the data has \(examples.count) examples; give one guide record per example, in the data's order")
        }
        let missing = rows.filter { $0 == nil }.count
        guard missing == 0 else {
            throw DataError.file(path, "\(missing) item\(missing == 1 ? " has" : "s have") no guide vector (no record names them)")
        }
        return Matrix(rows: itemCount, cols: dimension, values: rows.flatMap { $0! })
    }

    /// One vector per text: `[[...], ...]`, or `[...]` when the example has one text.
    private static func vectors(_ value: JSONValue, texts: Int, field: String, at: String, path: String) throws -> [[Float]] {
        guard case .array(let elements) = value, !elements.isEmpty else {
            throw DataError.file(path, "\(at): \"\(field)\" must be an array of \(texts) vector\(texts == 1 ? "" : "s") (one per text)")
        }
        if texts == 1, case .number = elements[0] { return [try numbers(elements, field: field, at: at, path: path)] }
        guard elements.count == texts else {
            throw DataError.file(path, "\(at): \"\(field)\" has \(elements.count) vectors for the example's \(texts) texts")
        }
        return try elements.enumerated().map { index, element in
            guard case .array(let numbers) = element, !numbers.isEmpty else {
                throw DataError.file(path, "\(at): \"\(field)\"[\(index)] is \(element.typeName), expected an array of numbers")
            }
            return try Self.numbers(numbers, field: "\(field)[\(index)]", at: at, path: path)
        }
    }

    private static func numbers(_ elements: [JSONValue], field: String, at: String, path: String) throws -> [Float] {
        try elements.enumerated().map { index, element in
            guard case .number(let number, let text) = element else {
                throw DataError.file(path, "\(at): element \(index) of \"\(field)\" is \(element.typeName), expected a number")
            }
            let float = Float(number)
            guard float.isFinite else { throw DataError.file(path, "\(at): element \(index) of \"\(field)\" is \(text), not a finite float32") }
            return float
        }
    }
}
