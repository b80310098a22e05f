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
///
/// The work is spread over files by job: SessionCommands (what each command changes),
/// SessionStepping (one optimizer step), SessionCheckpoints (rewind), SessionDuel,
/// SessionBuilding (a fresh model for a configuration), SessionDescriptions (lines for cells
/// and the status bar).
public final class Session {
    public internal(set) var dataset: Dataset?
    public internal(set) var datasetSource = ""
    public internal(set) var loss: SessionLoss {
        didSet { rival?.partnerLoss = loss }
    }
    /// The `loss` command's words as the user gave them (a reference change rebuilds the loss from them).
    public internal(set) var lossSpec = LossSpec(name: LossCatalog.sessionDefault.className)
    public internal(set) var encoderChoice = EncoderChoice()
    public internal(set) var settings = TrainingSettings()
    public internal(set) var model: Model?
    public internal(set) var stepIndex = 0
    public internal(set) var history: [StepRecord] = []
    public internal(set) var evaluations: [EvaluationRecord] = []
    public internal(set) var lastBatch: BatchOutcome?
    public internal(set) var state: SessionState = .ready
    /// What the last step gave evidence of (single-class batch, duplicates, collapse...).
    public internal(set) var warnings: [String] = []
    /// A frozen batch that loss changes are evaluated on at once (`pin` / `unpin`).
    public internal(set) var pinned: PinnedBatch?
    /// The second configuration of a duel, stepped with this one on the same batches.
    public internal(set) var rival: Session?
    /// In a duel's rival, the loss of the session it duels: the held-out evaluation measures
    /// the dimensions either side trains (`evaluationDimensions`), so both curves share them.
    var partnerLoss: SessionLoss?
    /// Saved states every `checkpointEvery` steps, for `rewind`.
    var checkpoints: [Checkpoint] = []
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
        /// Token-level losses only: the decoder and the noise's random stream.
        public var decoder: DenoisingDecoder<Float>?
        public var noise: SeededRandom
        /// Guided losses without a loaded guide: the encoder as it was when the model was built, frozen.
        public var startingEncoder: Encoder<Float>? = nil
    }

    public init(workingDirectory: String = FileManager.default.currentDirectoryPath) {
        // The defaults of every loss's table are valid, so this cannot throw.
        loss = .embeddings(try! LossCatalog.sessionDefault.init(settings: [:]))
        self.workingDirectory = workingDirectory
    }

    /// Applies one command. On error the session is unchanged and the error says why.
    @discardableResult
    public func apply(_ command: Command) throws -> String {
        switch command {
        case .load(let source, let options): return try load(source, options: options)
        case .loss(let spec): return try changeLoss(spec)
        case .encoder(let kind, let options): return try changeEncoder(kind, options: options)
        case .set(let options): return try change(options)
        case .step(let count): return try step(count)
        case .eval:
            let rivalSummary = try rival.map { "\nduel " + $0.loss.className + ($0.divergedReason.map { " (diverged: \($0))" } ?? "") + ": "
                + (try $0.evaluate().summary) } ?? ""
            return try evaluate().summary + rivalSummary
        case .reset(let seed): return try reset(seed: seed)
        case .show(let what): return try SessionReport.show(what, in: self)
        case .pin: return try pin()
        case .unpin:
            pinned = nil
            return "unpinned"
        case .rewind(let target): return try rewind(to: target)
        case .duel(let spec): return try duel(spec)
        case .save, .export, .expect:
            throw CommandError("this command is handled by the notebook runner, not the session")
        }
    }

    /// Held-out metrics on the test split, recorded in `evaluations`.
    @discardableResult
    public func evaluate() throws -> EvaluationRecord {
        guard let dataset, let model else { throw CommandError("no data loaded: try `load toy:blobs`") }
        let record = HeldOutEvaluation.run(dataset: dataset, model: model, loss: loss, step: stepIndex, reference: settings.reference,
                                           truncations: evaluationDimensions)
        evaluations.append(record)
        return record
    }

    /// The widths the held-out evaluation also measures at, on truncated, re-normalised
    /// embeddings, largest first: when this session's loss or its duel's other side trains
    /// narrower widths (MatryoshkaLoss), the full width, each of those, and two halvings below
    /// the smallest (down to 2), where a model not trained for them shows how far it falls.
    /// Empty otherwise, so a plain session's evaluation stays as it was.
    public var evaluationDimensions: [Int] {
        guard let width = model?.encoder.outputDimension else { return [] }
        let trained = [loss, rival?.loss, partnerLoss].compactMap { $0 }.flatMap { $0.truncationDimensions(width: width) }
        guard let smallest = trained.min() else { return [] }
        let below = [smallest / 2, smallest / 4].filter { $0 >= 2 }
        return Set([width] + trained + below).sorted(by: >)
    }

    /// Every item's current embedding, (items, D).
    public func embeddings() throws -> Matrix<Float> {
        guard let model else { throw CommandError("no data loaded: try `load toy:blobs`") }
        return model.encoder.embedAll()
    }
}
