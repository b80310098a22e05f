import Foundation
import LossData

/// A notebook file: one command per line; `#` lines are prose, shown as text cells; blank
/// lines separate. Plain text, so it diffs and can be written by hand.
public struct Notebook: Equatable, Sendable {
    public enum Cell: Equatable, Sendable {
        case prose(String)
        case command(String)
        case blank
    }

    public var cells: [Cell]

    public init(cells: [Cell] = []) { self.cells = cells }

    public init(text: String) {
        cells = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { raw in
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { return .blank }
            if line.hasPrefix("#") { return .prose(String(line.dropFirst()).trimmingCharacters(in: .whitespaces)) }
            return .command(line)
        }
        while cells.last == .blank { cells.removeLast() }
    }

    public static func read(path: String) throws -> Notebook {
        let bytes = try FileIO.readAll(path: path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw DataError("\(path): is not UTF-8 text") }
        return Notebook(text: text)
    }

    public var text: String {
        cells.map { cell in
            switch cell {
            case .prose(let text): return "# " + text
            case .command(let line): return line
            case .blank: return ""
            }
        }.joined(separator: "\n") + "\n"
    }

    /// Writes through `SafeWriter`: the old file stays intact unless the new one is complete.
    public func write(to path: String) throws {
        try SafeWriter.write(path: path, text: text)
    }
}
