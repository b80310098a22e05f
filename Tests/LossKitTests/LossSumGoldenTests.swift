import Foundation
import LossKit
import LossSession
import Testing

/// Weighted sums against sentence-transformers 6.2 (Tests/Fixtures/sums/generate.py: the real
/// loss classes summed as a 6.2 trainer sums a dict of terms), through `losslab eval`'s engine,
/// to the golden suites' tolerances.
@Suite struct LossSumGoldenTests {
    static let cases = (try? GoldenCase.load(GoldenCase.fixtureDirectory.deletingLastPathComponent()
        .appendingPathComponent("sums/cases.jsonl"))) ?? []

    @Test func fixturesArePresent() { #expect(Self.cases.count == 4) }

    @Test(arguments: cases)
    func matchesReference(_ golden: GoldenCase) throws {
        #expect(try EvalJob.run(golden.request).sum != nil)
        try GoldenTests().matchesReference(golden)
    }
}
