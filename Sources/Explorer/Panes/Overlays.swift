import LossKit
import LossSession
import TerminalKit

/// Help, the loss and dataset pickers, and the confirmation dialogs, drawn over the panes.
enum Overlays {
    /// Each unfinished session's journal: its age, size and first commands.
    static func restoreLines(_ model: ExplorerModel, selected: Int) -> [(String, Style?)] {
        let count = model.restoreOffers.count
        var lines: [(String, Style?)] = [(count == 1 ? "A session did not end cleanly." : "\(count) sessions did not end cleanly (newest first).", nil), ("", nil)]
        for (index, offer) in model.restoreOffers.enumerated() {
            let marker = index == selected ? "▸ " : "  "
            if offer.commands.isEmpty {
                lines.append((marker + "(discarded)", Style(.brightBlack)))
                continue
            }
            let head = offer.commands.prefix(3).joined(separator: " · ")
            let style = index == selected ? Style(.cyan, bold: true, reverse: true) : nil
            let count = offer.commands.count == 1 ? "1 command" : "\(offer.commands.count) commands"
            lines.append((marker + "\(offer.age), \(count): \(head)", style))
        }
        lines += [("", nil), ("Enter  replay the chosen one (save and export cells are shown, not re-run)", nil),
                  ("d  discard it    ↑/↓  choose    Esc  start fresh and keep them for later", Style(.brightBlack))]
        return lines
    }

    static func render(_ model: ExplorerModel, into buffer: inout Buffer) {
        switch model.overlay {
        case .none: return
        case .help: box(model, title: "Keys", lines: help, into: &buffer)
        case .confirmQuit:
            box(model, title: "Quit", lines: [("There is unsaved work.", nil), ("", nil), ("s  save to \(model.savePath) and quit", nil),
                                                ("a  save under another name and quit", nil), ("d  discard the unsaved work and quit", nil),
                                                ("Esc  stay      Ctrl-C  quit now, keeping the journal to restore next time", Style(.brightBlack))],
                into: &buffer)
        case .savingForQuit:
            box(model, title: "Quit", lines: [("Saving to \(model.savePath)…", nil)], into: &buffer)
        case .confirmOverwrite(let path):
            box(model, title: "Quit", lines: [("\(path) already exists.", nil), ("", nil), ("o  overwrite it and quit", nil),
                                                ("a  save under another name", nil), ("Esc  stay", nil)], into: &buffer)
        case .inspector:
            box(model, title: "Softmax inspector (any key closes)", lines: SoftmaxInspector.lines(model), into: &buffer)
        case .confirmRestore(let selected):
            box(model, title: "Restore", lines: restoreLines(model, selected: selected), into: &buffer)
        case .confirmReset:
            box(model, title: "Reset", lines: [("Reset the model and optimizer to step 0?", nil), ("y / Enter  reset    any other key  cancel", nil)], into: &buffer)
        case .lossPicker(let selected):
            let lines = model.snapshot.lossFits.enumerated().map { index, fit -> (String, Style?) in
                let marker = index == selected ? "▸ " : "  "
                let text = marker + fit.name.padding(toLength: 31, withPad: " ", startingAt: 0)
                    + (fit.mismatch.map { "✗ " + ($0.components(separatedBy: ";").first ?? $0) } ?? fit.summary)
                let style = fit.mismatch != nil ? Style(.brightBlack) : (index == selected ? Style(.cyan, bold: true) : nil)
                return (text, index == selected ? (style ?? .plain).reversed : style)
            }
            box(model, title: "Loss (Enter picks, Esc closes)", lines: lines, into: &buffer)
        case .datasetPicker(let selected):
            let sources = DatasetCatalog.builtIns + ["file…"]
            let lines = sources.enumerated().map { index, source -> (String, Style?) in
                let text = (index == selected ? "▸ " : "  ") + source.padding(toLength: 16, withPad: " ", startingAt: 0) + DatasetCatalog.describe(source)
                return (text, index == selected ? Style(.cyan, bold: true, reverse: true) : nil)
            }
            box(model, title: "Dataset (Enter loads, Esc closes)", lines: lines, into: &buffer)
        }
    }


    static let help: [(String, Style?)] = [
        ("Space   run / pause training", nil), ("n       one step", nil), ("N       many steps (asks how many)", nil),
        ("r       reset the model (asks first)", nil), ("l       pick a loss      d  pick a dataset", nil),
        ("m       next distance metric (or similarity)", nil), ("c       chart: loss & gradient / hardness census / margin histogram", nil),
        ("f       forces: arrows for where the loss pushes each batch point", nil), ("i       softmax inspector (MNRL, on the selected anchor)", nil),
        ("<       time travel: back to the previous checkpoint (every 10 steps)", nil),
        ("p       pin / unpin the batch: loss changes then show their effect on it", nil),
        (".       run the next cell of an opened notebook     >  run the rest", nil),
        (":duel loss NAME ...  train a rival configuration on the same batches", nil), ("+ / -   margin (scale for MNRL) up / down", nil),
        ("Tab     next pane        Shift-Tab  previous pane", nil), ("arrows, PgUp/PgDn, Home/End  move in a pane", nil),
        ("Enter   edit the selected parameter or notebook cell", nil), ("s       sort the mining table (in that pane)", nil),
        (":       command line (Tab completes, Up/Down history)", nil), ("Esc     close / back     ?  this help", nil),
        ("q       quit (asks when there is unsaved work)   Ctrl-C quits", nil), ("", nil),
        ("Commands: " + Command.verbs.joined(separator: ", "), Style(.brightBlack)),
    ]

    static func box(_ model: ExplorerModel, title: String, lines: [(String, Style?)], into buffer: inout Buffer) {
        let widest = lines.map { TextMetrics.width($0.0) }.max() ?? 10
        let width = min(max(widest + 4, TextMetrics.width(title) + 6), model.width - 2)
        let height = min(lines.count + 2, model.height - 2)
        let rect = Rect(x: 0, y: 0, width: model.width, height: model.height).centered(width: width, height: height)
        buffer.clear(rect)
        let inner = Box(title: title, focused: true, ascii: model.ascii).render(into: &buffer, in: rect)
        for (offset, line) in lines.prefix(inner.height).enumerated() {
            buffer.put(line.0, in: inner.row(offset).inset(left: 1), style: line.1 ?? .plain)
        }
    }
}
