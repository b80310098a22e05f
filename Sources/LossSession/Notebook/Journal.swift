import Foundation
import LossData

/// Every accepted command of an explorer session, appended to a notebook file as it happens
/// and flushed to disk at once, so a crash or `kill -9` loses no command. A clean quit
/// removes it; a journal found at start-up is a session that did not end cleanly, which the
/// explorer offers to restore by replaying it.
public final class Journal: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var handle: FileHandle?

    /// The default place: ~/.losslab/journal.lab (or $LOSSLAB_HOME/journal.lab).
    public static var defaultPath: String {
        let environment = ProcessInfo.processInfo.environment
        let home = environment["LOSSLAB_HOME"] ?? ((environment["HOME"] ?? NSTemporaryDirectory()) + "/.losslab")
        return home + "/journal.lab"
    }

    public init(path: String = Journal.defaultPath) {
        self.path = path
    }

    /// The commands of a journal left by a session that did not end cleanly, if any.
    public func leftOver() -> Notebook? {
        guard let notebook = try? Notebook.read(path: path) else { return nil }
        let commands = notebook.cells.filter { if case .command = $0 { return true } else { return false } }
        return commands.isEmpty ? nil : notebook
    }

    /// Starts a new journal (replacing any old one).
    public func begin() throws {
        lock.lock()
        defer { lock.unlock() }
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: path, contents: Data("# LossLab journal: the commands of a running session\n".utf8)),
              let handle = FileHandle(forWritingAtPath: path) else {
            throw DataError("\(path): cannot create the journal")
        }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    /// Appends one accepted line and forces it to disk.
    public func record(_ line: String) {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else { return }
        let single = line.replacingOccurrences(of: "\n", with: " ")
        handle.write(Data((single + "\n").utf8))
        try? handle.synchronize()
    }

    /// A clean end: the journal is no longer needed.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        try? handle?.close()
        handle = nil
        try? FileManager.default.removeItem(atPath: path)
    }
}
