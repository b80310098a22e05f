import Foundation
import LossData

#if canImport(Glibc)
import Glibc
#endif

/// Every command an explorer session has accepted or queued, kept on disk as a notebook, so
/// that a crash, a signal or `kill -9` loses nothing. The whole file is rewritten through
/// `SafeWriter` on each change, so it is never half-written.
///
/// Each session's journal has a unique name and a lock file that the session holds (flock)
/// for as long as it lives; a journal whose lock nobody holds belongs to a session that did
/// not end cleanly, and is offered for restore. A live session's journal is never offered,
/// whatever PID namespace it runs in. A journal is deleted only by a clean quit, or when the
/// user restores or discards it.
public final class Journal: @unchecked Sendable {
    public let path: String
    private let lockPath: String
    private let lock = NSLock()
    private var lockDescriptor: Int32 = -1
    private var lastWritten: String?
    private var failure: String?

    public static let header = "LossLab journal: the commands of a running session"

    /// $LOSSLAB_HOME, else $XDG_STATE_HOME/losslab, else ~/.local/state/losslab.
    public static func home(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let home = environment["LOSSLAB_HOME"], !home.isEmpty { return home }
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/losslab" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.local/state/losslab"
    }

    /// A new journal in `directory`: journal-<time>-<pid>-<random>.lab.
    public init(directory: String = Journal.home()) {
        let stamp = Self.stampFormat.string(from: Date())
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let base = directory + "/journal-\(stamp)-\(getpid())-\(random)"
        path = base + ".lab"
        lockPath = base + ".lock"
    }

    /// Takes the lock, then writes the empty journal. A failure is kept as `problem`.
    public func begin() {
        lock.lock()
        defer { lock.unlock() }
        do {
            try SafeWriter.makeDirectory(Self.directory(of: path))
            lockDescriptor = try Self.takeLock(lockPath)
        } catch {
            failure = Self.problem(writing: path, "\(error)")
            return
        }
        writeLocked(Notebook())
    }

    /// Why the journal could not be written last time, or nil when it is up to date.
    public var problem: String? {
        lock.lock()
        defer { lock.unlock() }
        return failure
    }

    /// Replaces the journal's content with `notebook` (unchanged content is not rewritten).
    public func write(_ notebook: Notebook) {
        lock.lock()
        defer { lock.unlock() }
        writeLocked(notebook)
    }

    private func writeLocked(_ notebook: Notebook) {
        guard lockDescriptor >= 0 else { return }
        let text = Notebook(cells: [.prose(Self.header)] + notebook.cells).text
        if text == lastWritten && failure == nil { return }
        do {
            try SafeWriter.write(path: path, text: text)
            lastWritten = text
            failure = nil
        } catch {
            failure = Self.problem(writing: path, "\(error)")
        }
    }

    /// The status line's warning: the reason alone, without the path.
    static func problem(writing path: String, _ message: String) -> String {
        var reason = Substring(message)
        if let colon = reason.range(of: ": ") { reason = reason[colon.upperBound...] }
        if reason.hasPrefix("cannot write: ") { reason = reason.dropFirst("cannot write: ".count) }
        if let end = reason.firstIndex(where: { $0 == ";" || $0 == "(" }) { reason = reason[..<end] }
        return "journal not saved (\(reason.trimmingCharacters(in: .whitespaces))): unsaved work is at risk"
    }

    /// A clean end: the journal and its lock go.
    public func finish() {
        lock.lock()
        defer { lock.unlock() }
        guard lockDescriptor >= 0 else { return }
        unlink(path)
        unlink(lockPath)
        close(lockDescriptor)
        lockDescriptor = -1
    }

    // MARK: - Journals of sessions that did not end cleanly

    /// A journal nobody holds, claimed (locked) by this process until it is restored,
    /// discarded or released.
    public final class Orphan: @unchecked Sendable {
        public let path: String
        public let modified: Date
        /// The journal's commands and prose, without its header.
        public let notebook: Notebook
        private let lockPath: String
        private var lockDescriptor: Int32

        init(path: String, lockPath: String, lockDescriptor: Int32, modified: Date, notebook: Notebook) {
            self.path = path
            self.lockPath = lockPath
            self.lockDescriptor = lockDescriptor
            self.modified = modified
            self.notebook = notebook
        }

        deinit { release() }

        public var commandCount: Int {
            notebook.cells.filter { if case .command = $0 { return true } else { return false } }.count
        }

        /// The user restored it into a new session (whose own journal now holds it), or
        /// discarded it: it goes.
        public func remove() {
            guard lockDescriptor >= 0 else { return }
            unlink(path)
            unlink(lockPath)
            release()
        }

        /// Keeps it for a later start.
        public func release() {
            guard lockDescriptor >= 0 else { return }
            close(lockDescriptor)
            lockDescriptor = -1
        }
    }

    /// Journals whose sessions are gone, newest first, each claimed by this process. Live
    /// sessions' journals (their lock is held) and empty journals are left alone.
    public static func orphans(in directory: String = Journal.home()) -> [Orphan] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var found: [Orphan] = []
        for name in names where name.hasPrefix("journal-") && name.hasSuffix(".lab") {
            let path = directory + "/" + name
            let lockPath = String(path.dropLast(".lab".count)) + ".lock"
            guard let descriptor = try? takeLock(lockPath) else { continue }
            guard let notebook = try? Notebook.read(path: path) else {
                // Gone meanwhile (its session ended cleanly): drop the lock file we created.
                if !FileManager.default.fileExists(atPath: path) { unlink(lockPath) }
                close(descriptor)
                continue
            }
            let cells = notebook.cells.filter { $0 != .prose(header) }
            guard cells.contains(where: { if case .command = $0 { return true } else { return false } }) else {
                close(descriptor)
                continue
            }
            var info = stat()
            let modified = stat(path, &info) == 0 ? Date(timeIntervalSince1970: Double(info.st_mtim.tv_sec)) : .distantPast
            found.append(Orphan(path: path, lockPath: lockPath, lockDescriptor: descriptor, modified: modified,
                                notebook: Notebook(cells: cells)))
        }
        return found.sorted { ($0.modified, $0.path) > ($1.modified, $1.path) }
    }

    /// An exclusive, non-blocking flock on `path` (created if missing).
    static func takeLock(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw DataError("\(path): cannot create the journal's lock file: \(SafeWriter.plainReason(errno))")
        }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            close(descriptor)
            throw DataError("\(path): held by a running session")
        }
        return descriptor
    }

    static func directory(of path: String) -> String {
        (path as NSString).deletingLastPathComponent
    }

    private static let stampFormat: DateFormatter = {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = TimeZone(identifier: "UTC")
        format.dateFormat = "yyyyMMdd-HHmmss"
        return format
    }()
}
