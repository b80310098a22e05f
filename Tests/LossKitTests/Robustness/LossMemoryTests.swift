import LossKit
import Testing

/// Sizes the losses take from users are bounded (issue 11).
@Suite struct LossMemoryTests {
    func message(_ name: String, _ settings: [String: String]) -> String {
        do {
            _ = try LossCatalog.make(name, settings: settings)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func miniBatchSizeIsBoundedByTheLargestBatch() throws {
        let text = message("MegaBatchMarginLoss", ["mini_batch_size": "1000000000"])
        #expect(text.contains("mini_batch_size=1000000000 is too large; it must be at most \(LossMemory.largestBatch)"))
        _ = try LossCatalog.make("MegaBatchMarginLoss", settings: ["mini_batch_size": "\(LossMemory.largestBatch)"])
    }

    @Test func batchLossesNeedMemoryInTheSquareOfTheBatch() throws {
        let batchAll = try LossCatalog.make("BatchAllTripletLoss")
        #expect(batchAll.scratchBytes(rows: 2000, columns: 1, scalarBytes: 4, classes: 3) == 4 * batchAll.scratchBytes(rows: 1000, columns: 1, scalarBytes: 4, classes: 3))
        let triplet = try LossCatalog.make("TripletLoss")
        #expect(triplet.scratchBytes(rows: 1_000_000, columns: 3, scalarBytes: 8, classes: 3) == 0)
        let softmax = try LossCatalog.make("SoftmaxLoss")
        #expect(softmax.scratchBytes(rows: 10, columns: 2, scalarBytes: 8, classes: 1000) == 3 * 10 * 1000 * 8)
    }

    @Test func bytesReadAsPeopleReadThem() {
        #expect(LossMemory.describe(72e9) == "72.0 GB")
        #expect(LossMemory.describe(512) == "512 bytes")
        #expect(LossMemory.describe(1.25e6) == "1.3 MB")
        #expect(LossMemory.describe(999.97e9) == "1.0 TB")
        #expect(LossMemory.describe(1e30) == "more than 1000 PB")
        #expect(LossMemory.describe(.infinity) == "more than 1000 PB")
    }
}
