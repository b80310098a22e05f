import Foundation
import LossKit
import LossSession
import TerminalKit

/// What the explorer asks of the outside world after an event.
public enum Effect: Equatable, Sendable {
    case send(TrainerRequest)
    /// Replay the offered journal at this index of `restoreOffers`.
    case restore(Int)
    /// Delete the offered journal at this index (the user said discard).
    case discard(Int)
    case quit(QuitKind)
}

public enum QuitKind: Equatable, Sendable {
    /// Nothing unsaved is left (saved, or discarded by the user): the journal goes.
    case clean
    /// Quit at once, keeping the journal for the next start to offer.
    case keepJournal
}

/// A Trainer.Request the tests can compare.
public enum TrainerRequest: Equatable, Sendable {
    case command(String)
    case edit(index: Int, text: String)
    case run, pause
    case step(Int)
    case saveForQuit(path: String, overwrite: Bool)
    case pace(Int?)
    case cursor(Int?)

    public var request: Trainer.Request {
        switch self {
        case .command(let line): return .command(line)
        case .edit(let index, let text): return .edit(index: index, text: text)
        case .run: return .run
        case .pause: return .pause
        case .step(let count): return .step(count)
        case .saveForQuit(let path, let overwrite): return .saveForQuit(path: path, overwrite: overwrite)
        case .pace(let stepsPerSecond): return .pace(stepsPerSecond)
        case .cursor(let item): return .cursor(item)
        }
    }
}

extension ExplorerModel {
    /// Handles one input event. Pure: the trainer sees only the returned effects.
    public mutating func update(_ event: InputEvent) -> [Effect] {
        note = nil
        switch event {
        case .resize(let newWidth, let newHeight):
            width = newWidth
            height = newHeight
            return []
        case .mouse(let mouse):
            return click(x: mouse.x, y: mouse.y)
        case .key(let key):
            return press(key)
        }
    }

    /// Takes the trainer's newest snapshot; the answer to a quit-dialog save may end the session.
    public mutating func receive(_ latest: TrainingSnapshot) -> [Effect] {
        var effects: [Effect] = []
        if cursorItem != nil && latest.datasetSummary != snapshot.datasetSummary {
            // Another dataset: the item number means another point.
            cursorItem = nil
            effects.append(.send(.cursor(nil)))
        }
        snapshot = latest
        showTermView()
        if let lastSave = latest.cells.lastIndex(where: { !$0.isError && !$0.isSkipped && $0.text.hasPrefix("save ") }),
           lastSave + 1 > savedCellCount {
            savedCellCount = lastSave + 1
        }
        guard let awaited = awaitedQuitSave, latest.quitSaveAttempt >= awaited, let outcome = latest.quitSave else { return effects }
        awaitedQuitSave = nil
        switch outcome {
        case .saved:
            return effects + [.quit(.clean)]
        case .exists(let path):
            overlay = .confirmOverwrite(path)
        case .failed(let reason):
            overlay = .none
            note = "not saved, still open: \(reason)"
        }
        return effects
    }

    /// A sum's mining pane shows the chosen term's own view: its mining stands in for the
    /// first term's in the snapshot the panes read.
    mutating func showTermView() {
        guard let terms = snapshot.batch?.termMinings, !terms.isEmpty else { return }
        snapshot.batch!.mining = terms[termView % terms.count].mining
    }

    mutating func saveForQuit(_ path: String, overwrite: Bool) -> [Effect] {
        savePath = path
        awaitedQuitSave = snapshot.quitSaveAttempt + 1
        overlay = .savingForQuit
        return [.send(.saveForQuit(path: path, overwrite: overwrite))]
    }

    mutating func askToQuit() -> [Effect] {
        line = nil
        if hasUnsavedWork { overlay = .confirmQuit; return [] }
        return [.quit(.clean)]
    }

    mutating func press(_ key: Key) -> [Effect] {
        if KeyTable.action(for: key, in: [.always]) == .quit {
            // A second Ctrl-C quits at once; the journal keeps the work for the next start.
            if case .confirmQuit = overlay { return [.quit(.keepJournal)] }
            if case .savingForQuit = overlay { return [.quit(.keepJournal)] }
            return askToQuit()
        }
        if line != nil { return lineKey(key) }
        switch overlay {
        case .help:
            if let rows = helpScrollRows(key, scope: .help) {
                helpScroll = min(max(0, helpScroll + rows), HelpOverlay.Layout(width: width, height: height).maxScroll)
                return []
            }
            overlay = .none
            return []
        case .rowDetail:
            if let rows = helpScrollRows(key, scope: .rowDetail), let detail = rowDetail {
                detailScroll = min(max(0, detailScroll + rows), RowDetail.maxScroll(detail, width: width, height: height, ascii: ascii))
                return []
            }
            overlay = .none
            rowDetail = nil
            return []
        case .inspector:
            // +/- change the scale with the inspector open, so the softmax visibly sharpens.
            if case .margin(let up)? = KeyTable.action(for: key, in: [.inspector]) { return nudgeMargin(up: up) }
            overlay = .none
            return []
        case .confirmQuit:
            switch key {
            case .character("s"), .character("y"): return saveForQuit(savePath, overwrite: false)
            case .character("a"):
                overlay = .none
                openLine(.savePath, prompt: "save to: ", text: savePath)
                return []
            case .character("d"), .character("n"): return [.quit(.clean)]
            // q again (a user pressing quit twice has not chosen to discard): as a second
            // Ctrl-C, quit now and keep the journal for the next start.
            case .character("q"): return [.quit(.keepJournal)]
            default: overlay = .none; return []
            }
        case .savingForQuit:
            return []
        case .confirmOverwrite(let path):
            switch key {
            case .character("o"), .character("y"): return saveForQuit(path, overwrite: true)
            case .character("a"):
                overlay = .none
                openLine(.savePath, prompt: "save to: ", text: path)
                return []
            default: overlay = .none; return []
            }
        case .confirmRestore(let selected):
            return restoreKey(key, selected: selected)
        case .confirmReset:
            overlay = .none
            if key == .character("y") || key == .enter { return [.send(.pause), .send(.command("reset"))] }
            return []
        case .lossPicker, .datasetPicker:
            return pickerKey(key)
        case .none:
            break
        }
        if isTooSmall {
            if key == .character("q") { return askToQuit() }
            return []
        }
        guard let action = KeyTable.action(for: key, in: scopes) else { return [] }
        return perform(action)
    }

    /// Where a key on the main screen is looked up, most specific first.
    var scopes: [KeyBinding.Scope] {
        var scopes: [KeyBinding.Scope] = search?.pane == focus ? [.searching] : []
        for scope in KeyTable.scopes {
            if case .panes(let panes) = scope, panes.contains(focus) { scopes.append(scope) }
        }
        return scopes + [.screen]
    }

    /// The rows a key scrolls the help (or the row detail) by, for the keys its table entry names.
    func helpScrollRows(_ key: Key, scope: KeyBinding.Scope) -> Int? {
        guard KeyTable.bindings(in: scope).contains(where: { $0.keys.contains { $0.key == key } }) else { return nil }
        switch key {
        case .up, .character("k"): return -1
        case .down, .character("j"): return 1
        case .pageUp: return -10
        case .pageDown: return 10
        default: return nil
        }
    }

    mutating func perform(_ action: KeyAction) -> [Effect] {
        switch action {
        case .runPause:
            return [.send(snapshot.state == .running ? .pause : .run)]
        case .pace(let faster):
            let paces = Trainer.paces
            let current = paces.firstIndex { $0 == snapshot.pace } ?? paces.count - 1
            let next = paces[min(max(current + (faster ? 1 : -1), 0), paces.count - 1)]
            snapshot.pace = next
            return [.send(.pace(next))]
        case .step: return [.send(.step(1))]
        case .manySteps: openLine(.stepCount, prompt: "steps: ", text: "100"); return []
        case .reset: overlay = .confirmReset; return []
        case .nextCell:
            guard !pending.isEmpty else { note = "no notebook cells left to run"; return [] }
            // Prose cells come along with the command after them, so each `.` does something.
            var lines: [String] = []
            while let next = pending.first {
                pending.removeFirst()
                lines.append(next)
                if !next.hasPrefix("#") { break }
            }
            return lines.map { .send(.command($0)) }
        case .restOfCells:
            let lines = pending
            pending = []
            return lines.map { .send(.command($0)) }
        case .togglePin:
            pinned.toggle()
            return [.send(.command(pinned ? "pin" : "unpin"))]
        case .rewind:
            let target = max(0, ((snapshot.step - 1) / Session.checkpointEvery) * Session.checkpointEvery)
            return [.send(.pause), .send(.command("rewind \(target)"))]
        case .inspector:
            guard snapshot.batch?.mining.kind == .ranking else {
                note = "the softmax inspector is for the ranking losses (\(SessionReport.rankingLosses))"
                return []
            }
            guard snapshot.batch?.mining.scores != nil else {
                note = "the batch's scores were not kept (a cached loss never holds them all; the others keep at most \(MiningReport.scoreLimit) anchor-candidate pairs)"
                return []
            }
            overlay = .inspector
            return []
        case .toggleForces:
            showForces.toggle()
            note = showForces ? "forces on: arrows show where the loss pushes each batch point; idle points are dimmed" : "forces off"
            return []
        case .cycleChart:
            // The loss-specific charts (terms, teacher, drift) are there only for their losses.
            repeat {
                chartMode = ChartMode(rawValue: (chartMode.rawValue + 1) % ChartMode.allCases.count)!
            } while !chartMode.applies(to: snapshot)
            return []
        case .nextTerm:
            guard let terms = snapshot.batch?.termMinings, !terms.isEmpty else {
                note = "t switches between a sum's terms (loss A + 0.1 * B) or the widths a loss trains by dimension; this loss is one term"
                return []
            }
            termView = (termView % terms.count + 1) % terms.count
            miningSelection = 0
            showTermView()
            note = "term \(termView + 1)/\(terms.count): \(terms[termView].name)"
            // A term that mines nothing (a regulariser) is explained by its terms over steps.
            if terms[termView].mining.tuples.isEmpty && snapshot.history.last?.terms.isEmpty == false {
                chartMode = .terms
                note! += ": it mines nothing; the chart shows its terms against their targets"
            }
            return []
        case .chartWindow:
            chartWindow = ChartWindow(rawValue: (chartWindow.rawValue + 1) % ChartWindow.allCases.count)!
            note = "charts: " + chartWindow.title
            return []
        case .logLoss:
            logLoss.toggle()
            note = logLoss ? "loss on a log scale" : "loss on a linear scale"
            return []
        case .lossPicker: openLossPicker(); return []
        case .datasetPicker: openDatasetPicker(); return []
        case .cycleMetric: return cycleMetric()
        case .margin(let up): return nudgeMargin(up: up)
        case .commandLine: openLine(.command, prompt: ":", text: ""); return []
        case .help: overlay = .help; helpScroll = 0; return []
        case .quit: return askToQuit()
        case .rowDetail:
            guard let detail = RowDetail.make(self) else {
                note = "no mining row to open yet: take a step first"
                return []
            }
            rowDetail = detail
            detailScroll = 0
            overlay = .rowDetail
            return []
        case .sortMining:
            miningSort = MiningSort(rawValue: (miningSort.rawValue + 1) % MiningSort.allCases.count)!
            // Only tuples with a label (pairs' scores, rankings' ranks) sort by it.
            if miningSort == .label && snapshot.batch?.mining.tuples.first?.label == nil { miningSort = .loss }
            return []
        case .focus(let next):
            moveFocus(by: next ? 1 : -1)
            return []
        case .clearSelection:
            notebookSelection = nil
            return []
        case .move(let move):
            moveSelection(move)
            return []
        case .search:
            openLine(.search(focus), prompt: "/", text: "")
            return []
        case .findNext(let forward):
            findNext(forward: forward)
            return []
        case .endSearch:
            search = nil
            note = "search ended"
            return []
        case .cursor(let direction):
            return moveCursor(direction)
        case .dropCursor:
            guard cursorItem != nil else { return [] }
            cursorItem = nil
            return [.send(.cursor(nil))]
        case .edit: return editSelection()
        case .nudge(let up): return nudgeParameter(up: up)
        case .widget: return []
        }
    }

    /// The restore dialog: arrows choose a journal, Enter replays it, `d` discards it, Esc
    /// starts fresh and keeps every journal for a later start.
    mutating func restoreKey(_ key: Key, selected: Int) -> [Effect] {
        let count = restoreOffers.count
        switch key {
        case .up: overlay = .confirmRestore(selected: max(selected - 1, 0))
        case .down: overlay = .confirmRestore(selected: min(selected + 1, max(count - 1, 0)))
        case .enter, .character("y"), .character("r"):
            guard restoreOffers.indices.contains(selected), !restoreOffers[selected].commands.isEmpty else { return [] }
            overlay = .none
            note = "restoring \(restoreOffers[selected].commands.count) commands"
            return [.restore(selected)]
        case .character("d"):
            guard restoreOffers.indices.contains(selected) else { return [] }
            restoreOffers[selected].commands = []
            let left = restoreOffers.filter { !$0.commands.isEmpty }.count
            if left == 0 { overlay = .none }
            note = "discarded that journal"
            return [.discard(selected)]
        default:
            overlay = .none
            note = "starting fresh; the unfinished sessions' journals are kept for the next start"
        }
        return []
    }

    mutating func moveFocus(by delta: Int) {
        let panes = Pane.allCases
        let index = panes.firstIndex(of: focus)!
        focus = panes[(index + delta + panes.count) % panes.count]
        search = nil
    }

    /// The selection of the focused pane (the top panes move the mining table's, so the
    /// highlight in the embeddings follows).
    mutating func moveSelection(_ move: KeyAction.Move) {
        let count = rowTexts(of: focus).count
        guard count > 0 else {
            if focus == .notebook { notebookSelection = nil }
            return
        }
        var value = selection(in: focus) ?? count - 1
        switch move {
        case .up: value -= 1
        case .down: value += 1
        case .pageUp: value -= 10
        case .pageDown: value += 10
        case .first: value = 0
        case .last: value = count - 1
        }
        setSelection(min(max(value, 0), count - 1), in: focus)
    }

    func selection(in pane: Pane) -> Int? {
        switch pane {
        case .mining, .embeddings, .charts: return miningSelection
        case .parameters: return parameterSelection
        case .notebook: return notebookSelection
        }
    }

    mutating func setSelection(_ value: Int, in pane: Pane) {
        switch pane {
        case .mining, .embeddings, .charts: miningSelection = value
        case .parameters: parameterSelection = value
        case .notebook: notebookSelection = value
        }
    }

    /// Each row of a pane as the search sees it: the words it shows.
    func rowTexts(of pane: Pane) -> [String] {
        switch pane {
        case .mining, .embeddings, .charts: return MiningPane.rows(self).map { $0.cells.joined(separator: " ") }
        case .parameters: return ParameterRow.rows(for: snapshot).map { "\($0.group.rawValue) \($0.name) \($0.value)" }
        case .notebook: return snapshot.cells.map { $0.text + " " + $0.output }
        }
    }

    /// The next (or previous) row of the searched pane that contains the query, wrapping around.
    mutating func findNext(forward: Bool) {
        guard let search else { return }
        let rows = rowTexts(of: search.pane)
        let query = search.query.lowercased()
        let matches = rows.indices.filter { rows[$0].lowercased().contains(query) }
        guard !matches.isEmpty else {
            note = "no match for \(search.query) in the \(search.pane.rawValue) pane"
            return
        }
        let current = selection(in: search.pane) ?? (forward ? -1 : rows.count)
        let target = forward ? (matches.first { $0 > current } ?? matches[0]) : (matches.last { $0 < current } ?? matches[matches.count - 1])
        setSelection(target, in: search.pane)
        let position = matches.firstIndex(of: target)! + 1
        note = "\(search.query): match \(position) of \(matches.count) · n next · N previous · Esc ends the search"
    }

    /// Enter in the parameters or notebook pane.
    mutating func editSelection() -> [Effect] {
        switch focus {
        case .parameters:
            let rows = ParameterRow.rows(for: snapshot)
            guard rows.indices.contains(parameterSelection) else { return [] }
            let row = rows[parameterSelection]
            openLine(.editParameter(row.name), prompt: "\(row.name) = ", text: row.value)
        case .notebook:
            let count = snapshot.cells.count
            guard count > 0 else { return [] }
            let index = min(notebookSelection ?? count - 1, count - 1)
            notebookSelection = index
            let cell = snapshot.cells[index]
            if cell.isError {
                openLine(.command, prompt: ":", text: cell.text)
            } else {
                openLine(.editCell(index), prompt: "edit [\(index + 1)]: ", text: cell.text)
            }
        default: break
        }
        return []
    }

    /// +/- in the parameters pane: the selected value.
    mutating func nudgeParameter(up: Bool) -> [Effect] {
        let rows = ParameterRow.rows(for: snapshot)
        guard rows.indices.contains(parameterSelection), let next = rows[parameterSelection].nudged(up: up) else { return [] }
        return [.send(.command(rows[parameterSelection].command(setting: next, in: snapshot)))]
    }

    mutating func openLine(_ purpose: LinePurpose, prompt: String, text: String) {
        var field = TextField(text: text, prompt: prompt, placeholder: purpose == .command ? "a command, e.g. step 100  (Tab completes, Esc closes)" : "")
        if case .search = purpose {} else { field.setHistory(commandHistory) }
        // The terminal's own cursor marks the position; a painted cursor cell under it can cancel out.
        field.drawsCursorCell = false
        line = field
        linePurpose = purpose
    }

    mutating func lineKey(_ key: Key) -> [Effect] {
        guard var field = line else { return [] }
        let outcome = field.handle(key)
        line = field
        switch outcome {
        case .cancelled:
            line = nil
            return []
        case .completionRequested:
            if case .search = linePurpose { return [] }
            _ = field.complete(using: { Completion.candidates(for: $0, snapshot: snapshot) })
            line = field
            return []
        case .submitted(let text):
            line = nil
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { return [] }
            switch linePurpose {
            case .command:
                commandHistory.append(trimmed)
                return [.send(.command(trimmed))]
            case .stepCount:
                guard let count = Int(trimmed), count >= 1, count <= 10_000_000 else {
                    note = "steps must be a whole number from 1 to 10000000"
                    return []
                }
                return [.send(.step(count))]
            case .editCell(let index):
                return [.send(.edit(index: index, text: trimmed))]
            case .editParameter(let name):
                guard let row = ParameterRow.rows(for: snapshot).first(where: { $0.name == name }) else { return [] }
                return [.send(.command(row.command(setting: trimmed, in: snapshot)))]
            case .savePath:
                return saveForQuit(trimmed, overwrite: false)
            case .search(let pane):
                search = Search(pane: pane, query: trimmed)
                findNext(forward: true)
                return []
            }
        case .handled, .ignored:
            return []
        }
    }

    mutating func openLossPicker() {
        let fits = snapshot.lossFits
        var picker = Picker(title: "Loss", items: fits.map(\.name),
                            details: fits.map { fit in fit.mismatch.map { "✗ " + ($0.components(separatedBy: ";").first ?? $0) } ?? fit.summary },
                            selected: fits.firstIndex { $0.name == snapshot.lossName }, ascii: ascii,
                            selectedStyle: Style(.cyan, bold: true, reverse: true))
        picker.dimmedItems = Set(fits.indices.filter { fits[$0].mismatch != nil })
        show(picker, as: .lossPicker)
    }

    mutating func openDatasetPicker() {
        let sources = DatasetCatalog.builtIns
        show(Picker(title: "Dataset", items: sources + ["file…"], details: sources.map(DatasetCatalog.describe) + ["a path, on the command line"],
                    ascii: ascii, selectedStyle: Style(.cyan, bold: true, reverse: true)), as: .datasetPicker)
    }

    mutating func show(_ picker: Picker, as kind: Overlay) {
        var picker = picker
        picker.pageSize = max(1, min(picker.preferredHeight, height - 2) - 3)
        self.picker = picker
        overlay = kind
    }

    /// The picker takes every key; Enter on a loss that does not fit says why instead.
    mutating func pickerKey(_ key: Key) -> [Effect] {
        guard var picker else { overlay = .none; return [] }
        let outcome = picker.handle(key)
        self.picker = picker
        switch outcome {
        case .handled, .ignored:
            return []
        case .cancelled:
            closePicker()
            return []
        case .chosen(let index):
            let isLoss = overlay == .lossPicker
            closePicker()
            if isLoss {
                let fit = snapshot.lossFits[index]
                if let reason = fit.mismatch { note = reason; return [] }
                return [.send(.command("loss \(fit.name)"))]
            }
            let sources = DatasetCatalog.builtIns
            if index < sources.count { return [.send(.command("load \(sources[index])"))] }
            openLine(.command, prompt: ":", text: "load ")
            return []
        }
    }

    mutating func closePicker() {
        overlay = .none
        picker = nil
    }

    /// `m`: the next distance metric (or similarity function) of the current loss.
    mutating func cycleMetric() -> [Effect] {
        guard let (parameter, current) = snapshot.lossParameter(.metric), let choices = parameter.cycle else {
            note = "\(snapshot.lossName) has no distance metric to change"
            return []
        }
        let next = choices[((choices.firstIndex(of: current) ?? -1) + 1) % choices.count]
        let row = ParameterRow(group: .loss, name: parameter.name, value: current)
        return [.send(.command(row.command(setting: next, in: snapshot)))]
    }

    /// `+`/`-`: the loss's margin, or its scale.
    mutating func nudgeMargin(up: Bool) -> [Effect] {
        guard let (parameter, value) = snapshot.lossParameter(.margin) ?? snapshot.lossParameter(.scale) else {
            note = "\(snapshot.lossName) has no margin or scale"
            return []
        }
        let row = ParameterRow(group: .loss, name: parameter.name, value: value)
        guard let next = row.nudged(up: up) else { return [] }
        return [.send(.command(row.command(setting: next, in: snapshot)))]
    }

    mutating func click(x: Int, y: Int) -> [Effect] {
        for (pane, rect) in ExplorerLayout(width: width, height: height).panes where rect.contains(x: x, y: y) {
            if pane != focus { search = nil }
            focus = pane
            if pane == .mining {
                let row = y - rect.y - 2
                let count = sortedTuples.count
                if row >= 0 && count > 0 { miningSelection = min(row, count - 1) }
            }
            if pane == .embeddings, let item = EmbeddingsCursor(self).nearest(toCellX: x, y: y) {
                cursorItem = item
                return [.send(.cursor(item))]
            }
        }
        return []
    }

    /// An arrow in the embeddings pane: the cursor goes to the nearest point that way (the
    /// first press to the point nearest the middle of the view).
    mutating func moveCursor(_ direction: KeyAction.Direction) -> [Effect] {
        let cursor = EmbeddingsCursor(self)
        let current = cursorItem.flatMap { item in snapshot.pointItems.contains(item) ? item : nil }
        guard let next = current.map({ cursor.next(from: $0, direction) ?? $0 }) ?? cursor.nearestToCentre() else {
            note = "no points to put the cursor on"
            return []
        }
        if next == cursorItem { return [] }
        cursorItem = next
        return [.send(.cursor(next))]
    }
}
