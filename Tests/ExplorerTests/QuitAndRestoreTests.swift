import Explorer
import LossSession
import TerminalKit
import Testing

/// Quitting never loses work: it asks, saves without clobbering, stays open when the save
/// fails; and the restore dialog offers every unfinished session.
@Suite struct QuitAndRestoreTests {
    static func modelWithUnsavedWork() -> ExplorerModel {
        var model = ExplorerModel(width: 120, height: 40)
        var snapshot = TrainingSnapshot()
        snapshot.cells = [TrainingSnapshot.Cell(text: "load toy:blobs", output: "", isError: false, isProse: false, isSkipped: false),
                          TrainingSnapshot.Cell(text: "step 5", output: "", isError: false, isProse: false, isSkipped: false)]
        _ = model.receive(snapshot)
        return model
    }

    static func answer(_ model: inout ExplorerModel, _ outcome: TrainingSnapshot.QuitSave) -> [Effect] {
        var snapshot = model.snapshot
        snapshot.version += 1
        snapshot.quitSaveAttempt += 1
        snapshot.quitSave = outcome
        return model.receive(snapshot)
    }

    @Test func ctrlCAsksWhenThereIsUnsavedWorkAndASecondOneKeepsTheJournal() {
        var model = Self.modelWithUnsavedWork()
        #expect(model.update(.key(.control("c"))).isEmpty)
        #expect(model.overlay == .confirmQuit)
        #expect(model.update(.key(.control("c"))) == [.quit(.keepJournal)])
    }

    @Test func ctrlCClosesAnOpenCommandLineAndAsks() {
        var model = Self.modelWithUnsavedWork()
        _ = model.update(.key(.character(":")))
        #expect(model.line != nil)
        #expect(model.update(.key(.control("c"))).isEmpty)
        #expect(model.line == nil && model.overlay == .confirmQuit)
    }

    @Test func saveOnQuitEndsOnlyWhenTheSaveSucceeded() {
        var model = Self.modelWithUnsavedWork()
        _ = model.update(.key(.character("q")))
        #expect(model.update(.key(.character("s"))) == [.send(.saveForQuit(path: "session.lab", overwrite: false))])
        #expect(model.overlay == .savingForQuit)
        #expect(Self.answer(&model, .saved("session.lab")) == [.quit(.clean)])
    }

    @Test func aFailedSaveSaysWhyAndStaysOpen() {
        var model = Self.modelWithUnsavedWork()
        _ = model.update(.key(.character("q")))
        _ = model.update(.key(.character("s")))
        #expect(Self.answer(&model, .failed("session.lab: cannot write: the disk is full")).isEmpty)
        #expect(model.overlay == .none)
        #expect(model.note?.contains("the disk is full") == true)
        #expect(model.note?.contains("still open") == true)
    }

    @Test func anExistingFileIsOverwrittenOnlyWhenAskedTo() {
        var model = Self.modelWithUnsavedWork()
        _ = model.update(.key(.character("q")))
        _ = model.update(.key(.character("s")))
        #expect(Self.answer(&model, .exists("session.lab")).isEmpty)
        #expect(model.overlay == .confirmOverwrite("session.lab"))
        #expect(model.view().lines().joined().contains("already exists"))
        #expect(model.update(.key(.character("o"))) == [.send(.saveForQuit(path: "session.lab", overwrite: true))])
        #expect(Self.answer(&model, .saved("session.lab")) == [.quit(.clean)])
    }

    @Test func anotherNameWithSpacesIsTakenWhole() {
        var model = Self.modelWithUnsavedWork()
        _ = model.update(.key(.character("q")))
        _ = model.update(.key(.character("a")))
        _ = model.update(.key(.control("u")))
        let effects = "my runs/first try.lab".flatMap { model.update(.key(.character($0))) } + model.update(.key(.enter))
        #expect(effects == [.send(.saveForQuit(path: "my runs/first try.lab", overwrite: false))])
    }

    @Test func quitPressedTwiceKeepsTheJournal() {
        var model = Self.modelWithUnsavedWork()
        _ = model.update(.key(.character("q")))
        #expect(model.update(.key(.character("q"))) == [.quit(.keepJournal)])
    }

    @Test func discardQuitsCleanly() {
        var model = Self.modelWithUnsavedWork()
        _ = model.update(.key(.character("q")))
        #expect(model.update(.key(.character("d"))) == [.quit(.clean)])
    }

    @Test func everyUnfinishedSessionIsOfferedAndChosen() {
        var model = ExplorerModel(width: 120, height: 40)
        model.restoreOffers = [RestoreOffer(commands: ["load toy:rings", "step 20"], age: "2 min ago"),
                               RestoreOffer(commands: ["load toy:blobs", "loss TripletLoss"], age: "3 days ago")]
        model.overlay = .confirmRestore(selected: 0)
        let text = model.view().lines().joined(separator: "\n")
        #expect(text.contains("2 sessions did not end cleanly"))
        #expect(text.contains("2 min ago") && text.contains("3 days ago") && text.contains("load toy:rings"))
        #expect(model.update(.key(.down)).isEmpty)
        #expect(model.update(.key(.enter)) == [.restore(1)])
    }

    @Test func discardingOneKeepsTheOthersOnOffer() {
        var model = ExplorerModel(width: 120, height: 40)
        model.restoreOffers = [RestoreOffer(commands: ["load toy:rings"], age: "1 s ago"),
                               RestoreOffer(commands: ["load toy:blobs"], age: "5 s ago")]
        model.overlay = .confirmRestore(selected: 0)
        #expect(model.update(.key(.character("d"))) == [.discard(0)])
        #expect(model.overlay == .confirmRestore(selected: 0))
        #expect(model.update(.key(.enter)).isEmpty, "a discarded journal cannot be replayed")
        _ = model.update(.key(.down))
        #expect(model.update(.key(.enter)) == [.restore(1)])
    }

    @Test func escapeStartsFreshAndKeepsTheJournals() {
        var model = ExplorerModel(width: 120, height: 40)
        model.restoreOffers = [RestoreOffer(commands: ["load toy:rings"], age: "1 s ago")]
        model.overlay = .confirmRestore(selected: 0)
        #expect(model.update(.key(.escape)).isEmpty)
        #expect(model.overlay == .none)
        #expect(model.note?.contains("kept") == true)
    }

    @Test func aDivergedDuelSaysSo() {
        var model = ExplorerModel(width: 200, height: 40)
        var snapshot = TrainingSnapshot()
        snapshot.lossName = "TripletLoss"
        snapshot.rivalLoss = "BatchHardTripletLoss margin=1"
        snapshot.rivalDiverged = "step 3: loss is inf"
        _ = model.receive(snapshot)
        #expect(model.view().lines()[0].contains("duel: BatchHardTripletLoss margin=1 (diverged: step 3: loss is inf)"))
    }
}
