/// sentence-transformers' `SoftmaxLoss` (the SBERT NLI objective): columns (u, v) and a class
/// per pair. A linear classifier reads concat(u, v, |u - v|, u * v) — the parts chosen by the
/// concatenation_* flags — and is trained with cross-entropy. The classifier's weight (L, k·D)
/// and bias (L) are parameters of the loss, named as in PyTorch: classifier.weight,
/// classifier.bias. |u - v| has gradient sign(u - v), which is 0 where u and v agree.
/// 6.2.0 also takes soft labels: an (N, num_labels) matrix of class probabilities per pair
/// (`LossBatch.softLabels`), the cross-entropy against each row.
public struct SoftmaxLoss: EmbeddingLoss {
    public static let className = "SoftmaxLoss"
    public static let references = LossReference.allCases
    public static let referenceDifference = "6.2.0 renames sentence_embedding_dimension to embedding_dimension (the old name still accepted) and takes soft labels, an (N, num_labels) matrix of class probabilities"
    public static let summary = "a classifier on (u, v, |u-v|), trained too: SBERT's NLI objective"
    public static let parameters: [LossParameter] = [
        LossParameter("num_labels", .wholeNumber(minimum: 1), default: nil, role: .classCount, "classes of the classifier (default: the data's)"),
        dimensionParameter,
        LossParameter("concatenation_sent_rep", .flag, default: "true", "the classifier sees u and v"),
        LossParameter("concatenation_sent_difference", .flag, default: "true", "the classifier sees |u - v|"),
        LossParameter("concatenation_sent_multiplication", .flag, default: "false", "the classifier sees u * v"),
    ]
    static let dimensionParameter = LossParameter("embedding_dimension", .wholeNumber(minimum: 1), default: nil,
                                                  "the embeddings' width (default: the data's)")
        .renamed(from: "sentence_embedding_dimension", in: .v6_2_0)
    public static let inputSpec: LossInputSpec = {
        var spec = LossInputSpec(columns: 2, labels: .classes)
        spec.takesSoftLabels = true
        return spec
    }()
    public static let insightView = InsightView.classifier
    public static let ownedWeightNames = [weightName, biasName]
    public static let weightName = "classifier.weight"
    public static let biasName = "classifier.bias"

    /// nil: taken from the classifier weight's shape (or 3, the NLI classes, when there is none).
    public var numLabels: Int?
    /// nil: taken from the embeddings.
    public var embeddingDimension: Int?
    public var concatenationSentRep: Bool
    public var concatenationSentDifference: Bool
    public var concatenationSentMultiplication: Bool
    public var reference: LossReference

    public init(numLabels: Int? = nil, embeddingDimension: Int? = nil, concatenationSentRep: Bool = true,
                concatenationSentDifference: Bool = true, concatenationSentMultiplication: Bool = false,
                reference: LossReference = .latest) {
        self.numLabels = numLabels
        self.embeddingDimension = embeddingDimension
        self.concatenationSentRep = concatenationSentRep
        self.concatenationSentDifference = concatenationSentDifference
        self.concatenationSentMultiplication = concatenationSentMultiplication
        self.reference = reference
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        self.reference = reference
        var settings = LossSettings(values, for: Self.self, reference: reference)
        numLabels = try settings.optionalInt("num_labels")
        embeddingDimension = try settings.optionalInt("embedding_dimension")
        concatenationSentRep = try settings.bool("concatenation_sent_rep")
        concatenationSentDifference = try settings.bool("concatenation_sent_difference")
        concatenationSentMultiplication = try settings.bool("concatenation_sent_multiplication")
        try settings.finish()
        if vectorCount == 0 {
            throw LossError("SoftmaxLoss: at least one of concatenation_sent_rep, concatenation_sent_difference, concatenation_sent_multiplication must be true")
        }
    }

    public var settings: [(name: String, value: String)] {
        var list: [(String, String)] = []
        if let numLabels { list.append(("num_labels", "\(numLabels)")) }
        if let embeddingDimension { list.append((dimensionName, "\(embeddingDimension)")) }
        list += [("concatenation_sent_rep", "\(concatenationSentRep)"),
                 ("concatenation_sent_difference", "\(concatenationSentDifference)"),
                 ("concatenation_sent_multiplication", "\(concatenationSentMultiplication)")]
        return list
    }

    /// 6.2's constructor requires embedding_dimension (1.2.0's sentence_embedding_dimension)
    /// and num_labels: the model's width, and the classes of the data unless set.
    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss {
        var call = ScriptLoss.derived(from: self, skipping: ["num_labels", "sentence_embedding_dimension", "embedding_dimension"])
        let labels = numLabels ?? context.classCount ?? 3
        call.arguments.insert(contentsOf: [ScriptLoss.Argument("embedding_dimension", "model.get_embedding_dimension()"),
                                           ScriptLoss.Argument("num_labels", "\(labels)")], at: 0)
        if let embeddingDimension {
            call.notes.append("LossLab's embeddings were \(embeddingDimension) wide; here the width is the model's")
        }
        return call
    }
    /// embedding_dimension under this loss's reference (1.2.0: sentence_embedding_dimension).
    private var dimensionName: String { Self.dimensionParameter.name(in: reference) }

    /// How many D-wide blocks the classifier reads.
    public var vectorCount: Int {
        (concatenationSentRep ? 2 : 0) + (concatenationSentDifference ? 1 : 0) + (concatenationSentMultiplication ? 1 : 0)
    }

    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Float>] {
        initialParameters(dimension: dimension, classes: classes, seed: seed)
    }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Double>] {
        initialParameters(dimension: dimension, classes: classes, seed: seed)
    }

    public func ownedWeightCount(dimension: Int, classes: Int) -> Int {
        classes * (vectorCount * dimension + 1)
    }

    public func check(classes: Int) throws {
        if let numLabels, numLabels < classes {
            throw LossError("SoftmaxLoss: num_labels=\(numLabels) is too small: the data has \(classes) classes (labels 0..<\(classes)); num_labels must be at least \(classes)")
        }
    }

    /// A fresh classifier as nn.Linear initialises one: uniform in ±1/sqrt(fan_in), seeded;
    /// `num_labels` outputs, or `classes` when it is not set.
    public func initialParameters<T: Scalar>(dimension: Int, classes: Int = 3, seed: UInt64, as _: T.Type = T.self) -> [String: Matrix<T>] {
        let labels = numLabels ?? classes
        let fanIn = vectorCount * dimension
        // As nn.Linear: no bound (all zeros) when there are no inputs.
        let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
        var random = SeededRandom(seed: seed)
        let weight = (0..<(labels * fanIn)).map { _ in T(random.uniform(-bound, bound)) }
        let bias = (0..<labels).map { _ in T(random.uniform(-bound, bound)) }
        return [Self.weightName: Matrix(rows: labels, cols: fanIn, values: weight),
                Self.biasName: Matrix(rows: 1, cols: labels, values: bias)]
    }

    /// Logits, probabilities and their gradient.
    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        3 * Double(rows) * Double(classes) * Double(scalarBytes)
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    /// `fused` picks the path (nil: by the number of classes); tests run both.
    func compute<T: Scalar>(_ batch: LossBatch<T>, fused: Bool? = nil) throws -> LossResult<T> {
        try validate(batch)
        let (u, v) = (batch.columns[0], batch.columns[1])
        let n = u.rows, d = u.cols
        if let embeddingDimension, embeddingDimension != d {
            throw LossError("SoftmaxLoss: \(dimensionName) is \(embeddingDimension) but the embeddings have \(d) columns")
        }
        guard let weight = batch.parameters[Self.weightName], let bias = batch.parameters[Self.biasName] else {
            throw LossError("SoftmaxLoss needs its classifier parameters classifier.weight and classifier.bias")
        }
        let width = vectorCount * d
        if weight.cols != width {
            throw LossError("SoftmaxLoss: classifier.weight has \(weight.cols) columns but the features are \(vectorCount) x \(d) = \(width) wide")
        }
        let labels = weight.rows
        if let numLabels, numLabels != labels {
            throw LossError("SoftmaxLoss: num_labels is \(numLabels) but classifier.weight has \(labels) rows")
        }
        if bias.count != labels {
            throw LossError("SoftmaxLoss: classifier.bias has \(bias.count) values but there are \(labels) labels")
        }
        let soft = try softTargets(batch, labels: labels)
        // With soft labels, each row's most probable class (the first on ties) stands for its class.
        let targets = soft.map(Self.mostProbableClasses) ?? batch.labels.map { Int($0) }
        if soft == nil, let bad = targets.firstIndex(where: { $0 < 0 || $0 >= labels }) {
            throw LossError("SoftmaxLoss: label \(bad) is \(targets[bad]), outside 0..<\(labels) (num_labels = \(labels))")
        }
        func crossEntropy(_ logits: Matrix<T>) -> CrossEntropy.Output<T> {
            if let soft { return CrossEntropy.evaluate(logits: logits, distributions: soft) }
            return CrossEntropy.evaluate(logits: logits, targets: targets, keepProbabilities: true)
        }

        // features: (N, k·D), blocks in the reference's order u, v, |u-v|, u*v.
        let blocks = SentenceBlocks(rep: concatenationSentRep, difference: concatenationSentDifference,
                                    multiplication: concatenationSentMultiplication)
        let logits: Matrix<T>
        let dWeight: Matrix<T>
        let ce: CrossEntropy.Output<T>
        let du: Matrix<T>, dv: Matrix<T>
        if fused ?? (labels <= SentenceBlocks.fusedLabelLimit) {
            // Few classes: the (N, k·D) features and their gradient are never stored; each row's
            // features are built in a small buffer, twice (forward, backward).
            logits = blocks.logits(u, v, weight: weight, bias: bias)
            ce = crossEntropy(logits)
            (du, dv, dWeight) = blocks.backward(logitGradient: ce.gradient, u, v, weight: weight)
        } else {
            let features = blocks.features(u, v)
            var withBias = Matrix.product(features, weight, transposeB: true)
            for i in 0..<n { for j in 0..<labels { withBias[i, j] += bias.values[j] } }
            logits = withBias
            ce = crossEntropy(logits)
            dWeight = Matrix.product(ce.gradient, transposeA: true, features)
            (du, dv) = blocks.backward(Matrix.product(ce.gradient, weight), u, v)
        }
        let probabilities = ce.probabilities!
        var dBias = Matrix<T>(zeros: bias.rows, bias.cols)
        for i in 0..<n { for j in 0..<labels { dBias.values[j] += ce.gradient[i, j] } }

        var tuples: [MinedTuple] = []
        var counts = MiningCounts(valid: n, used: n, active: n)
        for i in 0..<n {
            // The prediction is the largest logit (the first on ties), as argmax would take it.
            var predicted = 0
            for j in 1..<max(labels, 1) where logits[i, j] > logits[i, predicted] { predicted = j }
            if predicted == targets[i] { counts.easy += 1 } else { counts.hard += 1 }
            tuples.append(MinedTuple(anchor: i, positive: i, negative: predicted == targets[i] ? nil : predicted,
                                     positiveScore: Double(probabilities[i, targets[i]]),
                                     negativeScore: Double(probabilities[i, predicted]),
                                     loss: Double(ce.rowLosses[i]), label: soft == nil ? batch.labels[i] : Double(targets[i])))
        }
        return LossResult(value: ce.value, columnGradients: [du, dv],
                          parameterGradients: [Self.weightName: dWeight, Self.biasName: dBias],
                          mining: MiningReport(kind: .pair, tuples: tuples, counts: counts))
    }

    /// The soft labels, when the batch has them: 6.2.0 reads an (N, num_labels) label matrix
    /// as class probabilities (with one label only, it is a column of class ids, as in 1.2.0).
    private func softTargets<T: Scalar>(_ batch: LossBatch<T>, labels: Int) throws -> Matrix<T>? {
        guard let soft = batch.softLabels else { return nil }
        if reference < .v6_2_0 {
            throw LossError("SoftmaxLoss: soft labels (a \(soft.rows) x \(soft.cols) label matrix) are new in sentence-transformers 6.2.0; reference \(reference.rawValue) takes one class id per pair (set reference=\(LossReference.latest.rawValue))")
        }
        if soft.cols != labels || labels == 1 {
            throw LossError("SoftmaxLoss: soft labels have \(soft.cols) columns but the classifier has \(labels) outputs (num_labels); give one probability per class, or one class id per pair")
        }
        return soft
    }

    private static func mostProbableClasses<T: Scalar>(_ soft: Matrix<T>) -> [Int] {
        (0..<soft.rows).map { i in
            var best = 0
            for j in 1..<soft.cols where soft[i, j] > soft[i, best] { best = j }
            return best
        }
    }
}
