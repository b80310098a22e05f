import Explorer
import LossKit
import LossSession
import TerminalKit
import Testing

/// Beside the loss curve of a loss that measures its memory (a cached loss and its plain
/// loss): what the last step held and in how many mini-batches.
@Suite struct CachedMemoryNoteTests {
    @Test func theLossCaptionShowsTheMemoryAndMiniBatchesOfTheLastStep() {
        var snapshot = ScreenFixtures.trained()
        let plain = ExplorerTests.model(snapshot, width: 200, height: 50).view().lines().joined(separator: "\n")
        #expect(!plain.contains("mini-batch"), "a loss that does not measure it shows nothing")
        snapshot.history[snapshot.history.count - 1].scratch = ScratchUse(peakBytes: 110_660, miniBatches: 12)
        let cached = ExplorerTests.model(snapshot, width: 200, height: 50).view().lines().joined(separator: "\n")
        #expect(cached.contains("held 110.7 KB/step in 12 mini-batches"))
        snapshot.history[snapshot.history.count - 1].scratch = ScratchUse(peakBytes: 661_560, miniBatches: 1)
        let whole = ExplorerTests.model(snapshot, width: 200, height: 50).view().lines().joined(separator: "\n")
        #expect(whole.contains("held 661.6 KB/step in 1 mini-batch"))
    }
}
