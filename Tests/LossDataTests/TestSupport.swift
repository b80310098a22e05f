import Foundation
import Testing

@testable import LossData

/// Paths and bytes of the committed fixtures in Data/ (made by Data/make_npy_fixtures.py).
enum Fixture {
    static let directory: String = {
        let file = "\(#filePath)"
        let folder = file[..<file.lastIndex(of: "/")!]
        return folder + "/Data"
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
}

/// A fresh directory under the system temporary folder, removed by `cleanUp()`.
struct TemporaryDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "/lossdata-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Writes `text` as UTF-8 to `name` and returns the path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let target = file(name)
        try Data(bytes).write(to: URL(fileURLWithPath: target))
        return target
    }

    func read(_ name: String) throws -> String {
        try String(contentsOfFile: file(name), encoding: .utf8)
    }

    func contents() -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: path))?.sorted() ?? []
    }

    func cleanUp() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// Runs `body`, which must throw a DataError, and returns its message ("" after recording
/// an issue when it does not throw one).
@discardableResult
func dataErrorMessage<R>(
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> R
) -> String {
    do {
        let result = try body()
        Issue.record("expected a DataError, got a result: \(result)", sourceLocation: sourceLocation)
        return ""
    } catch let error as DataError {
        return error.message
    } catch {
        Issue.record("expected a DataError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return ""
    }
}

/// Checks that the message mentions every fragment (case-sensitive).
func expectMessage(
    _ message: String, contains fragments: String..., sourceLocation: SourceLocation = #_sourceLocation
) {
    for fragment in fragments {
        #expect(message.contains(fragment), "message \"\(message)\" lacks \"\(fragment)\"", sourceLocation: sourceLocation)
    }
}

/// A `.npy` image with the given header text (padded like numpy pads it) and data bytes.
func npyImage(header: String, data: [UInt8] = [], major: UInt8 = 1, pad: Bool = true) -> [UInt8] {
    var text = Array(header.utf8)
    let prefix = major == 1 ? 10 : 12
    if pad {
        let unpadded = prefix + text.count + 1
        text += [UInt8](repeating: 0x20, count: (64 - unpadded % 64) % 64) + [0x0A]
    }
    var bytes: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, major, 0]
    if major == 1 {
        bytes += [UInt8(text.count & 0xFF), UInt8(text.count >> 8)]
    } else {
        bytes += (0..<4).map { UInt8(truncatingIfNeeded: text.count >> (8 * $0)) }
    }
    return bytes + text + data
}

/// Little-endian bytes of float32 values.
func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.flatMap { value -> [UInt8] in
        let bits = value.bitPattern
        return (0..<4).map { UInt8(truncatingIfNeeded: bits >> (8 * $0)) }
    }
}

/// Little-endian field access on byte arrays, for corrupting archives in tests.
extension Array where Element == UInt8 {
    func u16(at offset: Int) -> Int { Int(self[offset]) | Int(self[offset + 1]) << 8 }

    func u32(at offset: Int) -> Int { u16(at: offset) | u16(at: offset + 2) << 16 }

    mutating func setU16(_ value: Int, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: value)
        self[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
    }

    mutating func setU32(_ value: Int, at offset: Int) {
        setU16(value & 0xFFFF, at: offset)
        setU16(value >> 16, at: offset + 2)
    }
}
