import Foundation
import LossData
import LossKit

/// Whether training can go on.
public enum SessionState: Equatable, Sendable {
    case ready
    /// A step produced NaN or inf; the state before it was kept.
    case diverged(String)
}

/// The whole training state behind the explorer and `losslab run`: dataset, loss, encoder,
/// optimizer, sampler, history. Synchronous and deterministic: the same commands give the
/// same numbers. One thread owns a session at a time.
public final class Session {
    public private(set) var dataset: Dataset?
    public private(set) var datasetSource = ""
    public private(set) var loss: any EmbeddingLoss
    public private(set) var lossSettings: [String: String] = [:]
    public private(set) var encoderChoice = EncoderChoice()
    public private(set) var settings = TrainingSettings()
    public private(set) var model: Model?
    public private(set) var stepIndex = 0
    public private(set) var history: [StepRecord] = []
    public private(set) var evaluations: [EvaluationRecord] = []
    public private(set) var lastBatch: BatchOutcome?
    public private(set) var state: SessionState = .ready
    /// What the last step gave evidence of (single-class batch, duplicates, collapse...).
    public private(set) var warnings: [String] = []
    /// A frozen batch that loss changes are evaluated on at once (`pin` / `unpin`).
    public private(set) var pinned: PinnedBatch?
    /// The second configuration of a duel, stepped with this one on the same batches.
    public private(set) var rival: Session?
    /// Saved states every `checkpointEvery` steps, for `rewind`.
    private var checkpoints: [Checkpoint] = []
    public static let checkpointEvery = 10
    public static let checkpointLimit = 200
    /// Memory all checkpoints together may take (parameters and optimizer moments).
    public static let checkpointBudgetBytes = 128 << 20
    /// The most step records kept: past it the older half is thinned to every other step,
    /// so a run of any length keeps bounded memory and a representative curve.
    public static let historyLimit = 50_000

    struct Checkpoint {
        var step: Int
        var model: Model
        var historyCount: Int
        var evaluationCount: Int
    }
    /// Where `save`/`export` write relative paths.
    public var workingDirectory: String

    /// The trained state that a reset rebuilds: encoder, the loss's own parameters, optimizer,
    /// sampler and the train/test split.
    public struct Model {
        public var encoder: Encoder<Float>
        public var lossParameters: [String: Matrix<Float>]
        public var optimizer: Optimizer<Float>
        public var sampler: BatchSampler
        public var trainExamples: [Int]
        public var testExamples: [Int]
        /// DenoisingAutoEncoderLoss only: the decoder and the noise's random stream.
        public var decoder: DenoisingDecoder<Float>?
        public var noise: SeededRandom
        /// Guided losses without a loaded guide: the encoder as it was when the model was built, frozen.
        public var startingEncoder: Encoder<Float>? = nil
    }

    public init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        loss = BatchHardTripletLoss()
        self.workingDirectory = workingDirectory
    }

    // MARK: - Commands

    /// Applies one command. On error the session is unchanged and the error says why.
    @discardableResult
    public func apply(_ command: Command) throws -> String {
        switch command {
        case .load(let source, let options):
            let loaded = try DatasetCatalog.load(source, options: options, relativeTo: workingDirectory)
            var notes: [String] = []
            // Keep the encoder when it can read the items; else the natural one for them.
            var encoder = encoderChoice
            if case .tokens = loaded.items, encoder.kind != "bow" {
                encoder = try EncoderChoice(kind: "bow", options: [:])
                notes.append("encoder bow (the items are sentences)")
            } else if case .vectors = loaded.items, encoder.kind == "bow" {
                encoder = EncoderChoice()
                notes.append("encoder table (the items are vectors)")
            }
            var newLoss = loss
            if let mismatch = Self.mismatch(loaded, loss) {
                // Keep the data; pick the first loss that fits so the session stays usable.
                guard let fitting = Self.losses.first(where: { Self.mismatch(loaded, $0) == nil }) else { throw CommandError(mismatch) }
                newLoss = try fitting.init(settings: [:])
                notes.append("loss \(fitting.className) (\(loss.className) does not fit \(loaded.shape.rawValue) data)")
            }
            try rebuild(dataset: loaded, loss: newLoss, encoder: encoder, settings: settings)
            if newLoss.className != loss.className { lossSettings = [:] }
            (dataset, datasetSource, loss, encoderChoice) = (loaded, source, newLoss, encoder)
            return "loaded \(describe(loaded))" + (notes.isEmpty ? "" : "; switched to " + notes.joined(separator: ", "))
        case .loss(let name, let values):
            let newLoss = try DenoisingLossChoice.make(name, settings: values)
            if let dataset, let mismatch = Self.mismatch(dataset, newLoss) { throw CommandError(mismatch) }
            if let dataset, let model {
                try SizeBounds.checkLoss(newLoss, dataset: dataset, settings: settings, dimension: model.encoder.outputDimension)
            }
            var whatIf = ""
            if let pinned, let dataset, let model, !(newLoss is DenoisingLossChoice), !(loss is DenoisingLossChoice) {
                let before = try pinned.read(loss, dataset: dataset, model: model)
                let after = try pinned.read(newLoss, dataset: dataset, model: model)
                whatIf = "\n" + PinnedBatch.difference(from: before, to: after)
            }
            let parametersChange = newLoss.className != loss.className || (newLoss is SoftmaxLoss) || (newLoss is DenoisingLossChoice)
            if parametersChange, let dataset, var current = model {
                // The trained encoder, optimizer, history and step count stay; only what the loss
                // itself owns (SoftmaxLoss's classifier, TSDAE's decoder) is made anew.
                (current.lossParameters, current.decoder) = Self.ownedState(of: newLoss, dataset: dataset,
                                                                            dimension: current.encoder.outputDimension, seed: settings.seed)
                model = current
            }
            (loss, lossSettings) = (newLoss, values)
            return "loss \(describeLoss())" + whatIf
        case .encoder(let kind, let options):
            let choice = try EncoderChoice(kind: kind, options: options)
            if let dataset { try rebuild(dataset: dataset, loss: loss, encoder: choice, settings: settings) }
            encoderChoice = choice
            return "encoder \(choice.summary)" + (model.map { " → \($0.encoder.outputDimension)-d embeddings" } ?? "")
        case .set(let options):
            var next = settings
            try next.apply(options)
            if options["batch_size"] != nil, let model, next.batchSize > model.trainExamples.count + model.testExamples.count {
                throw CommandError("batch_size \(next.batchSize) is larger than the data (\(model.trainExamples.count) training examples)")
            }
            let structural = options.keys.contains { ["batch_size", "sampler", "k", "per_class", "seed", "test_fraction", "split"].contains($0) }
            if structural, let dataset {
                try rebuild(dataset: dataset, loss: loss, encoder: encoderChoice, settings: next, keepEncoder: true)
            } else if var current = model {
                current.optimizer.settings = next.optimizer
                model = current
            }
            settings = next
            return "set " + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        case .step(let count):
            let first = stepIndex
            var last: StepRecord?
            for _ in 0..<count {
                last = try step()
                if case .diverged = state { break }
            }
            return last == nil ? "no step taken" : describeSteps(since: first)
        case .eval:
            let rivalSummary = try rival.map { "\nduel " + $0.loss.className + ($0.divergedReason.map { " (diverged: \($0))" } ?? "") + ": "
                + (try $0.evaluate().summary) } ?? ""
            return try evaluate().summary + rivalSummary
        case .reset(let seed):
            var next = settings
            if let seed { next.seed = seed }
            guard let dataset else { settings = next; return "reset (no data loaded)" }
            try rebuild(dataset: dataset, loss: loss, encoder: encoderChoice, settings: next)
            settings = next
            return "reset: step 0, seed \(next.seed)"
        case .show(let what):
            return try SessionReport.show(what, in: self)
        case .pin:
            guard let batch = lastBatch else { throw CommandError("pin freezes the last batch: take a step first") }
            pinned = PinnedBatch(examples: batch.examples, items: batch.items)
            return "pinned the batch of step \(batch.step) (\(batch.examples.count) examples): loss changes are now evaluated on it at once"
        case .unpin:
            pinned = nil
            return "unpinned"
        case .rewind(let target):
            return try rewind(to: target)
        case .duel(let name, let values):
            guard let name else { rival = nil; return "duel ended" }
            guard let dataset, let model else { throw CommandError("duel needs data: load some first") }
            let rivalLoss = try DenoisingLossChoice.make(name, settings: values)
            if let mismatch = Self.mismatch(dataset, rivalLoss) { throw CommandError(mismatch) }
            try SizeBounds.checkLoss(rivalLoss, dataset: dataset, settings: settings, dimension: model.encoder.outputDimension)
            let other = Session(workingDirectory: workingDirectory)
            (other.dataset, other.datasetSource, other.loss, other.lossSettings) = (dataset, datasetSource, rivalLoss, values)
            (other.encoderChoice, other.settings, other.stepIndex, other.history, other.evaluations) =
                (encoderChoice, settings, stepIndex, history, evaluations)
            var rivalModel = model
            (rivalModel.lossParameters, rivalModel.decoder) = Self.ownedState(of: rivalLoss, dataset: dataset,
                                                                             dimension: model.encoder.outputDimension, seed: settings.seed)
            other.model = rivalModel
            other.checkpoints = [Checkpoint(step: stepIndex, model: rivalModel, historyCount: history.count, evaluationCount: evaluations.count)]
            rival = other
            return "duel: \(other.describeLoss()) trains alongside from step \(stepIndex), on the same batches"
        case .save, .export, .expect:
            throw CommandError("this command is handled by the notebook runner, not the session")
        }
    }

    // MARK: - Training

    /// One optimizer step on the next batch. A step whose loss or gradient is not finite is
    /// not applied: the session turns `.diverged` and keeps its previous state.
    @discardableResult
    public func step() throws -> StepRecord {
        let record = try stepAlone()
        boundHistories()
        if let rival, rival.state == .ready { _ = try? rival.step() }
        if stepIndex % Self.checkpointEvery == 0, let model { saveCheckpoint(model) }
        return record
    }

    private func boundHistories() {
        if history.count > Self.historyLimit {
            let half = history.count / 2
            history = history[..<half].enumerated().filter { $0.offset % 2 == 0 }.map(\.element) + history[half...]
        }
        if evaluations.count > Self.historyLimit / 10 {
            let half = evaluations.count / 2
            evaluations = evaluations[..<half].enumerated().filter { $0.offset % 2 == 0 }.map(\.element) + evaluations[half...]
        }
    }

    private func saveCheckpoint(_ model: Model) {
        checkpoints.append(Checkpoint(step: stepIndex, model: model, historyCount: history.count, evaluationCount: evaluations.count))
        // Parameters plus two optimizer moments, in Float: the encoder's and the loss's own
        // (SoftmaxLoss's classifier, TSDAE's decoder), which every checkpoint copies too.
        let owned = [model.encoder.parameters, model.lossParameters, model.decoder?.parameters ?? [:]]
        let bytes = owned.reduce(0) { total, group in total + group.values.reduce(0) { $0 + $1.count } } * 12
        let limit = min(Self.checkpointLimit, Self.checkpointBudgetBytes / max(bytes, 1))
        if limit < 2 {
            // Too large to keep copies of: rewind is unavailable for this model.
            checkpoints.removeAll()
            return
        }
        while checkpoints.count > limit {
            // Thin the older half, keeping the first: memory stays bounded on long runs.
            let half = max(checkpoints.count / 2, 2)
            let thinned = [checkpoints[0]] + checkpoints[1..<half].enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
                + checkpoints[half...]
            checkpoints = thinned.count < checkpoints.count ? thinned : Array(checkpoints.dropFirst())
        }
    }

    /// Back to `target`: the nearest checkpoint at or before it, then steps with the current
    /// settings up to the target. Later history is dropped, so training branches from there.
    private func rewind(to target: Int) throws -> String {
        guard target <= stepIndex else { throw CommandError("rewind goes back: the session is at step \(stepIndex)") }
        guard let checkpoint = checkpoints.last(where: { $0.step <= target }) else {
            throw CommandError(checkpoints.isEmpty
                ? "this model is too large to keep checkpoints of (over \(Self.checkpointBudgetBytes >> 20) MiB for two), so rewind is unavailable"
                : "no checkpoint at or before step \(target)")
        }
        model = checkpoint.model
        stepIndex = checkpoint.step
        history.removeAll { $0.step > checkpoint.step }
        evaluations.removeAll { $0.step > checkpoint.step }
        checkpoints.removeAll { $0.step > checkpoint.step }
        state = .ready
        lastBatch = nil
        warnings = []
        rival = nil
        while stepIndex < target { _ = try step() }
        return "rewound to step \(stepIndex) (from the checkpoint at step \(checkpoint.step)); training branches from here"
    }

    private func stepAlone() throws -> StepRecord {
        guard let dataset else { throw CommandError("no data loaded: try `load toy:blobs`") }
        guard var current = model else { throw CommandError("no model: load data first") }
        if case .diverged(let reason) = state { throw CommandError("training diverged (\(reason)); change the settings and `reset`") }
        // While stepping, `current` holds the only reference to the parameters, so the
        // optimizer updates them in place instead of copying them first.
        model = nil
        defer { if model == nil { model = current } }
        if let denoising = loss as? DenoisingLossChoice { return try denoisingStep(denoising, dataset: dataset, model: &current) }
        let batch = current.sampler.next()
        let columns = dataset.columnCount
        let items = (0..<columns).map { column in batch.map { dataset.examples[$0][column] } }
        let pass = current.encoder.forward(items: items.flatMap { $0 })
        if let reason = DivergenceGuard.overflow(in: pass.embeddings, loss: loss) { throw diverged(reason) }
        let embeddingColumns = pass.embeddings.splitRows(items.map(\.count))
        var lossBatch = LossBatch(columns: embeddingColumns, labels: dataset.labels.isEmpty ? [] : batch.map { dataset.labels[$0] },
                                  parameters: current.lossParameters, guides: GuideColumns.make(loss, dataset, current, items: items))
        if let teacher = dataset.teacher {
            if teacher.cols != current.encoder.outputDimension {
                throw CommandError("\(loss.className): the teacher has \(teacher.cols) dimensions but the encoder gives \(current.encoder.outputDimension); use `encoder linear dim=\(teacher.cols)` (or mlp)")
            }
            lossBatch.targets = teacher.gatherRows(items[0])
        }
        let result = try loss.evaluate(lossBatch)

        if let reason = DivergenceGuard.nonFinite(result) { throw diverged(reason) }
        let columnGradient = Matrix.vstack(result.columnGradients)
        var gradients = current.encoder.backward(pass, columnGradient)
        gradients.merge(result.parameterGradients) { $1 }

        var parameters = current.encoder.parameters
        current.encoder.parameters = [:]
        parameters.merge(current.lossParameters) { $1 }
        let backup = parameters.values.reduce(0) { $0 + $1.count } <= 4_000_000 ? parameters : nil
        let update = current.optimizer.step(&parameters, gradients: gradients)
        if !parameters.values.allSatisfy(\.allFinite) {
            if let backup {
                current.encoder.parameters = backup.filter { current.encoder.parameterNames.contains($0.key) }
                model = current
            }
            state = .diverged("step \(stepIndex + 1): the update overflowed (learning rate \(update.learningRate))")
            throw CommandError("training diverged at step \(stepIndex + 1): parameters became non-finite; the previous state is kept")
        }
        for name in current.lossParameters.keys { current.lossParameters[name] = parameters.removeValue(forKey: name) }
        current.encoder.parameters = parameters
        model = current

        stepIndex += 1
        var record = StepRecord(step: stepIndex, loss: Double(result.value), gradientNorm: update.gradientNorm,
                                groupNorms: update.groupNorms, learningRate: update.learningRate, counts: result.mining.counts,
                                health: EmbeddingHealth.measure(pass.embeddings, positives: positivePairs(batch, items: items, dataset)))
        let fallbacks = result.mining.tuples.filter(\.fallback).count
        if fallbacks > 0 || loss is BatchSemiHardTripletLoss { record.extras.append(("fallbacks", Double(fallbacks))) }
        history.append(record)
        lastBatch = BatchOutcome(step: stepIndex, examples: batch, items: items, mining: result.mining,
                                 largestGradients: Self.largestRowNorms(columnGradient, rows: batch.count),
                                 embeddingGradients: columnGradient)
        warnings = TrainingWarnings.check(loss: loss, dataset: dataset, batch: batch, items: items, embeddings: pass.embeddings,
                                          history: history)
        history[history.count - 1].warningCount = warnings.count
        if settings.evalEvery > 0 && stepIndex % settings.evalEvery == 0 && !current.testExamples.isEmpty {
            _ = try evaluate()
        }
        return record
    }

    /// One TSDAE step: delete tokens, embed the noisy sentences, reconstruct the originals.
    private func denoisingStep(_ choice: DenoisingLossChoice, dataset: Dataset, model current: inout Model) throws -> StepRecord {
        guard let decoder = current.decoder else { throw CommandError("DenoisingAutoEncoderLoss needs the bow encoder over sentences") }
        let batch = current.sampler.next()
        let items = batch.map { dataset.examples[$0][0] }
        let result = try choice.loss.evaluate(encoder: current.encoder, decoder: decoder, items: items, random: &current.noise)
        if let reason = DivergenceGuard.overflow(in: result.embeddings, loss: choice) { throw diverged(reason) }
        if !result.value.isFinite { throw diverged("loss is \(result.value)") }
        if let name = result.gradients.keys.sorted().first(where: { !result.gradients[$0]!.allFinite }) {
            throw diverged("gradient of \(name) is not finite")
        }
        var parameters = current.encoder.parameters
        current.encoder.parameters = [:]
        for (name, value) in decoder.parameters { parameters[name] = value }
        current.decoder!.parameters = [:]
        let update = current.optimizer.step(&parameters, gradients: result.gradients)
        for name in DenoisingDecoder<Float>.parameterNames { current.decoder!.parameters[name] = parameters.removeValue(forKey: name) }
        current.encoder.parameters = parameters
        model = current
        stepIndex += 1
        var counts = MiningCounts(valid: result.targetCount, used: result.targetCount)
        counts.active = Int((result.tokenAccuracy * Double(result.targetCount)).rounded())
        var record = StepRecord(step: stepIndex, loss: Double(result.value), gradientNorm: update.gradientNorm,
                                groupNorms: update.groupNorms, learningRate: update.learningRate, counts: counts,
                                health: EmbeddingHealth.measure(result.embeddings, positives: []))
        record.extras = [("token_accuracy", result.tokenAccuracy)]
        history.append(record)
        lastBatch = BatchOutcome(step: stepIndex, examples: batch, items: [items],
                                 mining: MiningReport(kind: .item, counts: counts), largestGradients: [])
        if settings.evalEvery > 0 && stepIndex % settings.evalEvery == 0 && !current.testExamples.isEmpty { _ = try evaluate() }
        return record
    }

    /// Marks the session diverged at the coming step; the caller throws the returned error
    /// before anything of the step is applied.
    private func diverged(_ reason: String) -> CommandError {
        state = .diverged("step \(stepIndex + 1): \(reason)")
        return CommandError("training diverged at step \(stepIndex + 1): \(reason); the previous state is kept")
    }

    /// Why `loss` cannot train on `dataset`, or nil.
    static func mismatch(_ dataset: Dataset, _ loss: any EmbeddingLoss) -> String? {
        Self.mismatch(dataset, type(of: loss))
    }

    /// Held-out metrics on the test split, recorded in `evaluations`.
    @discardableResult
    public func evaluate() throws -> EvaluationRecord {
        guard let dataset, let model else { throw CommandError("no data loaded: try `load toy:blobs`") }
        let record = HeldOutEvaluation.run(dataset: dataset, model: model, loss: loss, step: stepIndex)
        evaluations.append(record)
        return record
    }

    /// Every item's current embedding, (items, D).
    public func embeddings() throws -> Matrix<Float> {
        guard let model else { throw CommandError("no data loaded: try `load toy:blobs`") }
        return model.encoder.embedAll()
    }

    // MARK: - Building

    /// Builds a fresh model for the configuration; assigns nothing when it throws.
    private func rebuild(dataset: Dataset, loss: any EmbeddingLoss, encoder: EncoderChoice, settings: TrainingSettings,
                         keepEncoder: Bool = false) throws {
        try SizeBounds.check(dataset: dataset, loss: loss, encoder: encoder, settings: settings)
        let builtEncoder = try keepEncoder && model != nil && self.dataset.map({ $0.name == dataset.name }) == true
            ? model!.encoder : encoder.build(for: dataset, seed: settings.seed)
        let (lossParameters, decoder) = Self.ownedState(of: loss, dataset: dataset, dimension: builtEncoder.outputDimension,
                                                        seed: settings.seed)
        let split = Self.split(dataset.exampleCount, testFraction: settings.testFraction, seed: settings.seed)
        var classOf: [Int: Int] = [:]
        if !dataset.labels.isEmpty { for example in split.train { classOf[example] = Int(dataset.labels[example]) } }
        // no-duplicates compares contents, as sentence-transformers compares texts: two items
        // with the same vector or the same tokens count as one.
        let kind = settings.sampler ?? (dataset.shape == .labelledItems && !(loss is DenoisingLossChoice) ? .pk : .random)
        let content = kind == .noDuplicates ? Self.contentIdentities(dataset) : Array(0..<dataset.itemCount)
        let examples = dataset.examples.map { $0.map { content[$0] } }
        let sampler = try BatchSampler(kind: kind, batchSize: settings.batchSize, perClass: settings.perClass, pool: split.train,
                                       classOf: classOf, itemsOf: { examples[$0] }, seed: settings.seed)
        model = Model(encoder: builtEncoder, lossParameters: lossParameters, optimizer: Optimizer(settings: settings.optimizer),
                      sampler: sampler, trainExamples: split.train, testExamples: split.test, decoder: decoder,
                      noise: SeededRandom(seed: settings.seed ^ 0xD0_15E),
                      startingEncoder: loss.inputSpec.needsGuide && dataset.guide == nil ? builtEncoder : nil)
        checkpoints = []
        saveCheckpoint(model!)
        stepIndex = 0
        warnings = []
        pinned = nil
        rival = nil
        history = []
        evaluations = []
        lastBatch = nil
        state = .ready
    }

    /// The parameters a loss owns, fresh: SoftmaxLoss's classifier (as many classes as the
    /// data has), TSDAE's decoder.
    static func ownedState(of loss: any EmbeddingLoss, dataset: Dataset, dimension: Int, seed: UInt64)
        -> ([String: Matrix<Float>], DenoisingDecoder<Float>?) {
        var parameters: [String: Matrix<Float>] = [:]
        if let softmax = loss as? SoftmaxLoss {
            parameters = SoftmaxLoss(numLabels: softmax.numLabels ?? classCount(dataset), concatenationSentRep: softmax.concatenationSentRep,
                                     concatenationSentDifference: softmax.concatenationSentDifference,
                                     concatenationSentMultiplication: softmax.concatenationSentMultiplication)
                .initialParameters(dimension: dimension, seed: seed)
        }
        var decoder: DenoisingDecoder<Float>? = nil
        if loss is DenoisingLossChoice, case .tokens(_, let vocabulary) = dataset.items {
            decoder = DenoisingDecoder(dimension: dimension, vocabularySize: vocabulary.count, seed: seed)
        }
        return (parameters, decoder)
    }

    /// The classes a classifier over the data needs: one per label value (at least 2).
    static func classCount(_ dataset: Dataset) -> Int {
        max(Int(dataset.labels.max() ?? 0) + 1, dataset.labelNames.count, 2)
    }

    /// For each item, the first item with exactly the same content (vector or tokens).
    static func contentIdentities(_ dataset: Dataset) -> [Int] {
        var first: [[UInt32]: Int] = [:]
        var identities = [Int](repeating: 0, count: dataset.itemCount)
        for item in 0..<dataset.itemCount {
            let key: [UInt32]
            switch dataset.items {
            case .vectors(let matrix): key = matrix.row(item).map { $0.bitPattern }
            case .tokens(let sequences, _): key = sequences[item].map { UInt32(truncatingIfNeeded: $0) }
            }
            if let existing = first[key] { identities[item] = existing } else { first[key] = item; identities[item] = item }
        }
        return identities
    }

    static func split(_ count: Int, testFraction: Double, seed: UInt64) -> (train: [Int], test: [Int]) {
        var order = Array(0..<count)
        var random = SeededRandom(seed: seed ^ 0x5EED_5EED)
        order.shuffle(using: &random)
        let testCount = count < 2 ? 0 : min(Int((Double(count) * testFraction).rounded()), count - 1)
        return (Array(order.dropFirst(testCount)).sorted(), Array(order.prefix(testCount)).sorted())
    }

    /// Pairs of batch rows that should be close: same class (labelled items), or column 0 and
    /// column 1 of a positive example (rows offset by the batch size).
    private func positivePairs(_ batch: [Int], items: [[Int]], _ dataset: Dataset) -> [(Int, Int)] {
        let n = batch.count
        switch dataset.shape {
        case .labelledItems:
            var pairs: [(Int, Int)] = []
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) where dataset.labels[batch[i]] == dataset.labels[batch[j]] { pairs.append((i, j)) } }
            return pairs
        case .anchorPositive, .triplets:
            return (0..<n).map { ($0, $0 + n) }
        case .binaryPairs, .scoredPairs:
            return (0..<n).filter { dataset.labels[batch[$0]] >= 0.5 }.map { ($0, $0 + n) }
        case .classPairs:
            return (0..<n).filter { dataset.labels[batch[$0]] == 0 }.map { ($0, $0 + n) }
        case .teacherItems, .sentences:
            return []
        }
    }

    private static func largestRowNorms(_ gradient: Matrix<Float>, rows: Int, keep: Int = 5) -> [(row: Int, norm: Double)] {
        var norms = [Double](repeating: 0, count: rows)
        for r in 0..<gradient.rows {
            var sum = 0.0
            for k in 0..<gradient.cols { let v = Double(gradient[r, k]); sum += v * v }
            norms[r % rows] += sum
        }
        return norms.enumerated().map { ($0.offset, $0.element.squareRoot()) }.sorted { $0.1 > $1.1 }.prefix(keep).map { $0 }
    }

    // MARK: - Descriptions

    public func describe(_ dataset: Dataset) -> String {
        let dimension = dataset.dimension.map { "\($0)-d vectors" } ?? "sentences"
        return "\(dataset.name): \(dataset.shape.rawValue), \(dataset.exampleCount) examples over \(dataset.itemCount) items (\(dimension))"
    }

    /// The items of each mined tuple of the last batch (anchor, positive, negative).
    func sortedTupleItems() -> [[Int]] {
        guard let batch = lastBatch else { return [] }
        return batch.mining.tuples.enumerated().map { index, tuple in
            let row = MinedTupleRow(index: index, tuple: tuple, batch: batch)
            return [row.anchorItem, row.positiveItem] + (row.negativeItem.map { [$0] } ?? [])
        }
    }

    /// One short line for the status bar: name, shape, N and D.
    public func summarize(_ dataset: Dataset) -> String {
        "\(dataset.name) · \(dataset.shape.rawValue) · N=\(dataset.exampleCount)" + (dataset.dimension.map { " D=\($0)" } ?? " text")
    }

    /// Why training stopped, when it diverged.
    public var divergedReason: String? {
        if case .diverged(let reason) = state { return reason }
        return nil
    }

    /// How a duel's rival stands: its last loss, or why it diverged (a diverged rival keeps
    /// its last good state, which must not read as its current loss).
    public var duelStatus: String {
        if let reason = divergedReason { return "\(loss.className): diverged (\(reason))" }
        guard let last = history.last else { return "\(loss.className): no step taken" }
        return String(format: "%@: loss %.5g", loss.className, last.loss)
    }

    public func describeLoss() -> String {
        ([loss.className] + loss.settings.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
    }
}
