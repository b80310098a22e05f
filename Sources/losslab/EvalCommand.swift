import ArgumentParser
import Foundation
import LossData
import LossKit
import LossSession

/// `losslab eval`: one forward + backward of a loss on .npy arrays, printed as JSON.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Compute a loss, its gradients and what it mined, on embeddings from .npy files.")

    @Option(help: "The sentence-transformers loss class (`losslab losses` lists them), or a weighted sum with each loss's settings: 'A scale=20 + 0.1 * B'.")
    var loss: String

    @Option(name: .customLong("set"), help: "A hyperparameter by its sentence-transformers name: name=value (repeatable).")
    var settings: [String] = []

    @Option(help: "An embedding column (.npy, N x D), in the reference's order: anchor, positive, negatives... (repeatable).")
    var embeddings: [String] = []

    @Option(help: "Labels (.npy): int class ids or float scores (1-D), or a teacher matrix (2-D) for a distillation loss.")
    var labels: String?

    @Option(help: "A guide model's embeddings of one column (.npy, N x D_guide), same order and rows as --embeddings (repeatable; for a guided loss).")
    var guide: [String] = []

    @Option(name: .customLong("weight"), help: "A weight the loss owns, by its PyTorch name: e.g. classifier.weight=W.npy (repeatable).")
    var weights: [String] = []

    @Option(help: "Write grad_input_<i>.npy (and grad_<parameter>.npy) into this directory.")
    var gradOut: String?

    @Flag(help: "Include the mined tuples in the JSON.")
    var mined = false

    @Option(help: "Seed for the loss's own weights when no --weight is given.")
    var seed: UInt64 = 0

    @Option(help: "The sentence-transformers release to reproduce: 6.2.0 (default) or 1.2.0.")
    var reference: String = LossReference.latest.rawValue

    func run() throws {
        let settingsByName = try EvalRequest.assignments(settings, what: "--set")
        let weightArrays = try EvalRequest.assignments(weights, what: "--weight").mapValues { try NumpyFile.read(path: $0) }
        var request = EvalRequest(
            lossName: loss, settings: settingsByName,
            embeddings: try embeddings.map { try NumpyFile.read(path: $0) },
            labels: try labels.map { try NumpyFile.read(path: $0) },
            weights: weightArrays, guides: try guide.map { try NumpyFile.read(path: $0) }, seed: seed)
        request.reference = try LossReference.parse(reference)
        let outcome = try EvalJob.run(request)
        for note in outcome.notes { StandardError.line("losslab: " + note) }
        if let gradOut { try outcome.writeGradients(to: gradOut) }
        print(outcome.json(includeMined: mined))
    }
}
