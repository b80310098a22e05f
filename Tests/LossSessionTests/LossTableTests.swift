import Foundation
import LossKit
import LossSession
import Testing

/// The README's loss table is `losslab losses --markdown`, and lists every loss a session trains.
@Suite struct LossTableTests {
    static let readme = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("README.md")

    @Test func readmeTableIsTheGeneratedOne() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let begin = try #require(text.range(of: "<!-- losses:begin -->\n"))
        let end = try #require(text.range(of: "<!-- losses:end -->"))
        let table = String(text[begin.upperBound..<end.lowerBound])
        #expect(table == LossTable.markdown(), "README's table is stale: paste `losslab losses --markdown` between the markers")
    }

    @Test func everyLossIsListedWithItsParameters() {
        let text = LossTable.text()
        for type in SessionLoss.all {
            #expect(text.contains("\(type.className): \(type.summary)"))
            for parameter in type.parameters(in: .latest) { #expect(text.contains("  \(parameter.name)=")) }
            for parameter in type.parameters where !parameter.exists(in: .latest) {
                #expect(text.contains("reference 1.2.0 only: ") && text.contains(parameter.name), "\(parameter.name)")
            }
        }
    }
}
