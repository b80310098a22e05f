import Foundation
import LossData
import LossKit

/// Runs commands against a session, including the ones that touch files (`save`, `export`)
/// or check the run (`expect`). Keeps the accepted commands, so the work can be saved and
/// replayed: the same notebook gives the same numbers.
public final class NotebookRunner {
    public let session: Session
    /// Accepted commands and prose so far, in order: what `save` writes.
    public private(set) var transcript = Notebook()
    /// Expectations that did not hold: (line, text, observed value).
    public private(set) var failedExpectations: [String] = []
    /// Where `export` writes relative paths and its default names (`losslab run --out DIR`);
    /// nil: the session's working directory.
    public var exportDirectory: String?

    public init(session: Session = Session()) {
        self.session = session
    }

    /// Executes one line (command or `#` prose) and returns its short output. Errors leave
    /// the session as it was.
    @discardableResult
    public func execute(_ line: String) throws -> String {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { transcript.cells.append(.blank); return "" }
        if trimmed.hasPrefix("#") { transcript.cells.append(Notebook.cell(for: trimmed)); return "" }
        let command = try Command.parse(trimmed)
        let output: String
        switch command {
        case .save(let path):
            var notebook = transcript
            notebook.cells.append(.command(trimmed))
            try notebook.write(to: resolve(path))
            output = "saved \(notebook.cells.filter { if case .command = $0 { return true } else { return false } }.count) commands to \(path)"
        case .export(let what, let path):
            let directory = exportDirectory ?? session.workingDirectory
            output = try Exporter.export(what, path: path.map { resolve($0, in: directory) }, session: session, directory: directory)
        case .expect(let expectation):
            output = try check(expectation)
        default:
            output = try session.apply(command)
        }
        transcript.cells.append(.command(trimmed))
        return output
    }

    /// Adds a line that was carried out elsewhere (the explorer's incremental `step N`) to the
    /// transcript, so `save` keeps it.
    public func record(_ line: String) {
        transcript.cells.append(.command(line))
    }

    func resolve(_ path: String, in directory: String? = nil) -> String {
        path.hasPrefix("/") ? path : (directory ?? session.workingDirectory) + "/" + path
    }

    /// The current value of a metric name: the last step's metrics, then the last held-out
    /// evaluation, then the loss's numeric hyperparameters (margin, scale...). `duel_NAME` is
    /// the duel's rival's.
    public func metric(_ name: String) -> Double? { Self.metric(name, of: session) }

    static func metric(_ name: String, of session: Session) -> Double? {
        if name.hasPrefix("duel_") { return session.rival.flatMap { metric(String(name.dropFirst("duel_".count)), of: $0) } }
        if name.hasPrefix("heldout_") { return session.evaluations.last?.value(String(name.dropFirst("heldout_".count))) }
        if let value = session.history.last?.metrics.first(where: { $0.0 == name })?.1 { return value }
        if let value = session.evaluations.last?.value(name) { return value }
        if let text = session.loss.settings.first(where: { $0.name == name })?.value { return Double(text) }
        if name == "step" { return Double(session.stepIndex) }
        return nil
    }

    private func check(_ expectation: Expectation) throws -> String {
        guard let left = metric(expectation.metric) else {
            throw CommandError("expect: no metric '\(expectation.metric)' yet (take a step first, or `eval` for held-out metrics)")
        }
        var right: Double? = nil
        if let reference = expectation.reference {
            guard let value = metric(reference) else { throw CommandError("expect: no metric '\(reference)'") }
            right = value
        }
        let holds = expectation.holds(left, reference: right)
        let observed = String(format: "%@ = %.5g", expectation.metric, left) + (right.map { String(format: ", %@ = %.5g", expectation.reference!, $0) } ?? "")
        if !holds { failedExpectations.append("expect \(expectation) failed: \(observed)") }
        return (holds ? "ok: " : "FAILED: ") + "\(expectation) (\(observed))"
    }

    /// One executed cell of a run.
    public struct CellOutcome: Sendable {
        public var line: Int
        public var text: String
        public var output: String
        public var error: String?
    }

    /// Runs a whole notebook; stops at the first error. `progress` sees every outcome.
    public func run(_ notebook: Notebook, progress: (CellOutcome) -> Void = { _ in }) -> [CellOutcome] {
        var outcomes: [CellOutcome] = []
        for (index, cell) in notebook.cells.enumerated() {
            let text: String
            switch cell {
            case .blank: transcript.cells.append(.blank); continue
            case .prose(let prose): transcript.cells.append(.prose(prose)); text = "# " + prose
            case .command(let line): text = line
            }
            var outcome = CellOutcome(line: index + 1, text: text, output: "", error: nil)
            if case .command = cell {
                do { outcome.output = try execute(text) } catch { outcome.error = "\(error)" }
            }
            outcomes.append(outcome)
            progress(outcome)
            if outcome.error != nil { break }
        }
        return outcomes
    }
}
