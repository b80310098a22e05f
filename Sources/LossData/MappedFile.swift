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
public final class MappedFile: ReadOnlyMemory, @unchecked Sendable {
    public let path: String
    public let baseAddress: UnsafeRawPointer
    public let byteCount: Int

    init(_ file: InputFile) throws {
        precondition(file.size > 0, "an empty file cannot be mapped")
        guard let address = mmap(nil, file.size, PROT_READ, MAP_SHARED, file.fd, 0), address != MAP_FAILED else {
            throw DataError.file(file.path, "cannot map the file into memory: \(FileIO.errorText(errno))")
        }
        path = file.path
        baseAddress = UnsafeRawPointer(address)
        byteCount = file.size
    }

    deinit {
        munmap(UnsafeMutableRawPointer(mutating: baseAddress), byteCount)
    }
}
