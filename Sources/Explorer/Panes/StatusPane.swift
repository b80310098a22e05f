import LossKit
import LossSession
import TerminalKit

/// Two lines: the data and loss with its hyperparameters; then encoder, optimizer, step,
/// state and speed.
enum StatusPane {
    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let s = model.snapshot
        let loss = ([s.lossName] + s.lossSettings.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
        let first = " LossLab │ \(s.datasetSummary) │ \(loss)" + (s.rivalLoss.map { " │ duel: \($0)" } ?? "")
        buffer.put(first, in: rect.row(0), style: Style(.default, bold: true))
        let settings = Dictionary(s.trainingSettings, uniquingKeysWith: { $1 })
        let optimizer = "\(settings["optimizer"] ?? "?") lr=\(settings["lr"] ?? "?") batch=\(settings["batch_size"] ?? "?") sampler=\(settings["sampler"] ?? "?")"
        let state: String
        let stateStyle: Style
        switch s.state {
        case .running: state = "▶ running"; stateStyle = Style(.green, bold: true)
        case .paused: state = "❚❚ paused"; stateStyle = Style(.yellow, bold: true)
        case .diverged(let reason): state = "✖ diverged: \(reason)"; stateStyle = Style(.red, bold: true)
        }
        var rate = s.stepsPerSecond > 0 ? String(format: " · %.0f steps/s", s.stepsPerSecond) : ""
        if s.queuedCells > 0 {
            rate += s.queueHeld ? " · \(s.queuedCells) cells waiting (Space continues)" : " · \(s.queuedCells) cells queued"
        }
        let lead = " encoder \(s.encoderSummary) │ \(optimizer) │ step \(s.step)\(rate) │ "
        let row = rect.row(1)
        let end = buffer.put(lead, x: row.x, y: row.y, style: Style(.brightBlack), clip: row)
        let stateEnd = buffer.put(model.ascii ? asciiState(s.state) : state, x: end, y: row.y, style: stateStyle, clip: row)
        if let problem = model.journalProblem {
            buffer.put(" │ ⚠ \(problem)", in: Rect(x: stateEnd, y: row.y, width: max(row.maxX - stateEnd, 0), height: 1), style: Style(.red, bold: true))
        }
    }

    static func asciiState(_ state: TrainingSnapshot.RunState) -> String {
        switch state {
        case .running: return "> running"
        case .paused: return "|| paused"
        case .diverged(let reason): return "X diverged: \(reason)"
        }
    }
}
