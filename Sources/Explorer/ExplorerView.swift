import LossKit
import LossSession
import TerminalKit

extension ExplorerModel {
    /// The whole screen for the current state.
    public func view() -> Buffer {
        var frame = self
        frame.frameTuples = sortedTuples
        return frame.drawFrame()
    }

    private func drawFrame() -> Buffer {
        var buffer = Buffer(width: max(width, 0), height: max(height, 0))
        if isTooSmall {
            drawTooSmall(into: &buffer)
        } else {
            let layout = ExplorerLayout(width: width, height: height)
            StatusPane.render(self, into: &buffer, in: layout.status)
            for (pane, rect) in layout.panes {
                let box = Box(title: title(of: pane), rightTitle: rightTitle(of: pane), focused: focus == pane, ascii: ascii)
                let inner = box.render(into: &buffer, in: rect)
                switch pane {
                case .embeddings: EmbeddingsPane.render(self, into: &buffer, in: inner)
                case .charts: ChartsPane.render(self, into: &buffer, in: inner)
                case .mining: MiningPane.render(self, into: &buffer, in: inner)
                case .parameters: ParametersPane.render(self, into: &buffer, in: inner)
                case .notebook: NotebookPane.render(self, into: &buffer, in: inner)
                }
            }
            drawCommandRow(into: &buffer, in: layout.commandRow)
            drawFooter(into: &buffer, in: layout.footer)
            Overlays.render(self, into: &buffer)
        }
        return color ? buffer : buffer.monochrome()
    }

    func title(of pane: Pane) -> String {
        switch pane {
        case .embeddings: return "Embeddings"
        case .charts: return chartMode.title
        case .mining:
            let kind: String
            switch snapshot.batch?.mining.kind {
            case .pair?: kind = "Pairs"
            case .ranking?: kind = "Rankings"
            case .item?: kind = "Items"
            default: kind = "Mined triplets"
            }
            guard let terms = snapshot.batch?.termMinings, !terms.isEmpty else { return kind }
            let shown = termView % terms.count
            return "\(kind) · term \(shown + 1)/\(terms.count) \(terms[shown].name) (t)"
        case .parameters: return "Hyperparameters"
        case .notebook: return "Notebook"
        }
    }

    func rightTitle(of pane: Pane) -> String? {
        switch pane {
        case .embeddings:
            guard !snapshot.points.isEmpty else { return nil }
            // Narrow panes get the short form, so the counts are never cut.
            // (The batch's and the cursor's items the sample missed are drawn too: "+ k".)
            let extra = snapshot.points.count - snapshot.sampledPoints
            let count = !snapshot.isSampled ? "\(snapshot.points.count) pts"
                : width < 100 ? "sample \(snapshot.sampledPoints)/\(snapshot.itemCount)" + (extra > 0 ? " +\(extra)" : "")
                : "sample \(snapshot.sampledPoints) of \(snapshot.itemCount)" + (extra > 0 ? " + \(extra) looked at" : "")
            return (snapshot.isSampled && width < 100 ? "" : "PCA · ") + count + (showForces ? " · forces" : "")
        case .mining:
            guard let counts = snapshot.batch?.mining.counts else { return nil }
            return "active \(counts.active)/\(counts.used) · sort \(miningSort.title)"
        case .notebook:
            return hasUnsavedWork ? "unsaved" : nil
        default:
            return nil
        }
    }

    func drawCommandRow(into buffer: inout Buffer, in rect: Rect) {
        if var field = line {
            field.keepCursorVisible(width: rect.width)
            field.render(into: &buffer, in: rect)
            return
        }
        if note == nil && !snapshot.messageIsError, let warning = snapshot.warnings.first {
            let more = snapshot.warnings.count > 1 ? " (+\(snapshot.warnings.count - 1) more: :show warnings)" : ""
            buffer.put("⚠ " + warning + more, in: rect, style: Style(.yellow, bold: true))
            return
        }
        let text = note ?? snapshot.message
        let isError = note == nil && snapshot.messageIsError
        buffer.put(text.replacingOccurrences(of: "\n", with: " · "), in: rect,
                   style: isError ? Style(.red, bold: true) : Style(.default))
    }

    /// The keys that matter where the user is, from the key table. When the line is narrow the
    /// last ones go first; quit and help always show on the main screen.
    func drawFooter(into buffer: inout Buffer, in rect: Rect) {
        let scopes: [KeyBinding.Scope]
        if line != nil {
            if case .search = linePurpose { scopes = [.searchLine] } else { scopes = [.commandLine] }
        } else {
            switch overlay {
            case .none: scopes = self.scopes
            case .lossPicker, .datasetPicker: scopes = [.picker]
            case .help: scopes = [.help]
            case .inspector: scopes = [.inspector]
            case .rowDetail: scopes = [.rowDetail]
            // The dialogs name their keys themselves.
            case .confirmQuit, .savingForQuit, .confirmOverwrite, .confirmReset, .confirmRestore: scopes = []
            }
        }
        var keys = scopes.flatMap { KeyTable.bindings(in: $0) }.compactMap(\.footerText)
        var tail: [String] = []
        for kept in [KeyAction.quit, .help] where scopes.contains(.screen) {
            if let text = KeyTable.bindings(in: .screen).first(where: { $0.keys.contains { $0.action == kept } })?.footerText {
                keys.removeAll { $0 == text }
                tail.append(text)
            }
        }
        while !keys.isEmpty && TextMetrics.width((keys + tail).joined(separator: " · ")) > rect.width {
            keys.removeLast()
        }
        buffer.put((keys + tail).joined(separator: " · "), in: rect, style: Style(.brightBlack))
    }

    func drawTooSmall(into buffer: inout Buffer) {
        let lines = ["LossLab needs at least \(Self.minimumWidth)x\(Self.minimumHeight).",
                     "This terminal is \(width)x\(height): enlarge it, or press q to quit."]
        for (offset, text) in lines.enumerated() {
            let y = height / 2 - 1 + offset
            if y >= 0 && y < height { buffer.put(text, in: Rect(x: 0, y: y, width: width, height: 1), style: .plain, alignment: .center) }
        }
    }
}
