import Foundation
import LossKit

/// Trains at full speed for a while and samples the process's resident memory, to show that
/// memory stays flat: histories are bounded, buffers are reused.
public enum SoakTest {
    public struct Sample: Sendable {
        public var seconds: Double
        public var steps: Int
        public var residentMegabytes: Double
    }

    public static func run(seconds: Double, json: Bool, notebook: [String] = [
        "load toy:blobs classes=16 per_class=64 dim=64 spread=2", "loss \(LossCatalog.sessionDefault.className) margin=1",
        "set batch_size=128 eval_every=500",
    ]) throws {
        let runner = NotebookRunner(session: Session(workingDirectory: FileManager.default.currentDirectoryPath))
        for line in notebook { try runner.execute(line) }
        let session = runner.session
        let start = Date()
        var samples: [Sample] = []
        var nextSample = 0.0
        let interval = max(seconds / 20, 0.5)
        while true {
            let elapsed = Date().timeIntervalSince(start)
            if elapsed >= nextSample {
                samples.append(Sample(seconds: elapsed, steps: session.stepIndex, residentMegabytes: residentMegabytes()))
                nextSample += interval
            }
            if elapsed >= seconds { break }
            try session.step()
        }
        let settled = samples.count > 2 ? samples[samples.count / 5] : samples[0]
        let last = samples.last!
        let growth = last.residentMegabytes - settled.residentMegabytes
        if json {
            let points = samples.map { String(format: "{\"seconds\": %.1f, \"steps\": %d, \"rss_mb\": %.1f}", $0.seconds, $0.steps, $0.residentMegabytes) }
            print("{\"samples\": [" + points.joined(separator: ", ") + String(format: "], \"growth_after_warmup_mb\": %.1f}", growth))
        } else {
            print("seconds    steps   RSS MiB")
            for sample in samples { print(String(format: "%7.1f %8d %9.1f", sample.seconds, sample.steps, sample.residentMegabytes)) }
            print(String(format: "%d steps in %.0f s (%.0f steps/s); RSS %.1f MiB after warm-up (20%%), %.1f MiB at the end: %+.1f MiB",
                         last.steps, last.seconds, Double(last.steps) / max(last.seconds, 1e-9), settled.residentMegabytes,
                         last.residentMegabytes, growth))
        }
    }

    /// Resident set size now, from /proc/self/statm.
    static func residentMegabytes() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Double(fields[1]) else { return 0 }
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }
}
