import LossKit
import LossSession
import TerminalKit

/// Two lines: the data and loss with its hyperparameters; then encoder, the sentence-transformers
/// release the losses follow, optimizer, step, state and speed.
enum StatusPane {
    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let s = model.snapshot
        // A sum's settings would push its later terms off the line: they are in the hyperparameter pane.
        let loss = s.lossSpec.isSum ? s.lossName : ([s.lossName] + s.lossSettings.map { "\($0.name)=\($0.value)" }).joined(separator: " ")
        let first = " LossLab │ \(s.datasetSummary) │ \(loss)"
        let firstEnd = buffer.put(first, x: rect.x, y: rect.y, style: Style(.default, bold: true), clip: rect.row(0))
        if let rival = s.rivalLoss {
            let diverged = s.rivalDiverged.map { " (diverged: \($0))" } ?? ""
            buffer.put(" │ duel: \(rival)\(diverged)", in: Rect(x: firstEnd, y: rect.y, width: max(rect.row(0).maxX - firstEnd, 0), height: 1),
                       style: s.rivalDiverged == nil ? Style(.default, bold: true) : Style(.red, bold: true))
        }
        let settings = Dictionary(s.trainingSettings, uniquingKeysWith: { $1 })
        let optimizer = "\(settings["optimizer"] ?? "?") lr=\(settings["lr"] ?? "?") batch=\(settings["batch_size"] ?? "?")"
        let sampler = " sampler=\(settings["sampler"] ?? "?")"
        let state: String
        let stateStyle: Style
        switch s.state {
        case .running: state = "▶ running"; stateStyle = Style(.green, bold: true)
        case .paused: state = "❚❚ paused"; stateStyle = Style(.yellow, bold: true)
        case .diverged(let reason): state = "✖ diverged: \(reason)"; stateStyle = Style(.red, bold: true)
        }
        let pace = " · pace " + (s.pace.map { "\($0)/s" } ?? "max")
        var rate = s.stepsPerSecond > 0 ? String(format: " · %.0f steps/s", s.stepsPerSecond) : ""
        if s.queuedCells > 0 {
            rate += s.queueHeld ? " · \(s.queuedCells) cells waiting (Space continues)" : " · \(s.queuedCells) cells queued"
        }
        let row = rect.row(1)
        // The run state must always show: on a short line the sampler goes first, then the
        // word "encoder", then the pace.
        let candidates = [
            (" encoder \(s.encoderSummary) │ ST \(s.reference) │ \(optimizer)\(sampler) │ step \(s.step)\(rate)\(pace) │ ", true),
            (" encoder \(s.encoderSummary) │ ST \(s.reference) │ \(optimizer) │ step \(s.step)\(rate)\(pace) │ ", true),
            (" \(s.encoderSummary) │ ST \(s.reference) │ \(optimizer) │ step \(s.step)\(rate)\(pace) │ ", true),
            (" \(s.encoderSummary) │ ST \(s.reference) │ \(optimizer) │ step \(s.step)\(rate) │ ", false),
        ]
        let lead = candidates.first { TextMetrics.width($0.0) + TextMetrics.width(state) <= row.width }?.0 ?? candidates.last!.0
        var start = row.x
        if let problem = model.journalProblem {
            // First on the line, so no width hides it.
            start = buffer.put(" " + (model.ascii ? "!" : "⚠") + " \(problem) │", x: start, y: row.y, style: Style(.red, bold: true), clip: row)
        }
        let end = buffer.put(lead, x: start, y: row.y, style: Style(.brightBlack), clip: row)
        buffer.put(model.ascii ? asciiState(s.state) : state, in: Rect(x: end, y: row.y, width: max(row.maxX - end, 0), height: 1), style: stateStyle)
    }

    static func asciiState(_ state: TrainingSnapshot.RunState) -> String {
        switch state {
        case .running: return "> running"
        case .paused: return "|| paused"
        case .diverged(let reason): return "X diverged: \(reason)"
        }
    }
}
