/// Reading numpy `.npz` archives: ZIP files of `.npy` entries written by `np.savez`
/// (stored) and `np.savez_compressed` (deflate).
public enum NumpyArchive {
    /// Reads every array in the archive, keyed by entry name without the ".npy" suffix.
    public static func read(path: String) throws -> [String: NumpyArray] {
        let bytes = try FileIO.readAll(path: path)
        return try read(data: bytes, name: path)
    }

    /// Reads an archive held in memory; `name` starts error messages.
    public static func read(data: [UInt8], name: String) throws -> [String: NumpyArray] {
        try data.withUnsafeBytes { archive in
            var arrays: [String: NumpyArray] = [:]
            for entry in try ZipDirectory.entries(of: archive, name: name) {
                if entry.name.hasSuffix("/") && entry.uncompressedSize == 0 { continue }  // a folder
                let key = entry.name.hasSuffix(".npy") ? String(entry.name.dropLast(4)) : entry.name
                guard arrays[key] == nil else {
                    throw DataError.file(name, "the archive holds two entries for the key '\(key)'")
                }
                let entryName = "\(name)[\(entry.name)]"
                arrays[key] = try ZipDirectory.withContents(of: entry, in: archive, name: name) { bytes in
                    try NumpyFile.decode(bytes, name: entryName)
                }
            }
            return arrays
        }
    }
}

/// One file in a ZIP archive, as its central directory describes it.
struct ZipEntry: Equatable {
    var name: String
    var method: Int
    var flags: Int
    var crc: UInt32
    var compressedSize: Int
    var uncompressedSize: Int
    var localHeaderOffset: Int
}

/// The parts of the ZIP format (PKWARE APPNOTE) that `.npz` files use, including the zip64
/// extensions numpy's writer emits for large archives. Multi-disk and encrypted archives
/// are refused.
enum ZipDirectory {
    static let endSignature: UInt32 = 0x0605_4B50
    static let zip64EndSignature: UInt32 = 0x0606_4B50
    static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    static let centralSignature: UInt32 = 0x0201_4B50
    static let localSignature: UInt32 = 0x0403_4B50

    /// Parses the central directory.
    static func entries(of archive: UnsafeRawBufferPointer, name: String) throws -> [ZipEntry] {
        func fail(_ problem: String) -> DataError { DataError.file(name, problem) }
        let count = archive.count
        if count == 0 { throw fail("file is empty (0 bytes); expected an .npz archive") }
        let end = try findEndRecord(archive, name: name)

        var entryCount = Int(u16(archive, end + 10))
        var directorySize = Int(u32(archive, end + 12))
        var directoryOffset = Int(u32(archive, end + 16))
        let diskNumber = u16(archive, end + 4)
        let directoryDisk = u16(archive, end + 6)
        var directoryLimit = end  // the central directory must end before this offset

        let locator = end - 20
        if locator >= 0 && u32(archive, locator) == zip64LocatorSignature {
            let recordOffset64 = u64(archive, locator + 8)
            guard recordOffset64 <= UInt64(locator), Int(recordOffset64) + 56 <= locator else {
                throw fail("corrupt zip64 end record locator (points outside the archive)")
            }
            let record = Int(recordOffset64)
            guard u32(archive, record) == zip64EndSignature else {
                throw fail("corrupt archive: the zip64 end-of-central-directory record is missing")
            }
            guard u32(archive, record + 16) == 0, u32(archive, record + 20) == 0 else {
                throw fail("multi-disk (split) ZIP archives are not supported")
            }
            let entries64 = u64(archive, record + 32)
            let size64 = u64(archive, record + 40)
            let offset64 = u64(archive, record + 48)
            guard entries64 <= UInt64(count), size64 <= UInt64(count), offset64 <= UInt64(count) else {
                throw fail("corrupt zip64 end record: sizes larger than the file")
            }
            entryCount = Int(entries64)
            directorySize = Int(size64)
            directoryOffset = Int(offset64)
            directoryLimit = record
        } else if diskNumber != 0 || directoryDisk != 0 {
            throw fail("multi-disk (split) ZIP archives are not supported")
        } else if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            throw fail("corrupt zip64 archive: the end record defers to a zip64 record that is missing")
        }

        guard directoryOffset <= directoryLimit, directorySize <= directoryLimit - directoryOffset else {
            throw fail(
                "bad central directory: it claims \(directorySize) bytes at offset \(directoryOffset), past the end record at \(directoryLimit) (truncated or corrupt archive)"
            )
        }
        guard entryCount <= directorySize / 46 else {
            throw fail("bad central directory: \(entryCount) entries cannot fit in \(directorySize) bytes")
        }

        var entries: [ZipEntry] = []
        var offset = directoryOffset
        let directoryEnd = directoryOffset + directorySize
        for index in 0..<entryCount {
            guard directoryEnd - offset >= 46, u32(archive, offset) == centralSignature else {
                throw fail("bad central directory: entry \(index + 1) of \(entryCount) at offset \(offset) is not a valid directory record")
            }
            let flags = Int(u16(archive, offset + 8))
            let method = Int(u16(archive, offset + 10))
            let crc = u32(archive, offset + 16)
            var compressed = UInt64(u32(archive, offset + 20))
            var uncompressed = UInt64(u32(archive, offset + 24))
            let nameLength = Int(u16(archive, offset + 28))
            let extraLength = Int(u16(archive, offset + 30))
            let commentLength = Int(u16(archive, offset + 32))
            let startDisk = u16(archive, offset + 34)
            var localOffset = UInt64(u32(archive, offset + 42))
            let recordLength = 46 + nameLength + extraLength + commentLength
            guard directoryEnd - offset >= recordLength else {
                throw fail("bad central directory: entry \(index + 1) runs past the end of the directory")
            }
            let entryName = String(decoding: archive[(offset + 46)..<(offset + 46 + nameLength)], as: UTF8.self)

            // zip64 extra field: 64-bit values for whichever fields hold the 0xFFFFFFFF marker.
            if compressed == 0xFFFF_FFFF || uncompressed == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF {
                guard
                    let extra = findExtraField(
                        0x0001, in: UnsafeRawBufferPointer(rebasing: archive[(offset + 46 + nameLength)..<(offset + 46 + nameLength + extraLength)]))
                else {
                    throw fail("bad central directory: entry '\(entryName)' has 32-bit size markers but no zip64 extra field")
                }
                var cursor = 0
                func next() throws -> UInt64 {
                    guard cursor + 8 <= extra.count else {
                        throw fail("bad central directory: the zip64 extra field of entry '\(entryName)' is too short")
                    }
                    defer { cursor += 8 }
                    return u64(extra, cursor)
                }
                if uncompressed == 0xFFFF_FFFF { uncompressed = try next() }
                if compressed == 0xFFFF_FFFF { compressed = try next() }
                if localOffset == 0xFFFF_FFFF { localOffset = try next() }
            } else if startDisk != 0 {
                throw fail("multi-disk (split) ZIP archives are not supported")
            }
            let limit = UInt64(count)
            guard compressed <= limit, localOffset <= limit, uncompressed <= UInt64(Int.max) else {
                throw fail("bad central directory: entry '\(entryName)' has sizes or offsets beyond the end of the file")
            }
            entries.append(
                ZipEntry(
                    name: entryName, method: method, flags: flags, crc: crc, compressedSize: Int(compressed),
                    uncompressedSize: Int(uncompressed), localHeaderOffset: Int(localOffset)))
            offset += recordLength
        }
        return entries
    }

    /// Finds the end-of-central-directory record, searching back over at most a maximal comment.
    private static func findEndRecord(_ archive: UnsafeRawBufferPointer, name: String) throws -> Int {
        let count = archive.count
        func notZip(_ why: String) -> DataError {
            if count >= 6 && archive[0] == 0x93 && archive[1] == 0x4E && archive[2] == 0x55 {
                return DataError.file(name, "this is a .npy file, not an .npz archive")
            }
            return DataError.file(name, "not an .npz (ZIP) archive: \(why)")
        }
        guard count >= 22 else {
            throw notZip("only \(count) bytes, too short for a ZIP end record (truncated?)")
        }
        let lowest = max(0, count - 22 - 0xFFFF)
        var candidate = count - 22
        while candidate >= lowest {
            if u32(archive, candidate) == endSignature && candidate + 22 + Int(u16(archive, candidate + 20)) == count {
                return candidate
            }
            candidate -= 1
        }
        throw notZip("no end-of-central-directory record in its last \(min(count, 22 + 0xFFFF)) bytes (truncated or corrupt?)")
    }

    /// Locates an entry's data through its local header, decompresses it if needed, checks
    /// the CRC-32, and hands the bytes to `body`.
    static func withContents<R>(
        of entry: ZipEntry, in archive: UnsafeRawBufferPointer, name: String,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R {
        func fail(_ problem: String) -> DataError { DataError.file(name, "entry '\(entry.name)': \(problem)") }
        if entry.flags & 1 != 0 { throw fail("the entry is encrypted, which is not supported") }
        let local = entry.localHeaderOffset
        guard local <= archive.count - 30, u32(archive, local) == localSignature else {
            throw fail("no local file header at offset \(local) (corrupt central directory or truncated archive)")
        }
        let dataStart = local + 30 + Int(u16(archive, local + 26)) + Int(u16(archive, local + 28))
        guard dataStart <= archive.count, entry.compressedSize <= archive.count - dataStart else {
            throw fail(
                "its \(entry.compressedSize) bytes of data at offset \(dataStart) run past the end of the file (\(archive.count) bytes; truncated archive?)"
            )
        }
        let compressed = UnsafeRawBufferPointer(rebasing: archive[dataStart..<(dataStart + entry.compressedSize)])

        func checked(_ bytes: UnsafeRawBufferPointer) throws -> R {
            let actual = Zlib.crc32(bytes)
            guard actual == entry.crc else {
                throw fail(
                    "CRC-32 mismatch (archive says \(hex(entry.crc)), data gives \(hex(actual))): the archive is corrupt")
            }
            return try body(bytes)
        }

        switch entry.method {
        case 0:
            guard entry.compressedSize == entry.uncompressedSize else {
                throw fail("stored entry with different compressed (\(entry.compressedSize)) and uncompressed (\(entry.uncompressedSize)) sizes")
            }
            return try checked(compressed)
        case 8:
            // Deflate cannot expand by more than 1032:1 (258 bytes per 2-bit length/distance pair).
            let (ceiling, overflow) = (entry.compressedSize + 1).multipliedReportingOverflow(by: 1032)
            guard overflow || entry.uncompressedSize <= ceiling else {
                throw fail(
                    "declares \(entry.uncompressedSize) uncompressed bytes from \(entry.compressedSize) compressed, more than deflate can produce (corrupt sizes)"
                )
            }
            let inflated: [UInt8]
            do {
                inflated = try Zlib.inflate(compressed, expectedSize: entry.uncompressedSize)
            } catch let error as DataError {
                throw fail(error.message)
            }
            return try inflated.withUnsafeBytes { try checked($0) }
        default:
            let known = [1: "shrink", 6: "implode", 9: "deflate64", 12: "bzip2", 14: "lzma", 93: "zstd", 95: "xz", 99: "AES encryption"]
            let label = known[entry.method].map { " (\($0))" } ?? ""
            throw fail("unsupported compression method \(entry.method)\(label); only stored (0) and deflate (8) are supported")
        }
    }

    /// The payload of the first extra-field block with the given id, if the field is well formed.
    private static func findExtraField(_ id: UInt16, in extra: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? {
        var offset = 0
        while extra.count - offset >= 4 {
            let blockID = u16(extra, offset)
            let size = Int(u16(extra, offset + 2))
            guard extra.count - offset - 4 >= size else { return nil }
            if blockID == id {
                return UnsafeRawBufferPointer(rebasing: extra[(offset + 4)..<(offset + 4 + size)])
            }
            offset += 4 + size
        }
        return nil
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
    }

    // Little-endian loads; callers have checked the bounds.
    private static func u16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    private static func u32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    private static func u64(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }
}
