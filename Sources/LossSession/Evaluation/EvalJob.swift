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
        /// True when a loss with weights of its own got none and made them (seeded).
        public var initializedWeights: Bool
        /// The release whose behaviour the numbers are.
        public var reference: LossReference
        /// What was read beyond the numbers (the ids string labels became) and deprecated
        /// names the request used, for stderr.
        public var notes: [String] = []
        /// A weighted sum (`--loss 'A + 0.1 * B'`); `loss` is then its first term.
        public var sum: LossSum? = nil
    }

    public static func run(_ request: EvalRequest) throws -> Outcome {
        if request.lossName.contains(where: { $0 == "+" || $0 == "*" }) || request.lossName.contains(" "),
           case .loss(let spec) = try Command.parse("loss " + request.lossName) {
            if spec.isSum { return try runSum(request, spec) }
            // `--loss 'A scale=20'`: the settings as if given with --set.
            var plain = request
            plain.lossName = spec.terms[0].name
            for (name, value) in spec.terms[0].settings {
                if plain.settings[name] != nil { throw LossError("\(name) is given both in --loss and with --set; give it once") }
                plain.settings[name] = value
            }
            return try run(plain)
        }
        try refuseLayerLoss(request.lossName)
        let loss = try LossCatalog.make(request.lossName, settings: request.settings, reference: request.reference)
        if request.embeddings.isEmpty { throw LossError("no --embeddings given; \(loss.className) takes \(loss.inputSpec.columnsDescription)") }
        let columns = try request.embeddings.map { array -> Matrix<Double> in
            try requireFinite(array)
            return try array.embeddingMatrix(Double.self)
        }
        try checkMemory(loss, request: request, columns: columns)
        var batch = LossBatch<Double>(columns: columns)
        batch.samplingSeed = request.seed
        var notes: [String] = []
        if let labels = request.labels {
            // Teacher scores may hold -inf (a candidate left out on purpose); the loss checks them.
            if loss.inputSpec.labels != .teacherScores { try requireFinite(labels) }
            try read(labels, into: &batch, for: loss, notes: &notes)
        } else if !loss.inputSpec.labelsOptional(columns: request.embeddings.count) {
            throw LossError("\(loss.className) needs --labels (\(loss.inputSpec.labels.rawValue))")
        }

        if loss.inputSpec.needsGuide {
            if request.guides.count != columns.count {
                throw LossError("\(loss.className) needs --guide for every --embeddings column (\(columns.count)), got \(request.guides.count)")
            }
            batch.guides = try zip(request.guides, request.embeddings).map { array, column -> Matrix<Double> in
                try requireFinite(array)
                guard array.rank == 2 else { throw LossError("\(array.source): a guide must be 2-D (rows x dimension), got shape \(array.shape)") }
                if array.shape[0] != column.shape.first {
                    throw LossError("\(array.source): the guide has \(array.shape[0]) rows but \(column.source) has \(column.shape.first ?? 0); give one guide row per embedding row, in the same order")
                }
                return try array.matrix(Double.self)
            }
        } else if !request.guides.isEmpty {
            let guided = LossCatalog.all.filter { $0.inputSpec.needsGuide }.map { $0.className }.joined(separator: " and ")
            throw LossError("\(loss.className) takes no --guide (only \(guided) do)")
        }

        var weightShapes: [String: [Int]] = [:]
        var initialized = false
        let known = loss.weightNames
        if !known.isEmpty {
            if let unknown = request.weights.keys.sorted().first(where: { !known.contains($0) }) {
                throw LossError("\(loss.className) has no parameter '\(unknown)'; it has \(known.joined(separator: ", "))")
            }
            if request.weights.isEmpty {
                // Without a num_labels, the 3 classes of NLI.
                batch.parameters = loss.initialWeights(dimension: columns[0].cols, classes: 3, seed: request.seed)
                initialized = true
                for name in known {
                    let weight = batch.parameters[name]!
                    // As PyTorch stores them: a bias is 1-D.
                    weightShapes[name] = loss.storedShape(ofWeight: name, rows: weight.rows, cols: weight.cols)
                }
            } else {
                for name in known {
                    guard let array = request.weights[name] else {
                        throw LossError("\(loss.className) needs all of \(known.joined(separator: ", ")) (missing \(name))")
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
        notes += result.warnings.map { "warning: " + $0 }
        notes += result.notes
        notes += LossSettings.renamedNames(in: request.settings, for: type(of: loss), reference: request.reference).map {
            "\($0.written) is deprecated in \(request.reference.title); its name is \($0.current)"
        }
        return Outcome(loss: loss, result: result, columnShapes: request.embeddings.map(\.shape),
                       weightShapes: weightShapes, initializedWeights: initialized, reference: request.reference, notes: notes)
    }

    /// A loss that trains an encoder's layers gets no layers from arrays of embeddings.
    private static func refuseLayerLoss(_ name: String) throws {
        guard let type = LossCatalog.type(named: name), type.inputSpec.needsLayers else { return }
        throw LossError("\(type.className) trains every layer of an encoder, and eval's arrays are one layer's embeddings: use it in a notebook or the explorer with an encoder that has layers (`encoder mlp layers=3`, then `loss \(type.className)\(type.parameters.first { $0.name == "loss" }?.defaultValue.map { " loss=\($0)" } ?? "")`)")
    }

    /// `--loss 'A scale=20 + 0.1 * B'`: each term's settings ride in --loss, the arrays are shared,
    /// each term's own weights are named `losses.<k>.…`; the value and gradients are the weighted sum.
    private static func runSum(_ request: EvalRequest, _ spec: LossSpec) throws -> Outcome {
        if !request.settings.isEmpty {
            throw LossError("--set does not apply to a sum: give each loss's settings after its name in --loss ('A scale=20 + 0.1 * B mean_weight=2')")
        }
        var terms: [LossSum.Term] = []
        for (index, term) in spec.terms.enumerated() {
            try refuseLayerLoss(term.name)
            do {
                terms.append(LossSum.Term(weight: term.weight ?? 1, loss: try LossCatalog.make(term.name, settings: term.settings, reference: request.reference)))
            } catch let error as LossError { throw LossError("term \(index + 1) of the sum: \(error.message)") }
        }
        let sum = try LossSum(terms: terms)
        let spec = sum.inputSpec
        if request.embeddings.isEmpty { throw LossError("no --embeddings given; \(sum.className) takes \(spec.columnsDescription)") }
        let columns = try request.embeddings.map { array -> Matrix<Double> in
            try requireFinite(array)
            return try array.embeddingMatrix(Double.self)
        }
        for term in sum.terms { try checkMemory(term.loss, request: request, columns: columns) }
        var batch = LossBatch<Double>(columns: columns)
        var notes: [String] = []
        let labelled = sum.terms.first { $0.loss.inputSpec.labels != .none }?.loss
        if let labels = request.labels {
            try requireFinite(labels)
            guard let labelled else { throw LossError("\(sum.className) takes no --labels") }
            try read(labels, into: &batch, for: labelled, notes: &notes)
        } else if !spec.labelsOptional(columns: request.embeddings.count) {
            throw LossError("\(labelled?.className ?? sum.className) needs --labels (\(spec.labels.rawValue))")
        }
        if spec.needsGuide {
            if request.guides.count != columns.count {
                throw LossError("\(sum.className) needs --guide for every --embeddings column (\(columns.count)), got \(request.guides.count)")
            }
            batch.guides = try request.guides.map { array -> Matrix<Double> in
                try requireFinite(array)
                guard array.rank == 2 else { throw LossError("\(array.source): a guide must be 2-D (rows x dimension), got shape \(array.shape)") }
                return try array.matrix(Double.self)
            }
        } else if !request.guides.isEmpty {
            throw LossError("\(sum.className) takes no --guide (none of its terms is guided)")
        }
        var weightShapes: [String: [Int]] = [:]
        var initialized = false
        let known = sum.weightNames
        if let unknown = request.weights.keys.sorted().first(where: { !known.contains($0) }) {
            throw LossError("\(sum.className) has no parameter '\(unknown)'" + (known.isEmpty ? "" : "; it has \(known.joined(separator: ", "))"))
        }
        if !known.isEmpty && request.weights.isEmpty {
            batch.parameters = sum.initialWeights(dimension: columns[0].cols, classes: 3, seed: request.seed)
            initialized = true
            for name in known { weightShapes[name] = name.hasSuffix("bias") ? [batch.parameters[name]!.count] : batch.parameters[name]!.shape }
        } else {
            for name in known {
                guard let array = request.weights[name] else { throw LossError("\(sum.className) needs all of \(known.joined(separator: ", ")) (missing \(name))") }
                try requireFinite(array)
                batch.parameters[name] = try parameterMatrix(array)
                weightShapes[name] = array.shape
            }
        }
        let result = try sum.evaluate(batch).total
        return Outcome(loss: sum.terms[0].loss, result: result, columnShapes: request.embeddings.map(\.shape), weightShapes: weightShapes,
                       initializedWeights: initialized, reference: request.reference, notes: notes, sum: sum)
    }

    /// Labels in the shape the loss takes them: 1-D (or one column) as one label per row, a
    /// teacher matrix (N, W) or one teacher per column (N, C, W), or (N, classes) soft labels.
    private static func read(_ labels: NumpyArray, into batch: inout LossBatch<Double>, for loss: any EmbeddingLoss,
                             notes: inout [String]) throws {
        let spec = loss.inputSpec
        if spec.labels == .teacherScores {
            guard labels.rank == 1 || labels.rank == 2 else {
                throw LossError("\(labels.source): \(loss.className) takes teacher scores of shape (rows,) or (rows, k), got shape \(labels.shape)")
            }
            let rows = labels.shape[0], width = labels.rank == 2 ? labels.shape[1] : 1
            batch.teacherScores = Matrix(rows: rows, cols: width, values: try labels.exactDoubles())
        } else if spec.labels == .teacher {
            switch labels.rank {
            case 2:
                batch.targets = try labels.embeddingMatrix(Double.self)
            case 3:
                let (rows, columns, width) = (labels.shape[0], labels.shape[1], labels.shape[2])
                let values = labels.doubles()
                batch.columnTargets = (0..<columns).map { c in
                    Matrix(rows: rows, cols: width) { out in
                        for i in 0..<rows {
                            let start = (i * columns + c) * width
                            for k in 0..<width { out[i * width + k] = values[start + k] }
                        }
                    }
                }
            default:
                throw LossError("\(loss.className) needs a teacher matrix (rows x width) or one teacher per column (rows x columns x width) as labels, got shape \(labels.shape)")
            }
        } else if labels.rank == 1 || (labels.rank == 2 && labels.shape[1] == 1) {
            // String class names become ids; the note says which.
            let read = try LabelValues.read(labels)
            batch.labels = read.values
            if let note = read.note { notes.append("\(labels.source): \(note)") }
        } else if labels.rank == 2 && spec.takesSoftLabels {
            batch.softLabels = try labels.matrix(Double.self)
        } else {
            let soft = spec.takesSoftLabels ? " or (rows x classes) class probabilities" : ""
            throw LossError("\(labels.source): labels must be 1-D (one per row)\(soft), got shape \(labels.shape)")
        }
    }

    /// The losses that score all pairs hold (rows, rows) matrices, SoftmaxLoss a classifier
    /// of num_labels rows: refuse what cannot fit before allocating it.
    private static func checkMemory(_ loss: any EmbeddingLoss, request: EvalRequest, columns: [Matrix<Double>]) throws {
        let rows = columns[0].rows
        if let classParameter = type(of: loss).parameters.first(role: .classCount) {
            // The weights (when they are made here, with their gradient) and the outputs.
            let dimension = columns[0].cols
            let what = "\(loss.className)'s \(request.weights.isEmpty ? "trained weights (\(loss.weightNames.joined(separator: ", ")) and their gradient) and its " : "")outputs for \(rows) rows"
            let classes = loss.value(of: .classCount).flatMap(Int.init) ?? 3
            if let refusal = MemoryBudget.refusal(classParameter.name, classes, what: what, bytesFor: {
                (request.weights.isEmpty ? Double(loss.ownedWeightCount(dimension: dimension, classes: $0)) * 8 * 2 : 0)
                    + loss.scratchBytes(rows: rows, columns: columns.count, scalarBytes: 8, classes: $0)
            }) {
                throw LossError("\(loss.className): " + refusal)
            }
            return
        }
        if let overrun = MemoryBudget.overrun(rows, bytesFor: {
            loss.scratchBytes(rows: $0, columns: columns.count, scalarBytes: 8, classes: 3)
        }) {
            throw LossError("\(request.embeddings[0].source) has \(rows) rows: \(loss.className)'s working memory for them would take \(LossMemory.describe(overrun.needed)), \(MemoryBudget.limitText); at most \(overrun.largest) rows fit")
        }
    }

    /// A parameter array as a matrix: 2-D as it is, 1-D as a single row, 0-d as 1 x 1.
    private static func parameterMatrix(_ array: NumpyArray) throws -> Matrix<Double> {
        if array.rank <= 1 { return Matrix(rows: 1, cols: array.count, values: try array.exactDoubles()) }
        return try array.matrix(Double.self)
    }

    private static func requireFinite(_ array: NumpyArray) throws {
        if let bad = array.firstNonFinite() {
            throw LossError("\(array.source): non-finite value (NaN or inf) at row \(bad.row), column \(bad.col)")
        }
    }
}
