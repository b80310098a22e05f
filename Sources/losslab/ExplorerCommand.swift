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
        // Journals of sessions that did not end cleanly, each claimed while it is offered.
        // Opening a notebook offers none; they stay for a plain start.
        var orphans = notebook == nil ? Journal.orphans() : []
        journal.begin()

        let directory = notebook.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path } ?? FileManager.default.currentDirectoryPath
        let trainer = Trainer(runner: NotebookRunner(session: Session(workingDirectory: directory)),
                              onJournal: { journal.write($0) })
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
            if !orphans.isEmpty {
                model.restoreOffers = orphans.map { RestoreOffer(commands: Self.lines(of: $0.notebook), age: Self.age(of: $0.modified)) }
                model.overlay = .confirmRestore(selected: 0)
            }
        }

        let crashTest = CrashTestHook(environment: environment)
        var dirty = true
        var quit: QuitKind?
        while quit == nil {
            crashTest?.check()
            var effects: [Effect] = []
            for event in screen.readEvents(timeoutMilliseconds: 33) {
                effects += model.update(event)
                dirty = true
            }
            let latest = trainer.snapshot()
            if latest.version != model.snapshot.version {
                effects += model.receive(latest)
                dirty = true
            }
            for effect in effects {
                switch effect {
                case .send(let request): trainer.send(request.request)
                case .restore(let index):
                    let orphan = orphans.remove(at: index)
                    // The old journal goes once the new one holds its lines.
                    trainer.send(.restore(Self.lines(of: orphan.notebook), then: { orphan.remove() }))
                case .discard(let index): orphans[index].remove()
                case .quit(let kind): quit = kind
                }
            }
            if !orphans.isEmpty, case .confirmRestore = model.overlay {} else {
                // Decided: the journals not restored are free for a later start.
                for orphan in orphans { orphan.release() }
                orphans = []
            }
            if model.journalProblem != journal.problem {
                model.journalProblem = journal.problem
                dirty = true
            }
            if TerminalGuard.shutdownRequested { quit = .keepJournal }
            if dirty && quit == nil {
                let layout = ExplorerLayout(width: model.width, height: model.height)
                let cursor = model.line.flatMap { $0.cursorPosition(in: layout.commandRow) }
                screen.draw(model.view(), cursor: cursor)
                dirty = false
            }
        }
        let finished = trainer.stop()
        screen.stop()
        // The journal goes only when nothing unsaved is left and the trainer finished; after a
        // signal it stays for the next start, and the exit status says which signal it was.
        if quit == .clean && finished { journal.finish() }
        let signal = TerminalGuard.shutdownSignal
        if signal != 0 { Foundation.exit(128 + signal) }
    }

    /// A journal's lines to replay: its commands and prose, in order.
    static func lines(of notebook: Notebook) -> [String] {
        notebook.cells.compactMap {
            switch $0 {
            case .command(let line): return line
            case .prose(let text): return "# " + text
            case .blank: return nil
            }
        }
    }

    static func age(of date: Date) -> String {
        let seconds = max(0, Int(Date().timeIntervalSince(date)))
        switch seconds {
        case ..<60: return "\(seconds) s ago"
        case ..<3600: return "\(seconds / 60) min ago"
        case ..<86_400: return "\(seconds / 3600) h ago"
        default: return "\(seconds / 86_400) days ago"
        }
    }
}
