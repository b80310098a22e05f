import LossKit

/// How examples are grouped into batches.
public enum SamplerKind: String, Sendable, CaseIterable {
    /// Shuffle every epoch, cut into consecutive batches.
    case random
    /// P classes × K examples each (sentence-transformers' SentenceLabelDataset idea): every
    /// anchor of a batch triplet loss then has positives.
    case pk
    /// Like random, but no item appears twice in a batch, across all columns
    /// (sentence-transformers' NoDuplicatesDataLoader): no false in-batch negatives.
    case noDuplicates = "no-duplicates"
}

/// Yields batches of example indices, seeded and reproducible: the same seed and the same
/// sequence of calls give the same batches.
public struct BatchSampler: Sendable {
    public let kind: SamplerKind
    public let batchSize: Int
    /// Examples per class in a P×K batch.
    public let perClass: Int
    private let pool: [Int]
    /// The pool by class, classes in order: made once, so a P×K batch costs O(batch + classes).
    private let byClass: [Int: [Int]]
    private let classes: [Int]
    private var random: SeededRandom
    /// This epoch's shuffled pool; batches are read from `next`, never removed, so a step costs
    /// O(batch) whatever the pool's size (and a checkpoint's copy of the sampler stays shared).
    private var queue: [Int] = []
    private var cursor = 0
    /// No-duplicates: examples set aside from earlier batches, tried first next time.
    private var skippedBefore: [Int] = []
    public private(set) var epoch = 0

    /// pool: the example indices to draw from (the training split); classOf: the class of every
    /// example, by example index (needed by pk; negative for an example without one); itemsOf:
    /// the items each example uses (needed by no-duplicates).
    public init(kind: SamplerKind, batchSize: Int, perClass: Int = 4, pool: [Int], classOf: [Int] = [],
                itemsOf: @escaping @Sendable (Int) -> [Int] = { [$0] }, seed: UInt64) throws {
        guard batchSize >= 1 else { throw DataError("batch_size must be at least 1, got \(batchSize)") }
        guard !pool.isEmpty else { throw DataError("there are no training examples to sample from") }
        if kind == .pk {
            guard perClass >= 1 else { throw DataError("the P×K sampler needs k (examples per class) of at least 1, got \(perClass)") }
            guard pool.allSatisfy({ classOf.indices.contains($0) && classOf[$0] >= 0 }) else {
                throw DataError("the P×K sampler needs class labels on every example; this dataset has none (try sampler=random)")
            }
        }
        self.kind = kind
        self.batchSize = batchSize
        self.perClass = perClass
        self.pool = pool
        var byClass: [Int: [Int]] = [:]
        if kind == .pk { for example in pool { byClass[classOf[example], default: []].append(example) } }
        self.byClass = byClass
        self.classes = byClass.keys.sorted()
        self.itemsOf = itemsOf
        self.random = SeededRandom(seed: seed)
    }

    private let itemsOf: @Sendable (Int) -> [Int]

    /// The next batch: at most batchSize examples (fewer only when the pool is smaller).
    public mutating func next() -> [Int] {
        switch kind {
        case .random: return nextRandom()
        case .pk: return nextPK()
        case .noDuplicates: return nextWithoutDuplicates()
        }
    }

    private mutating func refill() {
        queue = pool
        queue.shuffle(using: &random)
        cursor = 0
        epoch += 1
    }

    private var remaining: Int { queue.count - cursor }

    private mutating func nextRandom() -> [Int] {
        let size = min(batchSize, pool.count)
        if remaining < size { refill() }
        let batch = Array(queue[cursor..<(cursor + size)])
        cursor += size
        return batch
    }

    private mutating func nextWithoutDuplicates() -> [Int] {
        var batch: [Int] = []
        var inBatch = Set<Int>()
        var seen = Set<Int>()
        var skipped: [Int] = []
        var refills = 0
        // The examples skipped last time come first, then the shuffled queue.
        var earlier = skippedBefore[...]
        while batch.count < batchSize {
            let example: Int
            if let first = earlier.popFirst() {
                example = first
            } else {
                if remaining == 0 {
                    // One more pass over the pool at most; a pool too small for a full batch yields fewer.
                    if refills == 1 || batch.count + skipped.count >= pool.count { break }
                    refill()
                    refills += 1
                }
                example = queue[cursor]
                cursor += 1
            }
            if inBatch.contains(example) { continue }
            let items = itemsOf(example)
            if items.contains(where: seen.contains) { skipped.append(example); continue }
            batch.append(example)
            inBatch.insert(example)
            seen.formUnion(items)
        }
        skippedBefore = skipped + earlier
        return batch.isEmpty ? nextRandom() : batch
    }

    private mutating func nextPK() -> [Int] {
        // Group the pool by class, draw classes at random, then K examples of each: without
        // replacement while a class has enough, with replacement only to reach K.
        var classes = self.classes
        classes.shuffle(using: &random)
        let k = min(perClass, batchSize)
        let wantedClasses = max(1, batchSize / k)
        // With fewer classes than P, take more of each so the batch still fills, but never
        // more of a class than it has (or K, when it has fewer).
        let share = classes.count < wantedClasses ? max(k, batchSize / max(classes.count, 1)) : k
        var batch: [Int] = []
        batch.reserveCapacity(min(batchSize, pool.count * k))
        for label in classes.prefix(wantedClasses) {
            let members = byClass[label]!
            let take = min(share, max(k, members.count))
            let drawn = Self.firstOfShuffle(members, count: min(take, members.count), using: &random)
            for index in 0..<take {
                if batch.count == batchSize { return batch }
                batch.append(index < drawn.count ? drawn[index] : members[Int(random.next() % UInt64(members.count))])
            }
        }
        return batch
    }

    /// Above this many members a class is not shuffled whole for a batch.
    static let wholeShuffleLimit = 1024

    /// The first `count` members of a random order of `members`. A small class is shuffled
    /// whole (the order earlier versions drew, so their sessions replay alike); a large one
    /// runs only the first `count` steps of the same forward Fisher–Yates shuffle, keeping the
    /// moved members in a dictionary: O(count), not O(class size), per batch.
    static func firstOfShuffle(_ members: [Int], count: Int, using random: inout SeededRandom) -> [Int] {
        if members.count <= wholeShuffleLimit {
            var order = members
            order.shuffle(using: &random)
            return Array(order.prefix(count))
        }
        var moved: [Int: Int] = [:]
        var drawn: [Int] = []
        drawn.reserveCapacity(count)
        for position in 0..<count {
            let other = position + Int.random(in: 0..<(members.count - position), using: &random)
            let picked = moved[other] ?? members[other]
            moved[other] = moved[position] ?? members[position]
            drawn.append(picked)
        }
        return drawn
    }
}
