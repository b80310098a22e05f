import Foundation
import LossKit
import Testing

@testable import LossData

/// The files sentence-transformers and Hugging Face datasets users have, as the real libraries
/// write them (Data/st/generate.py): the column names of their docs, `to_json` / `to_csv`,
/// `np.save` of string labels, `np.savez` without names, `model.encode(precision=...)`.
@Suite struct SentenceTransformersFilesTests {
    private func load(_ name: String, labels: String? = nil) throws -> Dataset {
        try DatasetLoader.load(path: Fixture.path("st/" + name), labels: labels.map { Fixture.path("st/" + $0) })
    }

    private func refusal(_ name: String, labels: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) -> String {
        dataErrorMessage(sourceLocation: sourceLocation) { try load(name, labels: labels) }
    }

    private let questions = ["How do I reset my password?", "Where is the train station?", "What time does the shop open?", "Can I bring my dog?"]

    // MARK: - Column names

    @Test(arguments: [("query_answer.jsonl", "query", "answer"), ("query_document.jsonl", "query", "document"),
                      ("question_answer.jsonl", "question", "answer")])
    func retrievalPairs(file: String, anchor: String, positive: String) throws {
        let dataset = try load(file)
        #expect(dataset.shape == .anchorPositive)
        #expect(dataset.exampleTexts.map(\.[0]) == questions)
        #expect(dataset.exampleTexts[0][1] == "Use the link on the sign-in page.")
        #expect(dataset.notes == ["read \"\(anchor)\" as the anchor and \"\(positive)\" as the positive (4 records)"])
    }

    @Test func numberedNegativesAreColumnsInOrder() throws {
        let dataset = try load("anchor_negative_n.jsonl")
        #expect(dataset.shape == .anchorPositive)
        #expect(dataset.columnCount == 4)
        #expect(dataset.exampleTexts[1] == ["Where is the train station?", "Two streets north of the square.",
                                            "Tickets cost four euros.", "The library has a quiet room."])
        #expect(dataset.notes == ["read \"anchor\" as the anchor, \"positive\" as the positive, \"negative_1\" and \"negative_2\" as negatives (4 records)"])
    }

    @Test func extraColumnsAreNamedInAWarning() throws {
        let dataset = try load("extra_columns.jsonl")
        #expect(dataset.shape == .anchorPositive)
        #expect(dataset.columnCount == 2)
        #expect(dataset.notes.contains("warning: ignored the columns \"id\" and \"source\" (LossLab reads only the texts, labels and embeddings)"))
    }

    @Test func premiseHypothesisWithClassIds() throws {
        let dataset = try load("premise_hypothesis.jsonl")
        #expect(dataset.shape == .classPairs)
        #expect(dataset.labels == [0, 2, 0, 0, 2, 1])
        #expect(dataset.exampleTexts[0] == ["A man plays a guitar on stage.", "Someone is making music."])
        #expect(dataset.notes.first == "read \"premise\" as the first sentence, \"hypothesis\" as the second and \"label\" as the label (6 records)")
    }

    @Test func premiseHypothesisWithClassNames() throws {
        let dataset = try load("premise_hypothesis_names.jsonl")
        #expect(dataset.shape == .classPairs)
        #expect(dataset.labelNames == ["entailment", "contradiction", "neutral"])
        #expect(dataset.labels == [0, 1, 0, 0, 1, 2])
        #expect(dataset.notes.contains("labels: 3 class names as ids 0 = entailment, 1 = contradiction, 2 = neutral"))
    }

    @Test func stringLabelsShowTheirIds() throws {
        let dataset = try load("text_string_labels.jsonl")
        #expect(dataset.shape == .labelledItems)
        #expect(dataset.labelNames == ["sport", "food", "weather"])
        #expect(dataset.notes.contains("labels: 3 class names as ids 0 = sport, 1 = food, 2 = weather"))
    }

    @Test func jsonlPairWithoutLabelSaysWhatIsMissing() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("pairs.jsonl", #"{"premise": "a b", "hypothesis": "c d"}"# + "\n")
        let message = loaderError(startsWith: path) { try DatasetLoader.load(path: path) }
        expectMessage(message, contains: "no \"label\"", "anchor", "positive")
    }

    // MARK: - to_csv text tables

    @Test func scoredPairsFromToCSV() throws {
        let dataset = try load("scored_pairs.csv")
        #expect(dataset.shape == .scoredPairs)
        #expect(dataset.labels == [0.9, 0.1, 0.7, 0.8, 0.0, 0.6])
        #expect(dataset.tokenItems != nil)
        #expect(dataset.exampleTexts[1] == ["Two children run along the beach.", "The children are asleep indoors."])
        #expect(dataset.notes.first == "read \"sentence1\" as the first sentence, \"sentence2\" as the second and \"score\" as the label (6 rows)")
    }

    @Test func tripletsFromToCSV() throws {
        let dataset = try load("triplets.csv")
        #expect(dataset.shape == .triplets)
        #expect(dataset.exampleTexts[0] == ["How do I reset my password?", "Use the link on the sign-in page.", "The museum closes at six."])
    }

    @Test func nliFromToCSV() throws {
        let dataset = try load("nli.csv")
        #expect(dataset.shape == .classPairs)
        #expect(dataset.labels == [0, 2, 0, 0, 2, 1])
    }

    @Test func csvTextPairsWithoutLabelSayWhatIsMissing() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("pairs.csv", "sentence1,sentence2\nA cat sat.,A cat was sitting.\nIt rains.,It is raining.\n")
        let message = loaderError(startsWith: path) { try DatasetLoader.load(path: path) }
        expectMessage(message, contains: "line 2", "no \"label\"")
    }

    @Test func csvExtraColumnIsNamed() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write("pairs.csv", "anchor,positive,lang\nA cat sat.,A cat was sitting.,en\nIt rains.,It is raining.,en\n")
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.shape == .anchorPositive)
        #expect(dataset.notes.contains("warning: ignored the column \"lang\" (LossLab reads only the texts, labels and embeddings)"))
    }

    @Test func csvNumberedNegatives() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let path = try scratch.write(
            "hard.csv", "anchor,positive,negative_1,negative_2\nA cat sat.,A cat was sitting.,Dogs run.,It rains.\nStocks fell.,Shares dropped.,A cat sat.,Dogs run.\n")
        let dataset = try DatasetLoader.load(path: path)
        #expect(dataset.shape == .anchorPositive)
        #expect(dataset.exampleTexts[1] == ["Stocks fell.", "Shares dropped.", "A cat sat.", "Dogs run."])
        #expect(dataset.notes == ["read \"anchor\" as the anchor, \"positive\" as the positive, \"negative_1\" and \"negative_2\" as negatives (2 rows)"])
    }

    @Test func vectorsWrittenAsTextByToCSVAreRefused() throws {
        let message = refusal("embedding_as_text.csv")
        expectMessage(message, contains: "column 2 ('embedding')", "'[0.1 0.2]' on line 2", "to_csv", "to_json")
    }

    // MARK: - numpy files

    @Test(arguments: ["labels_unicode.npy", "labels_bytes.npy"])
    func stringLabelArrays(labels: String) throws {
        let dataset = try load("embeddings.npy", labels: labels)
        #expect(dataset.shape == .labelledItems)
        #expect(dataset.dimension == 384)
        #expect(dataset.labelNames == ["sport", "food", "weather"])
        #expect(dataset.labels == [0, 1, 0, 2, 1, 2])
        #expect(dataset.notes.contains("labels: 3 class names as ids 0 = sport, 1 = food, 2 = weather"))
    }

    @Test func npzWithoutNames() throws {
        let dataset = try load("unnamed.npz")
        #expect(dataset.shape == .labelledItems)
        #expect(dataset.dimension == 384)
        #expect(dataset.labels == [0, 1, 0, 2, 1, 2])
        #expect(dataset.notes.first == "read 'arr_0' (6 x 384) as the vectors and 'arr_1' (6) as their labels: np.savez without names")
        let named = try load("unnamed_string_labels.npz")
        #expect(named.labelNames == ["sport", "food", "weather"])
    }

    @Test(arguments: [("encode_int8.npy", "int8", "\"int8\""), ("encode_binary.npy", "int8", "\"binary\""),
                      ("encode_uint8.npy", "uint8", "\"uint8\""), ("encode_ubinary.npy", "uint8", "\"ubinary\"")])
    func quantizedEncodeOutputIsRefused(file: String, dtype: String, precision: String) throws {
        let message = refusal(file, labels: "labels_unicode.npy")
        expectMessage(message, contains: "holds \(dtype) values", precision, "precision=\"float32\"")
        #expect(message.hasPrefix(Fixture.path("st/" + file)))
    }

    @Test func readsStringArraysOfEveryByteOrder() throws {
        // '<U2' and '>U2' hold UTF-32 code units; 'S' holds bytes padded with NULs.
        let little = npyImage(header: "{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }",
                              data: [0x61, 0, 0, 0, 0xE9, 0, 0, 0, 0x62, 0, 0, 0, 0, 0, 0, 0])
        let big = npyImage(header: "{'descr': '>U2', 'fortran_order': False, 'shape': (2,), }",
                           data: [0, 0, 0, 0x61, 0, 0, 0, 0xE9, 0, 0, 0, 0x62, 0, 0, 0, 0])
        let bytes = npyImage(header: "{'descr': '|S3', 'fortran_order': False, 'shape': (2,), }", data: Array("ab\0xyz".utf8))
        #expect(try NumpyFile.read(data: little, name: "l").storage == .strings(["aé", "b"]))
        #expect(try NumpyFile.read(data: big, name: "b").storage == .strings(["aé", "b"]))
        #expect(try NumpyFile.read(data: bytes, name: "s").storage == .strings(["ab", "xyz"]))
        let strings = try NumpyFile.read(data: little, name: "l")
        expectMessage(dataErrorMessage { try strings.matrix(Float.self) }, contains: "holds strings")
        let badCode = npyImage(header: "{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }", data: [0, 0, 0x11, 0])
        expectMessage(dataErrorMessage { try NumpyFile.read(data: badCode, name: "u") }, contains: "element 0", "not a Unicode code point")
    }

    @Test func numericLabelsNeedNoMapping() throws {
        // Whole-number labels keep their values as ids: nothing to show beyond what was read.
        #expect(try load("premise_hypothesis.jsonl").notes.count == 1)
        #expect(try load("unnamed.npz").notes.count == 1)
    }
}
