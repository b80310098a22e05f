import Foundation
import LossData
import LossKit
import LossSession
import Testing

/// The configurations sentence-transformers 6.2.0 refuses (the rejected.jsonl of
/// Tests/Fixtures/golden62-new, golden62-distill and golden62-matryoshka): LossLab refuses each
/// of them too, with a message, for the losses it has.
@Suite struct RejectedConfigurationTests {
    struct Rejected: CustomStringConvertible, Sendable {
        var name: String
        var loss: String
        var settings: [String: String]
        var shapes: [[Int]]
        var labelShape: [Int]?
        /// Class ids (0, 1, 2, ...) rather than floats.
        var integerLabels = false
        var description: String { name }
    }

    static let cases: [Rejected] = {
        let fixtures = GoldenCase.fixtureDirectory.deletingLastPathComponent()
        let text = ["golden62-new", "golden62-distill", "golden62-matryoshka"].compactMap {
            try? String(contentsOf: fixtures.appendingPathComponent("\($0)/rejected.jsonl"), encoding: .utf8)
        }.joined(separator: "\n")
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let loss = object["loss"] as? String, LossCatalog.type(named: loss) != nil else { return nil }
            let labels = object["labels"] as? String ?? "none"
            // "float32[5]", "int64[5]" or, for a matrix of labels, "float32[4, 3]".
            let dtype = labels.prefix { $0 != "[" }
            let shape = ["float32", "int64"].contains(dtype)
                ? labels.dropFirst(dtype.count + 1).dropLast().split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                : nil
            return Rejected(name: object["name"] as! String, loss: loss,
                            settings: (object["params"] as? [String: Any] ?? [:]).mapValues { "\($0)" },
                            shapes: (object["input_shapes"] as! [[NSNumber]]).map { $0.map(\.intValue) }, labelShape: shape,
                            integerLabels: dtype == "int64")
        }
    }()

    @Test func fixtureIsPresent() { #expect(Self.cases.count >= 20) }

    @Test(arguments: cases)
    func refusedWithAMessage(_ rejected: Rejected) {
        var random = SeededRandom(seed: 7)
        func array(_ shape: [Int], _ source: String) -> NumpyArray {
            NumpyArray(shape: shape, dtype: .float32, storage: .floats32((0..<shape.reduce(1, *)).map { _ in Float(random.normal()) }),
                       source: source)
        }
        var request = EvalRequest(lossName: rejected.loss, settings: rejected.settings,
                                  embeddings: rejected.shapes.enumerated().map { array($0.element, "in\($0.offset).npy") },
                                  labels: rejected.labelShape.map { shape in
                                      rejected.integerLabels
                                          ? NumpyArray(shape: shape, dtype: .int64, storage: .ints((0..<shape.reduce(1, *)).map { Int64($0 % 3) }), source: "labels.npy")
                                          : array(shape, "labels.npy")
                                  })
        // Guided losses get their guides, so that the refusal is the reference's reason.
        if LossCatalog.type(named: rejected.loss)?.inputSpec.needsGuide == true {
            request.guides = rejected.shapes.enumerated().map { array($0.element, "guide\($0.offset).npy") }
        }
        do {
            _ = try EvalJob.run(request)
            Issue.record("\(rejected.name): LossLab accepted what 6.2.0 refuses")
        } catch let error as LossError {
            #expect(!error.message.isEmpty && !error.message.contains("\n"))
        } catch {
            Issue.record("\(rejected.name): \(error) is not a LossError")
        }
    }
}
