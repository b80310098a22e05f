import LossData
import LossKit

/// The sizes a user sets (encoder dim and hidden, batch_size, a classifier's num_labels), checked
/// against the data and the memory budget before the session allocates anything: a size that
/// cannot fit is one line naming the parameter, its value and the bound, never an abort in the
/// allocator.
enum SizeBounds {
    /// A trained Float parameter: itself, its gradient, two optimizer moments and the copy kept
    /// to undo a step that overflows.
    static let bytesPerParameter = 20.0

    /// Everything a configuration allocates in proportion to a size the user chose.
    static func check(dataset: Dataset, loss: SessionLoss, encoder: EncoderChoice, settings: TrainingSettings) throws {
        try checkEncoder(encoder, dataset: dataset, loss: loss)
        try checkLoss(loss, dataset: dataset, settings: settings, dimension: outputDimension(encoder, dataset))
    }

    /// What the loss needs on top of the encoder: its per-batch scratch and the weights it
    /// owns (a classifier).
    static func checkLoss(_ sessionLoss: SessionLoss, dataset: Dataset, settings: TrainingSettings, dimension: Int) throws {
        guard let sum = sessionLoss.batchLoss else { return }
        // A sum's terms run one after another: each must fit on its own.
        for term in sum.terms { try checkLoss(term.loss, dataset: dataset, settings: settings, dimension: dimension) }
    }

    private static func checkLoss(_ loss: any EmbeddingLoss, dataset: Dataset, settings: TrainingSettings, dimension: Int) throws {
        let classes = Session.classCount(dataset)
        let batch = min(settings.batchSize, dataset.exampleCount)
        do { try loss.check(classes: classes) } catch let error as LossError { throw CommandError(error.message) }
        let labels = loss.value(of: .classCount).flatMap(Int.init) ?? classes
        if loss.ownedWeightCount(dimension: dimension, classes: labels) > 0 {
            let name = type(of: loss).parameters.first(role: .classCount)?.name ?? "classes"
            let weights = loss.weightNames.joined(separator: ", ")
            if let refusal = MemoryBudget.refusal(name, labels, what: "\(loss.className)'s trained weights (\(weights), with gradients and optimizer state) and their outputs", bytesFor: { labels in
                Double(loss.ownedWeightCount(dimension: dimension, classes: labels)) * bytesPerParameter + Double(labels) * Double(batch) * 4 * 3
            }) {
                throw CommandError("\(loss.className): " + refusal)
            }
        }
        let columns = dataset.columnCount
        let rows = dataset.exampleCount
        if let refusal = MemoryBudget.refusal("batch_size", settings.batchSize, what: "\(loss.className)'s working memory for a batch of \(columns) column\(columns == 1 ? "" : "s")",
                                              limit: settings.lossMemoryLimit, limitName: "loss_memory_limit", bytesFor: { batch in
            let n = min(batch, rows)
            // The session's three copies of the rows (embeddings, their gradient, the stacked
            // gradient) and the loss's own.
            return loss.scratchBytes(rows: n, columns: columns, scalarBytes: 4, classes: labels)
                + Double(n * columns * dimension) * 4 * Double(3 + LossMemory.rowCopies)
        }) {
            throw CommandError(refusal)
        }
    }

    /// The encoder's parameters and every item's embedding (the views keep them); with
    /// DenoisingAutoEncoderLoss also the decoder, whose size follows the encoder's dim.
    static func checkEncoder(_ choice: EncoderChoice, dataset: Dataset, loss: SessionLoss) throws {
        let items = Double(dataset.itemCount)
        let input = Double(dataset.dimension ?? 0)
        var vocabulary = 0.0
        if case .tokens(_, let words) = dataset.items { vocabulary = Double(words.count) }
        let decoder = loss.batchLoss == nil
        func bytes(output: Int, hidden: Int) -> Double {
            let out = Double(output), wide = Double(hidden)
            var parameters: Double
            switch choice.kind {
            case "table": parameters = items * input
            case "linear": parameters = input * out + out
            case "mlp": parameters = input * wide + wide + Double(choice.layers - 1) * (wide * wide + wide) + wide * out + out
            default: parameters = vocabulary * out
            }
            if decoder { parameters += 6 * out * out + 6 * out + vocabulary }
            return parameters * bytesPerParameter + items * out * 8
        }
        let output = outputDimension(choice, dataset)
        let what = "the \(choice.kind) encoder's parameters (with gradients and optimizer state)\(decoder ? ", the decoder" : "") and the \(dataset.itemCount) embeddings"
        let refusal: String?
        if choice.kind == "table" {
            let needed = bytes(output: output, hidden: 0)
            refusal = needed <= MemoryBudget.bytes ? nil
                : "the \(dataset.itemCount) x \(output) table would take \(LossMemory.describe(needed)) with its gradients and optimizer state, \(MemoryBudget.limitText); use encoder linear or mlp with a small dim"
        } else if choice.kind == "mlp" && choice.hidden >= output {
            refusal = MemoryBudget.refusal("hidden", choice.hidden, what: what) { bytes(output: output, hidden: $0) }
        } else {
            refusal = MemoryBudget.refusal("dim", output, what: what) { bytes(output: $0, hidden: choice.hidden) }
        }
        if let refusal { throw CommandError("encoder \(choice.kind): " + refusal) }
    }

    static func outputDimension(_ choice: EncoderChoice, _ dataset: Dataset) -> Int {
        choice.kind == "table" ? dataset.dimension ?? 16 : choice.dimension ?? 16
    }
}
