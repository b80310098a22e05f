import Explorer
import LossKit
@testable import LossSession
import TerminalKit
import Testing

/// An encoder with layers: the mining pane opens with the loss and held-out metrics per layer.
@Suite struct LayerTablePaneTests {
    @Test func theMiningPaneShowsEveryLayer() {
        var snapshot = ScreenFixtures.trained()
        let plain = ExplorerTests.model(snapshot, width: 200, height: 50).view().lines().joined(separator: "\n")
        #expect(!plain.contains("train loss"), "an encoder with one layer shows no layer table")
        snapshot.history[snapshot.history.count - 1].extras = [("layer_1_loss", 0.75), ("layer_1_kl", 0.0125), ("layer_2_loss", 0.5)]
        snapshot.evaluations = [EvaluationRecord(step: snapshot.step, metrics: [
            ("test_loss", 0.625), ("recall_at_1", 0.875), ("layer_1_test_loss", 1.5), ("layer_1_recall_at_1", 0.25),
            ("layer_2_test_loss", 0.625), ("layer_2_recall_at_1", 0.875)])]
        let lines = ExplorerTests.model(snapshot, width: 200, height: 50).view().lines()
        #expect(lines.contains { $0.contains("layer") && $0.contains("train loss") && $0.contains("recall_at_1") })
        #expect(lines.contains { $0.contains("    1 ") && $0.contains("0.75") && $0.contains("0.0125") && $0.contains("0.25") })
        #expect(lines.contains { $0.contains("2 last") && $0.contains("0.5") && $0.contains("0.875") })
    }
}
