import Foundation
import LossKit

/// `duel`: a second loss trained from the same state on the same batches, side by side.
extension Session {
    func duel(_ spec: LossSpec?) throws -> String {
        guard let spec else { rival = nil; return "duel ended" }
        guard let dataset, let model else { throw CommandError("duel needs data: load some first") }
        let rivalLoss = try SessionLoss.make(spec, reference: settings.reference)
        if let mismatch = Self.mismatch(dataset, rivalLoss) { throw CommandError(mismatch) }
        try SizeBounds.checkLoss(rivalLoss, dataset: dataset, settings: settings, dimension: model.encoder.outputDimension)
        let other = Session(workingDirectory: workingDirectory)
        (other.dataset, other.datasetSource, other.loss, other.lossSpec) = (dataset, datasetSource, rivalLoss, spec)
        (other.encoderChoice, other.settings, other.stepIndex, other.history, other.evaluations) =
            (encoderChoice, settings, stepIndex, history, evaluations)
        var rivalModel = model
        (rivalModel.lossParameters, rivalModel.decoder) = Self.ownedState(of: rivalLoss, dataset: dataset,
                                                                         encoder: model.encoder, seed: settings.seed)
        other.model = rivalModel
        other.partnerLoss = loss
        other.checkpoints = [Checkpoint(step: stepIndex, model: rivalModel, historyCount: history.count, evaluationCount: evaluations.count)]
        rival = other
        return "duel: \(other.describeLoss()) trains alongside from step \(stepIndex), on the same batches"
    }

    /// How a duel's rival stands: its last loss, or why it diverged (a diverged rival keeps
    /// its last good state, which must not read as its current loss).
    public var duelStatus: String {
        if let reason = divergedReason { return "\(loss.className): diverged (\(reason))" }
        guard let last = history.last else { return "\(loss.className): no step taken" }
        return String(format: "%@: loss %.5g", loss.className, last.loss)
    }
}
