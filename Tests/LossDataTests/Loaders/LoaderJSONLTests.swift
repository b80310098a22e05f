import Foundation
import LossKit
import Testing

@testable import LossData

/// JSON Lines records: each layout and the shape it gives.
@Suite struct LoaderJSONLTests {
    private func load(_ lines: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Dataset {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("data.jsonl", lines.joined(separator: "\n") + "\n")
        return try DatasetLoader.load(path: path)
    }

    @Test func labelledTexts() throws {
        let dataset = try load([
            #"{"text": "A cat sat.", "label": "pets"}"#,
            #"{"text": "Stocks fell", "label": "money"}"#,
            #"{"label": "pets", "text": "A cat sat."}"#,
            #"{"text": "Dogs bark", "label": "pets"}"#,
        ])
        #expect(dataset.shape == .labelledItems)
        #expect(dataset.texts == ["A cat sat.", "Stocks fell", "Dogs bark"])
        #expect(dataset.examples == [[0], [1], [0], [2]])
        #expect(dataset.labels == [0, 1, 0, 0])
        #expect(dataset.labelNames == ["pets", "money"])
        #expect(dataset.itemClasses == [0, 1, 0])
        let tokens = try #require(dataset.tokenItems)
        #expect(tokens.ids[0].map { tokens.vocabulary[$0] } == ["a", "cat", "sat"])
    }

    @Test func integerClassLabels() throws {
        let dataset = try load([#"{"text": "a", "label": 4}"#, #"{"text": "b", "label": 2}"#])
        #expect(dataset.labels == [1, 0])
        #expect(dataset.labelNames == ["2", "4"])
    }

    @Test func sentencesAlone() throws {
        let dataset = try load([#"{"text": "one two"}"#, #"{"text": "three"}"#, #"{"text": "one two"}"#])
        #expect(dataset.shape == .sentences)
        #expect(dataset.itemCount == 2)
        #expect(dataset.examples == [[0], [1], [0]])
        #expect(dataset.labels.isEmpty)
    }

    @Test func teacherEmbeddings() throws {
        let dataset = try load([#"{"text": "one", "label": [0.5, 1]}"#, #"{"text": "two", "label": [2, -1.25e0]}"#])
        #expect(dataset.shape == .teacherItems)
        #expect(dataset.teacher == Matrix<Float>(rows: [[0.5, 1], [2, -1.25]]))
        #expect(dataset.tokenItems != nil)
    }

    @Test func anchorPositivePairs() throws {
        let dataset = try load([
            #"{"anchor": "what is a cat", "positive": "a cat is a pet"}"#,
            #"{"anchor": "what is a dog", "positive": "a dog is a pet"}"#,
            #"{"anchor": "what is a cat", "positive": "cats purr"}"#,
        ])
        #expect(dataset.shape == .anchorPositive)
        #expect(dataset.columnCount == 2)
        #expect(dataset.examples == [[0, 1], [2, 3], [0, 4]])
        #expect(dataset.labels.isEmpty)
    }

    @Test func triplets() throws {
        let dataset = try load([
            #"{"anchor": "q1", "positive": "p1", "negative": "n1"}"#,
            #"{"anchor": "q2", "positive": "p2", "negative": "p1"}"#,
        ])
        #expect(dataset.shape == .triplets)
        #expect(dataset.exampleTexts == [["q1", "p1", "n1"], ["q2", "p2", "p1"]])
        #expect(dataset.examples[1][2] == dataset.examples[0][1])  // shared item
    }

    @Test func severalNegatives() throws {
        let numbered = try load([#"{"anchor": "q", "positive": "p", "negative_2": "n2", "negative_1": "n1"}"#])
        #expect(numbered.exampleTexts == [["q", "p", "n1", "n2"]])
        #expect(numbered.shape == .anchorPositive)
        let listed = try load([#"{"anchor": "q", "positive": "p", "negatives": ["x", "y", "z"]}"#])
        #expect(listed.columnCount == 5)
        #expect(listed.shape == .anchorPositive)
    }

    @Test func textsLists() throws {
        let two = try load([#"{"texts": ["a b", "c d"]}"#, #"{"texts": ["e", "a b"]}"#])
        #expect(two.shape == .anchorPositive)
        #expect(two.examples == [[0, 1], [2, 0]])
        let three = try load([#"{"texts": ["a", "b", "c"]}"#])
        #expect(three.shape == .triplets)
    }

    @Test func binaryPairs() throws {
        let dataset = try load([
            #"{"sentence1": "a", "sentence2": "b", "label": 1}"#,
            #"{"sentence1": "a", "sentence2": "c", "label": 0}"#,
            #"{"sentence1": "b", "sentence2": "c", "label": true}"#,
        ])
        #expect(dataset.shape == .binaryPairs)
        #expect(dataset.labels == [1, 0, 1])
        #expect(dataset.itemCount == 3)
        #expect(dataset.examples == [[0, 1], [0, 2], [1, 2]])
    }

    @Test func scoredPairs() throws {
        let dataset = try load([
            #"{"text1": "a", "text2": "b", "label": 0.8}"#,
            #"{"text1": "a", "text2": "c", "label": 1}"#,
            #"{"text1": "b", "text2": "c", "score": 0}"#,
        ])
        #expect(dataset.shape == .scoredPairs)
        #expect(dataset.labels == [0.8, 1, 0])
    }

    @Test func classPairs() throws {
        let named = try load([
            #"{"sentence1": "a", "sentence2": "b", "label": "entailment"}"#,
            #"{"sentence1": "a", "sentence2": "c", "label": "contradiction"}"#,
            #"{"sentence1": "b", "sentence2": "c", "label": "neutral"}"#,
            #"{"sentence1": "c", "sentence2": "a", "label": "entailment"}"#,
        ])
        #expect(named.shape == .classPairs)
        #expect(named.labels == [0, 1, 2, 0])
        #expect(named.labelNames == ["entailment", "contradiction", "neutral"])

        let numbered = try load([
            #"{"sentence1": "a", "sentence2": "b", "label": 2}"#,
            #"{"sentence1": "a", "sentence2": "c", "label": 0}"#,
            #"{"sentence1": "b", "sentence2": "c", "label": 1}"#,
        ])
        #expect(numbered.shape == .classPairs)
        #expect(numbered.labels == [2, 0, 1])
        #expect(numbered.labelNames == ["0", "1", "2"])
    }

    @Test func embeddingsGiveVectorItems() throws {
        let single = try load([
            #"{"text": "a", "label": "x", "embedding": [1, 2]}"#,
            #"{"text": "b", "label": "y", "embedding": [3, 4]}"#,
            #"{"text": "a", "label": "x", "embedding": [1, 2]}"#,
            #"{"text": "a", "label": "x", "embedding": [9, 9]}"#,
        ])
        #expect(single.shape == .labelledItems)
        #expect(single.vectorRows() == [[1, 2], [3, 4], [9, 9]])  // same text, other vector: its own item
        #expect(single.examples == [[0], [1], [0], [2]])
        #expect(single.texts == ["a", "b", "a"])

        let pairs = try load([#"{"sentence1": "a", "sentence2": "b", "label": 0.5, "embeddings": [[1, 0], [0, 1]]}"#])
        #expect(pairs.shape == .scoredPairs)
        #expect(pairs.vectorRows() == [[1, 0], [0, 1]])
    }

    @Test func stringEscapes() throws {
        let dataset = try load([#"{"text": "caf\u00e9 \"quoted\" \ud83d\ude00 tab\there", "label": "x"}"#])
        #expect(dataset.texts == ["café \"quoted\" 😀 tab\there"])
    }

    @Test func blankLinesAreSkipped() throws {
        let dataset = try load(["", #"{"text": "a", "label": 0}"#, "   ", #"{"text": "b", "label": 1}"#, ""])
        #expect(dataset.itemCount == 2)
    }
}
