import ArgumentParser
import Foundation
import LossData
import LossSession

/// `losslab run NOTEBOOK`: replays a notebook headless and writes what it measured.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a notebook headless: metrics.csv, final embeddings and a JSON summary.")

    @Argument(help: "The notebook (.lab): one command per line, # lines are prose.") var notebook: String
    @Option(help: "Directory for metrics.csv, embeddings.npy and summary.json; the notebook's exports to relative paths land there too.") var out: String?
    @Flag(help: "Fail (exit 1) when an `expect` does not hold.") var check = false
    @Flag(help: "Print every cell's output.") var verbose = false
    @Flag(help: "Print each cell's wall time in seconds (to standard error), for benchmarks.") var timings = false

    func run() throws {
        let book = try Notebook.read(path: notebook)
        let directory = URL(fileURLWithPath: notebook).deletingLastPathComponent().path
        let runner = NotebookRunner(session: Session(workingDirectory: directory))
        if let out {
            // Relative export paths of the notebook land in DIR, beside the run's own files.
            try SafeWriter.makeDirectory(out)
            runner.exportDirectory = out.hasPrefix("/") ? out : FileManager.default.currentDirectoryPath + "/" + out
        }
        var cellStart = DispatchTime.now().uptimeNanoseconds
        let outcomes = runner.run(book) { outcome in
            if timings {
                let now = DispatchTime.now().uptimeNanoseconds
                let seconds = String(format: "%.4f", Double(now - cellStart) / 1e9)
                StandardError.line("\(notebook):\(outcome.line): \(seconds) s \(StandardError.excerpt(outcome.text))")
                cellStart = now
            }
            if verbose || outcome.error != nil || outcome.output.hasPrefix("FAILED") {
                let text = outcome.error.map { "error: \($0)" } ?? outcome.output
                if !text.isEmpty { StandardError.line("\(notebook):\(outcome.line): \(StandardError.excerpt(outcome.text))\n  \(StandardError.excerpt(text, limit: 2000))") }
            } else if outcome.text.hasPrefix("step") || (outcome.text.hasPrefix("load") && outcome.output.contains("\n")) {
                // Steps report progress; a load reports what it read and its warnings.
                StandardError.line("\(notebook):\(outcome.line): \(outcome.output)")
            }
        }
        if let out {
            // The run's files are one set: all new ones, or (on any failure) all old ones.
            try SafeWriter.makeDirectory(out)
            let session = runner.session
            var files = try Exporter.prepare("metrics.csv", path: "\(out)/metrics.csv", session: session).files
            if session.model != nil { files += try Exporter.prepare("embeddings.npy", path: "\(out)/embeddings.npy", session: session).files }
            files.append(PendingFile(path: "\(out)/summary.json", text: RunSummary.json(runner, outcomes: outcomes)))
            try SafeWriter.write(files)
        }
        if let failed = outcomes.first(where: { $0.error != nil }) {
            throw ValidationError("\(notebook):\(failed.line): \(StandardError.excerpt(failed.error!, limit: 2000))")
        }
        if check && !runner.failedExpectations.isEmpty {
            for failure in runner.failedExpectations { StandardError.line("\(notebook): \(failure)") }
            throw ExitCode(1)
        }
        let expectations = outcomes.filter { $0.text.hasPrefix("expect") }.count
        print("\(notebook): \(outcomes.count) cells, \(runner.session.stepIndex) steps" +
              (expectations > 0 ? ", \(expectations - runner.failedExpectations.count)/\(expectations) expectations hold" : ""))
    }
}

/// summary.json: the final state of a run, valid JSON whatever the names and numbers.
enum RunSummary {
    static func json(_ runner: NotebookRunner, outcomes: [NotebookRunner.CellOutcome]) -> String {
        let session = runner.session
        func metrics(_ pairs: [(String, Double)]) -> String {
            JSONText.object(pairs.flatMap { JSONText.numberField($0.0, $0.1) })
        }
        var fields: [(String, String)] = [("steps", JSONText.integer(session.stepIndex))]
        if let last = session.history.last { fields += JSONText.numberField("loss", last.loss) } else { fields.append(("loss", "null")) }
        fields += [
            ("loss_name", JSONText.string(session.loss.className)),
            ("dataset", JSONText.string(session.dataset?.name ?? "")),
            ("diverged", JSONText.bool(session.state != .ready)),
            ("failed_expectations", JSONText.integer(runner.failedExpectations.count)),
        ]
        if let last = session.history.last { fields.append(("last_step", metrics(last.metrics))) }
        if let evaluation = session.evaluations.last { fields.append(("held_out", metrics(evaluation.metrics.map { ($0.name, $0.value) }))) }
        fields.append(("cells", JSONText.integer(outcomes.count)))
        return JSONText.object(fields) + "\n"
    }
}
