#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads and atomic writes with POSIX calls, reporting failures as DataError
/// messages that name the path.
enum FileIO {
    /// Reads a regular file in one pass. Directories, devices and pipes are refused so a
    /// wrong path can neither hang the reader nor make it read forever.
    static func readAll(path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw DataError.file(path, describeOpenFailure(errno))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw DataError.file(path, "cannot read file information: \(errorText(errno))")
        }
        let type = info.st_mode & S_IFMT
        if type == S_IFDIR {
            throw DataError.file(path, "is a directory, not a file")
        }
        guard type == S_IFREG else {
            throw DataError.file(path, "is not a regular file (a device, pipe or socket)")
        }
        let size = Int(info.st_size)
        guard size > 0 else { return [] }
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            var done = 0
            while done < size {
                let got = posixRead(fd, buffer.baseAddress! + done, size - done)
                if got < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    break
                }
                if got == 0 { break }  // the file shrank while we read it
                done += got
            }
            initialized = done
        }
        if failure != 0 {
            throw DataError.file(path, "read failed: \(errorText(failure))")
        }
        return bytes
    }

    /// Writes through `body` into a temporary file in the destination's directory, then
    /// renames it over `path`, so readers never see a half-written file. On any failure the
    /// temporary file is removed and the destination is left untouched.
    static func writeAtomically(path: String, _ body: (FileSink) throws -> Void) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !base.isEmpty else {
            throw DataError.file(path, "cannot write: the path names a directory, not a file")
        }
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let temporary = (directory.isEmpty ? "" : directory + "/") + ".\(base).tmp-\(getpid())-\(random)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        if fd < 0 {
            throw DataError.file(path, "cannot create a temporary file in '\(directory.isEmpty ? "/" : directory)': \(errorText(errno))")
        }
        var stillOpen = true
        do {
            try body(FileSink(fd: fd, path: path))
            stillOpen = false
            if close(fd) != 0 {
                throw DataError.file(path, "write failed when closing: \(errorText(errno))")
            }
            if rename(temporary, path) != 0 {
                throw DataError.file(path, "cannot move the written file into place: \(errorText(errno))")
            }
        } catch {
            if stillOpen { close(fd) }
            unlink(temporary)
            throw error
        }
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    private static func describeOpenFailure(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES: "cannot open: permission denied"
        case ENOTDIR: "no such file (a part of the path is not a directory)"
        default: "cannot open: \(errorText(code))"
        }
    }
}

/// The write end handed to `FileIO.writeAtomically`'s body.
struct FileSink {
    let fd: Int32
    let path: String

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let wrote = posixWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if wrote < 0 {
                if errno == EINTR { continue }
                throw DataError.file(path, "write failed: \(FileIO.errorText(errno))")
            }
            done += wrote
        }
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

// `read` and `write` are shadowed inside types that define methods of those names.
@inline(__always)
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutablePointer<UInt8>, _ count: Int) -> Int {
    read(fd, buffer, count)
}

@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
