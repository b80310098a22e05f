import LossData
import LossKit

/// A fresh model for a configuration: encoder, the loss's own weights, optimizer, sampler and
/// the train/test split.
extension Session {
    /// Builds a fresh model for the configuration; assigns nothing when it throws.
    func rebuild(dataset: Dataset, loss: SessionLoss, encoder: EncoderChoice, settings: TrainingSettings,
                 keepEncoder: Bool = false) throws {
        try SizeBounds.check(dataset: dataset, loss: loss, encoder: encoder, settings: settings)
        let builtEncoder = try keepEncoder && model != nil && self.dataset.map({ $0.name == dataset.name }) == true
            ? model!.encoder : encoder.build(for: dataset, seed: settings.seed)
        let (lossParameters, decoder) = Self.ownedState(of: loss, dataset: dataset, encoder: builtEncoder, seed: settings.seed)
        let split = Self.split(dataset.exampleCount, testFraction: settings.testFraction, seed: settings.seed)
        let kind = settings.sampler ?? (dataset.shape == .labelledItems && loss.batchLoss != nil ? .pk : .random)
        let classOf = kind == .pk ? dataset.labels.map { Int($0) } : []
        let sampler = try BatchSampler(kind: kind, batchSize: settings.batchSize, perClass: settings.perClass, pool: split.train,
                                       classOf: classOf, itemsOf: Self.itemsByContent(dataset, needed: kind == .noDuplicates),
                                       seed: settings.seed)
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

    /// Whether the loss trains state of its own (a classifier, a decoder), which a change of
    /// its settings makes anew.
    static func ownsState(_ loss: SessionLoss) -> Bool {
        switch loss {
        case .embeddings(let batchLoss): return !batchLoss.weightNames.isEmpty
        case .sum(let sum): return sum.terms.contains { !$0.loss.weightNames.isEmpty }
        case .tokens: return true
        }
    }

    /// The parameters a loss owns, fresh: a classifier (as many classes as the data has, when
    /// the loss does not say), TSDAE's decoder, contrastive tension's copy of `encoder`.
    static func ownedState(of loss: SessionLoss, dataset: Dataset, encoder: Encoder<Float>, seed: UInt64)
        -> ([String: Matrix<Float>], DenoisingDecoder<Float>?) {
        let dimension = encoder.outputDimension
        switch loss {
        case .embeddings(let batchLoss):
            let weights: [String: Matrix<Float>] = batchLoss.initialWeights(dimension: dimension, classes: classCount(dataset), seed: seed)
            return (weights.merging(ModelCopy.initialWeights(for: batchLoss, encoder: encoder)) { $1 }, nil)
        case .sum(let sum):
            return (sum.initialWeights(dimension: dimension, classes: classCount(dataset), seed: seed), nil)
        case .tokens:
            guard case .tokens(_, let vocabulary) = dataset.items else { return ([:], nil) }
            return ([:], DenoisingDecoder(dimension: dimension, vocabularySize: vocabulary.count, seed: seed))
        }
    }

    /// The classes a classifier over the data needs: one per label value (at least 2).
    static func classCount(_ dataset: Dataset) -> Int {
        max(Int(dataset.labels.max() ?? 0) + 1, dataset.labelNames.count, 2)
    }

    /// The items each example uses, for the no-duplicates sampler, which compares contents as
    /// sentence-transformers compares texts: two items with the same vector or the same tokens
    /// count as one. Other samplers never ask, so nothing is computed for them.
    static func itemsByContent(_ dataset: Dataset, needed: Bool) -> @Sendable (Int) -> [Int] {
        let examples = dataset.examples
        guard needed else { return { examples[$0] } }
        let content = contentIdentities(dataset)
        return { examples[$0].map { content[$0] } }
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
        // Both in increasing order, by marking the test examples rather than sorting.
        var isTest = [Bool](repeating: false, count: count)
        for example in order.prefix(testCount) { isTest[example] = true }
        return ((0..<count).filter { !isTest[$0] }, (0..<count).filter { isTest[$0] })
    }
}
