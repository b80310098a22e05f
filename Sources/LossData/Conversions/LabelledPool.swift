/// The (item, class) view of a labelled-items dataset that the transforms and conversions work
/// on: one entry per distinct item named by an example, with the class its example's label gives.
struct LabelledPool {
    /// Distinct items, in order of first appearance among the examples.
    let items: [Int]
    /// Class of each entry of `items`.
    let classes: [Int]
    /// Entry positions grouped by class, classes in ascending order.
    let order: [Int]
    /// Per class: its range in `order`.
    let ranges: [Int: Range<Int>]

    /// Checks that `dataset` is labelled items with whole-number class labels and that no item
    /// carries two different classes.
    init(_ dataset: Dataset, context: String) throws {
        guard dataset.shape == .labelledItems else {
            throw DataError("\(context): needs a labelled-items dataset, but \(dataset.name) is \(dataset.shape.rawValue)")
        }
        // The values were checked when the data was read; a conversion only regroups items.
        try dataset.validate(checkingValues: false)
        guard dataset.columnCount == 1 else {
            throw DataError("\(context): labelled-items examples name one item each, but \(dataset.name) has \(dataset.columnCount) columns")
        }
        guard dataset.labels.count == dataset.examples.count else {
            throw DataError("\(context): \(dataset.name) has no class labels")
        }
        var items = [Int]()
        var classes = [Int]()
        var classOfItem = [Int: Int]()
        for (index, example) in dataset.examples.enumerated() {
            let label = dataset.labels[index]
            guard let value = Self.classID(label) else {
                throw DataError("\(context): example \(index) of \(dataset.name) has label \(label), not a class id (a whole number >= 0)")
            }
            let item = example[0]
            if let known = classOfItem[item] {
                if known != value {
                    throw DataError("\(context): item \(item) of \(dataset.name) appears with classes \(known) and \(value)")
                }
                continue
            }
            classOfItem[item] = value
            items.append(item)
            classes.append(value)
        }
        let order = classes.indices.sorted { (classes[$0], $0) < (classes[$1], $1) }
        var ranges = [Int: Range<Int>]()
        var start = 0
        while start < order.count {
            let value = classes[order[start]]
            var end = start + 1
            while end < order.count && classes[order[end]] == value { end += 1 }
            ranges[value] = start..<end
            start = end
        }
        self.items = items
        self.classes = classes
        self.order = order
        self.ranges = ranges
    }

    static func classID(_ label: Double) -> Int? {
        guard label.isFinite, label >= 0, label < 1e15, label == label.rounded() else { return nil }
        return Int(label)
    }

    var count: Int { items.count }
    var classCount: Int { ranges.count }

    /// Entries sharing entry `entry`'s class, not counting itself.
    func positiveCount(of entry: Int) -> Int { ranges[classes[entry]]!.count - 1 }

    /// Entries of other classes.
    func negativeCount(of entry: Int) -> Int { count - ranges[classes[entry]]!.count }

    /// The `index`-th other entry of `entry`'s class (0 ..< positiveCount).
    func positive(of entry: Int, _ index: Int) -> Int {
        let range = ranges[classes[entry]]!
        let own = ownSlot(entry, in: range)
        return order[range.lowerBound + (index < own ? index : index + 1)]
    }

    /// The `index`-th entry outside `entry`'s class (0 ..< negativeCount).
    func negative(of entry: Int, _ index: Int) -> Int {
        let range = ranges[classes[entry]]!
        return order[index < range.lowerBound ? index : index + range.count]
    }

    /// Where `entry` sits inside its class range (order is sorted by (class, entry)).
    private func ownSlot(_ entry: Int, in range: Range<Int>) -> Int {
        var low = range.lowerBound
        var high = range.upperBound
        while low < high {
            let middle = (low + high) / 2
            if order[middle] < entry { low = middle + 1 } else { high = middle }
        }
        return low - range.lowerBound
    }
}
