#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LossKit

/// A regular file mapped read-only (PROT_READ, never written through), unmapped when the
/// last `ReadOnlyRows` or other holder lets go of it. The pages are the page cache's: the
/// file's data is not copied into the process.
///
/// If another program shrinks the file while it is mapped (`np.save` over the same path
/// truncates it first), reading a page past the new end raises SIGBUS: `TruncationGuard`
/// turns that into zeros and one line on stderr instead of a crash. A file rewritten in
/// place at the same size is not noticed: its new values are read from then on. (Tools that
/// write a new file and rename it over the old one leave the mapped file as it was.)
public final class MappedFile: ReadOnlyMemory, @unchecked Sendable {
    public let path: String
    public let baseAddress: UnsafeRawPointer
    public let byteCount: Int
    private let watchSlot: Int?

    init(_ file: InputFile) throws {
        precondition(file.size > 0, "an empty file cannot be mapped")
        guard let address = mmap(nil, file.size, PROT_READ, MAP_SHARED, file.fd, 0), address != MAP_FAILED else {
            throw DataError.file(file.path, "cannot map the file into memory: \(FileIO.errorText(errno))")
        }
        path = file.path
        baseAddress = UnsafeRawPointer(address)
        byteCount = file.size
        watchSlot = TruncationGuard.watch(start: baseAddress, byteCount: byteCount, path: path)
    }

    /// Whether a read met the end of a file that was cut short after it was mapped.
    public var wasCutShort: Bool { watchSlot.map(TruncationGuard.wasCutShort) ?? false }

    deinit {
        if let watchSlot { TruncationGuard.release(watchSlot) }
        munmap(UnsafeMutableRawPointer(mutating: baseAddress), byteCount)
    }
}
