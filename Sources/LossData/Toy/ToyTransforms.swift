import LossKit

extension ToyDatasets {
    /// Flips round(fraction × examples) labels, chosen at random without repeats, each to a
    /// different class drawn uniformly from the other classes (class ids 0 ..< max(labelNames
    /// count, largest label + 1)). Only `labels` change: `itemClasses` keep the true classes, so
    /// colouring and retrieval metrics still show the truth the noisy labels hide.
    public static func withLabelNoise(_ dataset: Dataset, fraction: Double, seed: UInt64 = 1) throws -> Dataset {
        let context = "withLabelNoise"
        try ToyCheck.fraction(fraction, "fraction", in: context)
        let pool = try LabelledPool(dataset, context: context)
        let largest = pool.classes.max() ?? 0
        let classCount = max(dataset.labelNames.count, largest + 1)
        guard classCount >= 2 else {
            throw DataError("\(context): \(dataset.name) has a single class, so there is no other class to flip a label to")
        }
        var random = ToyRandom(seed: seed)
        var result = dataset
        let flips = Int((fraction * Double(dataset.exampleCount)).rounded())
        for example in random.distinct(flips, below: dataset.exampleCount) {
            let old = Int(dataset.labels[example])
            let draw = random.below(classCount - 1)
            result.labels[example] = Double(draw < old ? draw : draw + 1)
        }
        result.name = "\(dataset.name) + \(percentText(fraction)) label noise (seed \(seed))"
        return result
    }

    /// Adds exact copies of round(fraction × examples) randomly chosen examples' items: each copy
    /// is a new item with the same vector (or tokens, text and teacher row), a new example naming
    /// it, the same label and the same item class. Copies come after all the original items, in the
    /// order of their originals, so original indices do not move. Two copies of one item in a batch
    /// are a false in-batch negative for losses that treat every other item as a negative.
    public static func withDuplicates(_ dataset: Dataset, fraction: Double, seed: UInt64 = 1) throws -> Dataset {
        let context = "withDuplicates"
        try ToyCheck.fraction(fraction, "fraction", in: context)
        _ = try LabelledPool(dataset, context: context)
        var random = ToyRandom(seed: seed)
        let copies = Int((fraction * Double(dataset.exampleCount)).rounded())
        if dataset.itemCount + copies > maxItems {
            throw DataError("\(context): that would make more than \(maxItems) items; lower the fraction")
        }
        let chosen = random.distinct(copies, below: dataset.exampleCount).sorted()
        let sources = chosen.map { dataset.examples[$0][0] }

        var result = dataset
        switch dataset.items {
        case .vectors(let rows):
            result.items = .vectors(ReadOnlyRows(Matrix.vstack([rows.matrix, rows.gatherRows(sources)])))
        case .tokens(let sequences, let vocabulary):
            result.items = .tokens(sequences + sources.map { sequences[$0] }, vocabulary: vocabulary)
        }
        if let texts = dataset.texts { result.texts = texts + sources.map { texts[$0] } }
        if let teacher = dataset.teacher { result.teacher = Matrix.vstack([teacher, teacher.gatherRows(sources)]) }
        if let classes = dataset.itemClasses, classes.count == dataset.itemCount {
            result.itemClasses = classes + sources.map { classes[$0] }
        }
        for (offset, example) in chosen.enumerated() {
            result.examples.append([dataset.itemCount + offset])
            result.labels.append(dataset.labels[example])
        }
        result.name = "\(dataset.name) + \(percentText(fraction)) duplicates (seed \(seed))"
        return result
    }
}
