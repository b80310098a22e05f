import LossKit
import Testing

@testable import LossData

/// The budget sizes are checked against before anything is allocated (issue 11).
@Suite struct MemoryBudgetTests {
    @Test func aSizeThatFitsPasses() {
        #expect(MemoryBudget.refusal("k", 10, what: "ten bytes") { Double($0) } == nil)
    }

    @Test func aSizeThatCannotFitNamesItselfItsNeedAndTheLargestThatFits() throws {
        let perUnit = 1000.0
        let text = try #require(MemoryBudget.refusal("num_labels", 1 << 50, what: "the classifier") { Double($0) * perUnit })
        #expect(text.hasPrefix("num_labels=\(1 << 50) is too large: the classifier would take "))
        #expect(text.contains(MemoryBudget.limitText))
        let largest = Int(MemoryBudget.bytes / perUnit)
        #expect(text.hasSuffix("here at most \(largest) fits"), "\(text)")
    }

    @Test func nothingFitsIsSaidSo() throws {
        let text = try #require(MemoryBudget.refusal("dim", 3, what: "it") { _ in .infinity })
        #expect(text.hasSuffix("here not even 1 fits"))
    }
}
