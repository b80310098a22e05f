import Foundation
import LossData

/// Every accepted command of an explorer session, appended to a notebook file as it happens
/// and flushed to disk at once, so a crash or `kill -9` loses no command. A clean quit
/// removes it; a journal found at start-up whose process is gone is a session that did not
/// end cleanly, which the explorer offers to restore by replaying it. Each process writes its
/// own file (journal-PID.lab), so two explorers running at once never clobber each other.
public final class Journal: @unchecked Sendable {
    public let path: String
    private let lock = NSLock()
    private var handle: FileHandle?

    /// ~/.losslab, or $LOSSLAB_HOME.
    public static var home: String {
        let environment = ProcessInfo.processInfo.environment
        return environment["LOSSLAB_HOME"] ?? ((environment["HOME"] ?? NSTemporaryDirectory()) + "/.losslab")
    }

    /// This process's journal: $LOSSLAB_HOME/journal-PID.lab.
    public static var defaultPath: String {
        home + "/journal-\(ProcessInfo.processInfo.processIdentifier).lab"
    }

    /// Journals left by processes that no longer run, newest first.
    public static func orphans(in directory: String = Journal.home) -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        let paths = names.compactMap { name -> (String, Date)? in
            guard name.hasPrefix("journal-"), name.hasSuffix(".lab"),
                  let pid = Int32(name.dropFirst("journal-".count).dropLast(".lab".count)) else { return nil }
            if pid == ProcessInfo.processInfo.processIdentifier || kill(pid, 0) == 0 || errno == EPERM { return nil }
            let path = directory + "/" + name
            let date = (try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
            return (path, date)
        }
        return paths.sorted { $0.1 > $1.1 }.map(\.0)
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
        // One line per command, whatever newline characters it held (\r, U+2028...).
        let single = String(line.map { $0.isNewline ? " " : $0 })
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
