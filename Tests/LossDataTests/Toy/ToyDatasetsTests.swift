import LossKit
import Testing

@testable import LossData

@Suite struct ToyDatasetsTests {
    /// Checks the common labelled-items layout and returns the dataset.
    private func checkLabelled(_ dataset: Dataset, classes: Int, perClass: Int, dimension: Int,
                               sourceLocation: SourceLocation = #_sourceLocation) throws {
        try dataset.validate()
        #expect(dataset.shape == .labelledItems, sourceLocation: sourceLocation)
        #expect(dataset.itemCount == classes * perClass, sourceLocation: sourceLocation)
        #expect(dataset.dimension == dimension, sourceLocation: sourceLocation)
        #expect(dataset.examples == (0..<dataset.itemCount).map { [$0] }, sourceLocation: sourceLocation)
        let expected = (0..<classes).flatMap { Array(repeating: $0, count: perClass) }
        #expect(dataset.itemClasses == expected, sourceLocation: sourceLocation)
        #expect(dataset.labels == expected.map(Double.init), sourceLocation: sourceLocation)
        #expect(dataset.labelNames.count == classes, sourceLocation: sourceLocation)
    }

    @Test func blobsLayout() throws {
        let blobs = try ToyDatasets.blobs()
        try checkLabelled(blobs, classes: 6, perClass: 30, dimension: 8)
        #expect(blobs.labelNames == (0..<6).map { "class \($0)" })
        let small = try ToyDatasets.blobs(classes: 2, perClass: 1, dimension: 1, spread: 0, noise: 0)
        try checkLabelled(small, classes: 2, perClass: 1, dimension: 1)
        #expect(toyVectors(small).values == [0, 0])
    }

    @Test func blobsAreSeparatedByDefault() throws {
        let blobs = try ToyDatasets.blobs()
        let matrix = toyVectors(blobs)
        let classes = blobs.itemClasses!
        var within = (0.0, 0)
        var between = (0.0, 0)
        for a in 0..<matrix.rows {
            for b in (a + 1)..<matrix.rows {
                let distance = toySquaredDistance(matrix, a, b).squareRoot()
                if classes[a] == classes[b] { within = (within.0 + distance, within.1 + 1) } else { between = (between.0 + distance, between.1 + 1) }
            }
        }
        let withinMean: Double = within.0 / Double(within.1)
        let betweenMean: Double = between.0 / Double(between.1)
        #expect(withinMean * 2 < betweenMean)
    }

    @Test func generatorsAreDeterministic() throws {
        let makers: [(UInt64) throws -> Dataset] = [
            { try ToyDatasets.blobs(seed: $0) },
            { try ToyDatasets.rings(seed: $0) },
            { try ToyDatasets.spirals(seed: $0) },
            { try ToyDatasets.hierarchical(seed: $0) },
        ]
        for make in makers {
            let first = try make(7)
            let again = try make(7)
            let other = try make(8)
            #expect(toyBits(first) == toyBits(again))
            #expect(first.labels == again.labels && first.name == again.name)
            #expect(toyBits(first) != toyBits(other))
        }
    }

    @Test func ringsLieOnTheirCircles() throws {
        let rings = try ToyDatasets.rings(classes: 4, perClass: 50, noise: 0.05, seed: 3)
        try checkLabelled(rings, classes: 4, perClass: 50, dimension: 2)
        let matrix = toyVectors(rings)
        for item in 0..<matrix.rows {
            let radius = (Double(matrix[item, 0]) * Double(matrix[item, 0]) + Double(matrix[item, 1]) * Double(matrix[item, 1])).squareRoot()
            #expect(abs(radius - Double(rings.itemClasses![item] + 1)) < 0.4)
        }
    }

    @Test func spiralsStartNearTheCentre() throws {
        let spirals = try ToyDatasets.spirals(classes: 3, perClass: 40, noise: 0, seed: 2)
        try checkLabelled(spirals, classes: 3, perClass: 40, dimension: 2)
        let matrix = toyVectors(spirals)
        func radius(_ item: Int) -> Double {
            (Double(matrix[item, 0]) * Double(matrix[item, 0]) + Double(matrix[item, 1]) * Double(matrix[item, 1])).squareRoot()
        }
        for label in 0..<3 {
            #expect(abs(radius(label * 40) - 0.1) < 1e-6)
            #expect(abs(radius(label * 40 + 39) - 1) < 1e-6)
        }
        // The arms start at different angles.
        #expect(matrix[0, 0] != matrix[40, 0] || matrix[0, 1] != matrix[40, 1])
    }

    @Test func hierarchicalNamesAndStructure() throws {
        let data = try ToyDatasets.hierarchical()
        try checkLabelled(data, classes: 9, perClass: 15, dimension: 8)
        #expect(data.labelNames == ["A.1", "A.2", "A.3", "B.1", "B.2", "B.3", "C.1", "C.2", "C.3"])
        #expect(ToyDatasets.superClass(of: 5, subClassesPer: 3) == 1)

        // Sub-class centroids: siblings are closer to each other than to other super-classes.
        let matrix = toyVectors(data)
        let centroids: [[Double]] = (0..<9).map { label in
            (0..<8).map { column in (0..<15).reduce(0.0) { $0 + Double(matrix[label * 15 + $1, column]) } / 15 }
        }
        func distance(_ a: Int, _ b: Int) -> Double {
            zip(centroids[a], centroids[b]).reduce(0.0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
        }
        var siblings: [Double] = []
        var strangers: [Double] = []
        for a in 0..<9 {
            for b in (a + 1)..<9 {
                if a / 3 == b / 3 { siblings.append(distance(a, b)) } else { strangers.append(distance(a, b)) }
            }
        }
        let siblingMean: Double = siblings.reduce(0, +) / Double(siblings.count)
        let strangerMean: Double = strangers.reduce(0, +) / Double(strangers.count)
        #expect(siblingMean * 2 < strangerMean)

        let wide = try ToyDatasets.hierarchical(superClasses: 28, subClassesPer: 1, perSubClass: 1, dimension: 1)
        #expect(wide.labelNames.suffix(3) == ["Z.1", "AA.1", "AB.1"])
        #expect(try ToyDatasets.hierarchical(superClasses: 1, subClassesPer: 2).labelNames == ["A.1", "A.2"])
    }

    @Test func letters() {
        #expect(ToyDatasets.letters(0) == "A")
        #expect(ToyDatasets.letters(25) == "Z")
        #expect(ToyDatasets.letters(26) == "AA")
        #expect(ToyDatasets.letters(701) == "ZZ")
        #expect(ToyDatasets.letters(702) == "AAA")
    }

    @Test func badParametersThrow() {
        #expect(toyErrorMessage { try ToyDatasets.blobs(classes: 1) }.contains("classes must be at least 2"))
        #expect(toyErrorMessage { try ToyDatasets.blobs(perClass: 0) }.contains("perClass"))
        #expect(toyErrorMessage { try ToyDatasets.blobs(dimension: 0) }.contains("dimension"))
        #expect(toyErrorMessage { try ToyDatasets.blobs(spread: -1) }.contains("spread must not be negative"))
        #expect(toyErrorMessage { try ToyDatasets.blobs(noise: .nan) }.contains("noise must be a finite number"))
        #expect(toyErrorMessage { try ToyDatasets.blobs(noise: .infinity) }.contains("finite"))
        #expect(toyErrorMessage { try ToyDatasets.blobs(classes: 1_000, perClass: 10_000) }.contains("more than 1000000 items"))
        #expect(toyErrorMessage { try ToyDatasets.blobs(classes: Int.max, perClass: Int.max) }.contains("more than"))
        #expect(toyErrorMessage { try ToyDatasets.blobs(classes: 10, perClass: 10_000, dimension: 1_000) }.contains("vector values"))
        #expect(toyErrorMessage { try ToyDatasets.rings(classes: 0) }.contains("rings: classes"))
        #expect(toyErrorMessage { try ToyDatasets.rings(noise: -0.1) }.contains("noise"))
        #expect(toyErrorMessage { try ToyDatasets.spirals(perClass: -3) }.contains("spirals: perClass"))
        #expect(toyErrorMessage { try ToyDatasets.hierarchical(superClasses: 1, subClassesPer: 1) }.contains("at least 2 sub-classes"))
        #expect(toyErrorMessage { try ToyDatasets.hierarchical(subSpread: .nan) }.contains("subSpread"))
        #expect(toyErrorMessage { try ToyDatasets.hierarchical(superClasses: 0) }.contains("superClasses"))
    }

    // MARK: - Transforms

    @Test func labelNoiseFlipsExactlyTheFraction() throws {
        let clean = try ToyDatasets.blobs()
        let noisy = try ToyDatasets.withLabelNoise(clean, fraction: 0.2, seed: 4)
        try noisy.validate()
        let flipped = zip(clean.labels, noisy.labels).filter { $0 != $1 }.count
        #expect(flipped == 36)
        #expect(noisy.labels.allSatisfy { $0 >= 0 && $0 < 6 && $0 == $0.rounded() })
        #expect(noisy.itemClasses == clean.itemClasses)
        #expect(toyBits(noisy) == toyBits(clean))
        #expect(noisy.examples == clean.examples)
        #expect(noisy.name.contains("20% label noise"))

        let again = try ToyDatasets.withLabelNoise(clean, fraction: 0.2, seed: 4)
        #expect(again.labels == noisy.labels)
        #expect(try ToyDatasets.withLabelNoise(clean, fraction: 0.2, seed: 5).labels != noisy.labels)
        #expect(try ToyDatasets.withLabelNoise(clean, fraction: 0, seed: 4).labels == clean.labels)
        let all = try ToyDatasets.withLabelNoise(clean, fraction: 1, seed: 4)
        #expect(zip(clean.labels, all.labels).allSatisfy { $0 != $1 })
    }

    @Test func labelNoiseOnTwoClassesSwaps() throws {
        let clean = toyLabelled([0, 0, 1, 1])
        let noisy = try ToyDatasets.withLabelNoise(clean, fraction: 1)
        #expect(noisy.labels == [1, 1, 0, 0])
    }

    @Test func duplicatesCopyItemsExactly() throws {
        let clean = try ToyDatasets.blobs()
        let doubled = try ToyDatasets.withDuplicates(clean, fraction: 0.1, seed: 2)
        try doubled.validate()
        #expect(doubled.itemCount == 198)
        #expect(doubled.examples.count == 198)
        #expect(doubled.examples.suffix(18) == (180..<198).map { [$0] })
        let before = toyVectors(clean)
        let after = toyVectors(doubled)
        #expect(Array(after.values.prefix(before.count)) == before.values)
        #expect(Array(doubled.labels.prefix(180)) == clean.labels)
        var sources = Set<Int>()
        for copy in 180..<198 {
            let source = (0..<180).first { after.row($0).elementsEqual(after.row(copy)) }
            #expect(source != nil)
            if let source {
                sources.insert(source)
                #expect(doubled.itemClasses![copy] == clean.itemClasses![source])
                #expect(doubled.labels[copy] == clean.labels[source])
            }
        }
        #expect(sources.count == 18)
        #expect(try ToyDatasets.withDuplicates(clean, fraction: 0.1, seed: 2).examples == doubled.examples)
        #expect(toyBits(try ToyDatasets.withDuplicates(clean, fraction: 0.1, seed: 3)) != toyBits(doubled))
        #expect(try ToyDatasets.withDuplicates(clean, fraction: 0).itemCount == 180)
        #expect(try ToyDatasets.withDuplicates(clean, fraction: 1).itemCount == 360)
    }

    @Test func duplicatesOfTokenItems() throws {
        let topics = ToyText.topics(seed: 1)
        let doubled = try ToyDatasets.withDuplicates(topics, fraction: 0.5, seed: 1)
        try doubled.validate()
        let count = topics.itemCount
        #expect(doubled.itemCount == count + count / 2)
        guard case .tokens(let sequences, _) = doubled.items, let texts = doubled.texts else {
            Issue.record("expected token items with texts")
            return
        }
        for (offset, example) in doubled.examples.enumerated().dropFirst(count) {
            let copy = example[0]
            let source = texts.firstIndex(of: texts[copy])!
            #expect(source < count)
            #expect(sequences[copy] == sequences[source])
            #expect(doubled.labels[offset] == Double(TextCorpus.sentences[source].topic))
        }
    }

    @Test func transformsRejectBadInput() {
        let clean = toyLabelled([0, 0, 1, 1])
        #expect(toyErrorMessage { try ToyDatasets.withLabelNoise(clean, fraction: 1.5) }.contains("fraction in [0, 1]"))
        #expect(toyErrorMessage { try ToyDatasets.withLabelNoise(clean, fraction: -0.1) }.contains("fraction"))
        #expect(toyErrorMessage { try ToyDatasets.withDuplicates(clean, fraction: .nan) }.contains("fraction"))
        #expect(toyErrorMessage { try ToyDatasets.withLabelNoise(toyLabelled([0, 0]), fraction: 0.5) }.contains("single class"))
        #expect(toyErrorMessage { try ToyDatasets.withLabelNoise(ToyText.triplets(), fraction: 0.5) }.contains("labelled-items"))
        #expect(toyErrorMessage { try ToyDatasets.withDuplicates(ToyText.sentences(), fraction: 0.5) }.contains("labelled-items"))
        var fractional = clean
        fractional.labels[1] = 0.5
        #expect(toyErrorMessage { try ToyDatasets.withLabelNoise(fractional, fraction: 0.5) }.contains("not a class id"))
    }
}
