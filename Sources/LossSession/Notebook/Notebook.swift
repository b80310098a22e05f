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
        cells = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map { Self.cell(for: String($0)) }
        while cells.last == .blank { cells.removeLast() }
    }

    /// The cell one line of a notebook is: blank, `#` prose, or a command.
    public static func cell(for line: String) -> Cell {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { return .blank }
        if trimmed.hasPrefix("#") { return .prose(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)) }
        return .command(trimmed)
    }

    public static func read(path: String) throws -> Notebook {
        let bytes = try FileIO.readAll(path: path)
        guard let text = String(validating: bytes, as: UTF8.self) else { throw DataError("\(path): is not UTF-8 text") }
        return Notebook(text: text)
    }

    /// The command cells, in order.
    public var commandLines: [String] {
        cells.compactMap { if case .command(let line) = $0 { line } else { nil } }
    }

    /// One line per cell. A newline character inside a cell (\r, U+2028...) becomes a space, so
    /// the text reads back as the same cells: outside quotes it only separated words.
    public var text: String {
        cells.map { cell in
            switch cell {
            case .prose(let text): return "# " + Self.oneLine(text)
            case .command(let line): return Self.oneLine(line)
            case .blank: return ""
            }
        }.joined(separator: "\n") + "\n"
    }

    static func oneLine(_ text: String) -> String {
        text.contains(where: \.isNewline) ? String(text.map { $0.isNewline ? " " : $0 }) : text
    }

    /// Writes through `SafeWriter`: the old file stays intact unless the new one is complete.
    public func write(to path: String) throws {
        try SafeWriter.write(path: path, text: text)
    }
}
