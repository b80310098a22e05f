import LossKit

/// The items the embeddings pane draws when there are too many to draw them all: at most
/// `limit`, stratified by group (class, or column for unlabelled data). Each group gets a floor
/// (so a small class shows), the rest is shared in proportion to the groups' sizes, and each
/// group's items are drawn at random from a generator seeded by the session's seed, so the same
/// session draws the same points every time.
public struct DisplaySample: Sendable, Equatable {
    /// How many items of one group are in the sample, of how many.
    public struct GroupCount: Sendable, Equatable {
        public var group: Int
        public var shown: Int
        public var total: Int

        public init(group: Int, shown: Int, total: Int) {
            self.group = group
            self.shown = shown
            self.total = total
        }
    }

    /// The sampled items, ascending.
    public let items: [Int]
    /// One per group present, by group.
    public let counts: [GroupCount]
    public let itemCount: Int

    /// The most points drawn from the data (the batch and the cursor's items come on top).
    public static let defaultLimit = 20_000
    /// The least a group gets (all of it when smaller), unless there are so many groups that
    /// the floors alone would pass the limit.
    public static let groupFloor = 50

    public var isWhole: Bool { items.count == itemCount }

    /// Whether `item` is in the sample (a binary search).
    public func contains(_ item: Int) -> Bool {
        var low = 0, high = items.count
        while low < high {
            let middle = (low + high) / 2
            if items[middle] < item { low = middle + 1 } else { high = middle }
        }
        return low < items.count && items[low] == item
    }

    /// `groups[item]` is the item's group (any Int; -1 for unknown is a group too).
    public init(groups: [Int], limit: Int = Self.defaultLimit, seed: UInt64) {
        itemCount = groups.count
        // Items grouped by a counting sort: each group's items contiguous and ascending.
        let (order, slot) = Self.groupSlots(groups)
        var starts = [Int](repeating: 0, count: order.count + 1)
        for item in groups.indices { starts[slot(groups[item]) + 1] += 1 }
        for index in order.indices { starts[index + 1] += starts[index] }
        var byGroup = [Int](repeating: 0, count: groups.count)
        var next = starts
        for item in groups.indices {
            let s = slot(groups[item])
            byGroup[next[s]] = item
            next[s] += 1
        }
        let sizes = order.indices.map { starts[$0 + 1] - starts[$0] }
        let quotas = Self.quotas(sizes: sizes, limit: max(limit, 0))
        var chosen: [Int] = []
        chosen.reserveCapacity(quotas.reduce(0, +))
        var counts: [GroupCount] = []
        for (index, group) in order.enumerated() {
            let quota = quotas[index]
            var pool = byGroup[starts[index]..<starts[index + 1]]
            if quota < pool.count {
                // A partial Fisher-Yates: the first `quota` places get a uniform random subset.
                var random = SeededRandom(seed: seed ^ 0xD15A_5A3F ^ (UInt64(bitPattern: Int64(group)) &* 0x9E37_79B9))
                let base = pool.startIndex
                for place in 0..<quota {
                    let other = place + Int(random.next() % UInt64(pool.count - place))
                    pool.swapAt(base + place, base + other)
                }
                chosen += pool.prefix(quota)
            } else {
                chosen += pool
            }
            counts.append(GroupCount(group: group, shown: quota, total: pool.count))
        }
        items = chosen.sorted()
        self.counts = counts
    }

    /// The groups present, ascending, and each group's position among them.
    private static func groupSlots(_ groups: [Int]) -> (order: [Int], slot: (Int) -> Int) {
        guard let low = groups.min(), let high = groups.max() else { return ([], { _ in 0 }) }
        let span = high.subtractingReportingOverflow(low)
        if !span.overflow && span.partialValue < 1 << 20 {
            // Small integer groups (class ids): a table instead of hashing every item.
            var present = [Int](repeating: -1, count: high - low + 1)
            for group in groups { present[group - low] = 0 }
            var order: [Int] = []
            for offset in present.indices where present[offset] == 0 {
                present[offset] = order.count
                order.append(low + offset)
            }
            return (order, { present[$0 - low] })
        }
        let order = Set(groups).sorted()
        let slots = Dictionary(uniqueKeysWithValues: order.enumerated().map { ($0.element, $0.offset) })
        return (order, { slots[$0]! })
    }

    /// How many items each group gets: all of them when the total fits; else a floor of
    /// `groupFloor` (or the group's size) each, and the rest of the limit in proportion to what
    /// each group has beyond its floor, whole numbers by largest remainder (ties to the earlier
    /// group). With more groups than the floors allow, the floor shrinks, down to none.
    static func quotas(sizes: [Int], limit: Int) -> [Int] {
        let total = sizes.reduce(0, +)
        guard total > limit else { return sizes }
        var floor = groupFloor
        while floor > 0 && sizes.reduce(0, { $0 + min($1, floor) }) > limit { floor /= 2 }
        var quotas = sizes.map { min($0, floor) }
        let room = limit - quotas.reduce(0, +)
        let beyond = zip(sizes, quotas).map { $0 - $1 }
        let beyondTotal = beyond.reduce(0, +)
        guard room > 0, beyondTotal > 0 else { return quotas }
        var remainders: [(index: Int, remainder: Int)] = []
        var given = 0
        for (index, extra) in beyond.enumerated() {
            // room * extra / beyondTotal, exactly, in integers (room < 2^31 and extra ≤ total).
            let (share, remainder) = (room * extra).quotientAndRemainder(dividingBy: beyondTotal)
            quotas[index] += share
            given += share
            remainders.append((index, remainder))
        }
        remainders.sort { $0.remainder != $1.remainder ? $0.remainder > $1.remainder : $0.index < $1.index }
        for entry in remainders.prefix(room - given) { quotas[entry.index] += 1 }
        return quotas
    }
}
