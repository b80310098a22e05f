#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file to be written: where, and the bytes, produced into a sink.
public struct PendingFile {
    public let path: String
    public let body: (FileSink) throws -> Void

    public init(path: String, body: @escaping (FileSink) throws -> Void) {
        self.path = path
        self.body = body
    }

    public init(path: String, bytes: [UInt8]) {
        self.init(path: path) { try $0.write(bytes) }
    }

    public init(path: String, text: String) {
        self.init(path: path, bytes: Array(text.utf8))
    }
}

/// The one way LossLab writes a file. Each file is written under a temporary name in its
/// destination's directory and synced; only when every file of the set is complete are they
/// renamed over their destinations, and the directories synced. A destination that is a
/// directory or a device is refused and never touched; a symlink is written through to its
/// target; an existing file keeps its permissions. On any failure the temporary files are
/// removed and every old file is as it was (for a set, files already renamed are put back
/// from hard-linked backups), and the error names the file and the reason in plain words.
public enum SafeWriter {
    public static func write(path: String, _ body: @escaping (FileSink) throws -> Void) throws {
        try write([PendingFile(path: path, body: body)])
    }

    public static func write(path: String, text: String) throws {
        try write([PendingFile(path: path, text: text)])
    }

    /// Writes the files together: either all new files end up in place, or none does.
    public static func write(_ files: [PendingFile]) throws {
        var prepared: [Prepared] = []
        do {
            for file in files {
                let destination = try Destination(path: file.path)
                if prepared.contains(where: { $0.destination.target == destination.target }) {
                    throw DataError.file(file.path, "cannot write: named twice in one set of files")
                }
                prepared.append(try Prepared(destination: destination, body: file.body))
            }
        } catch {
            for file in prepared { file.discard() }
            throw error
        }
        try commit(prepared)
    }

    /// Renames every temporary file into place; undoes the renames done so far if one fails.
    private static func commit(_ files: [Prepared]) throws {
        let backups: [String?] = files.count > 1 ? files.map { $0.makeBackup() } : [nil]
        for (index, file) in files.enumerated() {
            if rename(file.temporary, file.destination.target) != 0 {
                let reason = plainReason(errno)
                for (undone, earlier) in files[..<index].enumerated().reversed() {
                    if let backup = backups[undone] {
                        rename(backup, earlier.destination.target)
                    } else if earlier.destination.existing == nil {
                        unlink(earlier.destination.target)
                    }
                }
                for remaining in files[index...] { remaining.discard() }
                for case let backup? in backups { unlink(backup) }
                throw DataError.file(file.destination.path, "cannot move the written file into place: \(reason); the old file is unchanged")
            }
        }
        for case let backup? in backups { unlink(backup) }
        var synced = Set<String>()
        for file in files where synced.insert(file.destination.directory).inserted {
            syncDirectory(file.destination.directory)
        }
    }

    private static func syncDirectory(_ directory: String) {
        let fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }

    /// A plain-words reason for a failed file operation.
    public static func plainReason(_ code: Int32) -> String {
        switch code {
        case ENOSPC: "the disk is full"
        case EDQUOT: "the disk quota is used up"
        case EFBIG: "the file is larger than the file-size limit allows"
        case EACCES, EPERM: "permission denied"
        case EROFS: "the file system is read-only"
        case ENOENT: "the directory does not exist"
        case ENOTDIR: "a part of the path is not a directory"
        case EISDIR: "it is a directory"
        case ENAMETOOLONG: "the name is too long"
        case EIO: "an input/output error"
        default: FileIO.errorText(code)
        }
    }
}

/// Where a write really lands: symlinks followed to their final target.
private struct Destination {
    let path: String
    let target: String
    let directory: String
    /// The existing file's status, if there is one.
    let existing: stat?

    init(path: String) throws {
        self.path = path
        guard !path.isEmpty else { throw DataError("cannot write: the file name is empty") }
        if path.hasSuffix("/") {
            throw DataError.file(path, "cannot write: the path names a directory, not a file")
        }
        var target = path
        var hops = 0
        var info = stat()
        while lstat(target, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK {
            hops += 1
            guard hops <= 40, let link = Self.readLink(target) else {
                throw DataError.file(path, "cannot write: too many levels of symbolic links")
            }
            target = link.hasPrefix("/") ? link : Self.directory(of: target) + "/" + link
        }
        self.target = target
        self.directory = Self.directory(of: target)
        if lstat(target, &info) == 0 {
            let type = info.st_mode & S_IFMT
            if type == S_IFDIR {
                throw DataError.file(path, "cannot write: it is an existing directory (give a file name inside it)")
            }
            if type != S_IFREG {
                throw DataError.file(path, "cannot write: it is not a regular file (a device, pipe or socket)")
            }
            existing = info
        } else {
            existing = nil
            var directoryInfo = stat()
            if stat(directory, &directoryInfo) != 0 {
                throw DataError.file(path, "cannot write: the directory '\(directory)' does not exist")
            }
            if directoryInfo.st_mode & S_IFMT != S_IFDIR {
                throw DataError.file(path, "cannot write: '\(directory)' is not a directory")
            }
        }
    }

    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let head = String(path[..<slash])
        return head.isEmpty ? "/" : head
    }

    var baseName: String {
        target.lastIndex(of: "/").map { String(target[target.index(after: $0)...]) } ?? target
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A complete temporary file waiting to be renamed over its destination.
private struct Prepared {
    let destination: Destination
    let temporary: String

    init(destination: Destination, body: (FileSink) throws -> Void) throws {
        self.destination = destination
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        temporary = destination.directory + "/.\(destination.baseName).tmp-\(getpid())-\(random)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if fd < 0 {
            throw DataError.file(destination.path, "cannot write: \(SafeWriter.plainReason(errno)) (creating a temporary file in '\(destination.directory)')")
        }
        do {
            if let existing = destination.existing {
                _ = fchmod(fd, existing.st_mode & 0o7777)
                _ = fchown(fd, existing.st_uid, existing.st_gid)
            }
            try body(FileSink(fd: fd, path: destination.path))
            if fsync(fd) != 0 {
                throw DataError.file(destination.path, "cannot write: \(SafeWriter.plainReason(errno)); the old file is unchanged")
            }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        if close(fd) != 0 {
            let reason = SafeWriter.plainReason(errno)
            unlink(temporary)
            throw DataError.file(destination.path, "cannot write: \(reason); the old file is unchanged")
        }
    }

    func discard() { unlink(temporary) }

    /// A hard link to the file being replaced, so a failed set can put it back.
    func makeBackup() -> String? {
        guard destination.existing != nil else { return nil }
        let backup = temporary + ".old"
        return link(destination.target, backup) == 0 ? backup : nil
    }
}

extension SafeWriter {
    /// Creates a directory and any missing parents (like `mkdir -p`); an existing directory
    /// is fine, an existing file of that name is an error.
    public static func makeDirectory(_ path: String) throws {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            built += "/" + part
            var info = stat()
            if stat(built, &info) == 0 {
                if info.st_mode & S_IFMT != S_IFDIR {
                    throw DataError.file(path, "cannot create the directory: '\(built)' is a file")
                }
                continue
            }
            if mkdir(built, 0o777) != 0 && errno != EEXIST {
                throw DataError.file(path, "cannot create the directory: \(plainReason(errno))")
            }
        }
    }
}
