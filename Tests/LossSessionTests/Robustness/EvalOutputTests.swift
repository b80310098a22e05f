import Foundation
import LossData
import LossKit
import LossSession
import Testing

/// `losslab eval` prints valid JSON whatever the values: non-finite numbers are null with a
/// reason, strings are escaped (issue 11: it printed `"loss": Infinity`).
@Suite struct EvalOutputTests {
    func parse(_ text: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8))
        return try #require(object as? [String: Any])
    }

    @Test func nonFiniteNumbersAreNullWithAReason() throws {
        #expect(JSONText.number(Double.infinity) == "null")
        #expect(JSONText.number(-Float.infinity) == "null")
        #expect(JSONText.number(Double.nan) == "null")
        #expect(JSONText.number(0.5) == "0.5")
        #expect(JSONText.number(1e-5) == "1e-05")
        let fields = JSONText.object(JSONText.numberField("loss", -Double.infinity) + JSONText.numbersField("norms", [1.0, .nan]))
        #expect(fields == "{\"loss\": null, \"loss_reason\": \"-inf\", \"norms\": [1.0, null], \"norms_reasons\": [null, \"nan\"]}")
        let parsed = try parse(fields)
        #expect(parsed["loss"] is NSNull)
        #expect(parsed["loss_reason"] as? String == "-inf")
        #expect(JSONText.object(JSONText.numberField("loss", 2.0)) == "{\"loss\": 2.0}")
    }

    @Test func everyStringIsEscaped() throws {
        let nasty = "a\"b\\c\nd\re\tf\u{08}g\u{0C}h\u{01}i\u{1F}j\u{7F}k é 😀 / end"
        let text = JSONText.object([("name \"quoted\" \\", JSONText.string(nasty))])
        let parsed = try parse(text)
        #expect(parsed["name \"quoted\" \\"] as? String == nasty)
        #expect(!text.contains("\n") && !text.contains("\u{01}") && !text.contains("\u{7F}"))
        #expect(JSONText.string("\u{01}") == "\"\\u0001\"")
    }

    @Test func anInfiniteLossIsValidJSON() throws {
        var random = SeededRandom(seed: 2)
        let x = NumpyArray(shape: [8, 3], dtype: .float64, storage: .floats64((0..<24).map { _ in random.normal() }), source: "x.npy")
        let labels = NumpyArray(shape: [8], dtype: .int64, storage: .ints([0, 0, 1, 1, 2, 2, 3, 3]), source: "y.npy")
        let outcome = try EvalJob.run(EvalRequest(lossName: "BatchHardTripletLoss", settings: ["margin": "1.7e308"], embeddings: [x], labels: labels))
        #expect(outcome.result.value.isInfinite)
        let json = outcome.json(includeMined: true)
        #expect(!json.contains("Infinity") && !json.contains("NaN"))
        let parsed = try parse(json)
        #expect(parsed["loss"] is NSNull)
        #expect(parsed["loss_reason"] as? String == "inf")
        #expect((parsed["mined"] as? [Any])?.count == 8)
    }

    @Test func aRepeatedSetIsAnError() throws {
        #expect(try EvalRequest.assignments(["margin=1", "distance_metric=cosine"], what: "--set") == ["margin": "1", "distance_metric": "cosine"])
        do {
            _ = try EvalRequest.assignments(["margin=1", "distance_metric=cosine", "margin=2"], what: "--set")
            Issue.record("a repeated --set was accepted")
        } catch {
            #expect("\(error)" == "--set margin is given twice (margin=1 and margin=2); give each name once")
        }
    }

    @Test func evalRefusesInt64LabelsPastTwoToThe53() {
        let x = NumpyArray(shape: [2, 2], dtype: .float32, storage: .floats32([1, 2, 3, 4]), source: "x.npy")
        let labels = NumpyArray(shape: [2], dtype: .int64, storage: .ints([1 << 53, (1 << 53) + 1]), source: "y.npy")
        do {
            _ = try EvalJob.run(EvalRequest(lossName: "BatchHardTripletLoss", embeddings: [x], labels: labels))
            Issue.record("labels past 2^53 were accepted")
        } catch {
            #expect("\(error)".hasPrefix("y.npy: element 1 is 9007199254740993, beyond 2^53"), "\(error)")
        }
    }

    @Test func numbersInEvalSettingsAreDecimalOnly() {
        let x = NumpyArray(shape: [2, 2], dtype: .float32, storage: .floats32([1, 2, 3, 4]), source: "x.npy")
        let labels = NumpyArray(shape: [2], dtype: .int64, storage: .ints([0, 1]), source: "y.npy")
        do {
            _ = try EvalJob.run(EvalRequest(lossName: "BatchHardTripletLoss", settings: ["margin": "0x10"], embeddings: [x], labels: labels))
            Issue.record("margin=0x10 was accepted")
        } catch {
            #expect("\(error)".contains("margin must be a finite decimal number, got '0x10'"))
        }
    }
}
