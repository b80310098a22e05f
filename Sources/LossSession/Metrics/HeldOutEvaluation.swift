import LossData
import LossKit

/// The held-out metrics sentence-transformers' evaluators and pytorch-metric-learning's
/// accuracy calculator report, on the test split, with cosine similarity:
/// - labelled items: recall@1 and @5 (a same-class item among the k nearest) and MAP@R, exact, each
///   test item (up to 10,000, fewer past 10^10 similarities) querying every other item of the dataset;
/// - scored pairs: Spearman correlation of cos(u, v) with the gold score;
/// - triplets: accuracy of cos(a, p) > cos(a, n);
/// - anchor-positive: top-1 accuracy and MRR of each anchor's positive among the test positives;
/// - binary pairs: accuracy at the best cosine threshold;
/// - class pairs: the classifier's accuracy; teacher items: MSE to the teacher.
/// Every shape also reports `test_loss`, the loss on (up to 1024) test examples in one batch.
enum HeldOutEvaluation {
    static let maximumQueries = 10_000
    /// 10,000 queries against 1,000,000 items.
    static let maximumScores = 10_000_000_000

    /// `truncations`: widths to measure the embedding metrics at too (see
    /// `Session.evaluationDimensions`): each on the first d coordinates, re-normalised, named
    /// `NAME@d` (`recall_at_1@32`).
    static func run(dataset: Dataset, model: Session.Model, loss: SessionLoss, step: Int,
                    reference: LossReference = .latest, truncations: [Int] = []) -> EvaluationRecord {
        var metrics: [(String, Double)] = []
        let test = Array(model.testExamples.prefix(1024))
        guard !test.isEmpty else { return EvaluationRecord(step: step, metrics: []) }
        let layers = model.encoder.embedAllLayers()
        let raw = layers.last!
        let normalized = L2Normalization.forward(raw).output
        let item = { (example: Int, column: Int) in dataset.examples[example][column] }

        // The loss itself on the test examples.
        let examples = (0..<dataset.columnCount).map { c in test.map { item($0, c) } }
        let columns = loss.batchLoss.map { ModelCopy.items($0.inputSpec, examples, reference: reference) } ?? examples
        let pass = model.encoder.forward(items: columns.flatMap { $0 })
        let embeddings = pass.embeddings
        var batch = LossBatch(columns: ModelCopy.columns(embeddings.splitRows(columns.map(\.count)), model: model, items: columns).columns,
                              labels: dataset.labels.isEmpty ? [] : test.map { dataset.labels[$0] }, parameters: model.lossParameters,
                              guides: loss.batchLoss.map { GuideColumns.make($0, dataset, model, items: columns) } ?? [])
        if let batchLoss = loss.batchLoss { TeacherColumns.apply(batchLoss, dataset, examples: test, items: columns, to: &batch) }
        batch.layers = pass.layerEmbeddings.map { $0.splitRows(columns.map(\.count)) }
        // Embeddings that overflow float32 give a loss that looks fine and means nothing.
        let overflows = DivergenceGuard.overflow(in: embeddings, loss: loss) != nil
        let result = overflows ? nil : try? loss.batchLoss?.evaluate(batch).total
        switch loss {
        case .embeddings, .sum:
            if overflows { metrics.append(("test_loss", .nan)) }
            else if let result { metrics.append(("test_loss", Double(result.value))) }
        case .tokens(let tokenLoss):
            if overflows { metrics.append(("test_loss", .nan)) }
            else if let decoder = model.decoder {
                // Fixed noise, so evaluations at different steps compare the same corruption.
                var noise = SeededRandom(seed: 7)
                if let step = try? tokenLoss.evaluate(encoder: model.encoder, decoder: decoder, items: columns[0], random: &noise) {
                    metrics.append(("test_loss", Double(step.value)))
                    metrics.append(("token_accuracy", step.tokenAccuracy))
                }
            }
        }

        metrics += shapeMetrics(dataset: dataset, model: model, test: test, normalized: normalized, result: result)
        // An encoder with layers: each layer on its own, as a model cut after it, scored with the
        // loss one layer is trained with (a layer loss's wrapped loss); the last layer's metrics
        // are the ones above.
        let shapeCount = metrics.count
        for (index, layer) in layers.enumerated() where layers.count > 1 {
            let isLast = index == layers.count - 1
            var layerBatch = batch
            layerBatch.columns = isLast ? batch.columns : batch.layers[index]
            layerBatch.layers = []
            let layerLoss = loss.embeddingLoss?.lossAtEachLayer
            if let layerLoss, layerLoss.className != loss.className {
                let prefix = "loss."
                layerBatch.parameters = Dictionary(uniqueKeysWithValues: batch.parameters.map {
                    ($0.key.hasPrefix(prefix) ? String($0.key.dropFirst(prefix.count)) : $0.key, $0.value)
                })
            }
            let copied = loss.inputSpec.embedsColumnZeroWithModelCopy
            let layerResult: LossResult<Float>? = overflows || copied ? nil : try? (layerLoss.map { LossSum($0) } ?? loss.batchLoss)?.evaluate(layerBatch).total
            let name = "layer_\(index + 1)_"
            if let layerResult { metrics.append((name + "test_loss", Double(layerResult.value))) }
            let own = isLast ? metrics[..<shapeCount].filter { $0.0 != "test_loss" }
                : shapeMetrics(dataset: dataset, model: model, test: test, normalized: L2Normalization.forward(layer).output, result: layerResult)
            metrics += own.map { (name + $0.0, $0.1) }
        }
        for width in truncations where width > 0 && width <= raw.cols {
            let truncated = width == raw.cols ? normalized : L2Normalization.forward(prefix(raw, width)).output
            metrics += similarityMetrics(dataset: dataset, model: model, test: test, normalized: truncated).map { ("\($0.0)@\(width)", $0.1) }
        }
        return EvaluationRecord(step: step, metrics: metrics)
    }

    /// The metrics of the data's shape, from every item's normalised embedding and the loss's
    /// result on the test batch.
    static func shapeMetrics(dataset: Dataset, model: Session.Model, test: [Int], normalized: Matrix<Float>,
                             result: LossResult<Float>?) -> [(String, Double)] {
        var metrics = similarityMetrics(dataset: dataset, model: model, test: test, normalized: normalized)
        switch dataset.shape {
        case .classPairs:
            if let result { metrics.append(("accuracy", Double(result.mining.counts.easy) / Double(max(result.mining.counts.used, 1)))) }
        case .teacherItems:
            if let result { metrics.append(("mse", Double(result.value))) }
        default:
            break
        }
        return metrics
    }

    /// The metrics that read only the embeddings (L2-normalised rows, one per item): retrieval,
    /// correlation, triplet and pair accuracy by cosine similarity. None for the shapes
    /// measured through the loss (class pairs, teacher items).
    static func similarityMetrics(dataset: Dataset, model: Session.Model, test: [Int], normalized: Matrix<Float>) -> [(String, Double)] {
        lazy var all = normalized.converted(to: Double.self)
        func cosine(_ a: Int, _ b: Int) -> Double {
            var sum = 0.0
            for k in 0..<all.cols { sum += all[a, k] * all[b, k] }
            return sum
        }
        let item = { (example: Int, column: Int) in dataset.examples[example][column] }
        switch dataset.shape {
        case .labelledItems:
            var classes = dataset.itemClasses ?? [Int](repeating: -1, count: dataset.itemCount)
            if dataset.itemClasses == nil {
                for (index, example) in dataset.examples.enumerated() { classes[example[0]] = Int(dataset.labels[index]) }
            }
            let queries = Array(model.testExamples.prefix(queryCount(galleryItems: dataset.itemCount))).map { item($0, 0) }
            return retrieval(queries: queries, embeddings: normalized, classes: classes)
        case .scoredPairs:
            let predicted = test.map { cosine(item($0, 0), item($0, 1)) }
            return [("spearman", Statistics.spearman(predicted, test.map { dataset.labels[$0] }))]
        case .triplets, .teacherScored:
            let correct = test.filter { cosine(item($0, 0), item($0, 1)) > cosine(item($0, 0), item($0, 2)) }.count
            return [("triplet_accuracy", Double(correct) / Double(test.count))]
        case .anchorPositive:
            var top1 = 0.0, reciprocal = 0.0
            for example in test {
                let target = cosine(item(example, 0), item(example, 1))
                let rank = 1 + test.filter { $0 != example && cosine(item(example, 0), item($0, 1)) > target }.count
                if rank == 1 { top1 += 1 }
                reciprocal += 1 / Double(rank)
            }
            return [("retrieval_accuracy", top1 / Double(test.count)), ("mrr", reciprocal / Double(test.count))]
        case .binaryPairs:
            let scored = test.map { (cosine(item($0, 0), item($0, 1)), dataset.labels[$0] == 1) }
            return [("pair_accuracy", Statistics.bestThresholdAccuracy(scored))]
        case .classPairs, .teacherItems:
            return []
        case .sentences:
            // Sentences with a known topic: does the embedding retrieve same-topic sentences?
            guard let classes = dataset.itemClasses else { return [] }
            return retrieval(queries: Array(model.testExamples.prefix(queryCount(galleryItems: dataset.itemCount))).map { item($0, 0) },
                             embeddings: normalized, classes: classes)
        }
    }

    /// The first `width` coordinates of every row.
    static func prefix(_ matrix: Matrix<Float>, _ width: Int) -> Matrix<Float> {
        Matrix(rows: matrix.rows, cols: width) { out in
            for i in 0..<matrix.rows {
                for k in 0..<width { out[i * width + k] = matrix[i, k] }
            }
        }
    }
    /// recall@1, recall@5 and MAP@R of each query item against every other item, exact.
    static func retrieval(queries: [Int], embeddings: Matrix<Float>, classes: [Int]) -> [(String, Double)] {
        let scores = RetrievalRanking.evaluate(rows: embeddings, queries: queries, classes: classes)
        return [("recall_at_1", scores.recallAt1), ("recall_at_5", scores.recallAt5), ("map_at_r", scores.mapAtR)]
    }

    /// Test items that query the whole gallery: all of them up to `maximumQueries`, fewer when
    /// queries x gallery would pass `maximumScores`, at least 50. (Each similarity is computed
    /// once; the bound's sample adds at most 16,384 per query.)
    static func queryCount(galleryItems: Int) -> Int {
        max(50, min(maximumQueries, maximumScores / max(galleryItems, 1)))
    }
}

/// Small statistics the evaluators need.
enum Statistics {
    /// Spearman rank correlation (average ranks for ties).
    static func spearman(_ x: [Double], _ y: [Double]) -> Double {
        pearson(ranks(x), ranks(y))
    }

    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for index in start...end { ranks[order[index]] = average }
            start = end + 1
        }
        return ranks
    }

    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count)
        guard n > 1 else { return 0 }
        let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / (sxx * syy).squareRoot()
    }

    /// Accuracy of "similar when score ≥ threshold" at the best threshold.
    static func bestThresholdAccuracy(_ scored: [(Double, Bool)]) -> Double {
        guard !scored.isEmpty else { return 0 }
        let sorted = scored.sorted { $0.0 > $1.0 }
        let positives = sorted.filter(\.1).count
        // Threshold just below position i: the first i are called similar.
        var best = sorted.count - positives, truePositives = 0, falsePositives = 0
        for (score, similar) in sorted {
            _ = score
            if similar { truePositives += 1 } else { falsePositives += 1 }
            best = max(best, truePositives + (sorted.count - positives - falsePositives))
        }
        return Double(best) / Double(sorted.count)
    }
}
