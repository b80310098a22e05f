/// Datasets over `TextCorpus`, seeded and deterministic. All share one pool of items: every
/// corpus sentence in corpus order, as `.tokens` over `vocabulary`, with `texts` set and
/// `itemClasses` the topic id of each sentence. The seed picks partners and the example order.
public enum ToyText {
    /// The corpus vocabulary (every word, minCount 1).
    public static let vocabulary: Vocabulary = Vocabulary.build(from: TextCorpus.sentences.map(\.text))

    static let texts: [String] = TextCorpus.sentences.map(\.text)
    static let topicOfItem: [Int] = TextCorpus.sentences.map(\.topic)
    static let tokenIDs: [[Int]] = texts.map { vocabulary.ids(for: $0) }

    /// Item indices per paraphrase group.
    static let groupMembers: [[Int]] = {
        var members = [[Int]](repeating: [], count: TextCorpus.groupCount)
        for (item, sentence) in TextCorpus.sentences.enumerated() { members[sentence.group].append(item) }
        return members
    }()

    /// Item indices per topic.
    static let topicMembers: [[Int]] = {
        var members = [[Int]](repeating: [], count: TextCorpus.topicNames.count)
        for (item, sentence) in TextCorpus.sentences.enumerated() { members[sentence.topic].append(item) }
        return members
    }()

    // MARK: - Datasets

    /// Every sentence labelled with its topic (shape .labelledItems, examples [i] in a seeded
    /// order, labelNames the topic names).
    public static func topics(seed: UInt64 = 1) -> Dataset {
        var random = ToyRandom(seed: seed)
        var order = Array(texts.indices)
        random.shuffle(&order)
        return dataset(
            name: "toy text topics (seed \(seed))", shape: .labelledItems,
            examples: order.map { [$0] }, labels: order.map { Double(topicOfItem[$0]) },
            labelNames: TextCorpus.topicNames)
    }

    /// One (anchor, positive) pair per sentence, the positive a paraphrase of the anchor drawn
    /// from its group (shape .anchorPositive, no labels).
    public static func paraphrasePairs(seed: UInt64 = 1) -> Dataset {
        var random = ToyRandom(seed: seed)
        var examples = texts.indices.map { [$0, paraphrase(of: $0, &random)] }
        random.shuffle(&examples)
        return dataset(name: "toy text paraphrase pairs (seed \(seed))", shape: .anchorPositive, examples: examples)
    }

    /// Three (premise, hypothesis) pairs per sentence (shape .classPairs): 0 "entailment" = a
    /// paraphrase from the same group, 1 "neutral" = a sentence of the same topic but another
    /// group, 2 "contradiction" = a sentence of another topic.
    ///
    /// This is a topical stand-in for natural language inference, not the real thing: the
    /// "contradictions" are merely unrelated sentences and the "neutral" ones merely on-topic.
    /// It has the shape and class balance SoftmaxLoss expects, nothing more.
    public static func nliPairs(seed: UInt64 = 1) -> Dataset {
        var random = ToyRandom(seed: seed)
        var rows: [([Int], Double)] = []
        rows.reserveCapacity(texts.count * 3)
        for item in texts.indices {
            rows.append(([item, paraphrase(of: item, &random)], 0))
            rows.append(([item, sameTopic(of: item, &random)], 1))
            rows.append(([item, otherTopic(of: item, &random)], 2))
        }
        random.shuffle(&rows)
        return dataset(
            name: "toy text NLI-style pairs (seed \(seed))", shape: .classPairs,
            examples: rows.map(\.0), labels: rows.map(\.1),
            labelNames: ["entailment", "neutral", "contradiction"])
    }

    /// Three scored pairs per sentence (shape .scoredPairs): a paraphrase scored about 1, a
    /// same-topic sentence about 0.5, an other-topic sentence about 0. `jitter` (in [0, 0.25])
    /// moves each score by a seeded amount up to that size, inward at the ends: 1 − u, 0.5 ± u, u.
    public static func scoredPairs(jitter: Double = 0.05, seed: UInt64 = 1) throws -> Dataset {
        if !(jitter >= 0 && jitter <= 0.25) {
            throw DataError("scoredPairs: jitter must be in [0, 0.25], got \(jitter)")
        }
        var random = ToyRandom(seed: seed)
        var rows: [([Int], Double)] = []
        rows.reserveCapacity(texts.count * 3)
        for item in texts.indices {
            let same = paraphrase(of: item, &random)
            rows.append(([item, same], 1 - random.uniform(0, 1) * jitter))
            let related = sameTopic(of: item, &random)
            rows.append(([item, related], 0.5 + random.uniform(-1, 1) * jitter))
            let unrelated = otherTopic(of: item, &random)
            rows.append(([item, unrelated], random.uniform(0, 1) * jitter))
        }
        random.shuffle(&rows)
        return dataset(
            name: "toy text scored pairs (seed \(seed))", shape: .scoredPairs,
            examples: rows.map(\.0), labels: rows.map(\.1))
    }

    /// One (anchor, paraphrase, other-topic sentence) triplet per sentence (shape .triplets).
    public static func triplets(seed: UInt64 = 1) -> Dataset {
        var random = ToyRandom(seed: seed)
        var examples: [[Int]] = texts.indices.map { item in
            let positive = paraphrase(of: item, &random)
            return [item, positive, otherTopic(of: item, &random)]
        }
        random.shuffle(&examples)
        return dataset(name: "toy text triplets (seed \(seed))", shape: .triplets, examples: examples)
    }

    /// Every sentence once, in corpus order (shape .sentences), for denoising auto-encoders.
    public static func sentences() -> Dataset {
        dataset(name: "toy text sentences", shape: .sentences, examples: texts.indices.map { [$0] })
    }

    // MARK: - Helpers

    static func dataset(name: String, shape: DatasetShape, examples: [[Int]], labels: [Double] = [],
                        labelNames: [String] = []) -> Dataset {
        Dataset(
            name: name, shape: shape, items: .tokens(tokenIDs, vocabulary: vocabulary.words), texts: texts,
            examples: examples, labels: labels, labelNames: labelNames, itemClasses: topicOfItem)
    }

    /// Another sentence of the same paraphrase group.
    static func paraphrase(of item: Int, _ random: inout ToyRandom) -> Int {
        let members = groupMembers[TextCorpus.sentences[item].group]
        let own = members.firstIndex(of: item)!
        let pick = random.below(members.count - 1)
        return members[pick < own ? pick : pick + 1]
    }

    /// A sentence of the same topic from another paraphrase group.
    static func sameTopic(of item: Int, _ random: inout ToyRandom) -> Int {
        let group = TextCorpus.sentences[item].group
        let candidates = topicMembers[topicOfItem[item]].filter { TextCorpus.sentences[$0].group != group }
        return candidates[random.below(candidates.count)]
    }

    /// A sentence of another topic.
    static func otherTopic(of item: Int, _ random: inout ToyRandom) -> Int {
        let topic = topicOfItem[item]
        let outside = texts.count - topicMembers[topic].count
        let pick = random.below(outside)
        // Topics are contiguous in corpus order: skip over this topic's block.
        let start = topicMembers[topic][0]
        return pick < start ? pick : pick + topicMembers[topic].count
    }
}
