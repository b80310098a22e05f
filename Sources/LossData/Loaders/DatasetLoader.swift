import LossKit

/// The file formats `DatasetLoader` reads.
public enum DatasetFormat: String, Sendable, CaseIterable {
    /// A 2-D float array of item vectors; labels come from a separate file.
    case npy
    /// An archive with the vectors and optionally `labels` and `teacher` arrays.
    case npz
    /// Comma-separated table: numeric columns form the vector, plus a label / text column.
    case csv
    /// Tab-separated table, including the TensorFlow Embedding Projector's `vectors.tsv`.
    case tsv
    /// JSON Lines (`.jsonl`, `.ndjson`, or `.json` holding one object per line): texts with
    /// labels, pairs, triplets...
    case jsonl

    /// The format a file name's extension implies (case-insensitive), or nil.
    public init?(path: String) {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "npy": self = .npy
        case "npz": self = .npz
        case "csv": self = .csv
        case "tsv", "tab": self = .tsv
        case "jsonl", "ndjson", "json": self = .jsonl
        default: return nil
        }
    }
}

/// Choices for `DatasetLoader.load`. The defaults suit files laid out the usual way.
public struct LoadOptions: Sendable {
    /// Read the file as this format whatever its extension.
    public var format: DatasetFormat?
    /// The label column of a CSV/TSV table, or of the labels/metadata file when one is given
    /// (then the table has no labels): a header name, or a 0-based column index when no
    /// header name matches.
    public var labelColumn: String?
    /// The column holding item texts (default: one named text or sentence; in a metadata
    /// file also name). Like `labelColumn`, about the labels file when one is given.
    public var textColumn: String?
    /// The `.npz` entry holding the item vectors (default: embeddings, vectors, items,
    /// features, x or X, or else the only other 2-D array).
    public var arrayKey: String?
    /// The dataset's name (default: the file name).
    public var name: String?

    public init(format: DatasetFormat? = nil, labelColumn: String? = nil, textColumn: String? = nil,
                arrayKey: String? = nil, name: String? = nil) {
        self.format = format
        self.labelColumn = labelColumn
        self.textColumn = textColumn
        self.arrayKey = arrayKey
        self.name = name
    }
}

/// Loads a dataset from a file, choosing the reader by extension (see `DatasetFormat`).
///
/// What each format gives:
/// - `.npy`: item vectors; labels must come from `labels` (a `.npy` of integers / whole
///   floats, or a text/CSV/TSV file with one label per line, header allowed) → labelled
///   items. Vectors without labels fit no loss yet, so they are refused with a message that
///   says what each shape needs.
/// - `.npz`: the vector array (see `LoadOptions.arrayKey`), labels from a `labels` entry or
///   the `labels` file → labelled items; with a `teacher` entry → teacher items (labels, if
///   any, become the item classes).
/// - `.csv` / `.tsv` (RFC 4180 quoting; blank lines skipped): the first row is a header
///   when it has a non-number above a column of (mostly) numbers, holds a known column name
///   (label, labels, class, text, sentence), or is pandas's default 0, 1, 2... header.
///   Numeric columns form the vector (pandas's unnamed index column is dropped); the label
///   column is `labelColumn`, a column named label/labels/class, else the only non-numeric
///   column, else a numeric column named y; a column named text/sentence gives the item
///   texts. A table with a text column and no numeric columns gives token items (labelled
///   items with labels, sentences without). With `labels` (the Embedding Projector's
///   metadata TSV: one column without a header, or several under a header whose label
///   column is `labelColumn`, one named label/labels/class/y, or the first) the labels and
///   texts come from that file and the table must have no label column.
/// - `.jsonl`: `{"text", "label"}` → labelled items; `{"text", "label": [floats]}` →
///   teacher items; `{"text"}` alone → sentences; `{"anchor", "positive"[, "negative" /
///   "negatives"]}` or `{"texts": [...]}` → anchor-positive (2 or 4+ texts) or triplets
///   (3 texts); `{"sentence1"/"text1", "sentence2"/"text2", "label"}` → binary pairs (labels
///   all 0/1), scored pairs (numbers in [0, 1]) or class pairs (names, or whole numbers
///   above 1). Texts become token ids unless every record has `"embedding": [floats]`
///   (single-text records) or `"embeddings": [[floats], ...]` (one per text); identical
///   texts (with identical vectors) share one item.
///
/// Every failure throws a DataError whose message starts with the offending file's path and
/// says what is wrong and where (line, column, byte offset, row); nothing partly loaded is
/// ever returned. Text files are streamed in chunks, never held whole in memory.
public enum DatasetLoader {
    public static func load(path: String, labels labelsPath: String? = nil, options: LoadOptions = .init()) throws -> Dataset {
        guard let format = options.format ?? DatasetFormat(path: path) else {
            let known = "npy, npz, csv, tsv, jsonl"
            throw DataError.file(path, "cannot tell the format from the file name; use one of the extensions \(known) (or set the format option)")
        }
        let name = options.name ?? baseName(path)
        var dataset: Dataset
        switch format {
        case .npy, .npz:
            dataset = try NumpyDatasetLoader.load(path: path, format: format, labelsPath: labelsPath, options: options, name: name)
        case .csv, .tsv:
            dataset = try TableLoader.load(
                path: path, delimiter: format == .csv ? 0x2C : 0x09, labelsPath: labelsPath, options: options, name: name)
        case .jsonl:
            if let labelsPath {
                throw DataError.file(labelsPath, "a separate labels file is not used with JSON Lines data (\(path)); put the labels in the records")
            }
            dataset = try JSONLinesLoader.load(path: path, name: name)
        }
        do {
            // Every reader has refused non-finite values already, naming the place in the file.
            try dataset.validate(checkingValues: false)
        } catch let error as DataError {
            throw DataError.file(path, "the loaded data is inconsistent: \(error.message)")
        }
        dataset.name = name
        return dataset
    }

    static func baseName(_ path: String) -> String {
        let trimmed = path.hasSuffix("/") ? String(path.dropLast()) : path
        return trimmed.split(separator: "/").last.map(String.init) ?? path
    }

    /// The refusal for item vectors that come without labels.
    static func missingLabels(_ path: String, how: String) -> DataError {
        DataError.file(
            path,
            "no labels. Vectors alone fit no loss: labelled-items data (the batch triplet losses) needs one class label per item; \(how). Pairs, triplets and anchor-positive data come from .jsonl files; teacher-items data (distillation) from an .npz with a 'teacher' array.")
    }

    /// Labelled items: one example per item, labelled by its class.
    static func labelledItems(name: String, items: ItemFeatures, texts: [String]?, classes: LabelMapping.Classes) -> Dataset {
        Dataset(
            name: name, shape: .labelledItems, items: items, texts: texts,
            examples: (0..<items.count).map { [$0] }, labels: classes.ids.map(Double.init),
            labelNames: classes.names, itemClasses: classes.ids)
    }

    /// The rows of an item matrix, checked for emptiness and non-finite values (one scan, after
    /// which the rows say they were checked). `place(row, col)` says where a value came from.
    static func checkVectors(_ rows: ReadOnlyRows<Float>, path: String, place: (Int, Int) -> String) throws -> ReadOnlyRows<Float> {
        if rows.rows == 0 { throw DataError.file(path, "there are no items (0 rows)") }
        if rows.cols == 0 { throw DataError.file(path, "the items have no values (0 columns)") }
        switch rows.checkedFinite() {
        case .success(let checked):
            return checked
        case .failure(let bad):
            throw DataError.file(
                path, "\(place(bad.row, bad.col)) is \(rows[bad.row, bad.col]), not a finite number (the first non-finite value)")
        }
    }
}
