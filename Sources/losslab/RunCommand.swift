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
    @Option(help: "Directory for metrics.csv, embeddings.npy and summary.json.") var out: String?
    @Flag(help: "Fail (exit 1) when an `expect` does not hold.") var check = false
    @Flag(help: "Print every cell's output.") var verbose = false

    func run() throws {
        let book = try Notebook.read(path: notebook)
        let directory = URL(fileURLWithPath: notebook).deletingLastPathComponent().path
        let runner = NotebookRunner(session: Session(workingDirectory: directory))
        let outcomes = runner.run(book) { outcome in
            if verbose || outcome.error != nil || outcome.output.hasPrefix("FAILED") {
                let text = outcome.error.map { "error: \($0)" } ?? outcome.output
                if !text.isEmpty { StandardError.line("\(notebook):\(outcome.line): \(StandardError.excerpt(outcome.text))\n  \(StandardError.excerpt(text, limit: 2000))") }
            } else if outcome.text.hasPrefix("step") {
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

/// summary.json: the final state of a run.
enum RunSummary {
    static func json(_ runner: NotebookRunner, outcomes: [NotebookRunner.CellOutcome]) -> String {
        let session = runner.session
        func number(_ value: Double) -> String { value.isFinite ? "\(value)" : "null" }
        var fields: [String] = [
            "\"steps\": \(session.stepIndex)",
            "\"loss\": \(session.history.last.map { number($0.loss) } ?? "null")",
            "\"loss_name\": \"\(session.loss.className)\"",
            "\"dataset\": \"\(session.dataset?.name ?? "")\"",
            "\"diverged\": \(session.state != .ready)",
            "\"failed_expectations\": \(runner.failedExpectations.count)",
        ]
        if let last = session.history.last {
            fields.append("\"last_step\": {" + last.metrics.map { "\"\($0.0)\": \(number($0.1))" }.joined(separator: ", ") + "}")
        }
        if let evaluation = session.evaluations.last {
            fields.append("\"held_out\": {" + evaluation.metrics.map { "\"\($0.name)\": \(number($0.value))" }.joined(separator: ", ") + "}")
        }
        fields.append("\"cells\": \(outcomes.count)")
        return "{" + fields.joined(separator: ", ") + "}\n"
    }
}
