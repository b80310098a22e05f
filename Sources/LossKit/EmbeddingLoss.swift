/// The labels a loss expects alongside its columns.
public enum LabelKind: String, Sendable {
    case none
    /// Integer class ids, one per row (batch triplet losses, SoftmaxLoss).
    case classes
    /// 1 = similar pair, 0 = dissimilar pair.
    case binary
    /// A float score per pair (CosineSimilarityLoss).
    case scores
    /// A teacher embedding per row: a matrix shaped like column 0 (MSELoss).
    case teacher
}

/// What a loss needs as input: how many sentence_features columns and which labels.
public struct LossInputSpec: Sendable {
    public var minColumns: Int
    public var maxColumns: Int?
    public var labels: LabelKind
    /// Whether every column must have the same number of rows as column 0.
    public var rowsMatchAcrossColumns: Bool

    public init(columns: Int, labels: LabelKind) {
        self.init(minColumns: columns, maxColumns: columns, labels: labels)
    }
    public init(minColumns: Int, maxColumns: Int?, labels: LabelKind, rowsMatchAcrossColumns: Bool = true) {
        self.minColumns = minColumns
        self.maxColumns = maxColumns
        self.labels = labels
        self.rowsMatchAcrossColumns = rowsMatchAcrossColumns
    }

    /// Whether the loss trains on the sentences' tokens rather than on embeddings (TSDAE).
    public var needsText = false
    /// Whether the loss needs a guide model's embeddings of every column (GIST).
    public var needsGuide = false
    /// From this many columns on, the labels may be absent (AnglE: anchor, positive,
    /// negatives... without scores).
    public var labelsOptionalFrom: Int?

    /// Whether a batch of `columns` columns may come without labels.
    public func labelsOptional(columns: Int) -> Bool {
        labels == .none || labelsOptionalFrom.map { columns >= $0 } == true
    }

    /// The data it takes, in words: "items + class labels", "(anchor, positive) pairs + 1/0 labels".
    public var dataDescription: String {
        if needsText { return "sentences (tokens)" }
        let columns: String
        switch (minColumns, maxColumns) {
        case (1, 1): columns = "items"
        case (2, 2): columns = "(anchor, positive) pairs"
        case (3, 3): columns = "(anchor, positive, negative) triplets"
        case (2, nil): columns = "(anchor, positive[, negatives...])"
        case (2, 3): columns = "(anchor, positive[, negative])"
        default: columns = "\(columnsDescription) columns"
        }
        let optional = labelsOptionalFrom.map { " (labels optional from \($0) columns)" } ?? ""
        switch labels {
        case .none: return columns + (needsGuide ? " + guide embeddings" : "")
        case .scores where labelsOptionalFrom != nil: return columns + " + scores" + optional
        case .classes: return columns + " + class labels"
        case .binary: return columns + " + 1/0 labels"
        case .scores: return columns + " + scores"
        case .teacher: return columns + " + teacher embeddings"
        }
    }

    public var columnsDescription: String {
        if let maxColumns, maxColumns == minColumns { return "\(minColumns)" }
        if let maxColumns { return "\(minColumns) to \(maxColumns)" }
        return "\(minColumns) or more"
    }
}

/// A sentence-transformers loss: forward and backward on a batch of embeddings.
public protocol EmbeddingLoss: Sendable {
    /// The sentence-transformers class name, e.g. "BatchHardTripletLoss".
    static var className: String { get }
    /// One line for the loss picker and `losslab losses`.
    static var summary: String { get }
    /// Every hyperparameter under its sentence-transformers name, with defaults and roles.
    static var parameters: [LossParameter] { get }
    static var inputSpec: LossInputSpec { get }
    /// The hyperparameters with their current values, under the sentence-transformers names.
    var settings: [(name: String, value: String)] { get }
    /// Builds the loss from hyperparameters given by name; unknown names and bad values throw.
    init(settings: [String: String]) throws
    /// Value, gradients and mining report. Throws LossError on input the loss cannot take.
    /// (Two concrete entry points rather than one generic one, so that each loss's generic
    /// body is compiled specialised for Float and Double: through a protocol, a generic
    /// method would run unspecialised, tens of times slower.)
    func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float>
    func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double>
    /// Bytes of scratch one forward and backward pass holds for `rows` rows in each of
    /// `columns` columns, in a scalar of `scalarBytes` bytes (the inputs and their gradients
    /// not counted; `classes` for a classifier), so that a size a user sets is refused with
    /// a message instead of dying in the allocator. See `LossMemory`.
    func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double
}

extension EmbeddingLoss {
    /// Losses that hold no batch x batch scratch.
    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double { 0 }

    /// The current value of the parameter with this role (the margin, the scale, the metric).
    public func value(of role: LossParameter.Role) -> String? {
        guard let name = Self.parameters.first(role: role)?.name else { return nil }
        return settings.first { $0.name == name }?.value
    }

    /// For callers that are themselves generic over the scalar type.
    public func evaluate<T: Scalar>(generic batch: LossBatch<T>) throws -> LossResult<T> {
        if let batch = batch as? LossBatch<Float> { return try evaluate(batch) as! LossResult<T> }
        if let batch = batch as? LossBatch<Double> { return try evaluate(batch) as! LossResult<T> }
        throw LossError("the engine computes in Float or Double only")
    }

    public var className: String { Self.className }
    public var inputSpec: LossInputSpec { Self.inputSpec }

    /// Checks the batch against `inputSpec`; every loss calls this first.
    public func validate<T: Scalar>(_ batch: LossBatch<T>) throws {
        let spec = Self.inputSpec
        let name = Self.className
        let count = batch.columns.count
        if count < spec.minColumns || (spec.maxColumns.map { count > $0 } ?? false) {
            throw LossError("\(name) takes \(spec.columnsDescription) embedding column(s) (sentence_features), got \(count)")
        }
        let first = batch.columns[0]
        if first.rows == 0 { throw LossError("\(name): the batch is empty (0 rows)") }
        for (index, column) in batch.columns.enumerated() {
            if column.cols != first.cols {
                throw LossError("\(name): column \(index) has dimension \(column.cols) but column 0 has \(first.cols)")
            }
            if spec.rowsMatchAcrossColumns && column.rows != first.rows {
                throw LossError("\(name): column \(index) has \(column.rows) rows but column 0 has \(first.rows)")
            }
        }
        switch spec.labels {
        case .none:
            break
        case .classes, .binary, .scores:
            if batch.labels.isEmpty && spec.labelsOptional(columns: count) { break }
            if batch.labels.count != first.rows {
                throw LossError("\(name) needs one label per row: \(first.rows) rows but \(batch.labels.count) labels")
            }
            if let bad = batch.labels.firstIndex(where: { !$0.isFinite }) {
                throw LossError("\(name): label \(bad) is not a finite number")
            }
            if spec.labels == .classes, let bad = batch.labels.firstIndex(where: { $0 != $0.rounded() }) {
                throw LossError("\(name) needs integer class labels; label \(bad) is \(batch.labels[bad])")
            }
        case .teacher:
            guard let targets = batch.targets else {
                throw LossError("\(name) needs a teacher embedding matrix as labels")
            }
            if targets.rows != first.rows || targets.cols != first.cols {
                throw LossError("\(name): teacher matrix is \(targets.rows)x\(targets.cols) but the embeddings are \(first.rows)x\(first.cols)")
            }
        }
    }
}
