#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import Testing

@testable import LossData

/// Crashes the JSON Lines fuzz target (Fuzz/Sources/FuzzJSONL) found in the pair-label
/// reading, fed back through the loader. Each case runs in a child process (an exit test),
/// so a regression fails this test instead of killing the whole test run. The child exits 0
/// when the loader throws a DataError naming the file, 3 when it accepts the file, 2 on
/// another error; a crash is a signal.
@Suite struct PairLabelRegressionTests {
    /// Pair scores in [0, 1] mixed with a whole number above 1 (a class): `LabelMapping.pairs`
    /// finds the labels neither binary, nor all scores, nor all whole, then looks for a
    /// label that is out of [0, 1] *and* not whole, finds none (0.5 is in range, 2 is
    /// whole) and force-unwraps nil (LabelMapping.swift, `raw.firstIndex { ... }!`).
    @Test func scoresMixedWithAClassNumber() async {
        await #expect(processExitsWith: .success) {
            loadExpectingRefusal(
                "{\"sentence1\": \"a\", \"sentence2\": \"b\", \"score\": 0.5}\n{\"text1\": \"c\", \"text2\": \"d\", \"score\": 2}\n")
        }
        await #expect(processExitsWith: .success) {
            loadExpectingRefusal(
                "{\"sentence1\": \"x y\", \"sentence2\": \"z\", \"label\": 3}\n{\"sentence1\": \"p\", \"sentence2\": \"q\", \"label\": 0.25}\n")
        }
    }

    /// The same mix straight at the label mapping: a DataError, not a trap.
    @Test func pairLabelMappingRefusesTheMix() async {
        await #expect(processExitsWith: .success) {
            do {
                _ = try LabelMapping.pairs([.number(0.5, text: "0.5"), .number(2, text: "2")], source: "pairs.jsonl") { "line \($0 + 1)" }
                exit(3)
            } catch let error as DataError {
                exit(error.message.hasPrefix("pairs.jsonl: ") ? 0 : 4)
            } catch {
                exit(2)
            }
        }
    }
}

/// Writes `text` to a fresh .jsonl file and loads it; exits with the outcome (see the suite).
private func loadExpectingRefusal(_ text: String) -> Never {
    let path = NSTemporaryDirectory() + "/lossdata-regression-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).jsonl"
    _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    do {
        _ = try DatasetLoader.load(path: path)
        unlink(path)
        exit(3)
    } catch let error as DataError {
        unlink(path)
        exit(error.message.hasPrefix(path) ? 0 : 4)
    } catch {
        unlink(path)
        exit(2)
    }
}
