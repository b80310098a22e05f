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
        case .help: HelpOverlay.render(model, into: &buffer)
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
        case .rowDetail:
            RowDetail.render(model, into: &buffer)
        case .confirmRestore(let selected):
            box(model, title: "Restore", lines: restoreLines(model, selected: selected), into: &buffer)
        case .confirmReset:
            box(model, title: "Reset", lines: [("Reset the model and optimizer to step 0?", nil), ("y / Enter  reset    any other key  cancel", nil)], into: &buffer)
        case .lossPicker, .datasetPicker:
            guard let picker = model.picker else { return }
            picker.render(into: &buffer, in: pickerRect(model, picker))
        }
    }

    /// Where a picker goes: centred, as large as its items need and the screen allows.
    static func pickerRect(_ model: ExplorerModel, _ picker: Picker) -> Rect {
        Rect(x: 0, y: 0, width: model.width, height: model.height)
            .centered(width: min(picker.preferredWidth, model.width - 2), height: min(picker.preferredHeight, model.height - 2))
    }

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
