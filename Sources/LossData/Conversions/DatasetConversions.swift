import LossKit

/// Turns a labelled-items dataset (vector or token items) into the pair and triplet shapes,
/// seeded and deterministic. The class of an item is the label of the example naming it, so
/// label noise carries over. Results keep the source's items, texts, teacher and itemClasses,
/// list their examples in a seeded random order and always pass `validate()`.
///
/// Partners are drawn without repeats per anchor while the class (or the rest of the data) has
/// enough of them; a class with a single member cannot give positives, so its anchors are left
/// out of positive pairs and triplets. A DataError says so when nothing at all can be built.
public enum DatasetConversions {
    /// The most examples a conversion will make.
    public static let maxExamples = 10_000_000
    /// The most work `triplets(hardest: true)` will do: items² × dimension.
    public static let maxHardestWork = 5_000_000_000

    /// `pairsPerItem` pairs per anchor item (shape .binaryPairs): label 1 = the partner shares the
    /// anchor's class, 0 = it does not (labelNames ["different class", "same class"]). Of all
    /// items × pairsPerItem pairs, round(positiveFraction × that) are positive, spread at random
    /// over the anchors that have a class mate; the other pairs are negative. When too few anchors
    /// have class mates the positives fall short and negatives take their place; when there is a
    /// single class the pairs that would be negative are left out.
    public static func binaryPairs(
        _ dataset: Dataset, pairsPerItem: Int = 2, positiveFraction: Double = 0.5, seed: UInt64 = 1
    ) throws -> Dataset {
        let context = "binaryPairs"
        try ToyCheck.atLeast(pairsPerItem, 1, "pairsPerItem", in: context)
        try ToyCheck.fraction(positiveFraction, "positiveFraction", in: context)
        let pool = try LabelledPool(dataset, context: context)
        let total = try ToyCheck.product([pool.count, pairsPerItem], limit: maxExamples, "examples", in: context)

        var random = ToyRandom(seed: seed)
        var slots = [Int]()
        slots.reserveCapacity(total)
        for entry in 0..<pool.count {
            for _ in 0..<pairsPerItem { slots.append(entry) }
        }
        random.shuffle(&slots)
        var positivesLeft = Int((positiveFraction * Double(total)).rounded())
        var positives = [Int](repeating: 0, count: pool.count)
        var negatives = [Int](repeating: 0, count: pool.count)
        for entry in slots {
            if positivesLeft > 0 && pool.positiveCount(of: entry) > 0 {
                positives[entry] += 1
                positivesLeft -= 1
            } else if pool.negativeCount(of: entry) > 0 {
                negatives[entry] += 1
            }
        }

        var rows: [([Int], Double)] = []
        rows.reserveCapacity(total)
        for entry in 0..<pool.count {
            let anchor = pool.items[entry]
            for pick in random.distinct(positives[entry], below: max(pool.positiveCount(of: entry), 1)) {
                rows.append(([anchor, pool.items[pool.positive(of: entry, pick)]], 1))
            }
            for pick in random.distinct(negatives[entry], below: max(pool.negativeCount(of: entry), 1)) {
                rows.append(([anchor, pool.items[pool.negative(of: entry, pick)]], 0))
            }
        }
        guard !rows.isEmpty else {
            throw DataError("\(context): \(dataset.name) gives no pairs: it has one class and no class has two items")
        }
        random.shuffle(&rows)
        return try converted(
            dataset, name: "binary pairs", seed: seed, shape: .binaryPairs,
            examples: rows.map(\.0), labels: rows.map(\.1), labelNames: ["different class", "same class"])
    }

    /// `perItem` (anchor, positive, negative) triplets per anchor item (shape .triplets), for
    /// every anchor that has a class mate and an item of another class. Positives are drawn at
    /// random from the anchor's class. Negatives are drawn at random from the other classes, or
    /// with `hardest` they are the other-class items closest to the anchor in euclidean distance
    /// over the item vectors (the k-th triplet of an anchor gets its k-th closest; ties go to the
    /// lower item index). `hardest` needs vector items.
    public static func triplets(_ dataset: Dataset, perItem: Int = 1, hardest: Bool = false, seed: UInt64 = 1) throws -> Dataset {
        let context = "triplets"
        try ToyCheck.atLeast(perItem, 1, "perItem", in: context)
        let pool = try LabelledPool(dataset, context: context)
        _ = try ToyCheck.product([pool.count, perItem], limit: maxExamples, "examples", in: context)
        var nearest: ((Int) -> [Int])?
        if hardest {
            guard case .vectors(let matrix) = dataset.items else {
                throw DataError("\(context): hardest negatives need vector items to measure distances, but \(dataset.name) holds token sequences")
            }
            let work = pool.count.multipliedReportingOverflow(by: pool.count)
            let scaled = work.partialValue.multipliedReportingOverflow(by: max(matrix.cols, 1))
            if work.overflow || scaled.overflow || scaled.partialValue > maxHardestWork {
                throw DataError("\(context): hardest negatives over \(pool.count) items of dimension \(matrix.cols) would take more than \(maxHardestWork) operations; use fewer items or random negatives")
            }
            nearest = { entry in closestNegatives(of: entry, count: perItem, pool: pool, vectors: matrix) }
        }

        var random = ToyRandom(seed: seed)
        var examples: [[Int]] = []
        for entry in 0..<pool.count {
            let positiveCount = pool.positiveCount(of: entry)
            let negativeCount = pool.negativeCount(of: entry)
            if positiveCount == 0 || negativeCount == 0 { continue }
            let positives = random.distinct(perItem, below: positiveCount).map { pool.positive(of: entry, $0) }
            let negatives = nearest?(entry) ?? random.distinct(perItem, below: negativeCount).map { pool.negative(of: entry, $0) }
            for k in 0..<perItem {
                examples.append([pool.items[entry], pool.items[positives[k]], pool.items[negatives[k]]])
            }
        }
        guard !examples.isEmpty else {
            throw DataError("\(context): \(dataset.name) gives no triplets: no item has both a class mate and an item of another class")
        }
        random.shuffle(&examples)
        return try converted(dataset, name: hardest ? "hardest triplets" : "triplets", seed: seed, shape: .triplets, examples: examples)
    }

    /// `perItem` (anchor, positive) pairs per anchor item that has a class mate (shape
    /// .anchorPositive, no labels); the positive is drawn at random from the anchor's class.
    public static func anchorPositivePairs(_ dataset: Dataset, perItem: Int = 1, seed: UInt64 = 1) throws -> Dataset {
        let context = "anchorPositivePairs"
        try ToyCheck.atLeast(perItem, 1, "perItem", in: context)
        let pool = try LabelledPool(dataset, context: context)
        _ = try ToyCheck.product([pool.count, perItem], limit: maxExamples, "examples", in: context)
        var random = ToyRandom(seed: seed)
        var examples: [[Int]] = []
        for entry in 0..<pool.count {
            let positiveCount = pool.positiveCount(of: entry)
            if positiveCount == 0 { continue }
            for pick in random.distinct(perItem, below: positiveCount) {
                examples.append([pool.items[entry], pool.items[pool.positive(of: entry, pick)]])
            }
        }
        guard !examples.isEmpty else {
            throw DataError("\(context): \(dataset.name) gives no anchor-positive pairs: no class has two items")
        }
        random.shuffle(&examples)
        return try converted(dataset, name: "anchor-positive pairs", seed: seed, shape: .anchorPositive, examples: examples)
    }

    // MARK: - Helpers

    /// The pool entries of other classes nearest to `entry`, by (squared distance, item index);
    /// `count` of them, repeating from the nearest when there are fewer.
    /// (anchor, positive, negative) triplets of a dataset whose items have teacher embeddings
    /// (shape .teacherScored), the teacher kept per item so that a batch's teacher scores come
    /// from it. Positives share the anchor's class: labelled items, or teacher items with a class
    /// per item.
    public static func teacherScored(_ dataset: Dataset, seed: UInt64 = 1) throws -> Dataset {
        guard dataset.teacher != nil else {
            throw DataError("teacher-scored: \(dataset.name) has no teacher embeddings (load an .npz with a 'teacher' array, or as=teacher-scored on labelled items for a synthetic teacher)")
        }
        var labelled = dataset
        if dataset.shape == .teacherItems {
            guard let classes = dataset.itemClasses, !classes.contains(where: { $0 < 0 }) else {
                throw DataError("teacher-scored: \(dataset.name) needs a class per item (a 'labels' array) to pick positives and negatives")
            }
            labelled.shape = .labelledItems
            labelled.examples = (0..<dataset.itemCount).map { [$0] }
            labelled.labels = classes.map(Double.init)
        }
        var result = try triplets(labelled, seed: seed)
        result.shape = .teacherScored
        result.name = dataset.name + " → teacher-scored triplets"
        return result
    }

    /// Sentence pairs as sentence-transformers' ContrastiveTensionDataLoader makes them from
    /// single sentences (shape .binaryPairs): the items shuffled (seeded), then in each group of
    /// `posNegRatio` pairs the first pairs an item with itself (label 1) and the others pair two
    /// fresh items (label 0); every item is used once, as in one epoch of the loader, and only
    /// whole groups are kept. Any one-column dataset gives its items.
    public static func contrastiveTension(_ dataset: Dataset, posNegRatio: Int = 8, seed: UInt64 = 1) throws -> Dataset {
        let context = "contrastive-tension"
        try ToyCheck.atLeast(posNegRatio, 1, "pos_neg_ratio", in: context)
        guard dataset.columnCount == 1 else {
            throw DataError("\(context): pairs are built from single sentences; \(dataset.name) has \(dataset.columnCount) columns")
        }
        var order = dataset.examples.map { $0[0] }
        var random = ToyRandom(seed: seed)
        random.shuffle(&order)
        let perGroup = 2 * posNegRatio - 1
        guard order.count >= perGroup else {
            throw DataError("\(context): \(dataset.name) has \(order.count) items; a group of \(posNegRatio) pairs takes \(perGroup)")
        }
        var examples: [[Int]] = [], labels: [Double] = []
        var next = 0
        for _ in 0..<(order.count / perGroup) {
            for pair in 0..<posNegRatio {
                let first = order[next]
                next += 1
                if pair == 0 {
                    examples.append([first, first])
                    labels.append(1)
                } else {
                    examples.append([first, order[next]])
                    next += 1
                    labels.append(0)
                }
            }
        }
        return try converted(dataset, name: "contrastive-tension pairs", seed: seed, shape: .binaryPairs, examples: examples,
                             labels: labels, labelNames: ["different sentences", "the same sentence"])
    }

    static func closestNegatives(of entry: Int, count: Int, pool: LabelledPool, vectors: ReadOnlyRows<Float>) -> [Int] {
        let ownClass = pool.classes[entry]
        let anchor = pool.items[entry]
        let width = vectors.cols
        var best: [(distance: Double, item: Int, entry: Int)] = []
        best.reserveCapacity(count + 1)
        vectors.withUnsafeBufferPointer { values in
            for other in 0..<pool.count where pool.classes[other] != ownClass {
                let item = pool.items[other]
                var sum = 0.0
                for column in 0..<width {
                    let difference = Double(values[anchor * width + column]) - Double(values[item * width + column])
                    sum += difference * difference
                }
                let candidate = (distance: sum, item: item, entry: other)
                if best.count == count, let worst = best.last, (worst.distance, worst.item) <= (sum, item) { continue }
                var slot = best.count
                while slot > 0 && (best[slot - 1].distance, best[slot - 1].item) > (sum, item) { slot -= 1 }
                best.insert(candidate, at: slot)
                if best.count > count { best.removeLast() }
            }
        }
        return (0..<count).map { best[$0 % best.count].entry }
    }

    static func converted(_ source: Dataset, name: String, seed: UInt64, shape: DatasetShape, examples: [[Int]],
                          labels: [Double] = [], labelNames: [String] = []) throws -> Dataset {
        let result = Dataset(
            name: "\(source.name) as \(name) (seed \(seed))", shape: shape, items: source.items, texts: source.texts,
            examples: examples, labels: labels, labelNames: labelNames, teacher: source.teacher,
            itemClasses: source.itemClasses)
        try result.validate(checkingValues: false)
        return result
    }
}
