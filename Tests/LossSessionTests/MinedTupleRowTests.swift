import LossKit
import Testing

@testable import LossSession

/// One mapping from a mined tuple's rows to dataset items, for the mining table and `show forces`.
@Suite struct MinedTupleRowTests {
    @Test func rankingTuplesWithHardNegativesNameItemsOfTheBatch() throws {
        let session = Session(workingDirectory: "/tmp")
        for line in ["load text:triplets", "loss MultipleNegativesRankingLoss", "set batch_size=8", "step 1"] {
            _ = try session.apply(Command.parse(line))
        }
        let batch = try #require(session.lastBatch)
        let inBatch = Set(batch.items.flatMap { $0 })
        let tuples = SessionReport.tupleItems(batch)
        #expect(!tuples.isEmpty)
        for items in tuples {
            #expect(items.allSatisfy { inBatch.contains($0) }, "\(items) holds an item outside the batch \(inBatch.sorted())")
        }
        // Each anchor's positive is its own row of the positive column.
        for (index, tuple) in batch.mining.tuples.enumerated() {
            let row = MinedTupleRow(index: index, tuple: tuple, batch: batch)
            #expect(row.positiveItem == batch.items[1][tuple.anchor])
        }
    }
}
