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

    public var request: Trainer.Request {
        switch self {
        case .command(let line): return .command(line)
        case .edit(let index, let text): return .edit(index: index, text: text)
        case .run: return .run
        case .pause: return .pause
        case .step(let count): return .step(count)
        case .saveForQuit(let path, let overwrite): return .saveForQuit(path: path, overwrite: overwrite)
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
        snapshot = latest
        if let lastSave = latest.cells.lastIndex(where: { !$0.isError && !$0.isSkipped && $0.text.hasPrefix("save ") }),
           lastSave + 1 > savedCellCount {
            savedCellCount = lastSave + 1
        }
        guard let awaited = awaitedQuitSave, latest.quitSaveAttempt >= awaited, let outcome = latest.quitSave else { return [] }
        awaitedQuitSave = nil
        switch outcome {
        case .saved:
            return [.quit(.clean)]
        case .exists(let path):
            overlay = .confirmOverwrite(path)
        case .failed(let reason):
            overlay = .none
            note = "not saved, still open: \(reason)"
        }
        return []
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
        if key == .control("c") {
            // A second Ctrl-C quits at once; the journal keeps the work for the next start.
            if case .confirmQuit = overlay { return [.quit(.keepJournal)] }
            if case .savingForQuit = overlay { return [.quit(.keepJournal)] }
            return askToQuit()
        }
        if line != nil { return lineKey(key) }
        switch overlay {
        case .help:
            overlay = .none
            return []
        case .inspector:
            // +/- change the scale with the inspector open, so the softmax visibly sharpens.
            if key == .character("+") || key == .character("=") { return nudgeMargin(up: true) }
            if key == .character("-") || key == .character("_") { return nudgeMargin(up: false) }
            overlay = .none
            return []
        case .confirmQuit:
            switch key {
            case .character("s"), .character("y"): return saveForQuit(savePath, overwrite: false)
            case .character("a"):
                overlay = .none
                openLine(.savePath, prompt: "save to: ", text: savePath)
                return []
            case .character("d"), .character("q"), .character("n"): return [.quit(.clean)]
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
        case .lossPicker(let selected):
            return pickerKey(key, selected: selected, count: snapshot.lossFits.count, isLoss: true)
        case .datasetPicker(let selected):
            return pickerKey(key, selected: selected, count: DatasetCatalog.builtIns.count + 1, isLoss: false)
        case .none:
            break
        }
        if isTooSmall {
            if key == .character("q") { return askToQuit() }
            return []
        }
        switch key {
        case .character(" "):
            return [.send(snapshot.state == .running ? .pause : .run)]
        case .character("n"): return [.send(.step(1))]
        case .character("N"): openLine(.stepCount, prompt: "steps: ", text: "100"); return []
        case .character("r"): overlay = .confirmReset; return []
        case .character("."):
            guard !pending.isEmpty else { note = "no notebook cells left to run"; return [] }
            // Prose cells come along with the command after them, so each `.` does something.
            var lines: [String] = []
            while let next = pending.first {
                pending.removeFirst()
                lines.append(next)
                if !next.hasPrefix("#") { break }
            }
            return lines.map { .send(.command($0)) }
        case .character(">"):
            let lines = pending
            pending = []
            return lines.map { .send(.command($0)) }
        case .character("p"):
            pinned.toggle()
            return [.send(.command(pinned ? "pin" : "unpin"))]
        case .character("<"):
            let target = max(0, ((snapshot.step - 1) / Session.checkpointEvery) * Session.checkpointEvery)
            return [.send(.pause), .send(.command("rewind \(target)"))]
        case .character("i"):
            guard snapshot.batch?.mining.kind == .ranking else {
                note = "the softmax inspector is for MultipleNegativesRankingLoss"
                return []
            }
            guard snapshot.batch?.mining.scores != nil else {
                note = "the batch is too large to keep its scores (at most \(MiningReport.scoreLimit) anchor-candidate pairs)"
                return []
            }
            overlay = .inspector
            return []
        case .character("f"):
            showForces.toggle()
            note = showForces ? "forces on: arrows show where the loss pushes each batch point; idle points are dimmed" : "forces off"
            return []
        case .character("c"):
            chartMode = ChartMode(rawValue: (chartMode.rawValue + 1) % ChartMode.allCases.count)!
            return []
        case .character("l"):
            overlay = .lossPicker(selected: max(snapshot.lossFits.firstIndex { $0.name == snapshot.lossName } ?? 0, 0))
            return []
        case .character("d"): overlay = .datasetPicker(selected: 0); return []
        case .character("m"): return cycleMetric()
        case .character("+") where focus != .parameters, .character("=") where focus != .parameters:
            return nudgeMargin(up: true)
        case .character("-") where focus != .parameters, .character("_") where focus != .parameters:
            return nudgeMargin(up: false)
        case .character(":"): openLine(.command, prompt: ":", text: ""); return []
        case .character("?"), .function(1): overlay = .help; return []
        case .character("q"): return askToQuit()
        case .character("s") where focus == .mining:
            miningSort = MiningSort(rawValue: (miningSort.rawValue + 1) % MiningSort.allCases.count)!
            return []
        case .tab: moveFocus(by: 1); return []
        case .backTab: moveFocus(by: -1); return []
        case .escape:
            notebookSelection = nil
            return []
        default:
            return paneKey(key)
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
    }

    mutating func paneKey(_ key: Key) -> [Effect] {
        let page = 10
        func move(_ value: inout Int, count: Int) {
            guard count > 0 else { value = 0; return }
            switch key {
            case .up: value -= 1
            case .down: value += 1
            case .pageUp: value -= page
            case .pageDown: value += page
            case .home: value = 0
            case .end: value = count - 1
            default: return
            }
            value = min(max(value, 0), count - 1)
        }
        switch focus {
        case .mining:
            move(&miningSelection, count: sortedTuples.count)
        case .parameters:
            let rows = ParameterRow.rows(for: snapshot)
            move(&parameterSelection, count: rows.count)
            guard rows.indices.contains(parameterSelection) else { return [] }
            let row = rows[parameterSelection]
            switch key {
            case .enter:
                openLine(.editParameter(row.name), prompt: "\(row.name) = ", text: row.value)
            case .character("+"), .character("="), .right:
                if let next = row.nudged(up: true) { return [.send(.command(row.command(setting: next, in: snapshot)))] }
            case .character("-"), .character("_"), .left:
                if let next = row.nudged(up: false) { return [.send(.command(row.command(setting: next, in: snapshot)))] }
            default: break
            }
        case .notebook:
            let count = snapshot.cells.count
            var selection = notebookSelection ?? max(count - 1, 0)
            move(&selection, count: count)
            notebookSelection = count == 0 ? nil : selection
            if key == .enter, let index = notebookSelection, snapshot.cells.indices.contains(index) {
                let cell = snapshot.cells[index]
                if cell.isError {
                    openLine(.command, prompt: ":", text: cell.text)
                } else {
                    openLine(.editCell(index), prompt: "edit [\(index + 1)]: ", text: cell.text)
                }
            }
        case .embeddings, .charts:
            // Arrows in the embeddings pane walk the mined tuples too, so the highlight moves.
            move(&miningSelection, count: sortedTuples.count)
        }
        return []
    }

    mutating func openLine(_ purpose: LinePurpose, prompt: String, text: String) {
        var field = TextField(text: text, prompt: prompt, placeholder: purpose == .command ? "a command, e.g. step 100  (Tab completes, Esc closes)" : "")
        field.setHistory(commandHistory)
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
            }
        case .handled, .ignored:
            return []
        }
    }

    mutating func pickerKey(_ key: Key, selected: Int, count: Int, isLoss: Bool) -> [Effect] {
        var index = selected
        switch key {
        case .up: index = (index - 1 + count) % max(count, 1)
        case .down: index = (index + 1) % max(count, 1)
        case .escape, .character("q"): overlay = .none; return []
        case .enter:
            overlay = .none
            if isLoss {
                let fit = snapshot.lossFits[index]
                if let reason = fit.mismatch { note = reason; return [] }
                return [.send(.command("loss \(fit.name)"))]
            }
            let sources = DatasetCatalog.builtIns
            if index < sources.count { return [.send(.command("load \(sources[index])"))] }
            openLine(.command, prompt: ":", text: "load ")
            return []
        default: return []
        }
        overlay = isLoss ? .lossPicker(selected: index) : .datasetPicker(selected: index)
        return []
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
            focus = pane
            if pane == .mining {
                let row = y - rect.y - 2
                let count = sortedTuples.count
                if row >= 0 && count > 0 { miningSelection = min(row, count - 1) }
            }
        }
        return []
    }
}
