import LossData
import LossKit

/// What each command changes. Every command checks first and assigns last, so that on error
/// the session is unchanged.
extension Session {
    func load(_ source: String, options: [String: String]) throws -> String {
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
        if case .vectors = loaded.items, encoder.kind == "table", let dimension = loaded.dimension,
           (try? SizeBounds.checkEncoder(encoder, dataset: loaded, loss: loss)) == nil {
            // A table of this many items does not fit; a linear map that starts as the identity
            // shows the same embeddings at step 0 and has a size that does not grow with the data.
            let linear = try EncoderChoice(kind: "linear", options: ["dim": "\(min(dimension, 4096))"])
            if (try? SizeBounds.checkEncoder(linear, dataset: loaded, loss: loss)) != nil {
                encoder = linear
                notes.append("encoder \(linear.summary) (a table of \(loaded.itemCount) items would not fit in memory)")
            }
        }
        var newLoss = loss
        if let mismatch = Self.mismatch(loaded, loss) {
            // Keep the data; pick the first loss that fits so the session stays usable.
            guard let fitting = SessionLoss.all.first(where: { Self.mismatch(loaded, $0) == nil && $0.references.contains(settings.reference) })
            else { throw CommandError(mismatch) }
            newLoss = try SessionLoss.make(fitting, reference: settings.reference)
            notes.append("loss \(fitting.className) (\(loss.className) does not fit \(loaded.shape.rawValue) data)")
        }
        try rebuild(dataset: loaded, loss: newLoss, encoder: encoder, settings: settings)
        if newLoss.className != loss.className { lossSpec = LossSpec(name: newLoss.className) }
        (dataset, datasetSource, loss, encoderChoice) = (loaded, source, newLoss, encoder)
        return "loaded \(describe(loaded))" + (notes.isEmpty ? "" : "; switched to " + notes.joined(separator: ", "))
            + loaded.notes.map { "\n" + $0 }.joined()
    }

    func changeLoss(_ spec: LossSpec) throws -> String {
        let newLoss = try SessionLoss.make(spec, reference: settings.reference)
        if let dataset, let mismatch = Self.mismatch(dataset, newLoss) { throw CommandError(mismatch) }
        if let dataset, let model {
            try SizeBounds.checkLoss(newLoss, dataset: dataset, settings: settings, dimension: model.encoder.outputDimension)
        }
        var whatIf = ""
        if let pinned, let dataset, let model, let before = loss.batchLoss, let after = newLoss.batchLoss {
            whatIf = "\n" + PinnedBatch.difference(from: try pinned.read(before, dataset: dataset, model: model),
                                                   to: try pinned.read(after, dataset: dataset, model: model))
        }
        if Self.ownsState(newLoss) || newLoss.className != loss.className, let dataset, var current = model {
            // The trained encoder, optimizer, history and step count stay; only what the loss
            // itself owns (a classifier, a decoder) is made anew.
            (current.lossParameters, current.decoder) = Self.ownedState(of: newLoss, dataset: dataset,
                                                                        encoder: current.encoder, seed: settings.seed)
            model = current
        }
        if newLoss.inputSpec.needsGuide, dataset?.guide == nil, var current = model, current.startingEncoder == nil {
            // A guided loss chosen after the model was built: its guide is the encoder as it is
            // now, frozen (the model the user fine-tunes from with this loss).
            current.startingEncoder = current.encoder
            model = current
        }
        (loss, lossSpec) = (newLoss, spec)
        let notes = zip(spec.terms, newLoss.descriptions).flatMap { term, made in
            LossSettings.renamedNames(in: term.settings, for: Swift.type(of: made), reference: settings.reference).map {
                "\n\($0.written) is deprecated in \(settings.reference.title): its name is \($0.current)"
            }
        }
        return "loss \(describeLoss())" + notes.joined() + whatIf
    }

    func changeEncoder(_ kind: String, options: [String: String]) throws -> String {
        let choice = try EncoderChoice(kind: kind, options: options)
        if let dataset { try rebuild(dataset: dataset, loss: loss, encoder: choice, settings: settings) }
        encoderChoice = choice
        return "encoder \(choice.summary)" + (model.map { " → \($0.encoder.outputDimension)-d embeddings" } ?? "")
    }

    /// `set`: training settings. Those that shape batches or the split rebuild the sampler
    /// (keeping the trained encoder); the optimizer's apply at once.
    func change(_ options: [String: String]) throws -> String {
        var next = settings
        try next.apply(options)
        // Another reference: the same loss and hyperparameters, as that release has them.
        let nextLoss = next.reference == settings.reference ? loss
            : try SessionLoss.make(lossSpec, reference: next.reference)
        if options["batch_size"] != nil, let model, next.batchSize > model.trainExamples.count + model.testExamples.count {
            throw CommandError("batch_size \(next.batchSize) is larger than the data (\(model.trainExamples.count) training examples)")
        }
        let structural = options.keys.contains { TrainingSettings.structuralNames.contains($0) }
        if options["loss_memory_limit"] != nil, !structural, let dataset, let model {
            try SizeBounds.checkLoss(nextLoss, dataset: dataset, settings: next, dimension: model.encoder.outputDimension)
        }
        if structural, let dataset {
            try rebuild(dataset: dataset, loss: nextLoss, encoder: encoderChoice, settings: next, keepEncoder: true)
        } else if var current = model {
            current.optimizer.settings = next.optimizer
            model = current
        }
        (settings, loss) = (next, nextLoss)
        return "set " + options.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }

    func step(_ count: Int) throws -> String {
        let first = stepIndex
        var last: StepRecord?
        for _ in 0..<count {
            last = try step()
            if case .diverged = state { break }
        }
        return last == nil ? "no step taken" : describeSteps(since: first)
    }

    func reset(seed: UInt64?) throws -> String {
        var next = settings
        if let seed { next.seed = seed }
        guard let dataset else { settings = next; return "reset (no data loaded)" }
        try rebuild(dataset: dataset, loss: loss, encoder: encoderChoice, settings: next)
        settings = next
        return "reset: step 0, seed \(next.seed)"
    }

    func pin() throws -> String {
        guard let batch = lastBatch else { throw CommandError("pin freezes the last batch: take a step first") }
        pinned = PinnedBatch(examples: batch.examples, items: batch.items)
        return "pinned the batch of step \(batch.step) (\(batch.examples.count) examples): loss changes are now evaluated on it at once"
    }
}
