import LossKit

/// Saved states every `checkpointEvery` steps, and `rewind` to any step from the nearest one.
extension Session {
    public static let checkpointEvery = 10
    public static let checkpointLimit = 200
    /// Memory all checkpoints together may take (parameters and optimizer moments).
    public static let checkpointBudgetBytes = 128 << 20

    struct Checkpoint {
        var step: Int
        var model: Model
        var historyCount: Int
        var evaluationCount: Int
    }

    func saveCheckpoint(_ model: Model) {
        checkpoints.append(Checkpoint(step: stepIndex, model: model, historyCount: history.count, evaluationCount: evaluations.count))
        // Parameters plus two optimizer moments, in Float: the encoder's and the loss's own
        // (a classifier, a decoder), which every checkpoint copies too.
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
    func rewind(to target: Int) throws -> String {
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
}
