import Foundation
import LossKit
import Testing

@testable import LossData

/// The DataError message `body` throws; records an issue (and returns "") when it returns or
/// throws something else. Also checks the message starts with `prefix` (the offending path).
@discardableResult
func loaderError<R>(startsWith prefix: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R) -> String {
    let message = dataErrorMessage(sourceLocation: sourceLocation, body)
    if !message.isEmpty {
        #expect(message.hasPrefix(prefix + ":"), "message \"\(message)\" does not start with \"\(prefix):\"", sourceLocation: sourceLocation)
    }
    return message
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
