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
    /// A teacher's scores per row: (rows,) or (rows, k), e.g. the positive's and each
    /// negative's (MarginMSELoss, DistillKLDivLoss); `LossBatch.teacherScores`.
    case teacherScores = "teacher scores"
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

    /// Whether (N, classes) soft labels (`LossBatch.softLabels`) may stand for the labels.
    public var takesSoftLabels = false
    /// Whether the loss trains on the sentences' tokens rather than on embeddings (TSDAE).
    public var needsText = false
    /// Whether the loss needs a guide model's embeddings of every column (GIST).
    public var needsGuide = false
    /// Whether column 0 is embedded by model 1, a copy of the model made when the loss is built
    /// and trained beside it, and the other columns by the model itself (contrastive tension).
    public var embedsColumnZeroWithModelCopy = false
    /// Whether, under 6.2.0, both models embed column 0's texts, column 1 being the second
    /// model's embeddings of them (ContrastiveTensionLossInBatchNegatives).
    public var feedsColumnZeroToBothModels = false
    /// From this many columns on, the labels may be absent (AnglE: anchor, positive,
    /// negatives... without scores).
    public var labelsOptionalFrom: Int?
    /// A wrapper's data is the wrapped loss's (MatryoshkaLoss): the columns and labels above are
    /// those of its default inner loss.
    public var wrapsLoss = false
    /// Whether the loss reads the embeddings of the encoder's earlier layers (`LossBatch.layers`,
    /// AdaptiveLayerLoss): only an encoder with layers gives them, so `eval` cannot.
    public var needsLayers = false

    /// Whether a batch of `columns` columns may come without labels.
    public func labelsOptional(columns: Int) -> Bool {
        labels == .none || labelsOptionalFrom.map { columns >= $0 } == true
    }

    /// The data it takes, in words: "items + class labels", "(anchor, positive) pairs + 1/0 labels".
    public var dataDescription: String {
        if needsText { return "sentences (tokens)" }
        if wrapsLoss { return "the wrapped loss's (loss=)" + (needsLayers ? " on an encoder with layers" : "") }
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
        case .teacherScores: return columns + " + teacher scores"
        }
    }

    public var columnsDescription: String {
        if let maxColumns, maxColumns == minColumns { return "\(minColumns)" }
        if let maxColumns { return "\(minColumns) to \(maxColumns)" }
        return "\(minColumns) or more"
    }
}

/// What the program knows about a loss without running it: its sentence-transformers name,
/// what it does, its hyperparameters and the data it takes. Every loss a session can train
/// declares this, the batch losses (`EmbeddingLoss`) and the token-level TSDAE alike.
public protocol LossDescription: Sendable {
    /// The sentence-transformers class name, e.g. "BatchHardTripletLoss".
    static var className: String { get }
    /// One line for the loss picker and `losslab losses`.
    static var summary: String { get }
    /// Every hyperparameter under its sentence-transformers name, with defaults and roles.
    static var parameters: [LossParameter] { get }
    static var inputSpec: LossInputSpec { get }
    /// This loss's input spec: the type's, except for a wrapper, whose data is its inner loss's.
    var inputSpec: LossInputSpec { get }
    /// This loss's parameter table under `reference`: the type's, plus a wrapper's inner loss's
    /// parameters under their nested names (`loss.scale`).
    func parameterTable(in reference: LossReference) -> [LossParameter]
    /// Which view explains the loss best in the explorer and `show`.
    static var insightView: InsightView { get }
    /// The sentence-transformers releases whose behaviour it reproduces.
    static var references: [LossReference] { get }
    /// What differs between the references, in one line ("" when nothing does).
    static var referenceDifference: String { get }
    /// Its parameter table under `reference`: the parameters that release has, under its names
    /// and with the values it takes.
    static func parameters(in reference: LossReference) -> [LossParameter]
    /// The hyperparameters with their current values, under the names of its reference.
    var settings: [(name: String, value: String)] { get }
    /// How the exported sentence-transformers training script builds this loss. The default
    /// (`ScriptLoss.derived`) is `losses.<className>(model, ...)` with every setting that differs
    /// from its table's default; a loss overrides it where 6.2's constructor needs more.
    func scriptLoss(_ context: ScriptContext) -> ScriptLoss
    /// Builds the loss from hyperparameters given by name, behaving as `reference` does;
    /// unknown names and bad values throw.
    init(settings: [String: String], reference: LossReference) throws
}

/// The view that explains a loss.
public enum InsightView: String, Sendable {
    /// The mined tuples table: which triplets or pairs counted, and how much.
    case minedTuples
    /// In-batch ranking: each anchor's softmax over its candidates (the `i` inspector).
    case ranking
    /// A classifier's logits over the classes.
    case classifier
    /// Reconstruction of the sentences' tokens.
    case reconstruction
}

extension LossDescription {
    public static var insightView: InsightView { .minedTuples }
    /// A loss sentence-transformers added after 1.2.0.
    public static var references: [LossReference] { [.v6_2_0] }
    public static var referenceDifference: String {
        references.contains(.v1_2_0) ? "" : "not in 1.2.0: added after it (LossLab has it as \(references.min()!.rawValue) does)"
    }

    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss { ScriptLoss.derived(from: self) }

    /// The loss as today's reference has it.
    public init(settings values: [String: String]) throws {
        try self.init(settings: values, reference: .latest)
    }

    public static func parameters(in reference: LossReference) -> [LossParameter] { availableParameters(in: reference) }
    public func parameterTable(in reference: LossReference) -> [LossParameter] { Self.parameters(in: reference) }

    /// The table's parameters that `reference` has, under its names.
    public static func availableParameters(in reference: LossReference) -> [LossParameter] {
        parameters.filter { $0.exists(in: reference) }.map { parameter in
            var named = parameter
            named.name = parameter.name(in: reference)
            return named
        }
    }
}

/// A sentence-transformers loss: forward and backward on a batch of embeddings.
public protocol EmbeddingLoss: LossDescription {
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
    /// Whether each anchor is scored against the batch's other rows as negatives, so that a
    /// duplicate in the batch is a false negative.
    static var usesInBatchNegatives: Bool { get }
    /// The weights the loss may train itself (SoftmaxLoss's classifier, MSELoss's
    /// projection), by name; most own none.
    static var ownedWeightNames: [String] { get }
    /// Those this loss's settings make it own (MSELoss owns a projection only with projection_dim).
    var weightNames: [String] { get }
    /// The teacher's width for student embeddings of `dimension` (a distillation loss).
    func teacherWidth(dimension: Int) -> Int
    /// The shape PyTorch stores an owned weight in (a bias 1-D, a scalar such as logit_scale 0-d).
    func storedShape(ofWeight name: String, rows: Int, cols: Int) -> [Int]
    /// Fresh owned weights for embeddings of `dimension` on data with `classes` classes.
    func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Float>]
    func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Double>]
    /// How many scalars the owned weights hold with `classes` outputs, for the memory checks.
    func ownedWeightCount(dimension: Int, classes: Int) -> Int
    /// Refuses data the loss's settings cannot take (a classifier with fewer outputs than the
    /// data has classes).
    func check(classes: Int) throws
    /// The names of the terms its result reports (`LossResult.terms`); empty when it has one value.
    var termNames: [String] { get }
    /// Whether it returns named terms (`LossResult.terms`) rather than one value.
    static var returnsTerms: Bool { get }
    /// Whether 6.2.0 computes it with gradient caching (the Cached* losses, MegaBatchMarginLoss
    /// mini-batched): a wrapper that truncates embeddings treats those differently.
    var usesGradientCache: Bool { get }
    /// The loss one layer's embeddings are scored with on their own, for the per-layer views:
    /// a layer loss's wrapped loss, every other loss itself.
    var lossAtEachLayer: any EmbeddingLoss { get }
    /// The narrower widths it trains embeddings of `width` to work at (MatryoshkaLoss's
    /// dimensions, largest first), which the held-out evaluation measures too; empty for a loss
    /// of the full width only.
    func truncationDimensions(width: Int) -> [Int]
    /// The earlier layers (indices into `LossBatch.layers`) it reads from a batch that brings
    /// `count` of them with this sampling seed: the encoder need not embed the others
    /// (`LossBatch.skippedLayers`). A layer loss's sampled ones; none for a loss of the last
    /// layer only.
    func layersRead(count: Int, samplingSeed: UInt64) -> Set<Int>
}

extension EmbeddingLoss {
    /// Losses that hold no batch x batch scratch.
    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double { 0 }
    public static var usesInBatchNegatives: Bool { false }
    public static var ownedWeightNames: [String] { [] }
    public var weightNames: [String] { Self.ownedWeightNames }
    public func teacherWidth(dimension: Int) -> Int { dimension }
    public func storedShape(ofWeight name: String, rows: Int, cols: Int) -> [Int] {
        name.hasSuffix("bias") ? [rows * cols] : [rows, cols]
    }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Float>] { [:] }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Double>] { [:] }
    public func ownedWeightCount(dimension: Int, classes: Int) -> Int { 0 }
    public func check(classes: Int) throws {}
    public var termNames: [String] { [] }
    public var usesGradientCache: Bool { false }
    public var lossAtEachLayer: any EmbeddingLoss { self }
    public func truncationDimensions(width: Int) -> [Int] { [] }
    public func layersRead(count: Int, samplingSeed: UInt64) -> Set<Int> { inputSpec.needsLayers ? Set(0..<count) : [] }
    public static var returnsTerms: Bool { false }


    /// For callers that are themselves generic over the scalar type.
    public func evaluate<T: Scalar>(generic batch: LossBatch<T>) throws -> LossResult<T> {
        if let batch = batch as? LossBatch<Float> { return try evaluate(batch) as! LossResult<T> }
        if let batch = batch as? LossBatch<Double> { return try evaluate(batch) as! LossResult<T> }
        throw LossError("the engine computes in Float or Double only")
    }


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
            if let soft = batch.softLabels {
                guard spec.takesSoftLabels else {
                    throw LossError("\(name) needs one label per row, got a \(soft.rows) x \(soft.cols) label matrix")
                }
                if soft.rows != first.rows {
                    throw LossError("\(name) needs one row of soft labels per row: \(first.rows) rows but \(soft.rows) label rows")
                }
                if let bad = soft.values.firstIndex(where: { !$0.isFinite }) {
                    throw LossError("\(name): soft label row \(bad / soft.cols), column \(bad % soft.cols) is not a finite number")
                }
                break
            }
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
            // The teachers' widths are the loss's to check (a projection changes them).
            let teachers = batch.columnTargets ?? batch.targets.map { [$0] } ?? []
            if teachers.isEmpty {
                throw LossError("\(name) needs a teacher embedding matrix as labels")
            }
            if let short = teachers.first(where: { $0.rows != first.rows }) {
                throw LossError("\(name): the teacher has \(short.rows) rows but the embeddings have \(first.rows)")
            }
        case .teacherScores:
            // Their count per row and which non-finite values they may hold are the loss's to check.
            guard let scores = batch.teacherScores else {
                throw LossError("\(name) needs the teacher's scores as labels: one row per example (rows,) or (rows, k)")
            }
            if scores.rows != first.rows {
                throw LossError("\(name): the teacher scores have \(scores.rows) rows but the embeddings have \(first.rows)")
            }
            if let bad = scores.values.firstIndex(where: { $0.isNaN }) {
                throw LossError("\(name): the teacher score at row \(bad / scores.cols), column \(bad % scores.cols) is NaN; the loss and every gradient would be NaN")
            }
        }
    }
}

extension LossDescription {
    public var className: String { Self.className }
    public var inputSpec: LossInputSpec { Self.inputSpec }

    /// The current value of the parameter with this role (the margin, the scale, the metric).
    public func value(of role: LossParameter.Role) -> String? {
        guard let name = Self.parameters.first(role: role)?.name else { return nil }
        return settings.first { $0.name == name }?.value
    }

    /// The current value of the parameter with this role, as a number.
    public func number(of role: LossParameter.Role) -> Double? { value(of: role).flatMap(Double.init) }
}
