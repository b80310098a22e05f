import LossKit

/// The data shapes sentence-transformers trains on. A dataset has exactly one.
public enum DatasetShape: String, Sendable, CaseIterable {
    /// Single items with a class label (the batch triplet losses).
    case labelledItems = "labelled-items"
    /// Pairs with a 1/0 label (the contrastive losses).
    case binaryPairs = "binary-pairs"
    /// Pairs with a float score in [0, 1].
    case scoredPairs = "scored-pairs"
    /// Pairs with a class such as entailment / neutral / contradiction.
    case classPairs = "class-pairs"
    /// (anchor, positive[, negatives...]) without labels (the in-batch negatives losses).
    case anchorPositive = "anchor-positive"
    /// (anchor, positive, negative) triplets (also in-batch negatives with one hard negative).
    case triplets
    /// Items with a teacher embedding (distillation).
    case teacherItems = "teacher-items"
    /// (query, positive, negative) triplets of items with a teacher embedding, scored by the
    /// teacher (MarginMSELoss, DistillKLDivLoss).
    case teacherScored = "teacher-scored"
    /// Sentences as token sequences (TSDAE).
    case sentences

    /// How many sentence_features columns an example of this shape has.
    public var columns: Int {
        switch self {
        case .labelledItems, .teacherItems, .sentences: 1
        case .binaryPairs, .scoredPairs, .classPairs, .anchorPositive: 2
        case .triplets, .teacherScored: 3
        }
    }

    /// The labels its examples carry.
    public var labels: LabelKind {
        switch self {
        case .labelledItems, .classPairs: .classes
        case .binaryPairs: .binary
        case .scoredPairs: .scores
        case .teacherItems: .teacher
        case .teacherScored: .teacherScores
        case .anchorPositive, .triplets, .sentences: .none
        }
    }

    /// Whether a loss taking `spec` trains on this shape: its columns and labels match. A
    /// token-level loss (TSDAE) takes the sentences of any shape; whether the items are
    /// sentences is the dataset's to say.
    public func fits(_ spec: LossInputSpec) -> Bool {
        if spec.needsText { return true }
        let labelsFit = spec.labels == labels || (labels == .none && spec.labelsOptional(columns: columns))
        guard labelsFit, columns >= spec.minColumns else { return false }
        return spec.maxColumns.map { columns <= $0 } ?? true
    }
}

/// What an item is: a vector from an embedding set, or a sentence as token ids.
public enum ItemFeatures: Sendable {
    /// (items, D): one row per item, read-only (a large `.npy` stays in its mapped file).
    case vectors(ReadOnlyRows<Float>)
    /// Token ids per item, over `vocabulary` (id 0 is padding, 1 is unknown).
    case tokens([[Int]], vocabulary: [String])

    public var count: Int {
        switch self {
        case .vectors(let matrix): matrix.rows
        case .tokens(let sequences, _): sequences.count
        }
    }
}

/// A dataset: a pool of items and the examples built from them. Each example names one item
/// per column (1 for labelled items, 2 for pairs, 3 for triplets...), so the same item may
/// appear in several examples, and the encoder embeds items, not examples.
public struct Dataset: Sendable {
    public var name: String
    public var shape: DatasetShape
    public var items: ItemFeatures
    /// Display text per item, when there is any.
    public var texts: [String]?
    /// Item indices per example: examples[e][column].
    public var examples: [[Int]]
    /// One label per example (class id, 1/0, or score); empty when the shape has none.
    public var labels: [Double]
    /// Names of the class ids, when labels were strings (index = id).
    public var labelNames: [String]
    /// Teacher embedding per item (teacher-items shape): (items, D_teacher).
    public var teacher: Matrix<Float>?
    /// A class per item for coloring and retrieval metrics, when known (labelled items always).
    public var itemClasses: [Int]?
    /// What a loader read and how (which column became what, the ids class names became),
    /// and warnings ("warning: ..."), one line each, for the load command's output.
    public var notes: [String] = []
    /// A guide model's embedding per item, (items, D_guide), when one was loaded (GISTEmbedLoss).
    public var guide: Matrix<Float>?
    /// The teacher's scores of each example, (examples, k), when they were loaded as scores
    /// (teacher-scored shape) rather than computed from `teacher`.
    public var teacherScores: Matrix<Float>?

    public init(name: String, shape: DatasetShape, items: ItemFeatures, texts: [String]? = nil, examples: [[Int]],
                labels: [Double] = [], labelNames: [String] = [], teacher: Matrix<Float>? = nil, itemClasses: [Int]? = nil) {
        self.name = name
        self.shape = shape
        self.items = items
        self.texts = texts
        self.examples = examples
        self.labels = labels
        self.labelNames = labelNames
        self.teacher = teacher
        self.itemClasses = itemClasses
    }

    public var itemCount: Int { items.count }
    public var exampleCount: Int { examples.count }
    /// Columns per example (the loss's sentence_features count).
    public var columnCount: Int { examples.first?.count ?? 0 }
    /// Vector dimension, or nil for token items.
    public var dimension: Int? {
        if case .vectors(let matrix) = items { return matrix.cols }
        return nil
    }

    /// Checks the invariants every loader and generator must keep; the message says which broke.
    /// `checkingValues: false` leaves out the pass over every vector value, for callers that
    /// have checked them already.
    public func validate(checkingValues: Bool = true) throws {
        guard !examples.isEmpty else { throw DataError("\(name): the dataset has no examples") }
        let columns = columnCount
        for (index, example) in examples.enumerated() {
            if example.count != columns { throw DataError("\(name): example \(index) has \(example.count) columns, the first has \(columns)") }
            if let bad = example.first(where: { $0 < 0 || $0 >= itemCount }) {
                throw DataError("\(name): example \(index) names item \(bad), but there are \(itemCount) items")
            }
        }
        if !labels.isEmpty && labels.count != examples.count {
            throw DataError("\(name): \(labels.count) labels for \(examples.count) examples")
        }
        if let teacher, teacher.rows != itemCount {
            throw DataError("\(name): the teacher matrix has \(teacher.rows) rows for \(itemCount) items")
        }
        if let teacherScores, teacherScores.rows != examples.count {
            throw DataError("\(name): the teacher has scores for \(teacherScores.rows) examples but there are \(examples.count)")
        }
        if let guide, guide.rows != itemCount {
            throw DataError("\(name): the guide has \(guide.rows) rows for \(itemCount) items")
        }
        if checkingValues, case .vectors(let rows) = items, case .failure(let bad) = rows.checkedFinite() {
            throw DataError("\(name): item \(bad.row) has a non-finite value (NaN or inf) in column \(bad.col)")
        }
    }
}
