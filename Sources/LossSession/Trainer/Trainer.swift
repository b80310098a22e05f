import Foundation
import LossData
import LossKit

/// Drives a Session on its own Thread (not a Task: the cooperative pool has only as many
/// threads as cores). The UI sends requests into an inbox and reads the latest TrainingSnapshot;
/// neither side ever waits on the other for longer than a lock hand-over.
public final class Trainer: @unchecked Sendable {
    public enum Request: Sendable {
        /// A notebook line (command or # prose), queued behind the cells before it.
        case command(String)
        /// The lines of a journal left by a session that did not end cleanly, queued in order;
        /// cells that write files are shown but not re-run. `then` runs once they are journaled.
        case restore([String], then: @Sendable () -> Void)
        /// Re-run the notebook from cell `index` (after editing it): cells after it are replayed.
        case edit(index: Int, text: String)
        case run
        case pause
        case step(Int)
        /// Writes the notebook so far to `path` (no `save` cell is added); refuses to replace
        /// an existing file unless `overwrite`. The outcome comes back as the snapshot's `quitSave`.
        case saveForQuit(path: String, overwrite: Bool)
        case quit
    }

    /// A queued notebook line.
    private struct Queued {
        var text: String
        /// From a restored journal: file-writing cells are not re-run.
        var restoring: Bool
    }

    private let lock = NSLock()
    private var inbox: [Request] = []
    private var latest = TrainingSnapshot()
    private let wakeUp = NSCondition()
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    /// Everything below is touched by the training thread only.
    private var runner: NotebookRunner
    private var cells: [TrainingSnapshot.Cell] = []
    private var projection = Projection()
    /// Which dataset the projection was fitted to; a new one starts a fresh view.
    private var projectedDataset = ""
    /// Notebook lines waiting for the cells before them (a `step N` cell runs to its end first).
    private var queue: [Queued] = []
    /// Paused in the middle of queued cells: the queue waits for Space.
    private var queueHeld = false
    /// Steps left of the `step N` cell being run.
    private var cellSteps = 0
    private var running = false
    private var pendingSteps = 0
    private var version = 0
    private var message = ("", false)
    private var quitSave: TrainingSnapshot.QuitSave?
    private var quitSaveAttempt = 0
    private var rateWindow: [(time: Double, step: Int)] = []
    /// Steps taken since stepping last started; recorded as one `step N` cell when it stops.
    private var jobSteps = 0
    /// The step index when the current stepping began, for its cell's summary.
    private var jobFirstStep = 0
    private var lastJournalTime = 0.0
    /// Receives the notebook so far plus every queued line, whenever it changes (the journal).
    private let onJournal: @Sendable (Notebook) -> Void

    public init(runner: NotebookRunner = NotebookRunner(), onJournal: @escaping @Sendable (Notebook) -> Void = { _ in }) {
        self.runner = runner
        self.onJournal = onJournal
    }

    public func start() {
        publish()
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = "losslab-trainer"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    public func send(_ request: Request) {
        lock.lock()
        inbox.append(request)
        lock.unlock()
        wakeUp.lock()
        wakeUp.signal()
        wakeUp.unlock()
    }

    /// Asks the thread to finish what it is doing and waits for it, at most `timeout`
    /// seconds. True when it finished.
    @discardableResult
    public func stop(timeout: Double = 5) -> Bool {
        send(.quit)
        guard thread != nil else { return true }
        return finished.wait(timeout: .now() + timeout) == .success
    }

    /// The newest snapshot (latest value wins).
    public func snapshot() -> TrainingSnapshot {
        lock.lock()
        defer { lock.unlock() }
        return latest
    }

    // MARK: - The training thread

    private func loop() {
        var lastPublish = 0.0
        while true {
            lock.lock()
            let requests = inbox
            inbox.removeAll()
            lock.unlock()
            for request in requests where !handle(request) {
                closeJob()
                publish()
                return
            }
            if !requests.isEmpty { journal(); publish(); lastPublish = now() }

            // One queued line per turn, so the UI sees each cell land.
            if !queueHeld && cellSteps == 0 && !queue.isEmpty {
                runQueued(queue.removeFirst())
                journal()
                publish()
                lastPublish = now()
                continue
            }
            let wantsStep = cellSteps > 0 || running || pendingSteps > 0
            if wantsStep {
                stepOnce()
                // Publish at most ~30 times a second; the UI redraws from the latest.
                if now() - lastPublish > 0.033 || !(cellSteps > 0 || running || pendingSteps > 0) {
                    publish()
                    lastPublish = now()
                }
                // Free running is one growing `step N` cell: keep its count in the journal.
                if now() - lastJournalTime > 1 { journal() }
            } else {
                wakeUp.lock()
                lock.lock()
                let empty = inbox.isEmpty
                lock.unlock()
                if empty { _ = wakeUp.wait(until: Date().addingTimeInterval(0.5)) }
                wakeUp.unlock()
            }
        }
    }

    private func stepOnce() {
        if jobSteps == 0 { jobFirstStep = runner.session.stepIndex }
        do {
            try runner.session.step()
            jobSteps += 1
            if cellSteps > 0 {
                cellSteps -= 1
                if cellSteps == 0 { closeJob() }
            } else if pendingSteps > 0 {
                pendingSteps -= 1
                if pendingSteps == 0 && !running { closeJob() }
            }
        } catch {
            running = false
            pendingSteps = 0
            cellSteps = 0
            // The cells after a failed step would run on a state the notebook did not mean.
            queueHeld = !queue.isEmpty
            closeJob(error: "\(error)")
            journal()
            publish()
        }
    }

    /// Carries out one request; false for `.quit`.
    private func handle(_ request: Request) -> Bool {
        switch request {
        case .command(let line):
            queue.append(Queued(text: line, restoring: false))
        case .restore(let lines, let then):
            queue += lines.map { Queued(text: $0, restoring: true) }
            journal()
            then()
        case .edit(let index, let text):
            replay(from: index, replacing: text)
        case .run:
            if queueHeld {
                queueHeld = false
            } else if case .diverged(let reason) = runner.session.state {
                message = ("training diverged (\(reason)); change settings and reset", true)
            } else {
                running = true
            }
        case .pause:
            running = false
            pendingSteps = 0
            if cellSteps > 0 {
                // The rest of the interrupted cell waits at the head of the queue.
                queue.insert(Queued(text: "step \(cellSteps)", restoring: false), at: 0)
                cellSteps = 0
            }
            queueHeld = !queue.isEmpty
            closeJob()
        case .step(let count):
            pendingSteps += max(count, 0)
        case .saveForQuit(let path, let overwrite):
            closeJob()
            quitSave = saveForQuit(path: path, overwrite: overwrite)
            quitSaveAttempt += 1
        case .quit:
            return false
        }
        return true
    }

    private func runQueued(_ item: Queued) {
        let line = item.text
        let isProse = line.trimmingCharacters(in: .whitespaces).hasPrefix("#")
        let command = isProse ? nil : try? Command.parse(line)
        // Stepping closes a running `step N` cell first, so the notebook keeps the order of events.
        closeJob()
        if case .step(let count)? = command {
            // Run on this thread a step at a time, so it can be paused and watched.
            cellSteps = count
            return
        }
        if item.restoring, let command, command.writesFiles {
            runner.record(line)
            cells.append(TrainingSnapshot.Cell(text: line, output: "not re-run on restore (it writes a file); run it again to rewrite the file",
                                               isError: false, isProse: false, isSkipped: true))
            return
        }
        do {
            let output = try runner.execute(line)
            cells.append(TrainingSnapshot.Cell(text: line, output: output, isError: false, isProse: isProse, isSkipped: false))
            message = (output, false)
        } catch {
            cells.append(TrainingSnapshot.Cell(text: line, output: "\(error)", isError: true, isProse: false, isSkipped: false))
            message = ("\(error)", true)
        }
    }

    /// Rebuilds the session from the notebook with cell `index` replaced, replaying every
    /// accepted command before and after it.
    private func replay(from index: Int, replacing text: String) {
        guard index >= 0 && index < cells.count else { return }
        closeJob()
        var lines = cells.filter { !$0.isError }.map(\.text)
        let accepted = cells.enumerated().filter { !$0.element.isError }.map(\.offset)
        guard let position = accepted.firstIndex(of: index) else { return }
        lines[position] = text
        running = false
        pendingSteps = 0
        cellSteps = 0
        runner = NotebookRunner(session: Session(workingDirectory: runner.session.workingDirectory))
        cells = []
        projection = Projection()
        for line in lines {
            do {
                let output = try runner.execute(line)
                cells.append(TrainingSnapshot.Cell(text: line, output: output, isError: false, isProse: line.hasPrefix("#"), isSkipped: false))
            } catch {
                cells.append(TrainingSnapshot.Cell(text: line, output: "\(error)", isError: true, isProse: false, isSkipped: false))
            }
        }
        message = ("re-ran \(lines.count) cells from the edited one", false)
    }

    /// Records the steps taken since stepping began as one `step N` cell.
    private func closeJob(error: String? = nil) {
        if jobSteps > 0 {
            let line = "step \(jobSteps)"
            runner.record(line)
            cells.append(TrainingSnapshot.Cell(text: line, output: runner.session.describeSteps(since: jobFirstStep),
                                               isError: false, isProse: false, isSkipped: false))
            jobSteps = 0
            journal()
        }
        if let error {
            message = (error, true)
        } else if let last = runner.session.history.last, queue.isEmpty {
            message = (String(format: "step %d: loss %.5g", last.step, last.loss), false)
        }
    }

    /// Everything the user asked for: the notebook so far, the stepping in progress (with the
    /// steps its cell has still to take) and every queued line.
    private var requestedNotebook: Notebook {
        var notebook = runner.transcript
        if jobSteps > 0 || cellSteps > 0 { notebook.cells.append(.command("step \(jobSteps + cellSteps)")) }
        notebook.cells += queue.map { Notebook.cell(for: $0.text) }
        return notebook
    }

    private func journal() {
        onJournal(requestedNotebook)
        lastJournalTime = now()
    }

    private func saveForQuit(path: String, overwrite: Bool) -> TrainingSnapshot.QuitSave {
        let target = runner.resolve(path)
        if !overwrite && FileManager.default.fileExists(atPath: target) { return .exists(path) }
        do {
            try requestedNotebook.write(to: target)
            return .saved(path)
        } catch {
            return .failed("\(error)")
        }
    }

    private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func publish() {
        let session = runner.session
        var snapshot = TrainingSnapshot()
        version += 1
        snapshot.version = version
        if case .diverged(let reason) = session.state { snapshot.state = .diverged(reason) }
        else { snapshot.state = running || pendingSteps > 0 || cellSteps > 0 ? .running : .paused }
        snapshot.step = session.stepIndex
        let time = now()
        rateWindow.append((time, session.stepIndex))
        rateWindow.removeAll { time - $0.time > 2 }
        if let first = rateWindow.first, time - first.time > 0.2 {
            snapshot.stepsPerSecond = Double(session.stepIndex - first.step) / (time - first.time)
        }
        if let dataset = session.dataset {
            snapshot.datasetSummary = session.summarize(dataset)
            snapshot.datasetShape = dataset.shape
            snapshot.classNames = dataset.labelNames
            snapshot.lossFits = Session.losses.map { type in
                LossFit(name: type.className, summary: type.summary, mismatch: Session.mismatch(dataset, type))
            }
        } else {
            snapshot.lossFits = Session.losses.map { LossFit(name: $0.className, summary: $0.summary, mismatch: nil) }
        }
        snapshot.lossName = session.loss.className
        snapshot.lossParameters = type(of: session.loss).parameters
        snapshot.lossSettings = session.loss.settings
        snapshot.encoderSummary = session.encoderChoice.summary
        snapshot.trainingSettings = session.settings.summary
        snapshot.history = session.history.count > 20_000 ? Array(session.history.suffix(20_000)) : session.history
        snapshot.evaluations = session.evaluations
        snapshot.batch = session.lastBatch
        snapshot.cells = cells
        snapshot.warnings = session.warnings
        if let rival = session.rival {
            snapshot.rivalLoss = rival.describeLoss()
            snapshot.rivalDiverged = rival.divergedReason
            snapshot.rivalHistory = rival.history.count > 20_000 ? Array(rival.history.suffix(20_000)) : rival.history
            snapshot.rivalEvaluations = rival.evaluations
        }
        snapshot.queuedCells = queue.count + (cellSteps > 0 ? 1 : 0)
        snapshot.queueHeld = queueHeld
        snapshot.quitSave = quitSave
        snapshot.quitSaveAttempt = quitSaveAttempt
        snapshot.message = message.0
        snapshot.messageIsError = message.1
        if let dataset = session.dataset, let embeddings = try? session.embeddings() {
            let identity = "\(dataset.name)#\(dataset.itemCount)#\(embeddings.cols)"
            if identity != projectedDataset {
                projection = Projection()
                projectedDataset = identity
            }
            // At most 20,000 points are drawn; only those are projected.
            let stride = max(1, embeddings.rows / 20_000)
            let shown = Array(Swift.stride(from: 0, to: embeddings.rows, by: stride))
            var batchItems = Set(session.lastBatch?.items.flatMap { $0 } ?? [])
            let rows = shown + batchItems.filter { $0 % stride != 0 }.sorted()
            let projected = projection.update(embeddings, rows: rows)
            var points = [(x: Double, y: Double)](repeating: (0, 0), count: embeddings.rows)
            for (row, point) in zip(rows, projected) { points[row] = point }
            let groups = Self.groups(dataset)
            for item in shown {
                snapshot.points.append(TrainingSnapshot.Point(x: points[item].x, y: points[item].y, group: groups[item],
                                                              inBatch: batchItems.remove(item) != nil))
                snapshot.pointItems.append(item)
            }
            snapshot.axes = projection.axes
            if let batch = session.lastBatch, let gradients = batch.embeddingGradients {
                (snapshot.forces, snapshot.idleItems) = forces(batch, gradients: gradients, points: points, groups: groups)
            }
        }
        lock.lock()
        latest = snapshot
        lock.unlock()
    }

    /// Each batch item's negative gradient (summed over the columns it appears in), projected
    /// on the view's two directions and scaled for display.
    private func forces(_ batch: BatchOutcome, gradients: Matrix<Float>, points: [(x: Double, y: Double)], groups: [Int])
        -> ([TrainingSnapshot.Force], Set<Int>) {
        let directions = projection.directions
        guard directions.count == 2, directions[0].count == gradients.cols else { return ([], []) }
        var pushes: [Int: (Double, Double)] = [:]
        var norms: [Int: Double] = [:]
        for (row, item) in batch.items.flatMap({ $0 }).enumerated() where row < gradients.rows && item < points.count {
            var gx = 0.0, gy = 0.0, norm = 0.0
            for k in 0..<gradients.cols {
                let g = Double(gradients[row, k])
                gx -= g * directions[0][k]
                gy -= g * directions[1][k]
                norm += g * g
            }
            let current = pushes[item] ?? (0, 0)
            pushes[item] = (current.0 + gx, current.1 + gy)
            norms[item, default: 0] += norm
        }
        let idle = Set(norms.filter { $0.value == 0 }.map(\.key))
        let longest = pushes.values.map { ($0.0 * $0.0 + $0.1 * $0.1).squareRoot() }.max() ?? 0
        guard longest > 0 else { return ([], idle) }
        let span = max(projection.axes.maxX - projection.axes.minX, projection.axes.maxY - projection.axes.minY)
        let scale = 0.12 * span / longest
        let forces = pushes.filter { !idle.contains($0.key) }.map { item, push in
            TrainingSnapshot.Force(item: item, x: points[item].x, y: points[item].y, dx: push.0 * scale, dy: push.1 * scale,
                                   group: groups[item])
        }.sorted { $0.item < $1.item }
        return (forces, idle)
    }

    static func groups(_ dataset: Dataset) -> [Int] {
        if let classes = dataset.itemClasses { return classes }
        var groups = [Int](repeating: -1, count: dataset.itemCount)
        if dataset.shape == .labelledItems {
            for (index, example) in dataset.examples.enumerated() { groups[example[0]] = Int(dataset.labels[index]) }
        } else {
            // Colour by column: anchors, positives, negatives.
            for example in dataset.examples { for (column, item) in example.enumerated() where groups[item] < 0 { groups[item] = column } }
        }
        return groups
    }
}
