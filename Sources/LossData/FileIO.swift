#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads with POSIX calls, reporting failures as DataError
/// messages that name the path.
public enum FileIO {
    /// Reads a whole regular file in one pass (see `InputFile` for what is refused).
    public static func readAll(path: String) throws -> [UInt8] {
        let file = try InputFile(path: path)
        try file.checkFitsInMemory(file.size, what: "the file")
        return try file.read(at: 0, count: file.size)
    }

    /// The machine's physical memory in bytes (Int.max if the system will not say).
    static let physicalMemory: Int = {
        let pages = sysconf(Int32(_SC_PHYS_PAGES))
        let pageSize = sysconf(Int32(_SC_PAGESIZE))
        guard pages > 0, pageSize > 0 else { return Int.max }
        let (bytes, overflow) = pages.multipliedReportingOverflow(by: pageSize)
        return overflow ? Int.max : bytes
    }()

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }

    static func describeOpenFailure(_ code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES: "cannot open: permission denied"
        case ENOTDIR: "no such file (a part of the path is not a directory)"
        default: "cannot open: \(errorText(code))"
        }
    }
}

/// An open regular file read with positioned reads. Directories, devices and pipes are
/// refused, so a wrong path can neither hang the reader nor make it read forever.
final class InputFile {
    let path: String
    let size: Int
    let fd: Int32

    init(path: String) throws {
        self.path = path
        // O_NONBLOCK so that opening a FIFO cannot wait for a writer; it has no effect on
        // regular files, the only kind read past the fstat check.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            throw DataError.file(path, FileIO.describeOpenFailure(errno))
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let code = errno
            close(fd)
            throw DataError.file(path, "cannot read file information: \(FileIO.errorText(code))")
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            close(fd)
            throw DataError.file(path, type == S_IFDIR ? "is a directory, not a file" : "is not a regular file (a device, pipe or socket)")
        }
        self.fd = fd
        self.size = Int(info.st_size)
    }

    deinit {
        close(fd)
    }

    /// Refuses to go on when `bytes` of memory would exceed the machine's physical memory.
    func checkFitsInMemory(_ bytes: Int, what: String) throws {
        if bytes > FileIO.physicalMemory {
            throw DataError.file(
                path, "\(what) needs \(bytes) bytes of memory, more than this machine has (\(FileIO.physicalMemory))")
        }
    }

    /// Fills `buffer` from `offset`; throws if the file ends first (it shrank while we read).
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws {
        var done = 0
        while done < buffer.count {
            let got = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if got < 0 {
                if errno == EINTR { continue }
                throw DataError.file(path, "read failed: \(FileIO.errorText(errno))")
            }
            if got == 0 {
                throw DataError.file(
                    path, "the file ended after \(offset + done) bytes while being read; it was \(size) bytes when opened (changed while reading?)")
            }
            done += got
        }
    }

    func read(at offset: Int, count: Int) throws -> [UInt8] {
        try [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            try read(at: offset, into: UnsafeMutableRawBufferPointer(start: buffer.baseAddress, count: count))
            initialized = count
        }
    }
}

/// The write end handed to a `PendingFile`'s body.
public struct FileSink {
    let fd: Int32
    let path: String

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let wrote = posixWrite(fd, bytes.baseAddress! + done, bytes.count - done)
            if wrote < 0 {
                if errno == EINTR { continue }
                throw DataError.file(path, "cannot write: \(SafeWriter.plainReason(errno)); the old file is unchanged")
            }
            done += wrote
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

// `write` is shadowed inside a type that defines methods of that name.
@inline(__always)
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, buffer, count)
}
