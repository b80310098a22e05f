import Foundation
import LossKit
import Testing

@testable import LossData

/// A scratch directory for loader tests, removed when the test is done with it.
struct LoaderScratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "/lossdata-loaders-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` as UTF-8 to `name` and returns the path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    func read(_ name: String) throws -> String {
        try String(contentsOfFile: file(name), encoding: .utf8)
    }

    func contents() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? []
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The DataError message `body` throws; records an issue (and returns "") when it returns or
/// throws something else. Also checks the message starts with `prefix` (the offending path).
@discardableResult
func loaderError<R>(startsWith prefix: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R) -> String {
    do {
        let result = try body()
        Issue.record("expected a DataError, got a result: \(result)", sourceLocation: sourceLocation)
        return ""
    } catch let error as DataError {
        #expect(error.message.hasPrefix(prefix + ":"), "message \"\(error.message)\" does not start with \"\(prefix):\"", sourceLocation: sourceLocation)
        return error.message
    } catch {
        Issue.record("expected a DataError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return ""
    }
}

/// Checks `message` holds every fragment.
func expectFragments(_ message: String, _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation) {
    for fragment in fragments {
        #expect(message.contains(fragment), "message \"\(message)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
    }
}

extension Dataset {
    /// The item vectors (fails the test when the items are tokens).
    func vectorRows(sourceLocation: SourceLocation = #_sourceLocation) -> [[Float]] {
        guard case .vectors(let matrix) = items else {
            Issue.record("expected vector items", sourceLocation: sourceLocation)
            return []
        }
        return (0..<matrix.rows).map { Array(matrix.row($0)) }
    }

    /// Token ids and vocabulary (nil when the items are vectors).
    var tokenItems: (ids: [[Int]], vocabulary: [String])? {
        if case .tokens(let ids, let vocabulary) = items { return (ids, vocabulary) }
        return nil
    }

    /// The texts of the items in each example.
    var exampleTexts: [[String]] {
        examples.map { $0.map { texts?[$0] ?? "?" } }
    }
}

/// A deterministic generator for the loader's mutation tests (SplitMix64).
struct LoaderSeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
