import Explorer
import LossSession
import TerminalKit
import Testing

/// The whole screen in each state, at the smallest and a large terminal, against the files in
/// Screens/ (RECORD_SNAPSHOTS=1 rewrites them).
@Suite struct ScreenTests {
    static let sizes = [(80, 24), (140, 45)]

    static func model(_ snapshot: TrainingSnapshot, _ width: Int, _ height: Int) -> ExplorerModel {
        var model = ExplorerModel(width: width, height: height)
        _ = model.receive(snapshot)
        // As the explorer starts: the first load cell is the one it sent itself.
        model.savedCellCount = 1
        return model
    }

    static func check(_ name: String, _ snapshot: TrainingSnapshot, _ setup: (inout ExplorerModel) -> Void = { _ in }) {
        for (width, height) in sizes {
            var model = model(snapshot, width, height)
            setup(&model)
            expectScreen(model, "\(name)-\(width)x\(height)")
        }
    }

    @Test func fresh() { Self.check("fresh", ScreenFixtures.fresh()) }

    @Test func afterStepsWithHistory() {
        Self.check("trained", ScreenFixtures.trained()) { model in
            model.focus = .mining
            _ = model.press([.character("j"), .character("j")])
        }
    }

    @Test func anErrorCell() { Self.check("error", ScreenFixtures.withError()) }

    @Test func helpOverlay() {
        Self.check("help", ScreenFixtures.trained()) { _ = $0.press([.character("?")]) }
    }

    @Test func lossPickerFiltered() {
        Self.check("loss-picker", ScreenFixtures.trained()) { _ = $0.press([.character("l")]) }
        Self.check("loss-picker-filtered", ScreenFixtures.trained()) { model in
            _ = model.press([.character("l")])
            _ = model.type("batch")
        }
    }

    @Test func datasetPicker() {
        Self.check("dataset-picker", ScreenFixtures.trained()) { _ = $0.press([.character("d"), .down]) }
    }

    @Test func quitDialog() {
        Self.check("quit", ScreenFixtures.trained()) { _ = $0.press([.character("q")]) }
    }

    @Test func restoreOffer() {
        var snapshot = TrainingSnapshot()
        snapshot.lossFits = ScreenFixtures.lossFits
        Self.check("restore", snapshot) { model in
            model.restoreOffers = [RestoreOffer(commands: ["load toy:rings", "loss BatchAllTripletLoss margin=2", "step 20"], age: "2 min ago"),
                                   RestoreOffer(commands: ["load text:pairs"], age: "3 days ago")]
            model.overlay = .confirmRestore(selected: 0)
        }
    }

    @Test func searchInTheNotebook() {
        Self.check("notebook-search", ScreenFixtures.withError()) { model in
            model.focus = .notebook
            _ = model.press([.character("/")])
            _ = model.type("loss")
            _ = model.press([.enter, .character("n")])
        }
    }

    @Test func commandLineOpen() {
        Self.check("command-line", ScreenFixtures.trained()) { model in
            _ = model.press([.character(":")])
            _ = model.type("set lr=0.")
        }
    }

    /// `c` cycles the chart: the hardness census over steps, then d(a,p) and d(a,n) against the margin.
    @Test func censusAndMarginHistogram() {
        Self.check("census", ScreenFixtures.trained()) { _ = $0.press([.character("c")]) }
        Self.check("histogram", ScreenFixtures.trained()) { _ = $0.press([.character("c"), .character("c")]) }
    }

    @Test func aDuelOnTheSameAxes() {
        var snapshot = ScreenFixtures.trained()
        snapshot.rivalLoss = "BatchHardTripletLoss distance_metric=euclidean margin=1.0"
        snapshot.rivalHistory = snapshot.history.map { record in
            var rival = record
            rival.loss = record.loss * 0.6
            return rival
        }
        Self.check("duel", snapshot)
    }

    @Test func forces() {
        Self.check("forces", ScreenFixtures.withForces()) { _ = $0.press([.character("f")]) }
    }

    /// MNRL: the rankings table, and the softmax inspector on the selected anchor.
    @Test func rankingsAndTheSoftmaxInspector() {
        Self.check("rankings", ScreenFixtures.rankings()) { model in
            model.focus = .mining
            _ = model.press([.character("j")])
        }
        Self.check("inspector", ScreenFixtures.rankings()) { model in
            model.focus = .mining
            _ = model.press([.character("j"), .character("i")])
        }
    }

    @Test func plusAndMinusChangeTheScaleWithTheInspectorOpen() {
        var model = Self.model(ScreenFixtures.rankings(), 120, 40)
        _ = model.press([.character("i")])
        #expect(model.overlay == .inspector)
        #expect(model.press([.character("+")]) == [.send(.command("loss MultipleNegativesRankingLoss similarity_fct=cos_sim scale=25"))])
        #expect(model.overlay == .inspector)
        _ = model.press([.character("x")])
        #expect(model.overlay == .none)
    }

    /// An opened notebook: the cells still to run wait under the ones that ran.
    @Test func anOpenedNotebookWithCellsToGo() {
        Self.check("notebook-pending", ScreenFixtures.fresh()) { model in
            model.pending = ["# Batch-hard on blobs", "loss BatchHardTripletLoss margin=1", "step 200", "expect active_fraction < 0.5"]
            _ = model.press([.character(".")])
        }
    }

    /// Enter on a mining row: its tuple in full (texts wrapped, scores, rank, share of the
    /// loss, the gradient at its rows); without text, the item numbers and labels.
    @Test func theRowDetail() {
        Self.check("row-detail", ScreenFixtures.trainedWithTexts()) { model in
            model.focus = .mining
            _ = model.press([.character("j"), .enter])
        }
        Self.check("row-detail-no-text", ScreenFixtures.trained()) { model in
            model.focus = .mining
            _ = model.press([.enter])
        }
        Self.check("row-detail-ranking", ScreenFixtures.rankings()) { model in
            model.focus = .mining
            _ = model.press([.character("j"), .enter])
        }
    }

    /// An arrow in the embeddings pane puts the cursor on a point; the trainer's answer lists
    /// its nearest neighbours (marked 1-5 in the plot), with texts where the data has them.
    @Test func theEmbeddingsCursor() {
        for withText in [false, true] {
            Self.check(withText ? "cursor-text" : "cursor", ScreenFixtures.trained()) { model in
                let effects = model.press([.right])
                guard case .send(.cursor(let item?))? = effects.first else { Issue.record("no cursor effect: \(effects)"); return }
                var answered = model.snapshot
                answered.version += 1
                answered.cursor = ScreenFixtures.neighbours(of: item, in: answered, withText: withText)
                _ = model.receive(answered)
            }
        }
    }

    /// A sample of large data: the title says so and counts the items drawn beyond it, and the
    /// legend gives each class's points shown of its total, in its colour or by its glyph.
    @Test func aSampleOfLargeData() {
        Self.check("sampled", ScreenFixtures.sampled())
        Self.check("sampled-no-color", ScreenFixtures.sampled()) { $0.color = false }
    }

    /// Without colour: a glyph shape per class with a legend, the batch in bold, the selected
    /// tuple's A, P, N and the cursor in reverse video.
    @Test func withoutColour() {
        Self.check("no-color", ScreenFixtures.trained()) { model in
            model.color = false
            model.focus = .mining
            _ = model.press([.character("j")])
        }
        Self.check("no-color-ascii", ScreenFixtures.trained()) { model in
            model.color = false
            model.ascii = true
            _ = model.press([.left])
        }
    }

    @Test func aTerminalBelowTheMinimum() {
        var model = ExplorerModel(width: 60, height: 20)
        _ = model.receive(ScreenFixtures.trained())
        expectScreen(model, "too-small-60x20")
    }
}
