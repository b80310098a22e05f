import LossData
import LossKit

/// Runs one loss on arrays in float64, the precision the reference fixtures use: the engine
/// behind `losslab eval`, and the golden tests' entry point.
public enum EvalJob {
    public struct Outcome: Sendable {
        public var loss: any EmbeddingLoss
        public var result: LossResult<Double>
        /// Shapes to write the gradients in: the inputs' own shapes.
        public var columnShapes: [[Int]]
        public var weightShapes: [String: [Int]]
        /// True when SoftmaxLoss had no weights and made its own (seeded).
        public var initializedWeights: Bool
    }

    public static func run(_ request: EvalRequest) throws -> Outcome {
        let loss = try LossCatalog.make(request.lossName, settings: request.settings)
        if request.embeddings.isEmpty { throw LossError("no --embeddings given; \(loss.className) takes \(loss.inputSpec.columnsDescription)") }
        let columns = try request.embeddings.map { array -> Matrix<Double> in
            try requireFinite(array)
            return try array.matrix(Double.self)
        }
        try checkMemory(loss, request: request, columns: columns)
        var batch = LossBatch<Double>(columns: columns)
        if let labels = request.labels {
            try requireFinite(labels)
            if labels.rank == 2 && loss.inputSpec.labels == .teacher {
                batch.targets = try labels.matrix(Double.self)
            } else if labels.rank == 1 || (labels.rank == 2 && labels.shape[1] == 1) {
                batch.labels = try labels.exactDoubles()
            } else {
                throw LossError("\(labels.source): labels must be 1-D (one per row)\(loss.inputSpec.labels == .teacher ? " or a 2-D teacher matrix" : ""), got shape \(labels.shape)")
            }
            if loss.inputSpec.labels == .teacher && batch.targets == nil {
                throw LossError("\(loss.className) needs a 2-D teacher matrix as labels, got shape \(labels.shape)")
            }
        } else if !loss.inputSpec.labelsOptional(columns: request.embeddings.count) {
            throw LossError("\(loss.className) needs --labels (\(loss.inputSpec.labels.rawValue))")
        }

        if loss.inputSpec.needsGuide {
            if request.guides.count != columns.count {
                throw LossError("\(loss.className) needs --guide for every --embeddings column (\(columns.count)), got \(request.guides.count)")
            }
            batch.guides = try request.guides.map { array -> Matrix<Double> in
                try requireFinite(array)
                guard array.rank == 2 else { throw LossError("\(array.source): a guide must be 2-D (rows x dimension), got shape \(array.shape)") }
                return try array.matrix(Double.self)
            }
        } else if !request.guides.isEmpty {
            throw LossError("\(loss.className) takes no --guide (only GISTEmbedLoss and CachedGISTEmbedLoss do)")
        }

        var weightShapes: [String: [Int]] = [:]
        var initialized = false
        if let softmax = loss as? SoftmaxLoss {
            let known = [SoftmaxLoss.weightName, SoftmaxLoss.biasName]
            if let unknown = request.weights.keys.first(where: { !known.contains($0) }) {
                throw LossError("SoftmaxLoss has no parameter '\(unknown)'; it has \(known.joined(separator: ", "))")
            }
            if request.weights.isEmpty {
                batch.parameters = softmax.initialParameters(dimension: columns[0].cols, seed: request.seed)
                initialized = true
                weightShapes = [SoftmaxLoss.weightName: batch.parameters[SoftmaxLoss.weightName]!.shape,
                                SoftmaxLoss.biasName: [batch.parameters[SoftmaxLoss.biasName]!.count]]
            } else {
                for name in known {
                    guard let array = request.weights[name] else {
                        throw LossError("SoftmaxLoss needs both classifier.weight and classifier.bias (missing \(name))")
                    }
                    try requireFinite(array)
                    batch.parameters[name] = try parameterMatrix(array)
                    weightShapes[name] = array.shape
                }
            }
        } else if let name = request.weights.keys.sorted().first {
            throw LossError("\(loss.className) has no parameter '\(name)'")
        }

        let result = try loss.evaluate(batch)
        return Outcome(loss: loss, result: result, columnShapes: request.embeddings.map(\.shape),
                       weightShapes: weightShapes, initializedWeights: initialized)
    }

    /// The losses that score all pairs hold (rows, rows) matrices, SoftmaxLoss a classifier
    /// of num_labels rows: refuse what cannot fit before allocating it.
    private static func checkMemory(_ loss: any EmbeddingLoss, request: EvalRequest, columns: [Matrix<Double>]) throws {
        let rows = columns[0].rows
        if let softmax = loss as? SoftmaxLoss {
            // The classifier (when it is made here) and the (rows, num_labels) logits.
            let width = Double(softmax.vectorCount * columns[0].cols + 1)
            let weights = request.weights.isEmpty ? width * 8 * 2 : 0
            let what = "SoftmaxLoss's \(request.weights.isEmpty ? "classifier (num_labels x \(Int(width) - 1) weights and their gradient) and its " : "")logits for \(rows) rows"
            if let refusal = MemoryBudget.refusal("num_labels", softmax.numLabels ?? 3, what: what, bytesFor: {
                Double($0) * weights + loss.scratchBytes(rows: rows, columns: columns.count, scalarBytes: 8, classes: $0)
            }) {
                throw LossError("SoftmaxLoss: " + refusal)
            }
            return
        }
        if let overrun = MemoryBudget.overrun(rows, bytesFor: {
            loss.scratchBytes(rows: $0, columns: columns.count, scalarBytes: 8, classes: 3)
        }) {
            throw LossError("\(request.embeddings[0].source) has \(rows) rows: \(loss.className)'s working memory for them would take \(LossMemory.describe(overrun.needed)), \(MemoryBudget.limitText); at most \(overrun.largest) rows fit")
        }
    }

    /// A parameter array as a matrix: 2-D as it is, 1-D as a single row.
    private static func parameterMatrix(_ array: NumpyArray) throws -> Matrix<Double> {
        if array.rank == 1 { return Matrix(rows: 1, cols: array.count, values: array.doubles()) }
        return try array.matrix(Double.self)
    }

    private static func requireFinite(_ array: NumpyArray) throws {
        if let bad = array.firstNonFinite() {
            throw LossError("\(array.source): non-finite value (NaN or inf) at row \(bad.row), column \(bad.col)")
        }
    }
}
