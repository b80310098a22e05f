/// One batch as a loss receives it, in the shapes sentence-transformers passes to `forward`.
public struct LossBatch<T: Scalar>: Sendable {
    /// The sentence_features columns in the reference's order (anchor, positive, negatives...),
    /// each (N_c, D): one row per sentence.
    public var columns: [Matrix<T>]
    /// Labels as the reference receives them (class ids, 1/0, float scores); empty when unused.
    public var labels: [Double]
    /// Soft labels instead of `labels`: (N, classes), a row of class probabilities per row
    /// (SoftmaxLoss under 6.2.0).
    public var softLabels: Matrix<T>?
    /// MSELoss's teacher embeddings: (N, W), the regression target of every column.
    public var targets: Matrix<T>?
    /// MSELoss's teachers one per column instead of `targets` (a (N, C, W) label array, 6.2.0):
    /// element c is column c's.
    public var columnTargets: [Matrix<T>]?
    /// A teacher's scores, (N, k): MarginMSELoss's margins or scores, DistillKLDivLoss's
    /// scores of every candidate (they may hold -inf, a candidate excluded on purpose).
    public var teacherScores: Matrix<T>?
    /// Parameters the loss itself owns and trains, by their PyTorch names
    /// (SoftmaxLoss: "classifier.weight" (L, k*D), "classifier.bias" (1, L)).
    public var parameters: [String: Matrix<T>]
    /// A guide model's embeddings of the same texts, one matrix per column (same rows; the
    /// dimension may differ from the columns'): GISTEmbedLoss's false-negative filter.
    public var guides: [Matrix<T>]
    /// Whether a view will show this batch: the loss then also works out the facts only the
    /// views need (`MiningReport`'s inversions, parts, masked candidates, weights), which a
    /// plain evaluation (eval, bench) does not pay for.
    public var explain = false
    /// Seeds what a loss samples per batch (MatryoshkaLoss's n_dims_per_step): the session
    /// derives it from its seed and the step, `eval` from --seed.
    public var samplingSeed: UInt64 = 0
    /// The embeddings of the encoder's earlier layers, first layer first, each as `columns`
    /// (same rows and width): what AdaptiveLayerLoss trains besides the last layer, which is
    /// `columns` itself. Empty for an encoder with one layer.
    public var layers: [[Matrix<T>]] = []
    /// The earlier layers the encoder left out because the loss said it would not read them
    /// (`EmbeddingLoss.layersRead`): their entries in `layers` are empty.
    public var skippedLayers: Set<Int> = []

    public init(columns: [Matrix<T>], labels: [Double] = [], targets: Matrix<T>? = nil,
                parameters: [String: Matrix<T>] = [:], guides: [Matrix<T>] = []) {
        self.columns = columns
        self.labels = labels
        self.targets = targets
        self.parameters = parameters
        self.guides = guides
    }
}

/// What one forward + backward pass produced.
public struct LossResult<T: Scalar>: Sendable {
    public var value: T
    /// dL/d(column c), same shapes as the batch's columns.
    public var columnGradients: [Matrix<T>]
    /// dL/d(`LossBatch.layers`), same shapes; empty when the loss reads no earlier layer.
    public var layerGradients: [[Matrix<T>]] = []
    /// The earlier layers (indices into `layerGradients`) the loss did not read this batch
    /// (a layer loss's unsampled ones): their gradients are zeros, which
    /// `stackedLayerGradients` leaves out without looking at them.
    public var untouchedLayers: Set<Int> = []
    /// dL/d(parameter), same shapes as the batch's parameters.
    public var parameterGradients: [String: Matrix<T>]
    /// The tuples the loss looked at and how they split.
    public var mining: MiningReport
    /// A loss made of named terms (GlobalOrthogonalRegularizationLoss): each term, in order;
    /// `value` is their sum. Empty for a single-term loss.
    public var terms: [(name: String, value: T)] = []
    /// What the terms push towards, for the terms chart: a quantity the loss measures, its value
    /// and the value its term drives it to (GOR: the mean off-diagonal similarity → 0, the
    /// second moment → 1/d). Empty for most losses.
    public var targets: [(name: String, value: T, target: T)] = []
    /// LossLab's own split of `value` into named parts that the reference returns summed
    /// (MatryoshkaLoss's weighted loss at each dimension, `loss@32`): the session charts and
    /// records them as the step's terms, `eval` leaves them out. Empty for most losses.
    public var breakdown: [(name: String, value: T)] = []
    /// What each part of `breakdown` mined, in its order, when the batch asked to be explained
    /// (`LossBatch.explain`); `mining` is the first's.
    public var breakdownMinings: [MiningReport] = []
    /// What the reference would warn about on this batch, one line each.
    public var warnings: [String] = []
    /// What the loss chose that the numbers do not show (the dimensions MatryoshkaLoss sampled),
    /// in words, for `eval`'s notes.
    public var notes: [String] = []
    /// What the computation held at its fullest and in how many mini-batches, for the losses
    /// that measure it (the in-batch ranking and guided families, cached or not).
    public var scratch: ScratchUse?

    public init(value: T, columnGradients: [Matrix<T>], parameterGradients: [String: Matrix<T>] = [:],
                mining: MiningReport) {
        self.value = value
        self.columnGradients = columnGradients
        self.parameterGradients = parameterGradients
        self.mining = mining
    }

    /// Each earlier layer's gradient with its columns stacked, as `Encoder.backward` takes
    /// them; nil for an untouched layer, so that neither a stacked copy of its zeros is made
    /// nor its values scanned.
    public var stackedLayerGradients: [Matrix<T>?] {
        layerGradients.enumerated().map { untouchedLayers.contains($0.offset) ? nil : Matrix.vstack($0.element) }
    }
}

/// A loss rejected its input (wrong column count, shapes, labels...). The message says what
/// was wrong and what is accepted.
public struct LossError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
