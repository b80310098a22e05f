import LossKit

/// The data shapes sentence-transformers trains on. A dataset has exactly one.
public enum DatasetShape: String, Sendable, CaseIterable {
    /// Single items with a class label (the batch triplet losses).
    case labelledItems = "labelled-items"
    /// Pairs with a 1/0 label (ContrastiveLoss, OnlineContrastiveLoss).
    case binaryPairs = "binary-pairs"
    /// Pairs with a float score in [0, 1] (CosineSimilarityLoss).
    case scoredPairs = "scored-pairs"
    /// Pairs with a class such as entailment / neutral / contradiction (SoftmaxLoss).
    case classPairs = "class-pairs"
    /// (anchor, positive[, negatives...]) without labels (MNRL, MegaBatchMarginLoss).
    case anchorPositive = "anchor-positive"
    /// (anchor, positive, negative) triplets (TripletLoss, and MNRL with one hard negative).
    case triplets
    /// Items with a teacher embedding (MSELoss).
    case teacherItems = "teacher-items"
    /// Sentences as token sequences (DenoisingAutoEncoderLoss).
    case sentences

    /// The losses this shape feeds, by sentence-transformers class name.
    public var losses: [String] {
        switch self {
        case .labelledItems: ["BatchAllTripletLoss", "BatchHardTripletLoss", "BatchHardSoftMarginTripletLoss", "BatchSemiHardTripletLoss",
                              "MinedTripletLoss"]
        case .binaryPairs: ["ContrastiveLoss", "OnlineContrastiveLoss"]
        case .scoredPairs: ["CosineSimilarityLoss"]
        case .classPairs: ["SoftmaxLoss"]
        case .anchorPositive: ["MultipleNegativesRankingLoss", "MegaBatchMarginLoss"]
        case .triplets: ["TripletLoss", "MultipleNegativesRankingLoss"]
        case .teacherItems: ["MSELoss"]
        case .sentences: ["DenoisingAutoEncoderLoss"]
        }
    }

    /// Why `loss` cannot train on this shape, or nil when it can.
    public func mismatch(with loss: String) -> String? {
        if losses.contains(loss) { return nil }
        let fitting = Self.allCases.filter { $0.losses.contains(loss) }.map(\.rawValue)
        let needs = fitting.isEmpty ? "a shape LossLab does not have" : fitting.joined(separator: " or ")
        return "\(loss) needs \(needs) data; this dataset is \(rawValue) (fits \(losses.joined(separator: ", ")))"
    }
}

/// What an item is: a vector from an embedding set, or a sentence as token ids.
public enum ItemFeatures: Sendable {
    /// (items, D): one row per item.
    case vectors(Matrix<Float>)
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
    public func validate() throws {
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
        if case .vectors(let matrix) = items, let bad = matrix.values.firstIndex(where: { !$0.isFinite }) {
            throw DataError("\(name): item \(bad / max(matrix.cols, 1)) has a non-finite value (NaN or inf) in column \(bad % max(matrix.cols, 1))")
        }
    }
}
