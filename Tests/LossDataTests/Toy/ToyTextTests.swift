import Testing

@testable import LossData

@Suite struct ToyTextTests {
    private let sentences = TextCorpus.sentences

    private func group(_ item: Int) -> Int { sentences[item].group }
    private func topic(_ item: Int) -> Int { sentences[item].topic }

    // MARK: - Corpus

    @Test func corpusSizeAndGroups() {
        #expect(sentences.count >= 300)
        #expect(TextCorpus.topicNames.count == 10)
        #expect(Set(TextCorpus.topicNames).count == 10)
        #expect(Set(sentences.map(\.text)).count == sentences.count, "every sentence is distinct")
        #expect(Set(sentences.map(\.group)) == Set(0..<TextCorpus.groupCount))
        var topicOfGroup = [Int: Int]()
        var sizeOfGroup = [Int: Int]()
        for sentence in sentences {
            #expect(topicOfGroup[sentence.group, default: sentence.topic] == sentence.topic, "a group stays in one topic")
            topicOfGroup[sentence.group] = sentence.topic
            sizeOfGroup[sentence.group, default: 0] += 1
            #expect(!sentence.text.isEmpty && sentence.text.count < 120)
        }
        #expect(sizeOfGroup.values.allSatisfy { $0 >= 2 && $0 <= 3 })
        for topic in 0..<10 {
            #expect(Set(topicOfGroup.filter { $0.value == topic }.keys).count >= 2, "each topic has several groups")
        }
        // Topics are contiguous blocks in corpus order.
        #expect(zip(sentences, sentences.dropFirst()).allSatisfy { $0.topic <= $1.topic })
    }

    // MARK: - Tokenizer and vocabulary

    @Test func tokenizer() {
        #expect(Vocabulary.tokenize("Don't STOP, now!") == ["dont", "stop", "now"])
        #expect(Vocabulary.tokenize("  well-known 3.5 degrees ") == ["well", "known", "3", "5", "degrees"])
        #expect(Vocabulary.tokenize("...") == [])
        #expect(Vocabulary.tokenize("") == [])
        #expect(Vocabulary.tokenize("Café au lait") == ["café", "au", "lait"])
    }

    @Test func vocabularyOrderAndReservedIDs() {
        let vocabulary = Vocabulary.build(from: ["b a c c", "C. d"])
        #expect(vocabulary.words == ["<pad>", "<unk>", "c", "a", "b", "d"])
        #expect(vocabulary.id(of: "<pad>") == 0)
        #expect(vocabulary.id(of: "<unk>") == 1)
        #expect(vocabulary.ids(for: "A c, zebra!") == [3, 2, 1])
        #expect(Vocabulary.build(from: ["a a b"], minCount: 2).words == ["<pad>", "<unk>", "a"])
        #expect(Vocabulary.build(from: ["a"], minCount: 0).words == ["<pad>", "<unk>", "a"])
        #expect(Vocabulary.build(from: []).words == ["<pad>", "<unk>"])
        #expect(vocabulary.text(for: [0, 3, 0, 2, 99]) == "a c <unk>")
        #expect(Vocabulary(words: ["x", "<pad>", "y"]).words == ["<pad>", "<unk>", "x", "y"])
    }

    @Test func corpusVocabulary() {
        let vocabulary = ToyText.vocabulary
        #expect(vocabulary.words[0] == "<pad>" && vocabulary.words[1] == "<unk>")
        #expect(Set(vocabulary.words).count == vocabulary.count)
        #expect(vocabulary == Vocabulary.build(from: sentences.map(\.text)))
        var counts = [String: Int]()
        for sentence in sentences { for token in Vocabulary.tokenize(sentence.text) { counts[token, default: 0] += 1 } }
        #expect(vocabulary.count == counts.count + 2)
        let words = Array(vocabulary.words.dropFirst(2))
        for (left, right) in zip(words, words.dropFirst()) {
            #expect(counts[left]! > counts[right]! || (counts[left]! == counts[right]! && left < right))
        }
        #expect(words.first == "the")
        for sentence in sentences {
            let ids = vocabulary.ids(for: sentence.text)
            #expect(!ids.isEmpty && ids.allSatisfy { $0 >= 2 && $0 < vocabulary.count })
            #expect(vocabulary.text(for: ids) == Vocabulary.tokenize(sentence.text).joined(separator: " "))
        }
    }

    // MARK: - Datasets

    private func checkCommon(_ dataset: Dataset, shape: DatasetShape, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try dataset.validate()
        #expect(dataset.shape == shape, sourceLocation: sourceLocation)
        #expect(dataset.itemCount == sentences.count, sourceLocation: sourceLocation)
        #expect(dataset.texts == sentences.map(\.text), sourceLocation: sourceLocation)
        #expect(dataset.itemClasses == sentences.map(\.topic), sourceLocation: sourceLocation)
        guard case .tokens(let sequences, let words) = dataset.items else {
            Issue.record("expected token items", sourceLocation: sourceLocation)
            return
        }
        #expect(words == ToyText.vocabulary.words, sourceLocation: sourceLocation)
        #expect(sequences == sentences.map { ToyText.vocabulary.ids(for: $0.text) }, sourceLocation: sourceLocation)
    }

    @Test func topics() throws {
        let data = ToyText.topics(seed: 3)
        try checkCommon(data, shape: .labelledItems)
        #expect(data.labelNames == TextCorpus.topicNames)
        #expect(data.examples.map { $0[0] }.sorted() == Array(sentences.indices))
        for (index, example) in data.examples.enumerated() {
            #expect(data.labels[index] == Double(topic(example[0])))
        }
    }

    @Test func paraphrasePairs() throws {
        let data = ToyText.paraphrasePairs(seed: 3)
        try checkCommon(data, shape: .anchorPositive)
        #expect(data.labels.isEmpty)
        #expect(data.examples.map { $0[0] }.sorted() == Array(sentences.indices))
        for example in data.examples {
            #expect(example.count == 2 && example[0] != example[1] && group(example[0]) == group(example[1]))
        }
    }

    @Test func nliPairs() throws {
        let data = ToyText.nliPairs(seed: 3)
        try checkCommon(data, shape: .classPairs)
        #expect(data.labelNames == ["entailment", "neutral", "contradiction"])
        #expect(data.exampleCount == 3 * sentences.count)
        for label in 0..<3 { #expect(data.labels.filter { $0 == Double(label) }.count == sentences.count) }
        for (index, example) in data.examples.enumerated() {
            let (a, b) = (example[0], example[1])
            #expect(a != b)
            switch data.labels[index] {
            case 0: #expect(group(a) == group(b))
            case 1: #expect(topic(a) == topic(b) && group(a) != group(b))
            default: #expect(topic(a) != topic(b))
            }
        }
    }

    @Test func scoredPairs() throws {
        let data = try ToyText.scoredPairs(seed: 3)
        try checkCommon(data, shape: .scoredPairs)
        #expect(data.exampleCount == 3 * sentences.count)
        for (index, example) in data.examples.enumerated() {
            let (a, b) = (example[0], example[1])
            let score = data.labels[index]
            #expect(score >= 0 && score <= 1)
            if group(a) == group(b) {
                #expect(score > 0.95)
            } else if topic(a) == topic(b) {
                #expect(abs(score - 0.5) <= 0.05)
            } else {
                #expect(score < 0.05)
            }
        }
        let crisp = try ToyText.scoredPairs(jitter: 0, seed: 3)
        #expect(Set(crisp.labels) == [0, 0.5, 1])
        #expect(toyErrorMessage { try ToyText.scoredPairs(jitter: 0.3) }.contains("jitter"))
        #expect(toyErrorMessage { try ToyText.scoredPairs(jitter: -0.01) }.contains("jitter"))
        #expect(toyErrorMessage { try ToyText.scoredPairs(jitter: .nan) }.contains("jitter"))
    }

    @Test func triplets() throws {
        let data = ToyText.triplets(seed: 3)
        try checkCommon(data, shape: .triplets)
        #expect(data.exampleCount == sentences.count)
        for example in data.examples {
            #expect(example[0] != example[1] && group(example[0]) == group(example[1]))
            #expect(topic(example[0]) != topic(example[2]))
        }
    }

    @Test func sentencesDataset() throws {
        let data = ToyText.sentences()
        try checkCommon(data, shape: .sentences)
        #expect(data.examples == sentences.indices.map { [$0] })
        #expect(data.labels.isEmpty)
    }

    @Test func textDatasetsAreDeterministic() throws {
        #expect(ToyText.topics(seed: 9).examples == ToyText.topics(seed: 9).examples)
        #expect(ToyText.topics(seed: 9).examples != ToyText.topics(seed: 10).examples)
        #expect(ToyText.paraphrasePairs(seed: 9).examples == ToyText.paraphrasePairs(seed: 9).examples)
        #expect(ToyText.paraphrasePairs(seed: 9).examples != ToyText.paraphrasePairs(seed: 10).examples)
        let nli = ToyText.nliPairs(seed: 9)
        #expect(nli.examples == ToyText.nliPairs(seed: 9).examples && nli.labels == ToyText.nliPairs(seed: 9).labels)
        #expect(nli.examples != ToyText.nliPairs(seed: 10).examples)
        let scored = try ToyText.scoredPairs(seed: 9)
        #expect(scored.labels.map(\.bitPattern) == (try ToyText.scoredPairs(seed: 9)).labels.map(\.bitPattern))
        #expect(scored.labels != (try ToyText.scoredPairs(seed: 10)).labels)
        #expect(ToyText.triplets(seed: 9).examples == ToyText.triplets(seed: 9).examples)
        #expect(ToyText.triplets(seed: 9).examples != ToyText.triplets(seed: 10).examples)
    }
}
