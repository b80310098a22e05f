#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import TerminalKit

@Suite("Widths as wcwidth gives them")
struct WcwidthTests {
    /// Every code point against this machine's wcwidth under C.UTF-8 (set for this thread only,
    /// so other tests keep their locale). Where wcwidth says unprintable (-1), controls are 0
    /// and the rest 1. A difference means the table is from another glibc: regenerate it with
    /// Tests/TerminalKitTests/Tools/make_width_table.py.
    @Test func matchesWcwidthEverywhere() throws {
        #if canImport(Glibc)
        // wcwidth is not in Swift's Glibc module (it needs _XOPEN_SOURCE): take it from the C library.
        let libc = dlopen(nil, RTLD_NOW)
        typealias Wcwidth = @convention(c) (Int32) -> Int32
        typealias Version = @convention(c) () -> UnsafePointer<CChar>
        let wcwidth = unsafeBitCast(try #require(dlsym(libc, "wcwidth")), to: Wcwidth.self)
        let glibc = String(cString: unsafeBitCast(try #require(dlsym(libc, "gnu_get_libc_version")), to: Version.self)())
        let utf8 = try #require(newlocale(LC_CTYPE_MASK, "C.UTF-8", nil), "no C.UTF-8 locale")
        let previous = uselocale(utf8)
        defer { uselocale(previous); freelocale(utf8) }
        var differences: [String] = []
        var count = 0
        for value in UInt32(0)..<0x110000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let reference = Int(wcwidth(Int32(value)))
            let expected = reference >= 0 ? reference : (TextMetrics.isControl(scalar) ? 0 : 1)
            let width = TextMetrics.width(of: scalar)
            if width != expected {
                count += 1
                if differences.count < 10 { differences.append("U+\(String(value, radix: 16, uppercase: true)): \(width), wcwidth \(reference)") }
            }
        }
        #expect(count == 0, "\(count) code points differ from glibc \(glibc) (table from \(WidthTable.glibcVersion)): \(differences)")
        #endif
    }

    @Test func indicCombiningMarksTakeNoCell() {
        // Devanagari "कि" (ka + vowel sign i) and Tamil "நீ": the vowel signs are combining marks.
        #expect(TextMetrics.width(of: Unicode.Scalar(0x093F)!) == 1, "a spacing vowel sign stays 1, as wcwidth says")
        #expect(TextMetrics.width(of: Unicode.Scalar(0x0941)!) == 0)
        #expect(TextMetrics.width(of: Unicode.Scalar(0x0BCD)!) == 0, "Tamil virama")
        #expect(TextMetrics.width(of: Unicode.Scalar(0x0D4D)!) == 0, "Malayalam virama")
        #expect(TextMetrics.width("中文") == 4 && TextMetrics.width("e\u{301}") == 1 && TextMetrics.width("\u{1F600}") == 2)
    }
}
