/// The one error type LossData throws. The message names the file (or archive entry) and
/// says what is wrong with it, in words meant for the person running the tool.
public struct DataError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension DataError {
    /// "name: problem"
    static func file(_ name: String, _ problem: String) -> DataError {
        DataError("\(name): \(problem)")
    }
}
