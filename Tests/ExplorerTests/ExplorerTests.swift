import Explorer
import Foundation
import LossKit
import LossSession
import TerminalKit
import Testing

/// The explorer's update and view, driven without a terminal: keys in, trainer requests
/// out; state in, screen text out.
@Suite struct ExplorerTests {
    /// A snapshot from a real session a few steps in.
    static func snapshot(_ lines: [String] = ["load toy:blobs classes=4 per_class=8 dim=4", "loss BatchHardTripletLoss margin=1", "step 3"]) throws -> TrainingSnapshot {
        let trainer = Trainer()
        trainer.start()
        for line in lines { trainer.send(.command(line)) }
        defer { trainer.stop() }
        for _ in 0..<500 {
            let latest = trainer.snapshot()
            if latest.step >= 3 && latest.cells.count >= lines.count - 1 && latest.state == .paused { return latest }
            usleep(10_000)
        }
        return trainer.snapshot()
    }

    static func press(_ model: inout ExplorerModel, _ keys: [Key]) -> [Effect] {
        keys.flatMap { model.update(.key($0)) }
    }

    @Test func screenShowsEveryPane() throws {
        var model = ExplorerModel(width: 120, height: 40)
        model.snapshot = try Self.snapshot()
        let text = model.view().lines().joined(separator: "\n")
        for expected in ["LossLab", "BatchHardTripletLoss", "Embeddings", "Loss & gradient", "Mined triplets", "Hyperparameters",
                         "Notebook", "margin", "step 3", "paused", "? help"] {
            #expect(text.contains(expected), "screen lacks '\(expected)'")
        }
    }

    @Test func tooSmallTerminalSaysSo() {
        var model = ExplorerModel(width: 60, height: 20)
        #expect(model.view().lines().joined().contains("needs at least 80x24"))
        #expect(Self.press(&model, [.character("n")]).isEmpty)
        #expect(Self.press(&model, [.character("q")]) == [.quit(.clean)])
        _ = model.update(.resize(width: 80, height: 24))
        #expect(!model.isTooSmall)
        #expect(model.view().lines().joined().contains("Embeddings"))
    }

    @Test func keysBecomeTrainerRequests() throws {
        var model = ExplorerModel(width: 120, height: 40)
        model.snapshot = try Self.snapshot()
        #expect(Self.press(&model, [.character("n")]) == [.send(.step(1))])
        #expect(Self.press(&model, [.character(" ")]) == [.send(.run)])
        #expect(Self.press(&model, [.character("+")]) == [.send(.command("loss BatchHardTripletLoss distance_metric=euclidean margin=1.25"))])
        #expect(Self.press(&model, [.character("m")]) == [.send(.command("loss BatchHardTripletLoss margin=1.0 distance_metric=cosine"))])
        #expect(Self.press(&model, [.character("N")]).isEmpty)
        #expect(Self.press(&model, [.control("u")] + "250".map { .character($0) } + [.enter]) == [.send(.step(250))])
        #expect(Self.press(&model, [.character(":")] + "set lr=0.5".map { .character($0) } + [.enter]) == [.send(.command("set lr=0.5"))])
        #expect(Self.press(&model, [.character("r"), .character("y")]) == [.send(.pause), .send(.command("reset"))])
    }

    @Test func pickersOfferOnlyWhatFits() throws {
        var model = ExplorerModel(width: 120, height: 40)
        model.snapshot = try Self.snapshot()
        _ = Self.press(&model, [.character("l")])
        #expect(model.view().lines().joined().contains("needs binary-pairs data"))
        // Down to ContrastiveLoss, which does not fit labelled items: Enter refuses, with the reason.
        let fits = model.snapshot.lossFits
        let contrastive = try #require(fits.firstIndex { $0.name == "ContrastiveLoss" })
        let current = try #require(fits.firstIndex { $0.name == model.snapshot.lossName })
        let moves = contrastive >= current ? Array(repeating: Key.down, count: contrastive - current)
                                           : Array(repeating: Key.up, count: current - contrastive)
        _ = Self.press(&model, moves)
        #expect(model.overlay == .lossPicker(selected: contrastive))
        #expect(Self.press(&model, [.enter]).isEmpty)
        #expect(model.note?.contains("binary-pairs") == true, "note: \(model.note ?? "none")")
        _ = Self.press(&model, [.character("d")])
        #expect(model.view().lines().joined().contains("toy:rings"))
        #expect(Self.press(&model, [.down, .enter]) == [.send(.command("load toy:rings"))])
    }

    @Test func parameterPanelEditsByName() throws {
        var model = ExplorerModel(width: 120, height: 40)
        model.snapshot = try Self.snapshot()
        model.focus = .parameters
        let rows = ParameterRow.rows(for: model.snapshot)
        let lr = try #require(rows.firstIndex { $0.name == "lr" })
        _ = Self.press(&model, Array(repeating: Key.down, count: lr))
        #expect(Self.press(&model, [.character("+")]) == [.send(.command("set lr=0.0125"))])
        _ = Self.press(&model, [.enter, .control("u")])
        #expect(Self.press(&model, "0.3".map { .character($0) } + [.enter]) == [.send(.command("set lr=0.3"))])
    }

    @Test func quittingWithUnsavedWorkAsks() throws {
        var model = ExplorerModel(width: 120, height: 40)
        model.snapshot = try Self.snapshot()
        #expect(model.hasUnsavedWork)
        #expect(Self.press(&model, [.character("q")]).isEmpty)
        #expect(model.overlay == .confirmQuit)
        #expect(Self.press(&model, [.character("s")]) == [.send(.saveForQuit(path: "session.lab", overwrite: false))])
        var other = ExplorerModel(width: 120, height: 40)
        #expect(Self.press(&other, [.control("c")]) == [.quit(.clean)])
    }

    @Test func miningSelectionMarksTheTupleInTheEmbeddings() throws {
        var model = ExplorerModel(width: 120, height: 40)
        model.snapshot = try Self.snapshot()
        model.focus = .mining
        _ = Self.press(&model, [.down])
        let selected = try #require(model.selectedTuple)
        #expect(selected.negativeItem != nil)
        let text = model.view().lines().joined(separator: "\n")
        #expect(text.contains("A") && text.contains("P") && text.contains("N"))
        #expect(Self.press(&model, [.character("s")]).isEmpty)
        #expect(model.miningSort == .anchor)
    }

    @Test func asciiAndMonochromeModes() throws {
        var model = ExplorerModel(width: 100, height: 30)
        model.snapshot = try Self.snapshot()
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

    @Test func censusAndHistogramCharts() throws {
        var model = try Self.model(["load toy:blobs spread=1.5", "loss BatchSemiHardTripletLoss margin=2", "step 5"])
        _ = model.update(.key(.character("c")))
        #expect(Self.text(model).contains("Hardness census"))
        #expect(Self.text(model).contains("semi-hard"))
        _ = model.update(.key(.character("c")))
        let histogram = Self.text(model)
        #expect(histogram.contains("Margin in its units") && histogram.contains("◀ margin"))
    }

    @Test func forcesDrawArrowsAndDimIdlePoints() throws {
        var model = try Self.model(["load toy:blobs spread=1.5", "loss BatchHardTripletLoss margin=2", "step 3"])
        #expect(!model.snapshot.forces.isEmpty)
        _ = model.update(.key(.character("f")))
        #expect(Self.text(model).contains("forces"))
    }

    @Test func softmaxInspectorShowsTheRankingAndTheFloor() throws {
        var model = try Self.model(["load text:pairs", "set batch_size=16", "step 2"])
        model.focus = .mining
        _ = model.update(.key(.character("i")))
        let text = Self.text(model)
        #expect(text.contains("Softmax inspector") && text.contains("positive ranks") && text.contains("loss floor"))
        let effects = model.update(.key(.character("+")))
        #expect(effects == [.send(.command("loss MultipleNegativesRankingLoss similarity_fct=cos_sim gather_across_devices=false "
                                           + "directions=query_to_doc partition_mode=joint hardness_mode=none hardness_strength=0.0 scale=25"))])
        #expect(model.overlay == .inspector)
    }

    @Test func duelDrawsTheRivalAndTheStatusNamesIt() throws {
        let model = try Self.model(["load toy:blobs", "loss BatchHardTripletLoss margin=1", "duel loss BatchHardTripletLoss margin=3", "step 4"])
        #expect(model.snapshot.rivalHistory.count == 4)
        #expect(Self.text(model).contains("duel: BatchHardTripletLoss"))
    }

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
        #expect(model.view().lines().joined().contains("3 cells to go"))
        #expect(model.update(.key(.character("."))) == [.send(.command("# now train")), .send(.command("step 10"))])
        #expect(model.update(.key(.character(">"))) == [.send(.command("show triplets"))])
        #expect(model.update(.key(.character("."))).isEmpty)
        #expect(model.note != nil)
    }
}
