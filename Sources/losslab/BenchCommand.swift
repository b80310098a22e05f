import ArgumentParser
import Explorer
import Foundation
import LossKit
import LossSession

/// `losslab bench`: forward + backward time of each loss, each case in a fresh child process
/// so that its peak memory is its own.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time forward + backward of each loss (median ms, peak MiB).",
        discussion: "Default shapes (batch, dim): (64, 384), (256, 768), (1024, 768). Given --batch and --dim lists, every combination runs.")

    @Option(name: .customLong("loss"), help: "A loss to time (repeatable; default: all).") var losses: [String] = []
    @Option(name: .customLong("batch"), help: "Batch size (repeatable).") var batches: [Int] = []
    @Option(name: .customLong("dim"), help: "Embedding dimension (repeatable).") var dims: [Int] = []
    @Flag(help: "Print one JSON array instead of a table.") var json = false
    @Option(help: "Seconds of timing per case.") var seconds = 1.0
    @Option(help: "The sentence-transformers release whose behaviour to time (repeatable; default: \(LossReference.latest.rawValue)).")
    var reference: [String] = []
    @Option(help: .hidden) var single: String?
    @Flag(help: .hidden) var noFloor = false
    @Option(help: "Soak test: train at full speed for this many seconds and report memory over time.") var soak: Double?
    @Flag(help: "Time the explorer's interface instead, in process with a headless terminal: frames, key-to-frame latency while training at max, the first frame, opening a 100,000 x 768 .npy.")
    var ui = false
    @Flag(help: .hidden) var quick = false
    @Option(name: .customLong("ui-only"), help: "With --ui, only these parts (repeatable): first, frames, history, keys, open.") var uiOnly: [String] = []
    @Option(name: .customLong("ui-notebook"), help: "With --ui, the keys part trains the session this notebook's commands set up (its own data, encoder and settings).")
    var uiNotebook: String?
    @Option(help: "Time the held-out retrieval metrics alone on this many random items (--dim, default 16; --queries, default 10,000).")
    var retrieval: Int?
    @Option(help: "With --retrieval, the query count.") var queries = 10_000
    @Option(help: "With --retrieval, runs to take the fastest of.") var repeats = 1

    func run() throws {
        if let retrieval {
            guard retrieval >= 2, retrieval <= Int(Int32.max), queries >= 1, repeats >= 1, dims.allSatisfy({ $0 >= 1 }) else {
                throw ValidationError("--retrieval needs at least 2 items (and at most 2^31), --queries and --repeats at least 1, --dim at least 1")
            }
            print(RetrievalBench.run(items: retrieval, dim: dims.first ?? 16, queries: min(queries, retrieval), repeats: repeats))
            return
        }
        if ui {
            if let unknown = uiOnly.first(where: { !UIBenchmark.sections.contains($0) }) {
                throw ValidationError("--ui-only takes \(UIBenchmark.sections.joined(separator: ", ")), not '\(unknown)'")
            }
            let notebook = try uiNotebook.map { path in
                try Notebook.read(path: path).commandLines
            }
            let rows = try UIBenchmark.run(quick: quick, only: uiOnly.isEmpty ? Set(UIBenchmark.sections) : Set(uiOnly), notebook: notebook, say: { if !json { FileHandle.standardError.write(Data("timing \($0)…\n".utf8)) } })
            print(json ? UIBenchmark.json(rows) : UIBenchmark.table(rows))
            return
        }
        if let soak {
            try SoakTest.run(seconds: soak, json: json)
            return
        }
        if let single {
            guard let benchCase = BenchCase(single) else { throw ValidationError("bad case '\(single)'") }
            var measurement = try BenchRunner.measure(benchCase, budget: seconds, floor: !noFloor)
            measurement.peakMegabytes = BenchRunner.peakResidentMegabytes()
            print(Self.json(measurement))
            return
        }
        let names = try (losses.isEmpty ? LossCatalog.sentenceTransformersNames : losses).map { name -> String in
            guard let type = LossCatalog.type(named: name) else { throw LossError("unknown loss '\(name)'") }
            return type.className
        }
        if batches.contains(where: { $0 < 2 }) || dims.contains(where: { $0 < 1 }) {
            throw ValidationError("--batch must be at least 2 and --dim at least 1")
        }
        let shapes: [(Int, Int)] = batches.isEmpty && dims.isEmpty
            ? [(64, 384), (256, 768), (1024, 768)]
            : (batches.isEmpty ? [256] : batches).flatMap { b in (dims.isEmpty ? [768] : dims).map { (b, $0) } }
        if !json {
            print("OpenBLAS kernels: \(BLASKernels.coreName)")
            print("loss                              batch   dim   median ms   gemm floor ms   x floor   peak MiB")
        }
        let references = try reference.isEmpty ? [LossReference.latest] : reference.map(LossReference.parse)
        var lines: [String] = []
        for (batch, dim) in shapes {
            for name in names {
                for release in references {
                    // A loss its release does not have is skipped when several releases are timed.
                    guard LossCatalog.type(named: name)!.references.contains(release) || references.count == 1 else { continue }
                    let line = try runChild(BenchCase(loss: name, batch: batch, dim: dim, reference: release))
                    if json { lines.append(line) } else { print(Self.tableRow(line)) }
                }
            }
        }
        if json { print("[\n" + lines.joined(separator: ",\n") + "\n]") }
    }

    private func runChild(_ benchCase: BenchCase) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.resolvingSymlinksInPath()
        if !FileManager.default.isExecutableFile(atPath: process.executableURL!.path) {
            process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        }
        process.arguments = ["bench", "--single", benchCase.description, "--seconds", "\(seconds)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = String(data: data, encoding: .utf8)?
            .trimmingCharacters(in: .whitespacesAndNewlines), !line.isEmpty else {
            throw LossError("bench case \(benchCase) failed (exit \(process.terminationStatus))")
        }
        return line
    }

    static func json(_ m: BenchMeasurement) -> String {
        String(format: "{\"loss\": \"%@\", \"batch\": %d, \"dim\": %d, \"median_ms\": %.4f, \"fastest_ms\": %.4f, \"peak_mb\": %.1f, \"gemm_floor_ms\": %.4f, \"mini_batch_floor_ms\": %.4f, \"repeats\": %d, \"reference\": \"%@\", \"blas_kernels\": \"%@\"}",
               m.benchCase.loss, m.benchCase.batch, m.benchCase.dim, m.medianMilliseconds, m.fastestMilliseconds, m.peakMegabytes,
               m.gemmFloorMilliseconds, m.miniBatchFloorMilliseconds, m.repeats, m.benchCase.reference.rawValue, BLASKernels.coreName)
    }

    static func tableRow(_ line: String) -> String {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let loss = object["loss"] as? String, let batch = object["batch"] as? Int, let dim = object["dim"] as? Int,
              let median = object["median_ms"] as? Double, let floor = object["gemm_floor_ms"] as? Double,
              let peak = object["peak_mb"] as? Double else { return line }
        let release = (object["reference"] as? String).flatMap { $0 == LossReference.latest.rawValue ? nil : " @\($0)" } ?? ""
        return (loss + release).padding(toLength: 32, withPad: " ", startingAt: 0)
            + String(format: "%7d %5d %11.3f %15.3f %9.2f %10.1f", batch, dim, median, floor, median / max(floor, 1e-9), peak)
            + ((object["mini_batch_floor_ms"] as? Double).flatMap { mini in
                mini > 0 ? String(format: "   mini-batch floor %.3f ms, x %.2f", mini, median / mini) : nil
            } ?? "")
    }
}
