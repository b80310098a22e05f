import Foundation
import HeapProbe
@testable import LossKit
import Testing

/// The memory a ranking loss reports holding (`LossResult.scratch`) is what the heap holds for
/// it: at each of the meter's samples the bytes it counts are compared with the growth of the
/// process's allocated heap since the loss started. The session's size check bounds it.
@Suite(.serialized) struct ScratchMeterTests {
    static func batch(rows: Int, columns: Int, dimension: Int, guided: Bool, seed: UInt64) -> LossBatch<Double> {
        var random = SeededRandom(seed: seed)
        func matrix(_ cols: Int) -> Matrix<Double> { Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in random.normal() }) }
        var batch = LossBatch(columns: (0..<columns).map { _ in matrix(dimension) })
        if guided { batch.guides = batch.columns.map { _ in matrix(8) } }
        return batch
    }

    static func heapInUse() -> Int { Int(losslab_heap_in_use()) }

    /// (counted, measured) at the meter's fullest sample of one evaluation.
    static func fullestSample(_ run: (ScratchMeter) -> Void) -> (counted: Int, measured: Int) {
        var samples: [(counted: Int, measured: Int)] = []
        samples.reserveCapacity(10_000)
        let meter = ScratchMeter()
        let baseline = heapInUse()
        meter.probe = { counted in samples.append((counted, heapInUse() - baseline)) }
        run(meter)
        if ProcessInfo.processInfo.environment["SCRATCH_DEBUG"] != nil { for (k, x) in samples.enumerated() { print("sample \(k): counted \(x.counted) measured \(x.measured) gap \(x.measured - x.counted)") } }
        return samples.max { $0.counted < $1.counted }!
    }

    static let measured: [(name: String, chunk: Int, columns: Int, guided: Bool)] = [
        ("MultipleNegativesRankingLoss", 1024, 2, false), ("CachedMultipleNegativesRankingLoss", 128, 2, false),
        ("CachedMultipleNegativesRankingLoss", 64, 3, false), ("GISTEmbedLoss", 512, 2, true), ("CachedGISTEmbedLoss", 64, 2, true),
        ("CachedMultipleNegativesSymmetricRankingLoss", 128, 2, false),
    ]

    /// Run in a child process, whose heap no other test shares: measured in the test process,
    /// other suites allocating and freeing at the same time moved the heap by megabytes.
    @Test func theCountedBytesAreWhatTheHeapHolds() async {
        await #expect(processExitsWith: .success) {
            for index in 0..<ScratchMeterTests.measured.count where !ScratchMeterTests.countedBytesMatchTheHeap(index) {
                exit(Int32(10 + index))
            }
            exit(0)
        }
    }

    /// Whether the entry's fullest sample is within bounds: the heap grew by between 97% and
    /// 105% of the bytes counted (the best of up to twelve runs). Prints the run when it is not.
    static func countedBytesMatchTheHeap(_ index: Int) -> Bool {
        let entry = measured[index]
        let rows = entry.guided ? 512 : 1024
        let batch = batch(rows: rows, columns: entry.columns, dimension: 64, guided: entry.guided, seed: UInt64(index) + 1)
        func within(_ run: (counted: Int, measured: Int)) -> Bool {
            Double(run.measured) >= 0.97 * Double(run.counted) && Double(run.measured) <= 1.05 * Double(run.counted)
        }
        var runs: [(counted: Int, measured: Int)] = []
        while runs.count < 12 && !(runs.last.map(within) ?? false) {
            runs.append(fullestSample { meter in
                if entry.guided {
                    _ = GuidedInBatchNegatives(temperature: 0.01, marginStrategy: .absolute, margin: 0, contrastAnchors: true, contrastPositives: true, gatherAcrossDevices: false).compute(batch, chunk: entry.chunk, meter: meter)
                } else if entry.name.contains("Symmetric") {
                    // The two-pass path of the cached symmetric softmax.
                    _ = InBatchRanking(directions: [.queryToDoc, .docToQuery], partition: .perDirection)
                        .compute(batch, chunk: entry.chunk, meter: meter)
                } else {
                    _ = InBatchRanking().compute(batch, chunk: entry.chunk, meter: meter)
                }
            })
        }
        let best = runs.min { abs($0.measured - $0.counted) < abs($1.measured - $1.counted) }!
        // Megabytes of matrices; what is not counted (row losses, ranks, norms) is a few rows.
        guard best.counted > 1_000_000 && within(best) else {
            print("\(entry.name) mini-batch \(entry.chunk): counted \(best.counted) bytes, the heap grew by \(best.measured)")
            return false
        }
        return true
    }

    @Test func aCachedLossHoldsAFractionOfItsPlainLoss() throws {
        let batch = Self.batch(rows: 1024, columns: 2, dimension: 32, guided: false, seed: 7)
        let plain = try LossCatalog.make("MultipleNegativesRankingLoss", settings: [:]).evaluate(batch)
        let cached = try LossCatalog.make("CachedMultipleNegativesRankingLoss", settings: ["mini_batch_size": "64"]).evaluate(batch)
        let plainUse = try #require(plain.scratch), cachedUse = try #require(cached.scratch)
        #expect(plainUse.miniBatches == 1 && cachedUse.miniBatches == 16)
        // The plain loss holds its 1024 x 1024 logits and their gradient (16 MB in Double); the
        // cached one 64 rows of them, plus what both hold: the prepared rows and the gradients.
        #expect(plainUse.peakBytes > 2 * 1024 * 1024 * 8)
        #expect(Double(cachedUse.peakBytes) < 0.15 * Double(plainUse.peakBytes), "\(cachedUse.peakBytes) against \(plainUse.peakBytes)")
        #expect(cached.value == plain.value || abs(cached.value - plain.value) <= 1e-12 * abs(plain.value))
    }

    /// What the session's size check counts for the loss (SizeBounds: its scratchBytes plus
    /// `LossMemory.rowCopies` copies of the batch's rows) is never below what it then holds.
    @Test func theSessionsSizeCheckCoversWhatTheLossHolds() throws {
        let losses: [(String, [String: String])] = [
            ("MultipleNegativesRankingLoss", [:]),
            ("MultipleNegativesRankingLoss", ["directions": "query_to_doc,query_to_query,doc_to_query,doc_to_doc"]),
            ("MultipleNegativesSymmetricRankingLoss", [:]),
            ("CachedMultipleNegativesRankingLoss", ["mini_batch_size": "16"]),
            ("CachedMultipleNegativesSymmetricRankingLoss", ["mini_batch_size": "7"]),
        ]
        for (name, settings) in losses {
            let loss = try LossCatalog.make(name, settings: settings)
            for rows in [8, 100, 300] {
                for columns in [2, 3] {
                    for dimension in [4, 64] {
                        let batch = Self.batch(rows: rows, columns: columns, dimension: dimension, guided: false, seed: UInt64(rows))
                        let held = try #require(try loss.evaluate(batch).scratch).peakBytes
                        let bound = loss.scratchBytes(rows: rows, columns: columns, scalarBytes: 8, classes: 0)
                            + Double(rows * columns * dimension) * 8 * Double(LossMemory.rowCopies)
                        #expect(Double(held) <= bound, "\(name) \(settings) rows \(rows) columns \(columns) dim \(dimension): held \(held), bound \(bound)")
                    }
                }
            }
        }
    }
}
