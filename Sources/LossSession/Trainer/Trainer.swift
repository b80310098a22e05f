import Foundation
import LossData
import LossKit

/// Drives a Session on its own Thread (not a Task: the cooperative pool has only as many
/// threads as cores). The UI sends requests into an inbox and reads the latest TrainingSnapshot;
/// neither side ever waits on the other for longer than a lock hand-over.
public final class Trainer: @unchecked Sendable {
    public enum Request: Sendable {
        /// A notebook line (command or # prose), recorded as a new cell.
        case command(String)
        /// Re-run the notebook from cell `index` (after editing it): cells after it are replayed.
        case edit(index: Int, text: String)
        case run
        case pause
        case step(Int)
        case quit
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
    private var running = false
    private var pendingSteps = 0
    private var version = 0
    private var message = ("", false)
    private var rateWindow: [(time: Double, step: Int)] = []
    /// Steps taken since stepping last started; recorded as one `step N` cell when it stops.
    private var jobSteps = 0
    /// Called after each accepted command with the line (the journal hook).
    private let onAccepted: @Sendable (String) -> Void

    public init(runner: NotebookRunner = NotebookRunner(), onAccepted: @escaping @Sendable (String) -> Void = { _ in }) {
        self.runner = runner
        self.onAccepted = onAccepted
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

    /// Asks the thread to finish what is queued (e.g. a save) and waits for it, at most
    /// `timeout` seconds. True when it finished.
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
            for request in requests {
                if case .quit = request { publish(); return }
                handle(request)
            }
            if !requests.isEmpty { publish(); lastPublish = now() }

            let wantsStep = running || pendingSteps > 0
            if wantsStep {
                do {
                    try runner.session.step()
                    jobSteps += 1
                    if pendingSteps > 0 { pendingSteps -= 1 }
                    if !running && pendingSteps == 0 { finishJob(error: nil) }
                } catch {
                    running = false
                    pendingSteps = 0
                    finishJob(error: "\(error)")
                    publish()
                }
                // Publish at most ~30 times a second; the UI redraws from the latest.
                if now() - lastPublish > 0.033 || (!running && pendingSteps == 0) {
                    publish()
                    lastPublish = now()
                }
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

    private func handle(_ request: Request) {
        switch request {
        case .command(let line):
            // Close the running `step N` cell first, so the notebook keeps the order of events.
            if jobSteps > 0 { finishJob(error: nil) }
            execute(line)
        case .edit(let index, let text):
            replay(from: index, replacing: text)
        case .run:
            if case .diverged(let reason) = runner.session.state {
                message = ("training diverged (\(reason)); change settings and reset", true)
            } else {
                running = true
            }
        case .pause:
            running = false
            pendingSteps = 0
            finishJob(error: nil)
        case .step(let count):
            pendingSteps += max(count, 0)
        case .quit:
            break
        }
    }

    private func execute(_ line: String) {
        let isProse = line.trimmingCharacters(in: .whitespaces).hasPrefix("#")
        // `step N` runs on this thread a step at a time, so it can be paused and watched.
        if !isProse, case .step(let count)? = try? Command.parse(line) {
            pendingSteps += count
            return
        }
        do {
            let output = try runner.execute(line)
            // A `step N` typed as a command runs here, synchronously, like in a notebook.
            cells.append(TrainingSnapshot.Cell(text: line, output: output, isError: false, isProse: isProse, isStale: false))
            message = (output, false)
            onAccepted(line)
        } catch {
            cells.append(TrainingSnapshot.Cell(text: line, output: "\(error)", isError: true, isProse: false, isStale: false))
            message = ("\(error)", true)
        }
    }

    /// Rebuilds the session from the notebook with cell `index` replaced, replaying every
    /// accepted command before and after it.
    private func replay(from index: Int, replacing text: String) {
        guard index >= 0 && index < cells.count else { return }
        var lines = cells.filter { !$0.isError }.map(\.text)
        let accepted = cells.enumerated().filter { !$0.element.isError }.map(\.offset)
        guard let position = accepted.firstIndex(of: index) else { return }
        lines[position] = text
        running = false
        pendingSteps = 0
        runner = NotebookRunner(session: Session(workingDirectory: runner.session.workingDirectory))
        cells = []
        projection = Projection()
        for line in lines {
            do {
                let output = try runner.execute(line)
                cells.append(TrainingSnapshot.Cell(text: line, output: output, isError: false, isProse: line.hasPrefix("#"), isStale: false))
            } catch {
                cells.append(TrainingSnapshot.Cell(text: line, output: "\(error)", isError: true, isProse: false, isStale: false))
            }
        }
        message = ("re-ran \(lines.count) cells from the edited one", false)
    }

    /// Records the steps taken since stepping began as one `step N` cell (and journal line).
    private func finishJob(error: String?) {
        if jobSteps > 0 {
            let line = "step \(jobSteps)"
            runner.record(line)
            let last = runner.session.history.last
            let output = last.map { String(format: "step %d: loss %.5g, |grad| %.3g", $0.step, $0.loss, $0.gradientNorm) } ?? ""
            cells.append(TrainingSnapshot.Cell(text: line, output: output, isError: false, isProse: false, isStale: false))
            onAccepted(line)
            jobSteps = 0
        }
        if let error {
            message = (error, true)
        } else if let last = runner.session.history.last {
            message = (String(format: "step %d: loss %.5g", last.step, last.loss), false)
        }
    }

    private func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    private func publish() {
        let session = runner.session
        var snapshot = TrainingSnapshot()
        version += 1
        snapshot.version = version
        if case .diverged(let reason) = session.state { snapshot.state = .diverged(reason) }
        else { snapshot.state = running || pendingSteps > 0 ? .running : .paused }
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
            snapshot.lossFits = (LossCatalog.names + [DenoisingLossChoice.className]).map { name in
                (name, (try? DenoisingLossChoice.make(name, settings: [:])).flatMap { Session.mismatch(dataset, $0) })
            }
        } else {
            snapshot.lossFits = (LossCatalog.names + [DenoisingLossChoice.className]).map { ($0, nil) }
        }
        snapshot.lossName = session.loss.className
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
            snapshot.rivalHistory = rival.history.count > 20_000 ? Array(rival.history.suffix(20_000)) : rival.history
            snapshot.rivalEvaluations = rival.evaluations
        }
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
