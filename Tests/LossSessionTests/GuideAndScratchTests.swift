import Foundation
import LossData
import LossKit
import LossSession
import Testing

/// Guides as data (`load ... guide=FILE guide_key=NAME`: .npy, an .npz array, a JSONL field)
/// and what a ranking loss held per step (`loss_memory`, `mini_batches`, `loss_memory_limit`).
@Suite struct GuideAndScratchTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples/sentences").path

    func run(_ lines: [String], in directory: String = samples) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: directory))
        for line in lines { try runner.execute(line) }
        return runner
    }

    func refusal(_ lines: [String], in directory: String = samples) -> String {
        do { _ = try run(lines, in: directory); return "" } catch { return "\(error)" }
    }

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "losslab-guides-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func anNpzArrayIsAGuideByItsKey() throws {
        let runner = try run(["load topics.npy labels=topics.labels.tsv guide=guide.npz guide_key=topics"])
        let guide = try #require(runner.session.dataset?.guide)
        #expect(guide.rows == 600 && guide.cols == 64)
        let archive = try NumpyArchive.read(path: Self.samples + "/guide.npz")
        #expect(guide == (try archive["topics"]!.matrix(Float.self)))
    }

    @Test func anNpzGuideRefusesAMissingOrAmbiguousKeyAndTheWrongRowCount() {
        #expect(refusal(["load topics.npy labels=topics.labels.tsv guide=guide.npz"])
            .contains("the archive holds 2 arrays ('paraphrases', 'topics'); name the guide with guide_key=NAME"))
        #expect(refusal(["load topics.npy labels=topics.labels.tsv guide=guide.npz guide_key=minilm"])
            .contains("the archive has no array 'minilm'; it has 'paraphrases', 'topics'"))
        #expect(refusal(["load topics.npy labels=topics.labels.tsv guide=guide.npz guide_key=paraphrases"])
            .contains("the guide has 360 rows but the data has 600 items"))
        #expect(refusal(["load topics.npy labels=topics.labels.tsv guide_key=topics"]).contains("give guide=FILE too"))
        #expect(refusal(["load topics.npy labels=topics.labels.tsv guide=paraphrases.npy"])
            .contains("the guide has 360 rows but the data has 600 items"))
    }

    /// The JSONL guide follows the data's records, so a text shared by two pairs (P2 of each
    /// group) gets its one row, and the rows equal the .npz guide's for the same texts.
    @Test func aJSONLFieldIsAGuidePerRecord() throws {
        let runner = try run(["load pairs.jsonl guide=pairs.guide.jsonl"])
        let dataset = try #require(runner.session.dataset)
        let guide = try #require(dataset.guide)
        #expect(guide.rows == dataset.itemCount && guide.cols == 64)
        let topics = try String(contentsOfFile: Self.samples + "/topics.labels.tsv", encoding: .utf8).split(separator: "\n").dropFirst()
            .map { String($0.split(separator: "\t", omittingEmptySubsequences: false)[3]) }
        let exact = try NumpyArchive.read(path: Self.samples + "/guide.npz")["topics"]!.matrix(Float.self)
        let texts = try #require(dataset.texts)
        for item in [0, 1, 2, dataset.itemCount - 1] {
            let row = try #require(topics.firstIndex(of: texts[item]))
            // The JSONL keeps 4 decimals.
            #expect((0..<64).allSatisfy { abs(guide[item, $0] - exact[row, $0]) <= 0.00005 + 1e-7 })
        }
    }

    @Test func aJSONLGuideRefusesTheWrongRecordCountAndDisagreeingRows() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = """
            {"anchor": "a cat sat", "positive": "a cat was sitting", "embeddings": [[1, 0], [0.9, 0.1]]}
            {"anchor": "a cat was sitting", "positive": "the dog ran", "embeddings": [[0.9, 0.1], [0, 1]]}

            """
        try data.write(toFile: directory + "/data.jsonl", atomically: true, encoding: .utf8)
        try "{\"guide\": [[1, 0, 0], [1, 0, 0]]}\n{\"guide\": [[1, 0, 0], [0, 1, 0]]}\n"
            .write(toFile: directory + "/good.jsonl", atomically: true, encoding: .utf8)
        try "{\"g\": [[1, 0, 0], [1, 0, 0]]}\n".write(toFile: directory + "/short.jsonl", atomically: true, encoding: .utf8)
        try "{\"guide\": [[1, 0, 0], [1, 0, 0]]}\n{\"guide\": [[0, 0, 1], [0, 1, 0]]}\n"
            .write(toFile: directory + "/disagree.jsonl", atomically: true, encoding: .utf8)
        let good = try run(["load data.jsonl guide=good.jsonl"], in: directory)
        #expect(good.session.dataset?.guide?.rows == 3)
        #expect(refusal(["load data.jsonl guide=short.jsonl guide_key=g"], in: directory)
            .contains("the guide has 1 records but the data has 2 examples"))
        #expect(refusal(["load data.jsonl guide=short.jsonl"], in: directory).contains("line 1 has no field \"guide\""))
        #expect(refusal(["load data.jsonl guide=disagree.jsonl"], in: directory)
            .contains("line 2 gives a text a different guide vector than line 1"))
    }

    @Test func evalRefusesAGuideOfAnotherRowCountNamingBoth() throws {
        func array(_ rows: Int, _ cols: Int, _ name: String) -> NumpyArray {
            NumpyArray(Matrix<Double>(rows: rows, cols: cols, values: (0..<(rows * cols)).map { Double($0 % 7) - 3 }), source: name)
        }
        var request = EvalRequest(lossName: "GISTEmbedLoss", embeddings: [array(4, 3, "a.npy"), array(4, 3, "b.npy")])
        request.guides = [array(4, 2, "ga.npy"), array(5, 2, "gb.npy")]
        #expect(throws: LossError("gb.npy: the guide has 5 rows but b.npy has 4; give one guide row per embedding row, in the same order")) {
            try EvalJob.run(request)
        }
    }

    /// A cached loss's step records its plain loss's value at a fraction of the memory, and
    /// the mini-batches it took; both reach `expect`.
    @Test func aCachedStepRecordsWhatItHeldAndItsMiniBatches() throws {
        let common = ["load paraphrases.npy labels=paraphrases.labels.tsv as=anchor-positive", "encoder linear dim=16",
                      "set batch_size=288 eval_every=0"]
        let plain = try run(common + ["loss MultipleNegativesRankingLoss", "step 3"])
        let cached = try run(common + ["loss CachedMultipleNegativesRankingLoss mini_batch_size=16", "step 3"])
        let plainRecords = plain.session.history, cachedRecords = cached.session.history
        #expect(zip(plainRecords, cachedRecords).allSatisfy { abs($0.loss - $1.loss) <= 1e-5 * $0.loss })
        let plainUse = try #require(plainRecords.last?.scratch), cachedUse = try #require(cachedRecords.last?.scratch)
        #expect(plainUse.miniBatches == 1 && cachedUse.miniBatches == 18)
        // 288 x 288 logits and their gradient against 16 x 288 of them at a time.
        #expect(Double(cachedUse.peakBytes) < 0.3 * Double(plainUse.peakBytes))
        #expect(cached.metric("mini_batches") == 18 && cached.metric("loss_memory") == Double(cachedUse.peakBytes))
        // Losses that do not measure it have neither.
        let triplet = try run(["load toy:blobs", "step 1"])
        #expect(triplet.metric("loss_memory") == nil)
    }

    @Test func theLossMemoryLimitRefusesABatchThatDoesNotFitAndNamesTheLargest() throws {
        let common = ["load paraphrases.npy labels=paraphrases.labels.tsv as=anchor-positive", "encoder linear dim=16",
                      "set eval_every=0 loss_memory_limit=450KB"]
        let message = refusal(common + ["loss MultipleNegativesRankingLoss", "set batch_size=288"])
        #expect(message.contains("batch_size=288 is too large: MultipleNegativesRankingLoss's working memory"))
        #expect(message.contains("over loss_memory_limit=450.0 KB; here at most"))
        let cached = try run(common + ["loss CachedMultipleNegativesRankingLoss mini_batch_size=16", "set batch_size=288", "step 1"])
        #expect(try #require(cached.metric("loss_memory")) < 450_000)
        // Lowering the limit under the current batch is refused too; `none` lifts it.
        #expect(refusal(common + ["loss MultipleNegativesRankingLoss", "set batch_size=64", "set loss_memory_limit=10KB"])
            .contains("over loss_memory_limit=10.0 KB"))
        #expect(refusal(common + ["set loss_memory_limit=lots"]).contains("loss_memory_limit must be a size in bytes"))
        _ = try run(common + ["set loss_memory_limit=none", "loss MultipleNegativesRankingLoss", "set batch_size=288"])
    }
}
