import Explorer
import Foundation
import LossKit
@testable import LossSession
import TerminalKit
import Testing

/// The explorer's update and view, driven without a terminal: keys in, trainer requests
/// out; state in, screen text out.
@Suite struct ExplorerTests {
    static func model(_ snapshot: TrainingSnapshot = ScreenFixtures.trained(), width: Int = 120, height: Int = 40) -> ExplorerModel {
        var model = ExplorerModel(width: width, height: height)
        _ = model.receive(snapshot)
        return model
    }

    static func press(_ model: inout ExplorerModel, _ keys: [Key]) -> [Effect] {
        model.press(keys)
    }

    @Test func tooSmallTerminalSaysSo() {
        var model = ExplorerModel(width: 60, height: 20)
        #expect(Self.press(&model, [.character("n")]).isEmpty)
        #expect(Self.press(&model, [.character("q")]) == [.quit(.clean)])
        _ = model.update(.resize(width: 80, height: 24))
        #expect(!model.isTooSmall)
        #expect(model.view().lines().joined().contains("Embeddings"))
    }

    @Test func heldOutOfAnEncoderThatCannotGeneraliseIsNotDrawnAsALine() {
        var snapshot = ScreenFixtures.trained()
        #expect(!snapshot.evaluations.isEmpty)
        let plain = Self.model(snapshot).view().lines().joined(separator: "\n")
        #expect(plain.contains("held-out") && !plain.contains("held-out n/a"))
        snapshot.heldOutUntrained = "table encoder: held-out items are never trained"
        let table = Self.model(snapshot, width: 200, height: 50).view().lines().joined(separator: "\n")
        #expect(table.contains("held-out n/a: table encoder"))
        #expect(!table.contains("held-out 0"), "no held-out line value")
    }

    @Test func chartWindowsAndLogLoss() {
        var model = Self.model(ScreenFixtures.trained(), width: 140, height: 45)
        let all = model.view().lines().joined(separator: "\n")
        #expect(all.contains("20       40       60"), "a step axis with ticks")
        _ = Self.press(&model, [.character("w")])
        #expect(model.chartWindow == .recent && model.view().lines().joined().contains("charts: last 200 steps"))
        _ = Self.press(&model, [.character("w")])
        #expect(model.chartWindow == .logSteps && model.view().lines().joined().contains("charts: log steps"))
        _ = Self.press(&model, [.character("w"), .character("W")])
        #expect(model.chartWindow == .all && model.logLoss)
        #expect(model.view().lines().joined().contains("loss (log)"))
    }

    @Test func theReferenceCyclesInTheParameterPane() throws {
        let session = Session(workingDirectory: "/tmp")
        _ = try session.apply(Command.parse("load toy:blobs classes=3 per_class=6 dim=4"))
        var model = Self.model(TrainingSnapshot.make(session: session, status: TrainerStatus(), view: nil))
        model.focus = .parameters
        let rows = ParameterRow.rows(for: model.snapshot)
        model.parameterSelection = try #require(rows.firstIndex { $0.name == "reference" })
        #expect(rows[model.parameterSelection].value == "6.2.0")
        let effects = model.update(.key(.character("+"))) + model.update(.key(.character("-")))
        #expect(effects.contains(.send(.command("set reference=1.2.0"))), "\(effects)")
    }

    @Test func paceKeysWalkTheLadder() {
        var model = Self.model()
        #expect(Self.press(&model, [.character("]")]) == [.send(.pace(100))])
        #expect(Self.press(&model, [.character("]"), .character("]")]) == [.send(.pace(300)), .send(.pace(nil))])
        #expect(Self.press(&model, [.character("]")]) == [.send(.pace(nil))], "max is the top")
        #expect(Self.press(&model, [.character("["), .character("[")]) == [.send(.pace(300)), .send(.pace(100))])
        #expect(model.view().lines().joined().contains("pace 100/s"))
    }

    @Test func keysBecomeTrainerRequests() {
        var model = Self.model()
        #expect(Self.press(&model, [.character("n")]) == [.send(.step(1))])
        #expect(Self.press(&model, [.character(" ")]) == [.send(.run)])
        #expect(Self.press(&model, [.character("+")]) == [.send(.command("loss BatchHardTripletLoss distance_metric=euclidean margin=6.25"))])
        #expect(Self.press(&model, [.character("m")]) == [.send(.command("loss BatchHardTripletLoss margin=5.0 distance_metric=cosine"))])
        #expect(Self.press(&model, [.character("N")]).isEmpty)
        #expect(Self.press(&model, [.control("u")] + "250".map { .character($0) } + [.enter]) == [.send(.step(250))])
        #expect(Self.press(&model, [.character(":")] + "set lr=0.5".map { .character($0) } + [.enter]) == [.send(.command("set lr=0.5"))])
        #expect(Self.press(&model, [.character("r"), .character("y")]) == [.send(.pause), .send(.command("reset"))])
    }

    /// The loss picker over the real catalog on labelled items: every loss is listed, typing
    /// filters, Enter sends exactly the chosen loss, and a loss that does not fit says why.
    @Test func lossPickerFiltersAndPicksExactly() throws {
        let session = Session()
        _ = try session.apply(Command.parse("load toy:blobs classes=4 per_class=8 dim=4"))
        let dataset = try #require(session.dataset)
        var snapshot = ScreenFixtures.fresh()
        snapshot.lossFits = SessionLoss.all.map { LossFit(name: $0.className, summary: $0.summary, mismatch: Session.mismatch(dataset, $0)) }
        var model = Self.model(snapshot)
        #expect(Self.press(&model, [.character("l")]).isEmpty)
        let picker = try #require(model.picker)
        #expect(picker.items == SessionLoss.all.map { $0.className }, "the picker lists every loss")
        #expect(picker.selectedItem == picker.items.firstIndex(of: "BatchHardTripletLoss"))
        // "all" narrows to BatchAllTripletLoss alone; Enter sends exactly that loss.
        _ = model.type("batchall")
        #expect(model.picker?.matches.map { picker.items[$0] } == ["BatchAllTripletLoss"])
        #expect(Self.press(&model, [.enter]) == [.send(.command("loss BatchAllTripletLoss"))])
        #expect(model.overlay == .none && model.picker == nil)

        // ContrastiveLoss needs pairs: it is listed with its reason, and Enter on it sends nothing.
        _ = Self.press(&model, [.character("l")])
        _ = model.type("contrastive")
        let names = try #require(model.picker).matches.map { picker.items[$0] }
        #expect(names == ["ContrastiveLoss", "OnlineContrastiveLoss", "ContrastiveTensionLoss", "ContrastiveTensionLossInBatchNegatives"])
        #expect(model.view().lines().joined().contains("✗ ContrastiveLoss needs binary-pairs data"))
        #expect(Self.press(&model, [.enter]).isEmpty)
        #expect(model.note?.contains("binary-pairs") == true, "note: \(model.note ?? "none")")
        #expect(model.overlay == .none)

        // Backspace edits the filter; j/k move while it is empty; Esc closes without a request.
        _ = Self.press(&model, [.character("l")])
        _ = model.type("tripletx")
        #expect(model.picker?.matches.isEmpty == true)
        _ = Self.press(&model, [.backspace])
        #expect(model.picker?.matches.map { picker.items[$0] }.contains("TripletLoss") == true)
        _ = Self.press(&model, Array(repeating: .backspace, count: 7))
        #expect(model.picker?.filter.text == "")
        let before = try #require(model.picker?.selectedItem)
        _ = Self.press(&model, [.character("j")])
        #expect(model.picker?.selectedItem == before + 1)
        _ = Self.press(&model, [.character("k")])
        #expect(model.picker?.selectedItem == before)
        #expect(Self.press(&model, [.escape]).isEmpty)
        #expect(model.overlay == .none)
    }

    @Test func datasetPickerLoadsTheChosenSource() throws {
        var model = Self.model()
        _ = Self.press(&model, [.character("d")])
        #expect(model.overlay == .datasetPicker)
        _ = model.type("rings")
        #expect(Self.press(&model, [.enter]) == [.send(.command("load toy:rings"))])
        _ = Self.press(&model, [.character("d"), .end])
        #expect(Self.press(&model, [.enter]).isEmpty)
        #expect(model.line?.text == "load ", "file… opens the command line with load")
    }

    @Test func parameterPanelEditsByName() throws {
        var model = Self.model()
        model.focus = .parameters
        let rows = ParameterRow.rows(for: model.snapshot)
        let lr = try #require(rows.firstIndex { $0.name == "lr" })
        _ = Self.press(&model, Array(repeating: Key.character("j"), count: lr))
        #expect(Self.press(&model, [.character("+")]) == [.send(.command("set lr=0.0125"))])
        _ = Self.press(&model, [.enter, .control("u")])
        #expect(Self.press(&model, "0.3".map { .character($0) } + [.enter]) == [.send(.command("set lr=0.3"))])
    }

    @Test func quittingWithUnsavedWorkAsks() {
        var model = Self.model()
        #expect(model.hasUnsavedWork)
        #expect(Self.press(&model, [.character("q")]).isEmpty)
        #expect(model.overlay == .confirmQuit)
        #expect(Self.press(&model, [.character("s")]) == [.send(.saveForQuit(path: "session.lab", overwrite: false))])
        var other = ExplorerModel(width: 120, height: 40)
        #expect(Self.press(&other, [.control("c")]) == [.quit(.clean)])
    }

    @Test func miningSelectionMarksTheTupleInTheEmbeddings() throws {
        var model = Self.model()
        model.focus = .mining
        _ = Self.press(&model, [.down])
        let selected = try #require(model.selectedTuple)
        #expect(selected.index == model.sortedTuples[1].index)
        let pane = ExplorerLayout(width: model.width, height: model.height).rect(of: .embeddings)
        let inside = model.view().lines()[(pane.y + 1)..<(pane.maxY - 1)].joined()
        #expect(inside.contains("A") && inside.contains("P") && inside.contains("N"))
        #expect(Self.press(&model, [.character("s")]).isEmpty)
        #expect(model.miningSort == .anchor)
    }

    @Test func asciiAndMonochromeModes() {
        var model = Self.model(width: 100, height: 30)
        model.ascii = true
        model.color = false
        let buffer = model.view()
        let text = buffer.lines().joined()
        #expect(!text.contains("╭") && !text.contains("┃"))
        #expect(!text.unicodeScalars.contains { (0x2800...0x28FF).contains($0.value) }, "no braille in ASCII mode")
        #expect(buffer.cells.allSatisfy { $0.style.foreground == .default && $0.style.background == .default })
    }
}


/// The insight views drawn from real snapshots.
@Suite struct InsightViewTests {
    static func model(_ lines: [String], width: Int = 120, height: Int = 40) throws -> ExplorerModel {
        var model = ExplorerModel(width: width, height: height)
        let trainer = Trainer()
        trainer.start()
        for line in lines { trainer.send(.command(line)) }
        defer { trainer.stop() }
        let wanted = lines.filter { !$0.hasPrefix("step") }.count
        for _ in 0..<500 {
            let latest = trainer.snapshot()
            if latest.cells.count >= wanted + 1 && latest.state == .paused && latest.step > 0 { model.snapshot = latest; return model }
            usleep(10_000)
        }
        model.snapshot = trainer.snapshot()
        return model
    }

    static func text(_ model: ExplorerModel) -> String { model.view().lines().joined(separator: "\n") }

    @Test func everyLossFamilyRendersAtEverySize() throws {
        let families: [[String]] = [
            ["load toy:blobs", "loss BatchAllTripletLoss", "step 2"],
            ["load toy:blobs as=pairs", "loss OnlineContrastiveLoss", "step 2"],
            ["load text:nli", "step 2"],
            ["load text:triplets", "step 2"],
            ["load toy:blobs as=teacher teacher_dim=6", "encoder linear dim=6", "step 2"],
            ["load text:sentences", "step 2"],
            ["load toy:blobs", "loss MinedTripletLoss miner=batch-hard", "step 2"],
        ]
        for lines in families {
            for (width, height) in [(80, 24), (120, 40), (200, 60)] {
                let model = try Self.model(lines, width: width, height: height)
                let rendered = model.view().lines()
                #expect(rendered.count == height)
                #expect(rendered.allSatisfy { TextMetrics.width($0) <= width }, "\(lines[0]) at \(width)x\(height) overflows")
                #expect(rendered.joined().contains("Hyperparameters"), "\(lines[0]) at \(width)x\(height)")
            }
        }
    }
}

@Suite struct NotebookSteppingTests {
    @Test func periodRunsTheNextCellWithItsProse() {
        var model = ExplorerModel(width: 120, height: 40)
        model.pending = ["# Lesson", "load toy:blobs", "# now train", "step 10", "show triplets"]
        #expect(model.update(.key(.character("."))) == [.send(.command("# Lesson")), .send(.command("load toy:blobs"))])
        #expect(model.update(.key(.character("."))) == [.send(.command("# now train")), .send(.command("step 10"))])
        #expect(model.update(.key(.character(">"))) == [.send(.command("show triplets"))])
        #expect(model.update(.key(.character("."))).isEmpty)
        #expect(model.note != nil)
    }
}
