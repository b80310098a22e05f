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
        /// Steps per second while running free (nil: as fast as it goes). Notebook `step N`
        /// cells and `n`/`N` always run at full speed.
        case pace(Int?)
        /// The item under the explorer's embeddings cursor (nil: none): each snapshot then
        /// carries its nearest neighbours in the current embedding.
        case cursor(Int?)
        case quit
    }

    /// The paces `[` and `]` move along; nil is "max".
    public static let paces: [Int?] = [1, 3, 10, 30, 100, 300, nil]
    /// A pace at which the first hundred steps take seconds and the points visibly move.
    public static let defaultPace: Int? = 30

    /// A queued notebook line.
    private struct Queued {
        var text: String
        /// From a restored journal: file-writing cells are not re-run.
        var restoring: Bool
    }

    private let lock = NSLock()
    private var inbox: [Request] = []
    /// The projection worker has finished a view or is free again (guarded by `lock`).
    private var workerNews = false
    private var latest = TrainingSnapshot()
    private let wakeUp = NSCondition()
    private var thread: Thread?
    private let finished = DispatchSemaphore(value: 0)

    /// Everything below is touched by the training thread only.
    private var runner: NotebookRunner
    private var cells: [TrainingSnapshot.Cell] = []
    /// Projects the display sample on its own thread (see ProjectionWorker).
    private var worker: ProjectionWorker!
    /// Something changed since the worker was last handed a job.
    private var viewWanted = false
    /// How many finished views the last publish had seen.
    private var viewsSeen = 0
    /// Bumped by a replay, so the view starts afresh.
    private var generation = 0
    /// The display sample and every item's group, for `sampleIdentity`.
    private var sample = DisplaySample(groups: [], seed: 0)
    private var groups: [Int] = []
    private var sampleIdentity = ""
    /// Notebook lines waiting for the cells before them (a `step N` cell runs to its end first).
    private var queue: [Queued] = []
    /// Paused in the middle of queued cells: the queue waits for Space.
    private var queueHeld = false
    /// Steps left of the `step N` cell being run.
    private var cellSteps = 0
    private var running = false
    private var pace = Trainer.defaultPace
    private var cursorItem: Int?
    /// When the next free-running step is due, at a set pace.
    private var nextPacedStep = 0.0
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
        worker = ProjectionWorker { [weak self] in self?.heardFromWorker() }
    }

    public func start() {
        worker.start()
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
                worker.stop()
                return
            }
            tendWorker()
            if !requests.isEmpty {
                // Moving the cursor changes nothing the journal keeps.
                if requests.contains(where: { if case .cursor = $0 { return false } else { return true } }) { journal() }
                publish()
                lastPublish = now()
            }

            // One queued line per turn, so the UI sees each cell land.
            if !queueHeld && cellSteps == 0 && !queue.isEmpty {
                runQueued(queue.removeFirst())
                journal()
                publish()
                lastPublish = now()
                continue
            }
            let wantsStep = cellSteps > 0 || running || pendingSteps > 0
            let paced = running && cellSteps == 0 && pendingSteps == 0 ? pace : nil
            if let paced, now() < nextPacedStep {
                // Wait for the step's turn, waking for any request meanwhile.
                wakeUp.lock()
                lock.lock()
                let empty = inbox.isEmpty && !workerNews
                lock.unlock()
                if empty { _ = wakeUp.wait(until: Date().addingTimeInterval(min(nextPacedStep - now(), 1 / Double(paced)))) }
                wakeUp.unlock()
                continue
            }
            if wantsStep {
                stepOnce()
                if let paced { nextPacedStep = max(nextPacedStep + 1 / Double(paced), now() - 1 / Double(paced)) }
                // Publish at most ~30 times a second (every step at slow paces); the UI
                // redraws from the latest.
                if now() - lastPublish > 0.033 || paced.map({ $0 <= 30 }) == true || !(cellSteps > 0 || running || pendingSteps > 0) {
                    publish()
                    lastPublish = now()
                }
                // Free running is one growing `step N` cell: keep its count in the journal.
                if now() - lastJournalTime > 1 { journal() }
            } else {
                wakeUp.lock()
                lock.lock()
                let empty = inbox.isEmpty && !workerNews
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
                nextPacedStep = now()
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
        case .pace(let stepsPerSecond):
            pace = stepsPerSecond.map { max($0, 1) }
            nextPacedStep = now()
        case .cursor(let item):
            cursorItem = item
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
        generation += 1
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

    /// Hands the worker the newest state whenever it is free, and publishes a finished view at
    /// once unless stepping fast (which publishes every 33 ms anyway).
    private func tendWorker() {
        lock.lock()
        let news = workerNews
        workerNews = false
        lock.unlock()
        if viewWanted { handOver() }
        guard news else { return }
        let fast = cellSteps > 0 || pendingSteps > 0 || (running && (pace ?? Int.max) > 30)
        if !fast && worker.latest(of: viewIdentity).count != viewsSeen { publish(wantsView: false) }
    }

    private func handOver() {
        guard worker.isIdle else { return }
        viewWanted = false
        if let job = projectionJob() { worker.submit(job) }
    }

    private func heardFromWorker() {
        lock.lock()
        workerNews = true
        lock.unlock()
        wakeUp.lock()
        wakeUp.signal()
        wakeUp.unlock()
    }

    private func publish(wantsView: Bool = true) {
        if wantsView {
            viewWanted = true
            handOver()
        }
        let session = runner.session
        version += 1
        var status = TrainerStatus()
        status.version = version
        status.running = running || pendingSteps > 0 || cellSteps > 0
        status.pace = pace
        let time = now()
        rateWindow.append((time, session.stepIndex))
        rateWindow.removeAll { time - $0.time > 2 }
        if let first = rateWindow.first, time - first.time > 0.2 {
            status.stepsPerSecond = Double(session.stepIndex - first.step) / (time - first.time)
        }
        status.cells = cells
        status.queuedCells = queue.count + (cellSteps > 0 ? 1 : 0)
        status.queueHeld = queueHeld
        status.quitSave = quitSave
        status.quitSaveAttempt = quitSaveAttempt
        (status.message, status.messageIsError) = message
        status.cursorItem = cursorItem
        let latestView = worker.latest(of: viewIdentity)
        viewsSeen = latestView.count
        let snapshot = TrainingSnapshot.make(session: session, status: status, view: latestView.view)
        lock.lock()
        latest = snapshot
        lock.unlock()
    }

    /// What the current view is of: a change (new data, encoder or seed, a replay) starts a
    /// fresh projection and sample.
    private var viewIdentity: String {
        let session = runner.session
        guard let dataset = session.dataset, let encoder = session.model?.encoder else { return "" }
        return "\(generation)#\(session.datasetSource)#\(dataset.name)#\(dataset.itemCount)#\(session.encoderChoice.summary)"
            + "#\(encoder.outputDimension)#\(session.settings.seed)"
    }

    /// The worker's next job, from the session as it is now: O(sample) on this thread at most.
    private func projectionJob() -> ProjectionWorker.Job? {
        let session = runner.session
        guard let dataset = session.dataset, let encoder = session.model?.encoder else { return nil }
        let identity = viewIdentity
        if identity != sampleIdentity {
            groups = TrainingSnapshot.groups(dataset)
            sample = DisplaySample(groups: groups, seed: session.settings.seed)
            sampleIdentity = identity
        }
        var lookedAt = session.lastBatch?.items.flatMap { $0 } ?? []
        if let cursorItem { lookedAt.append(cursorItem) }
        let items = EmbeddingView.items(sample: sample, lookedAt: lookedAt)
        let source: ProjectionWorker.Job.Source = encoder.kind == .table ? .embeddings(encoder.forward(items: items).embeddings) : .encoder(encoder)
        let metric = TrainingSnapshot.metric(of: session)
        return ProjectionWorker.Job(identity: identity, sample: sample, groups: groups, items: items, source: source,
                                    cursor: cursorItem, metric: metric, texts: dataset.texts)
    }
}
