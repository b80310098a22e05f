import ArgumentParser
import CursesTerminal
import Explorer
import Foundation
import LossSession
import TerminalKit

/// `losslab [NOTEBOOK.lab]`: the full-screen explorer.
struct ExplorerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explore",
        abstract: "Open the explorer (the default), optionally replaying a notebook.")

    @Argument(help: "A notebook (.lab) to open and replay.") var notebook: String?
    @Flag(name: .customLong("no-color"), help: "Monochrome (also when NO_COLOR is set).") var noColor = false
    @Flag(help: "ASCII instead of braille and box drawing.") var ascii = false
    @Option(help: "The dataset to start on when no notebook is given (a load source with options).") var dataset = "toy:blobs spread=2"

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        if let problem = CursesScreen.terminalProblem(stdinIsTTY: isatty(STDIN_FILENO) == 1, stdoutIsTTY: isatty(STDOUT_FILENO) == 1,
                                                      term: environment["TERM"]) {
            throw ValidationError("the explorer needs a terminal (\(problem)); to run a notebook headless use `losslab run NOTEBOOK`")
        }
        var opening: [String] = []
        if let notebook {
            let book = try Notebook.read(path: notebook)
            opening = book.cells.compactMap {
                switch $0 {
                case .command(let line): return line
                case .prose(let text): return "# " + text
                case .blank: return nil
                }
            }
        }
        let journal = Journal()
        // The newest journal of a session that did not end cleanly; older ones are stale.
        let orphans = Journal.orphans()
        let leftover = notebook == nil ? orphans.first.flatMap { Journal(path: $0).leftOver() } : nil
        for path in orphans.dropFirst() { try? FileManager.default.removeItem(atPath: path) }
        try? journal.begin()

        let directory = notebook.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? FileManager.default.currentDirectoryPath
        let trainer = Trainer(runner: NotebookRunner(session: Session(workingDirectory: directory)),
                              onAccepted: { journal.record($0) })
        TerminalGuard.install(graceful: true)
        let screen = CursesScreen()
        let color = !noColor && colorDisabled(environment: environment) == false
        try screen.start(color: color)
        defer { screen.stop() }
        trainer.start()

        let size = screen.size()
        var model = ExplorerModel(width: size.width, height: size.height)
        model.ascii = ascii
        model.color = color
        if let notebook {
            // Never overwrite the opened notebook with a partial run: the session saves beside it.
            model.savePath = notebook.hasSuffix(".lab") ? String(notebook.dropLast(4)) + ".session.lab" : notebook + ".session.lab"
        }
        if !opening.isEmpty {
            // A notebook opens ready to step through: `.` runs the next cell, `>` the rest.
            model.pending = opening
            model.note = "opened \(notebook ?? ""): \(opening.count) cells; . runs the next one, > runs the rest"
        } else {
            trainer.send(.command("load \(dataset)"))
            model.savedCellCount = 1
            if let leftover {
                model.restorable = leftover.cells.compactMap { if case .command(let line) = $0 { return line } else { return nil } }
                model.overlay = .confirmRestore
                // Offered once: replayed, its commands go into this session's own journal.
                if let path = orphans.first { try? FileManager.default.removeItem(atPath: path) }
            }
        }

        let crashTest = CrashTestHook(environment: environment)
        var dirty = true
        var quitting = false
        while !quitting {
            crashTest?.check()
            for event in screen.readEvents(timeoutMilliseconds: 33) {
                for effect in model.update(event) {
                    switch effect {
                    case .send(let request): trainer.send(request.request)
                    case .quit: quitting = true
                    }
                }
                dirty = true
            }
            if TerminalGuard.shutdownRequested { quitting = true }
            let latest = trainer.snapshot()
            if latest.version != model.snapshot.version {
                model.snapshot = latest
                dirty = true
            }
            if model.wantsQuit { model.savedCellCount = model.snapshot.cells.count }
            if dirty && !quitting {
                let layout = ExplorerLayout(width: model.width, height: model.height)
                let cursor = model.line.flatMap { $0.cursorPosition(in: layout.commandRow) }
                screen.draw(model.view(), cursor: cursor)
                dirty = false
            }
        }
        let finished = trainer.stop()
        // A clean quit (the user chose save or discard) ends the journal; it stays when the
        // trainer could not finish, so the next start can restore.
        if finished { journal.finish() }
    }
}
