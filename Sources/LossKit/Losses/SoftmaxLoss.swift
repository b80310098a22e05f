/// sentence-transformers' `SoftmaxLoss` (the SBERT NLI objective): columns (u, v) and a class
/// per pair. A linear classifier reads concat(u, v, |u - v|, u * v) — the parts chosen by the
/// concatenation_* flags — and is trained with cross-entropy. The classifier's weight (L, k·D)
/// and bias (L) are parameters of the loss, named as in PyTorch: classifier.weight,
/// classifier.bias. |u - v| has gradient sign(u - v), which is 0 where u and v agree.
public struct SoftmaxLoss: EmbeddingLoss {
    public static let className = "SoftmaxLoss"
    public static let inputSpec = LossInputSpec(columns: 2, labels: .classes)
    public static let weightName = "classifier.weight"
    public static let biasName = "classifier.bias"

    /// nil: taken from the classifier weight's shape (or 3, the NLI classes, when there is none).
    public var numLabels: Int?
    /// nil: taken from the embeddings.
    public var sentenceEmbeddingDimension: Int?
    public var concatenationSentRep: Bool
    public var concatenationSentDifference: Bool
    public var concatenationSentMultiplication: Bool

    public init(numLabels: Int? = nil, sentenceEmbeddingDimension: Int? = nil, concatenationSentRep: Bool = true,
                concatenationSentDifference: Bool = true, concatenationSentMultiplication: Bool = false) {
        self.numLabels = numLabels
        self.sentenceEmbeddingDimension = sentenceEmbeddingDimension
        self.concatenationSentRep = concatenationSentRep
        self.concatenationSentDifference = concatenationSentDifference
        self.concatenationSentMultiplication = concatenationSentMultiplication
    }

    public init(settings values: [String: String]) throws {
        var settings = LossSettings(values, for: Self.className)
        let labels = try settings.int("num_labels", default: 0, minimum: 1)
        numLabels = values["num_labels"] == nil ? nil : labels
        let dimension = try settings.int("sentence_embedding_dimension", default: 0, minimum: 1)
        sentenceEmbeddingDimension = values["sentence_embedding_dimension"] == nil ? nil : dimension
        concatenationSentRep = try settings.bool("concatenation_sent_rep", default: true)
        concatenationSentDifference = try settings.bool("concatenation_sent_difference", default: true)
        concatenationSentMultiplication = try settings.bool("concatenation_sent_multiplication", default: false)
        try settings.finish(accepted: ["num_labels", "sentence_embedding_dimension", "concatenation_sent_rep",
                                       "concatenation_sent_difference", "concatenation_sent_multiplication"])
        if vectorCount == 0 {
            throw LossError("SoftmaxLoss: at least one of concatenation_sent_rep, concatenation_sent_difference, concatenation_sent_multiplication must be true")
        }
    }

    public var settings: [(name: String, value: String)] {
        var list: [(String, String)] = []
        if let numLabels { list.append(("num_labels", "\(numLabels)")) }
        if let sentenceEmbeddingDimension { list.append(("sentence_embedding_dimension", "\(sentenceEmbeddingDimension)")) }
        list += [("concatenation_sent_rep", "\(concatenationSentRep)"),
                 ("concatenation_sent_difference", "\(concatenationSentDifference)"),
                 ("concatenation_sent_multiplication", "\(concatenationSentMultiplication)")]
        return list
    }

    /// How many D-wide blocks the classifier reads.
    public var vectorCount: Int {
        (concatenationSentRep ? 2 : 0) + (concatenationSentDifference ? 1 : 0) + (concatenationSentMultiplication ? 1 : 0)
    }

    /// A fresh classifier as nn.Linear initialises one: uniform in ±1/sqrt(fan_in), seeded.
    public func initialParameters<T: Scalar>(dimension: Int, seed: UInt64, as _: T.Type = T.self) -> [String: Matrix<T>] {
        let labels = numLabels ?? 3
        let fanIn = vectorCount * dimension
        let bound = 1 / Double(fanIn).squareRoot()
        var random = SeededRandom(seed: seed)
        let weight = (0..<(labels * fanIn)).map { _ in T(random.uniform(-bound, bound)) }
        let bias = (0..<labels).map { _ in T(random.uniform(-bound, bound)) }
        return [Self.weightName: Matrix(rows: labels, cols: fanIn, values: weight),
                Self.biasName: Matrix(rows: 1, cols: labels, values: bias)]
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let (u, v) = (batch.columns[0], batch.columns[1])
        let n = u.rows, d = u.cols
        if let sentenceEmbeddingDimension, sentenceEmbeddingDimension != d {
            throw LossError("SoftmaxLoss: sentence_embedding_dimension is \(sentenceEmbeddingDimension) but the embeddings have \(d) columns")
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
        let targets = batch.labels.map { Int($0) }
        if let bad = targets.firstIndex(where: { $0 < 0 || $0 >= labels }) {
            throw LossError("SoftmaxLoss: label \(bad) is \(targets[bad]), outside 0..<\(labels) (num_labels = \(labels))")
        }

        // features: (N, k·D), blocks in the reference's order u, v, |u-v|, u*v.
        let blocks = SentenceBlocks(rep: concatenationSentRep, difference: concatenationSentDifference,
                                    multiplication: concatenationSentMultiplication)
        let features = blocks.features(u, v)
        var logits = Matrix.product(features, weight, transposeB: true)
        for i in 0..<n { for j in 0..<labels { logits[i, j] += bias.values[j] } }
        let ce = CrossEntropy.evaluate(logits: logits, targets: targets, keepProbabilities: true)
        let probabilities = ce.probabilities!

        let dWeight = Matrix.product(ce.gradient, transposeA: true, features)
        var dBias = Matrix<T>(zeros: bias.rows, bias.cols)
        for i in 0..<n { for j in 0..<labels { dBias.values[j] += ce.gradient[i, j] } }
        let (du, dv) = blocks.backward(Matrix.product(ce.gradient, weight), u, v)

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
                                     loss: Double(ce.rowLosses[i]), label: batch.labels[i]))
        }
        return LossResult(value: ce.value, columnGradients: [du, dv],
                          parameterGradients: [Self.weightName: dWeight, Self.biasName: dBias],
                          mining: MiningReport(kind: .pair, tuples: tuples, counts: counts))
    }
}

/// The classifier input of SoftmaxLoss: the chosen blocks among u, v, |u - v|, u * v, side by side.
struct SentenceBlocks {
    var rep: Bool
    var difference: Bool
    var multiplication: Bool

    /// (N, k·D) from two (N, D) columns.
    func features<T: Scalar>(_ u: Matrix<T>, _ v: Matrix<T>) -> Matrix<T> {
        let n = u.rows, d = u.cols
        let width = ((rep ? 2 : 0) + (difference ? 1 : 0) + (multiplication ? 1 : 0)) * d
        var features = Matrix<T>(zeros: n, width)
        if n == 0 || d == 0 { return features }
        let (rep, difference, multiplication) = (self.rep, self.difference, self.multiplication)
        u.values.withUnsafeBufferPointer { ua in
            v.values.withUnsafeBufferPointer { vb in
                features.values.withUnsafeMutableBufferPointer { fv in
                    let a = SharedReadPointer(ua), b = SharedReadPointer(vb), f = SharedPointer(fv)
                    ParallelRows.run(rows: n, elementsPerRow: width) { rows in
                        for i in rows {
                            // Row pointers keep index arithmetic out of the inner loops, so they vectorise.
                            let ar = a.base + i * d, br = b.base + i * d
                            var fr = f.base + i * width
                            if rep {
                                fr.update(from: ar, count: d)
                                (fr + d).update(from: br, count: d)
                                fr += 2 * d
                            }
                            if difference {
                                for k in 0..<d { fr[k] = abs(ar[k] - br[k]) }
                                fr += d
                            }
                            if multiplication {
                                for k in 0..<d { fr[k] = ar[k] * br[k] }
                            }
                        }
                    }
                }
            }
        }
        return features
    }

    /// (dL/du, dL/dv) from dL/dfeatures. |u - v| passes sign(u - v), 0 where they agree.
    func backward<T: Scalar>(_ gradient: Matrix<T>, _ u: Matrix<T>, _ v: Matrix<T>) -> (Matrix<T>, Matrix<T>) {
        let n = u.rows, d = u.cols, width = gradient.cols
        var du = Matrix<T>(zeros: n, d), dv = Matrix<T>(zeros: n, d)
        if n == 0 || d == 0 { return (du, dv) }
        let (rep, difference, multiplication) = (self.rep, self.difference, self.multiplication)
        u.values.withUnsafeBufferPointer { ua in
            v.values.withUnsafeBufferPointer { vb in
                gradient.values.withUnsafeBufferPointer { gv in
                    du.values.withUnsafeMutableBufferPointer { dav in
                        dv.values.withUnsafeMutableBufferPointer { dbv in
                            let a = SharedReadPointer(ua), b = SharedReadPointer(vb), g = SharedReadPointer(gv)
                            let da = SharedPointer(dav), db = SharedPointer(dbv)
                            ParallelRows.run(rows: n, elementsPerRow: width) { rows in
                                for i in rows {
                                    let ar = a.base + i * d, br = b.base + i * d
                                    let dar = da.base + i * d, dbr = db.base + i * d
                                    var gr = g.base + i * width
                                    if rep {
                                        dar.update(from: gr, count: d)
                                        dbr.update(from: gr + d, count: d)
                                        gr += 2 * d
                                    }
                                    if difference {
                                        for k in 0..<d {
                                            let diff = ar[k] - br[k]
                                            let sign: T = (diff > 0 ? 1 : 0) - (diff < 0 ? 1 : 0)
                                            let signed = sign * gr[k]
                                            dar[k] += signed
                                            dbr[k] -= signed
                                        }
                                        gr += d
                                    }
                                    if multiplication {
                                        for k in 0..<d {
                                            dar[k] += gr[k] * br[k]
                                            dbr[k] += gr[k] * ar[k]
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return (du, dv)
    }
}
