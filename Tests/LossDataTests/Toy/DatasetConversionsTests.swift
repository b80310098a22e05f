import LossKit
import Testing

@testable import LossData

@Suite struct DatasetConversionsTests {
    private let blobs: Dataset = try! ToyDatasets.blobs(classes: 5, perClass: 12, dimension: 4, noise: 2, seed: 11)

    private func classes(_ dataset: Dataset) -> [Int: Int] { toyLabelClasses(dataset) }

    private func expectKept(_ result: Dataset, from source: Dataset, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try result.validate()
        #expect(result.itemCount == source.itemCount, sourceLocation: sourceLocation)
        #expect(result.itemClasses == source.itemClasses, sourceLocation: sourceLocation)
        #expect(result.texts == source.texts, sourceLocation: sourceLocation)
        if case .vectors(let matrix) = source.items {
            #expect(toyVectors(result) == matrix.matrix, sourceLocation: sourceLocation)
        }
    }

    // MARK: - Binary pairs

    @Test func binaryPairsLabelsMatchClasses() throws {
        let pairs = try DatasetConversions.binaryPairs(blobs, pairsPerItem: 3, positiveFraction: 0.4, seed: 2)
        try expectKept(pairs, from: blobs)
        #expect(pairs.shape == .binaryPairs)
        #expect(pairs.exampleCount == 60 * 3)
        #expect(pairs.labels.filter { $0 == 1 }.count == 72)
        #expect(pairs.labelNames == ["different class", "same class"])
        let classOf = classes(blobs)
        var perAnchor = [Int: Int]()
        for (index, example) in pairs.examples.enumerated() {
            #expect(example.count == 2 && example[0] != example[1])
            let same = classOf[example[0]] == classOf[example[1]]
            #expect(pairs.labels[index] == (same ? 1 : 0))
            perAnchor[example[0], default: 0] += 1
        }
        #expect(perAnchor.count == 60 && perAnchor.values.allSatisfy { $0 == 3 })
        // Partners of one anchor and kind do not repeat.
        #expect(Set(pairs.examples).count == pairs.exampleCount)
    }

    @Test func binaryPairsFractionExtremes() throws {
        let none = try DatasetConversions.binaryPairs(blobs, positiveFraction: 0)
        #expect(none.labels.allSatisfy { $0 == 0 })
        let all = try DatasetConversions.binaryPairs(blobs, positiveFraction: 1)
        #expect(all.labels.allSatisfy { $0 == 1 })
        #expect(all.exampleCount == 120)
    }

    @Test func binaryPairsWithSingletonsAndOneClass() throws {
        // Classes 1 and 2 have a single member: they only get negatives.
        let tiny = toyLabelled([0, 0, 0, 1, 2])
        let pairs = try DatasetConversions.binaryPairs(tiny, pairsPerItem: 2, positiveFraction: 1, seed: 1)
        for (index, example) in pairs.examples.enumerated() where pairs.labels[index] == 1 {
            #expect(example[0] < 3 && example[1] < 3)
        }
        #expect(pairs.labels.filter { $0 == 1 }.count == 6)
        #expect(pairs.exampleCount == 10)

        let single = toyLabelled([0, 0, 0])
        #expect(try DatasetConversions.binaryPairs(single, positiveFraction: 0.5).labels.allSatisfy { $0 == 1 })
        #expect(toyErrorMessage { try DatasetConversions.binaryPairs(toyLabelled([3]), positiveFraction: 0) }.contains("no pairs"))
    }

    // MARK: - Triplets

    @Test func tripletsAreValid() throws {
        let triplets = try DatasetConversions.triplets(blobs, perItem: 3, seed: 5)
        try expectKept(triplets, from: blobs)
        #expect(triplets.shape == .triplets && triplets.labels.isEmpty)
        #expect(triplets.exampleCount == 180)
        let classOf = classes(blobs)
        var positivesOf = [Int: [Int]]()
        for example in triplets.examples {
            let (anchor, positive, negative) = (example[0], example[1], example[2])
            #expect(anchor != positive)
            #expect(classOf[anchor] == classOf[positive])
            #expect(classOf[anchor] != classOf[negative])
            positivesOf[anchor, default: []].append(positive)
        }
        #expect(positivesOf.values.allSatisfy { Set($0).count == 3 })
    }

    @Test func hardestNegativeIsTheClosest() throws {
        let triplets = try DatasetConversions.triplets(blobs, hardest: true, seed: 5)
        try expectKept(triplets, from: blobs)
        let matrix = toyVectors(blobs)
        let classOf = classes(blobs)
        #expect(triplets.exampleCount == 60)
        for example in triplets.examples {
            let (anchor, negative) = (example[0], example[2])
            let chosen = toySquaredDistance(matrix, anchor, negative)
            for other in 0..<matrix.rows where classOf[other] != classOf[anchor] {
                let distance = toySquaredDistance(matrix, anchor, other)
                #expect(distance > chosen || (distance == chosen && other >= negative))
            }
        }
    }

    @Test func hardestNegativesInOrder() throws {
        let triplets = try DatasetConversions.triplets(blobs, perItem: 4, hardest: true, seed: 5)
        let matrix = toyVectors(blobs)
        let classOf = classes(blobs)
        var negativesOf = [Int: [Int]]()
        for example in triplets.examples { negativesOf[example[0], default: []].append(example[2]) }
        for (anchor, negatives) in negativesOf {
            let expected = (0..<matrix.rows).filter { classOf[$0] != classOf[anchor] }
                .sorted { (toySquaredDistance(matrix, anchor, $0), $0) < (toySquaredDistance(matrix, anchor, $1), $1) }
                .prefix(4)
            #expect(Set(negatives) == Set(expected))
        }
        // With fewer negatives than asked, the nearest ones repeat.
        let tiny = toyLabelled([0, 0, 1])
        let repeated = try DatasetConversions.triplets(tiny, perItem: 3, hardest: true)
        #expect(repeated.examples.filter { $0[0] == 0 }.map { $0[2] } == [2, 2, 2])
    }

    @Test func tripletsSkipLonelyAnchors() throws {
        let tiny = toyLabelled([0, 0, 1, 2])
        let triplets = try DatasetConversions.triplets(tiny, perItem: 2, seed: 1)
        #expect(Set(triplets.examples.map { $0[0] }) == [0, 1])
        #expect(triplets.exampleCount == 4)
        #expect(toyErrorMessage { try DatasetConversions.triplets(toyLabelled([0, 1, 2])) }.contains("no triplets"))
        #expect(toyErrorMessage { try DatasetConversions.triplets(toyLabelled([0, 0, 0])) }.contains("no triplets"))
    }

    @Test func hardestNeedsVectors() throws {
        let topics = ToyText.topics()
        #expect(toyErrorMessage { try DatasetConversions.triplets(topics, hardest: true) }.contains("vector items"))
        let random = try DatasetConversions.triplets(topics, seed: 2)
        try expectKept(random, from: topics)
        for example in random.examples {
            #expect(TextCorpus.sentences[example[0]].topic == TextCorpus.sentences[example[1]].topic)
            #expect(TextCorpus.sentences[example[0]].topic != TextCorpus.sentences[example[2]].topic)
        }
    }

    // MARK: - Anchor-positive pairs

    @Test func anchorPositivePairs() throws {
        let pairs = try DatasetConversions.anchorPositivePairs(blobs, perItem: 2, seed: 8)
        try expectKept(pairs, from: blobs)
        #expect(pairs.shape == .anchorPositive && pairs.labels.isEmpty)
        #expect(pairs.exampleCount == 120)
        let classOf = classes(blobs)
        for example in pairs.examples {
            #expect(example[0] != example[1] && classOf[example[0]] == classOf[example[1]])
        }
        #expect(Set(pairs.examples).count == 120)

        let tiny = try DatasetConversions.anchorPositivePairs(toyLabelled([0, 1, 1, 2]), perItem: 3)
        #expect(tiny.examples.allSatisfy { $0[0] != 0 && $0[0] != 3 })
        #expect(tiny.exampleCount == 6)
        #expect(toyErrorMessage { try DatasetConversions.anchorPositivePairs(toyLabelled([0, 1, 2])) }.contains("no class has two items"))
    }

    // MARK: - Shared behaviour

    @Test func conversionsAreDeterministic() throws {
        let makers: [(UInt64) throws -> Dataset] = [
            { try DatasetConversions.binaryPairs(blobs, seed: $0) },
            { try DatasetConversions.triplets(blobs, seed: $0) },
            { try DatasetConversions.triplets(blobs, hardest: true, seed: $0) },
            { try DatasetConversions.anchorPositivePairs(blobs, seed: $0) },
        ]
        for make in makers {
            let first = try make(21)
            let again = try make(21)
            #expect(first.examples == again.examples && first.labels == again.labels && first.name == again.name)
            #expect(first.examples != (try make(22)).examples)
        }
    }

    @Test func conversionsFollowNoisyLabels() throws {
        let noisy = try ToyDatasets.withLabelNoise(blobs, fraction: 0.3, seed: 1)
        let classOf = classes(noisy)
        let pairs = try DatasetConversions.binaryPairs(noisy, seed: 1)
        for (index, example) in pairs.examples.enumerated() {
            #expect(pairs.labels[index] == (classOf[example[0]] == classOf[example[1]] ? 1 : 0))
        }
        #expect(pairs.itemClasses == blobs.itemClasses)
    }

    @Test func duplicatesGivePositivesAtDistanceZero() throws {
        let doubled = try ToyDatasets.withDuplicates(blobs, fraction: 0.5, seed: 1)
        let pairs = try DatasetConversions.anchorPositivePairs(doubled, perItem: 12, seed: 1)
        let matrix = toyVectors(doubled)
        #expect(pairs.examples.contains { toySquaredDistance(matrix, $0[0], $0[1]) == 0 })
    }

    @Test func badInputThrows() {
        #expect(toyErrorMessage { try DatasetConversions.binaryPairs(blobs, pairsPerItem: 0) }.contains("pairsPerItem must be at least 1"))
        #expect(toyErrorMessage { try DatasetConversions.binaryPairs(blobs, positiveFraction: 1.01) }.contains("positiveFraction"))
        #expect(toyErrorMessage { try DatasetConversions.binaryPairs(blobs, pairsPerItem: Int.max) }.contains("examples"))
        #expect(toyErrorMessage { try DatasetConversions.triplets(blobs, perItem: 0) }.contains("perItem"))
        #expect(toyErrorMessage { try DatasetConversions.anchorPositivePairs(blobs, perItem: -1) }.contains("perItem"))
        #expect(toyErrorMessage { try DatasetConversions.anchorPositivePairs(blobs, perItem: 1_000_000) }.contains("more than"))
        #expect(toyErrorMessage { try DatasetConversions.binaryPairs(ToyText.paraphrasePairs()) }.contains("labelled-items"))
        #expect(toyErrorMessage { try DatasetConversions.triplets(ToyText.sentences()) }.contains("labelled-items"))
        var unlabelled = blobs
        unlabelled.labels = []
        #expect(toyErrorMessage { try DatasetConversions.triplets(unlabelled) }.contains("no class labels"))
        var negative = blobs
        negative.labels[0] = -1
        #expect(toyErrorMessage { try DatasetConversions.anchorPositivePairs(negative) }.contains("not a class id"))
        var contradictory = blobs
        contradictory.examples.append([0])
        contradictory.labels.append(4)
        #expect(toyErrorMessage { try DatasetConversions.anchorPositivePairs(contradictory) }.contains("appears with classes"))
        var broken = blobs
        broken.examples[0] = [999]
        #expect(toyErrorMessage { try DatasetConversions.binaryPairs(broken) }.contains("names item 999"))
    }
}
