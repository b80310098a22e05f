import Foundation
import LossSession
import Testing

/// The explorer's `>` (every cell handed to the trainer at once) gives each lesson the same
/// cell results as `losslab run --check`: cells run in their order, a `step N` cell finishes
/// before the next one, every `expect` is checked at its place.
@Suite struct LessonReplayTests {
    static let lessonsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("samples/lessons")

    static let lessons: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: lessonsDirectory.path)) ?? []
        return names.filter { $0.hasSuffix(".lab") }.sorted()
    }()

    @Test func lessonsArePresent() {
        #expect(Self.lessons.count >= 11)
    }

    @Test(arguments: lessons)
    func explorerReplayMatchesHeadlessRun(_ name: String) throws {
        let directory = Self.lessonsDirectory.path
        let notebook = try Notebook.read(path: directory + "/" + name)
        let headless = NotebookRunner(session: Session(workingDirectory: directory))
        let outcomes = headless.run(notebook).filter { !$0.text.hasPrefix("#") }
        #expect(outcomes.allSatisfy { $0.error == nil })
        #expect(headless.failedExpectations.isEmpty, "\(headless.failedExpectations)")

        let trainer = Trainer(runner: NotebookRunner(session: Session(workingDirectory: directory)))
        trainer.start()
        defer { trainer.stop() }
        let lines = notebook.cells.compactMap { cell -> String? in
            switch cell {
            case .command(let line): return line
            case .prose(let text): return "# " + text
            case .blank: return nil
            }
        }
        for line in lines { trainer.send(.command(line)) }
        var snapshot = trainer.snapshot()
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline {
            snapshot = trainer.snapshot()
            if snapshot.cells.count == lines.count && snapshot.queuedCells == 0 && snapshot.state != .running { break }
            usleep(20_000)
        }
        let replayed = snapshot.cells.filter { !$0.isProse }
        #expect(replayed.count == outcomes.count)
        for (cell, outcome) in zip(replayed, outcomes) {
            #expect(cell.text == outcome.text)
            #expect(cell.output == outcome.output, "\(name): cell '\(cell.text)'")
            #expect(!cell.isError)
        }
    }
}
