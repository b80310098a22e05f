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
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw DataError("\(path): no such notebook") }
        if isDirectory.boolValue { throw DataError("\(path): is a directory, not a notebook") }
        guard let data = FileManager.default.contents(atPath: path) else { throw DataError("\(path): cannot be read") }
        guard let text = String(data: data, encoding: .utf8) else { throw DataError("\(path): is not UTF-8 text") }
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

    /// Writes atomically: a temporary file in the same directory, then a rename.
    public func write(to path: String) throws {
        try AtomicFile.write(Data(text.utf8), to: path)
    }
}

/// Write-then-rename, so a crash never leaves a half-written file in place of a good one.
public enum AtomicFile {
    public static func write(_ data: Data, to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        do {
            try data.write(to: temporary)
            if FileManager.default.fileExists(atPath: path) {
                _ = try FileManager.default.replaceItemAt(url, withItemAt: temporary)
            } else {
                try FileManager.default.moveItem(at: temporary, to: url)
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw DataError("\(path): cannot write (\(error.localizedDescription))")
        }
    }
}
