import LossData
import LossKit
import LossSession
import Testing

/// Every size a user sets is bounded against the data and the machine's memory, with one line
/// naming the parameter, the value and the bound (issue 11: `SoftmaxLoss num_labels=1000000000`
/// aborted allocating 72 GB). The values here are too large for any machine, so the tests
/// agree everywhere.
@Suite struct SizeBoundsTests {
    func runner(_ lines: [String]) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return runner
    }

    func refusal(_ runner: NotebookRunner, _ line: String) -> String {
        do {
            try runner.execute(line)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    @Test func softmaxNumLabelsIsBoundedByMemory() throws {
        let session = try runner(["load text:nli", "encoder bow dim=16"])
        let text = refusal(session, "loss SoftmaxLoss num_labels=1000000000")
        #expect(text.hasPrefix("SoftmaxLoss: num_labels=1000000000 is too large: SoftmaxLoss's trained weights (classifier.weight, classifier.bias"), "\(text)")
        #expect(text.contains("over half of this machine's"))
        #expect(text.contains("here at most "))
        #expect(!text.contains("\n"))
        #expect(!session.session.loss.settings.contains { $0.name == "num_labels" })
        // The bound it names is one that fits.
        let bound = text.split(separator: " ").drop { $0 != "most" }.dropFirst().first.flatMap { Int($0) }
        #expect(bound != nil)
        try session.execute("loss SoftmaxLoss num_labels=3")
        try session.execute("step 1")
    }

    @Test func softmaxNumLabelsIsBoundedByTheData() throws {
        let session = try runner(["load text:nli", "encoder bow dim=8"])
        let text = refusal(session, "loss SoftmaxLoss num_labels=2")
        #expect(text.contains("num_labels=2 is too small: the data has 3 classes"), "\(text)")
    }

    @Test func aDuelRivalIsBoundedToo() throws {
        let session = try runner(["load text:nli", "encoder bow dim=8", "loss SoftmaxLoss", "step 1"])
        #expect(refusal(session, "duel loss SoftmaxLoss num_labels=100000000000").contains("num_labels=100000000000 is too large"))
        #expect(session.session.rival == nil)
    }

    @Test func encoderSizesAreDecimalAndBounded() throws {
        let session = try runner(["load toy:blobs classes=3 per_class=8 dim=4"])
        #expect(refusal(session, "encoder linear dim=5000").contains("dim must be a whole number from 1 to 4096, got '5000'"))
        #expect(refusal(session, "encoder mlp hidden=0x10").contains("hidden must be a whole number from 1 to 4096, got '0x10'"))
        #expect(refusal(session, "encoder linear dim=1e3").contains("got '1e3'"))
        try session.execute("encoder mlp dim=8 hidden=16")
    }

    @Test func kIsBoundedByTheBatch() throws {
        let session = try runner(["load toy:blobs classes=3 per_class=8 dim=4"])
        #expect(refusal(session, "set k=64 batch_size=16").contains("k=64 is larger than batch_size=16"))
        #expect(refusal(session, "set k=100000000000").contains("k must be at most 16384"))
        try session.execute("set batch_size=12 k=6")
        #expect(session.session.settings.perClass == 6)
        #expect(refusal(session, "set batch_size=100").contains("batch_size 100 is larger than the data"))
    }

    @Test func numbersInSetAreDecimalOnly() throws {
        let session = try runner(["load toy:blobs classes=3 per_class=8 dim=4"])
        for bad in ["set lr=0x10", "set seed=0x10", "set batch_size=0x10", "set momentum=0x0.8p0", "set lr=inf", "set lr=nan",
                    "loss BatchHardTripletLoss margin=0x10", "loss MultipleNegativesRankingLoss scale=0x14"] {
            #expect(refusal(session, bad) != "accepted", "\(bad) should be refused")
        }
        #expect(refusal(session, "set lr=0x10").contains("lr must be a decimal number > 0.0, got '0x10'"))
        try session.execute("set lr=1e-3 seed=16 batch_size=16")
        #expect(session.session.settings.optimizer.learningRate == 0.001)
    }

    @Test func evalRefusesRowsAndClassesThatCannotFit() {
        func message(_ request: EvalRequest) -> String {
            do { _ = try EvalJob.run(request); return "accepted" } catch { return "\(error)" }
        }
        let rows = 100_000
        let tall = NumpyArray(shape: [rows, 1], dtype: .float32, storage: .floats32([Float](repeating: 1, count: rows)), source: "tall.npy")
        let labels = NumpyArray(shape: [rows], dtype: .int64, storage: .ints((0..<rows).map { Int64($0 % 7) }), source: "labels.npy")
        let text = message(EvalRequest(lossName: "BatchAllTripletLoss", embeddings: [tall], labels: labels))
        #expect(text.hasPrefix("tall.npy has 100000 rows: BatchAllTripletLoss's working memory for them would take"), "\(text)")
        #expect(text.contains("rows fit"))

        let pair = NumpyArray(shape: [2, 2], dtype: .float32, storage: .floats32([1, 2, 3, 4]), source: "u.npy")
        let classes = NumpyArray(shape: [2], dtype: .int64, storage: .ints([0, 1]), source: "l.npy")
        let softmax = message(EvalRequest(lossName: "SoftmaxLoss", settings: ["num_labels": "1000000000000"], embeddings: [pair, pair], labels: classes))
        #expect(softmax.hasPrefix("SoftmaxLoss: num_labels=1000000000000 is too large"), "\(softmax)")
    }
}
