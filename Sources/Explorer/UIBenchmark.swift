import Foundation
import LossData
import LossKit
import LossSession
import TerminalKit

/// `losslab bench --ui`: the explorer's own speed, in process, with real trainers and a
/// `HeadlessTerminal` (a frame is the model's `view()`, its diff against the last frame and
/// the escape sequences for it). The loop that reads keys is the explorer's own: up to 33 ms
/// waiting for input, then the newest snapshot, then a frame.
public enum UIBenchmark {
    public struct Row: Sendable {
        public var name: String
        public var detail: String
        public var p50: Double
        public var p99: Double
        public var worst: Double
        public var samples: Int
        /// The target in ms, and whether p99 (p50 for one-off times) meets it.
        public var target: Double
        public var meetsTarget: Bool { (samples == 1 ? p50 : p99) <= target }
    }

    static func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

    /// This thread's CPU time: on a loaded machine, what a frame costs apart from waiting for a core.
    static func threadCPU() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func row(_ name: String, _ detail: String, _ times: [Double], target: Double) -> Row {
        let sorted = times.sorted()
        func at(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * q).rounded()))] * 1000 }
        return Row(name: name, detail: detail, p50: at(0.5), p99: at(0.99), worst: sorted.last! * 1000, samples: sorted.count, target: target)
    }

    /// A trainer that has run `lines` (waiting for each) and then `steps` single steps,
    /// with the snapshot after each step.
    static func snapshots(_ lines: [String], steps: Int, cursor: Int?) throws -> [TrainingSnapshot] {
        let trainer = Trainer(runner: NotebookRunner(session: Session(workingDirectory: FileManager.default.currentDirectoryPath)))
        trainer.start()
        defer { trainer.stop() }
        if let cursor { trainer.send(.cursor(cursor)) }
        for line in lines { trainer.send(.command(line)) }
        _ = try wait(trainer) { $0.cells.count == lines.count }
        if let failed = trainer.snapshot().cells.first(where: \.isError) { throw LossError("bench --ui: \(failed.text): \(failed.output)") }
        var taken: [TrainingSnapshot] = []
        for step in 1...steps {
            trainer.send(.step(1))
            taken.append(try wait(trainer) { $0.step == step && $0.state == .paused && !$0.points.isEmpty && (cursor == nil || $0.cursor != nil) })
        }
        return taken
    }

    static func wait(_ trainer: Trainer, seconds: Double = 120, until done: (TrainingSnapshot) -> Bool) throws -> TrainingSnapshot {
        let deadline = now() + seconds
        while now() < deadline {
            let latest = trainer.snapshot()
            if done(latest) { return latest }
            usleep(1000)
        }
        throw LossError("bench --ui: the trainer did not get there in \(Int(seconds)) s")
    }

    /// Frame times: `view()` and drawing, alternating between two steps' snapshots so every
    /// frame has changes to send.
    static func frames(_ shots: [TrainingSnapshot], width: Int, height: Int, color: Bool, cursor: Int?, count: Int,
                       chart: ExplorerModel.ChartMode = .lossAndGradient) -> (wall: [Double], cpu: [Double]) {
        var model = ExplorerModel(width: width, height: height)
        model.color = color
        model.cursorItem = cursor
        model.chartMode = chart
        var terminal = HeadlessTerminal()
        var wall: [Double] = [], cpu: [Double] = []
        for frame in 0..<(count + 5) {
            let start = now(), startCPU = threadCPU()
            _ = model.receive(shots[frame % shots.count])
            terminal.draw(model.view())
            if frame >= 5 {
                wall.append(now() - start)
                cpu.append(threadCPU() - startCPU)
            }
        }
        return (wall, cpu)
    }

    /// Keys typed at random moments into the explorer's loop; the time from a key to the end
    /// of the frame that shows it.
    final class KeyFeed: @unchecked Sendable {
        private let lock = NSLock()
        private let arrived = DispatchSemaphore(value: 0)
        private var queue: [(key: Key, time: Double)] = []
        private var done = false
        private var cancelled = false

        /// Stops the typist before its last key.
        func cancel() {
            lock.lock()
            cancelled = true
            lock.unlock()
        }

        var isCancelled: Bool {
            lock.lock()
            defer { lock.unlock() }
            return cancelled
        }

        func push(_ key: Key) {
            lock.lock()
            queue.append((key, UIBenchmark.now()))
            lock.unlock()
            arrived.signal()
        }

        func finish() {
            lock.lock()
            done = true
            lock.unlock()
            arrived.signal()
        }

        /// Waits up to `milliseconds` for keys, as the explorer's `readEvents` does.
        func read(milliseconds: Int) -> (keys: [(key: Key, time: Double)], finished: Bool) {
            _ = arrived.wait(timeout: .now() + .milliseconds(milliseconds))
            lock.lock()
            defer { lock.unlock() }
            let keys = queue
            queue.removeAll()
            return (keys, done && keys.isEmpty)
        }
    }

    /// The explorer's loop on a live trainer, with `keys` typed 20-60 ms apart; `during` runs
    /// once the loop is going (e.g. sends a request whose work the keys overlap), and `stop`
    /// ends the loop early. Returns each key's latency, the longest time between two frames and
    /// the loop's CPU time for each frame (taking the snapshot, the keys and drawing).
    static func keyLatency(_ trainer: Trainer, width: Int, height: Int, keys count: Int, during: () -> Void = {},
                           until stop: (TrainingSnapshot) -> Bool = { _ in false })
        -> (latencies: [Double], longestGap: Double, frames: Int, frameCPU: [Double]) {
        let feed = KeyFeed()
        let typed: [Key] = [.right, .character("j"), .left, .character("k"), .down, .character("c"), .up, .character("w")]
        let typist = Thread {
            var state: UInt64 = 7
            for index in 0..<count where !feed.isCancelled {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                usleep(UInt32(20_000 + Int(state >> 33) % 40_000))
                feed.push(typed[index % typed.count])
            }
            feed.finish()
        }
        var model = ExplorerModel(width: width, height: height)
        var terminal = HeadlessTerminal()
        var latencies: [Double] = [], frameCPU: [Double] = []
        var lastFrame = now(), longestGap = 0.0
        var started = false
        typist.start()
        while true {
            let (keys, finished) = feed.read(milliseconds: 33)
            let startCPU = threadCPU()
            var effects: [Effect] = []
            for key in keys { effects += model.update(.key(key.key)) }
            let latest = trainer.snapshot()
            var dirty = !keys.isEmpty
            if latest.version != model.snapshot.version {
                effects += model.receive(latest)
                dirty = true
            }
            for case .send(let request) in effects { trainer.send(request.request) }
            if dirty {
                terminal.draw(model.view())
                frameCPU.append(threadCPU() - startCPU)
                let drawn = now()
                longestGap = max(longestGap, drawn - lastFrame)
                lastFrame = drawn
                for key in keys { latencies.append(drawn - key.time) }
            }
            if !started { started = true; during() }
            if stop(model.snapshot) {
                feed.cancel()
                break
            }
            if finished && latencies.count >= count { break }
        }
        return (latencies, longestGap, terminal.frames, frameCPU)
    }

    static func trainer(_ lines: [String]) throws -> Trainer {
        let trainer = Trainer(runner: NotebookRunner(session: Session(workingDirectory: FileManager.default.currentDirectoryPath)))
        trainer.start()
        for line in lines { trainer.send(.command(line)) }
        _ = try wait(trainer) { $0.cells.count == lines.count && !$0.points.isEmpty }
        return trainer
    }

    /// Runs every measurement; `say` gets progress lines.
    public static let sections = ["first", "frames", "history", "keys", "open"]

    /// Runs the measurements of `only` (all of `sections` by default); `say` gets progress lines.
    /// `notebook`: command lines that set up the session the keys part trains (instead of the
    /// default dataset and 100,000 toy points), e.g. a user's own data.
    public static func run(quick: Bool = false, only: Set<String> = Set(sections), notebook: [String]? = nil,
                           say: (String) -> Void = { _ in }) throws -> [Row] {
        var rows: [Row] = []
        let defaultData = "toy:blobs spread=2"
        let frameCount = quick ? 20 : 200

        // Time to first frame: a new trainer loading the default dataset, as the explorer starts.
        if only.contains("first") {
        say("first frame")
        var firsts: [Double] = [], withPoints: [Double] = []
        for _ in 0..<(quick ? 1 : 5) {
            let start = now()
            let trainer = Trainer(runner: NotebookRunner(session: Session(workingDirectory: FileManager.default.currentDirectoryPath)))
            trainer.start()
            trainer.send(.command("load \(defaultData)"))
            var model = ExplorerModel(width: 120, height: 40)
            var terminal = HeadlessTerminal()
            _ = model.receive(trainer.snapshot())
            terminal.draw(model.view())
            firsts.append(now() - start)
            let loaded = try wait(trainer) { !$0.points.isEmpty }
            _ = model.receive(loaded)
            terminal.draw(model.view())
            withPoints.append(now() - start)
            trainer.stop()
        }
        rows.append(row("first frame", "120x40, a new trainer (nothing loaded yet)", firsts, target: 300))
        rows.append(row("first frame with points", "120x40, \(defaultData) loaded and projected", withPoints, target: 300))
        }

        // Frames of the full screen with the cursor on a point and its neighbours listed.
        for (items, lines) in [(5_000, ["load toy:blobs classes=10 per_class=500 dim=32 spread=2"]),
                               (100_000, ["load toy:blobs classes=10 per_class=10000 dim=32 spread=2"])] where only.contains("frames") {
            say("frames, \(items) points")
            let shots = try snapshots(lines + ["set batch_size=64"], steps: 2, cursor: 0)
            let drawn = shots[0].points.count
            for (width, height) in [(120, 40), (200, 60)] {
                for color in [true, false] {
                    let times = frames(shots, width: width, height: height, color: color, cursor: 0, count: frameCount)
                    let what = "\(items) points (\(drawn) drawn), " + (color ? "colour" : "no colour, glyphs")
                    rows.append(row("frame \(width)x\(height)", what, times.wall, target: 5))
                    rows.append(row("frame \(width)x\(height), CPU", what + ", this thread's CPU time", times.cpu, target: 5))
                }
            }
        }

        // Keys while the trainer runs as fast as it can.
        let trained = notebook.map { [("the notebook's session", $0)] }
            ?? [("default dataset", ["load \(defaultData)"]),
                ("100,000 points", ["load toy:blobs classes=10 per_class=10000 dim=32 spread=2", "set batch_size=64"])]
        for (name, lines) in trained where only.contains("keys") {
            say("key latency, \(name)")
            let trainer = try trainer(lines)
            trainer.send(.pace(nil))
            trainer.send(.run)
            let measured = keyLatency(trainer, width: 120, height: 40, keys: quick ? 20 : 300)
            let steps = trainer.snapshot().stepsPerSecond
            trainer.stop()
            rows.append(row("key to frame", "120x40, \(name), training at max (\(Int(steps)) steps/s)", measured.latencies, target: 50))
            rows.append(row("key loop frame, CPU", "120x40, \(name): each frame's snapshot, keys and drawing, this thread's CPU time",
                            measured.frameCPU, target: 5))
        }

        // Frames over a long history (the charts draw up to `historyWindow` steps), each chart.
        if only.contains("history") {
            say("frames over \(TrainingSnapshot.historyWindow) steps")
            let trainer = try trainer(["load \(defaultData)"])
            let steps = quick ? 2_000 : TrainingSnapshot.historyWindow
            trainer.send(.step(steps))
            let long = try wait(trainer, seconds: 600) { $0.step == steps && $0.state == .paused }
            trainer.send(.step(1))
            let next = try wait(trainer) { $0.step == steps + 1 && $0.state == .paused }
            trainer.stop()
            for chart in [ExplorerModel.ChartMode.lossAndGradient, .census, .histogram] {
                let times = frames([long, next], width: 120, height: 40, color: true, cursor: nil, count: quick ? 20 : 100, chart: chart)
                let what = "\(defaultData), \(steps) steps, chart \(chart.title)"
                rows.append(row("frame 120x40, history", what, times.wall, target: 5))
                rows.append(row("frame 120x40, history, CPU", what + ", this thread's CPU time", times.cpu, target: 5))
            }
        }

        // Opening a 100,000 x 768 .npy (written first; the page cache holds it), keys typed meanwhile.
        guard only.contains("open") else { return rows }
        say("opening 100,000 x 768")
        let directory = NSTemporaryDirectory() + "losslab-bench-ui-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (n, d) = quick ? (10_000, 768) : (100_000, 768)
        var random = SeededRandom(seed: 5)
        let vectors = Matrix<Float>(rows: n, cols: d, values: (0..<(n * d)).map { _ in Float(random.next() >> 40) / Float(1 << 24) - 0.5 })
        try NumpyFile.write(vectors, to: directory + "/vectors.npy")
        try SafeWriter.write(path: directory + "/labels.txt", text: (0..<n).map { "\($0 % 20)" }.joined(separator: "\n") + "\n")
        let trainer = try trainer(["load \(defaultData)"])
        var sent = 0.0, opened: Double?, shown: Double?
        // Keys for at most ~40 s; the loop ends once the new points are drawn.
        let measured = keyLatency(trainer, width: 120, height: 40, keys: 1000, during: {
            sent = now()
            trainer.send(.command("load \(directory)/vectors.npy labels=\(directory)/labels.txt"))
        }, until: { snapshot in
            if opened == nil, snapshot.datasetSummary.contains("D=\(d)") { opened = now() }
            if shown == nil, opened != nil, snapshot.points.count > 1000 { shown = now() }
            return shown != nil || snapshot.cells.last?.isError == true
        })
        let error = trainer.snapshot().cells.last.flatMap { $0.isError ? $0.output : nil }
        trainer.stop()
        if let error { throw LossError("bench --ui: the .npy did not load: \(error)") }
        guard let opened, let shown else { throw LossError("bench --ui: the .npy was not shown within the keys typed") }
        rows.append(row("open \(n) x \(d) .npy", "load to the dataset in a snapshot", [opened - sent], target: 1000))
        rows.append(row("open \(n) x \(d) .npy, drawn", "load to the first frame with its points", [shown - sent], target: 1000))
        rows.append(row("key to frame while it opens", "120x40, keys typed during the load (longest frame gap \(Int(measured.longestGap * 1000)) ms)",
                        measured.latencies, target: 50))
        return rows
    }

    /// The rows as a table.
    public static func table(_ rows: [Row]) -> String {
        func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let gap = String(repeating: " ", count: max(width - text.count, 0))
            return right ? gap + text : text + gap
        }
        func ms(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "-" }
        var lines = [pad("measure", 31) + pad("p50 ms", 10, right: true) + pad("p99 ms", 10, right: true) + pad("max ms", 10, right: true)
                     + pad("target", 9, right: true) + "  what"]
        for r in rows {
            let many = r.samples > 1
            lines.append(pad(r.name, 31) + pad(ms(r.p50), 10, right: true) + pad(ms(many ? r.p99 : nil), 10, right: true)
                         + pad(ms(many ? r.worst : nil), 10, right: true) + pad((r.meetsTarget ? "≤" : ">") + "\(Int(r.target))", 9, right: true)
                         + "  \(r.detail) (n=\(r.samples))")
        }
        return lines.joined(separator: "\n")
    }

    public static func json(_ rows: [Row]) -> String {
        let items = rows.map { r in
            "{\"measure\": \(JSONText.string(r.name)), \"detail\": \(JSONText.string(r.detail)), \"samples\": \(r.samples), "
                + String(format: "\"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f, \"target_ms\": %.0f, ", r.p50, r.p99, r.worst, r.target)
                + "\"meets_target\": \(r.meetsTarget)}"
        }
        return "[\n" + items.joined(separator: ",\n") + "\n]"
    }
}
