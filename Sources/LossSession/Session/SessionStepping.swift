import LossData
import LossKit

/// One optimizer step: a batch from the sampler, forward through the encoder and the loss,
/// backward, the update, and what the step showed.
extension Session {
    /// The most step records kept: past it the older half is thinned to every other step,
    /// so a run of any length keeps bounded memory and a representative curve.
    public static let historyLimit = 50_000

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

    private func stepAlone() throws -> StepRecord {
        guard let dataset else { throw CommandError("no data loaded: try `load toy:blobs`") }
        guard var current = model else { throw CommandError("no model: load data first") }
        if case .diverged(let reason) = state { throw CommandError("training diverged (\(reason)); change the settings and `reset`") }
        // While stepping, `current` holds the only reference to the parameters, so the
        // optimizer updates them in place instead of copying them first.
        model = nil
        defer { if model == nil { model = current } }
        switch loss {
        case .embeddings(let batchLoss): return try embeddingStep(LossSum(batchLoss), dataset: dataset, model: &current)
        case .sum(let sum): return try embeddingStep(sum, dataset: dataset, model: &current)
        case .tokens(let tokenLoss): return try denoisingStep(tokenLoss, dataset: dataset, model: &current)
        }
    }

    private func embeddingStep(_ loss: LossSum, dataset: Dataset, model current: inout Model) throws -> StepRecord {
        let batch = current.sampler.next()
        let columns = dataset.columnCount
        let items = ModelCopy.items(loss.inputSpec, (0..<columns).map { column in batch.map { dataset.examples[$0][column] } },
                                    reference: settings.reference)
        let samplingSeed = Self.samplingSeed(seed: settings.seed, step: stepIndex + 1)
        // Only the earlier layers the loss reads this step are embedded (a layer loss samples them).
        let pass = current.encoder.forward(items: items.flatMap { $0 },
                                           readingLayers: loss.layersRead(count: current.encoder.layerCount - 1, samplingSeed: samplingSeed))
        if let reason = DivergenceGuard.overflow(in: pass.embeddings, loss: self.loss) { throw diverged(reason) }
        let (embeddingColumns, copyPass) = ModelCopy.columns(pass.embeddings.splitRows(items.map(\.count)), model: current, items: items)
        // Rows 0..<n of the pass are model 2's embeddings of the items model 1 embedded.
        let drift = copyPass.map { EncoderDrift.measure(model1: $0.embeddings, model2: pass.embeddings.splitRows(items.map(\.count))[0], model: current) } ?? []
        var lossBatch = LossBatch(columns: embeddingColumns, labels: dataset.labels.isEmpty ? [] : batch.map { dataset.labels[$0] },
                                  parameters: current.lossParameters, guides: GuideColumns.make(loss, dataset, current, items: items))
        lossBatch.explain = true
        lossBatch.setLayers(from: pass, columnSizes: items.map(\.count))
        lossBatch.samplingSeed = samplingSeed
        if let teacher = dataset.teacher, loss.inputSpec.labels == .teacher {
            let dimension = current.encoder.outputDimension, width = loss.teacherWidth(dimension: dimension)
            if teacher.cols != width && width == dimension {
                throw CommandError("\(loss.className): the teacher has \(teacher.cols) dimensions but the encoder gives \(dimension); use `encoder linear dim=\(teacher.cols)` (or mlp)\(settings.reference >= .v6_2_0 ? ", or set projection_dim=\(teacher.cols)" : "")")
            }
            if teacher.cols != width {
                throw CommandError("\(loss.className): the teacher has \(teacher.cols) dimensions but projection_dim is \(width); set projection_dim=\(teacher.cols)")
            }
        }
        TeacherColumns.apply(loss, dataset, examples: batch, items: items, to: &lossBatch)
        let (result, parts) = try loss.evaluate(lossBatch)

        if let reason = DivergenceGuard.nonFinite(result) { throw diverged(reason) }
        let columnGradient = Matrix.vstack(result.columnGradients)
        var gradients: [String: Matrix<Float>]
        if let copyPass {
            // Column 0 is model 1's: its gradient trains the copy, not the model.
            let dColumnZero = result.columnGradients[0]
            var rest = result.columnGradients
            rest[0] = Matrix(zeros: dColumnZero.rows, dColumnZero.cols)
            gradients = current.encoder.backward(pass, Matrix.vstack(rest))
            gradients.merge(ModelCopy.gradients(current, pass: copyPass, dColumnZero)) { $1 }
        } else {
            gradients = current.encoder.backward(pass, columnGradient, layers: result.stackedLayerGradients)
        }
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
        // A loss's own split of its value (MatryoshkaLoss per dimension) is charted as its terms.
        record.terms = (result.terms.isEmpty ? result.breakdown : result.terms).map { ($0.name, Double($0.value)) }
        record.targets = result.targets.map { ($0.name, Double($0.value), Double($0.target)) }
        record.scratch = result.scratch
        let fallbacks = result.mining.tuples.filter(\.fallback).count
        if fallbacks > 0 || result.mining.hasFallbackRule { record.extras.append(("fallbacks", Double(fallbacks))) }
        record.extras += result.mining.namedCounts.map { ($0.name, $0.value) } + drift
        history.append(record)
        lastBatch = BatchOutcome(step: stepIndex, examples: batch, items: items, mining: result.mining,
                                 largestGradients: Self.largestRowNorms(columnGradient, rows: batch.count),
                                 embeddingGradients: columnGradient)
        if !loss.isBare {
            lastBatch!.termMinings = zip(loss.terms, parts).map { term, part in (term.loss.className, part.mining) }
        } else if result.breakdownMinings.count == result.breakdown.count && result.breakdown.count > 1 {
            // A loss split by dimension shows each dimension's mining under `t`, as a sum shows each term's.
            lastBatch!.termMinings = zip(result.breakdown, result.breakdownMinings).map { ($0.name, $1) }
        }
        // Both models embedding the same sentences is the design, not a duplicate.
        let distinctItems = loss.inputSpec.feedsColumnZeroToBothModels && items.count > 1 && items[1] == items[0] ? [items[0]] : items
        warnings = []
        for (term, part) in zip(loss.terms, parts) {
            let found = TrainingWarnings.check(loss: term.loss, mining: part.mining.kind, dataset: dataset, batch: batch, items: distinctItems,
                                               embeddings: pass.embeddings, history: history)
                + TrainingWarnings.fromReport(loss: term.loss, report: part.mining, dataset: dataset, items: items, history: history)
            for warning in found where !warnings.contains(warning) { warnings.append(warning) }
        }
        history[history.count - 1].warningCount = warnings.count
        if settings.evalEvery > 0 && stepIndex % settings.evalEvery == 0 && !current.testExamples.isEmpty {
            _ = try evaluate()
        }
        return record
    }

    /// One TSDAE step: delete tokens, embed the noisy sentences, reconstruct the originals.
    private func denoisingStep(_ loss: SessionLoss.TokenLevel, dataset: Dataset, model current: inout Model) throws -> StepRecord {
        guard let decoder = current.decoder else { throw CommandError("\(loss.className) needs the bow encoder over sentences") }
        let batch = current.sampler.next()
        let items = batch.map { dataset.examples[$0][0] }
        let result = try loss.evaluate(encoder: current.encoder, decoder: decoder, items: items, random: &current.noise)
        if let reason = DivergenceGuard.overflow(in: result.embeddings, loss: self.loss) { throw diverged(reason) }
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

    /// What a loss samples at this step (MatryoshkaLoss's n_dims_per_step): the same on every
    /// replay of the session, different from step to step.
    static func samplingSeed(seed: UInt64, step: Int) -> UInt64 {
        var random = SeededRandom(seed: seed ^ 0x5A4D_504C)
        return random.next() &+ UInt64(step) &* 0x9E37_79B9_7F4A_7C15
    }

    /// Marks the session diverged at the coming step; the caller throws the returned error
    /// before anything of the step is applied.
    private func diverged(_ reason: String) -> CommandError {
        state = .diverged("step \(stepIndex + 1): \(reason)")
        return CommandError("training diverged at step \(stepIndex + 1): \(reason); the previous state is kept")
    }

    /// Pairs of batch rows that should be close: same class (labelled items), or column 0 and
    /// column 1 of a positive example (rows offset by the batch size).
    private func positivePairs(_ batch: [Int], items: [[Int]], _ dataset: Dataset) -> [(Int, Int)] {
        let n = batch.count
        switch dataset.shape {
        case .labelledItems:
            let labels = batch.map { dataset.labels[$0] }
            var pairs: [(Int, Int)] = []
            for i in 0..<n { for j in (i + 1)..<max(i + 1, n) where labels[i] == labels[j] { pairs.append((i, j)) } }
            return pairs
        case .anchorPositive, .triplets, .teacherScored:
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
}
