import Foundation
import LossData
import LossKit
import LossSession
import Testing

/// Float32 overflow trips the divergence guard with its evidence instead of training on as a
/// clean loss of 0 or the margin with |grad| 0 (issue 11), and a diverged duel shows as such.
@Suite struct DivergenceGuardTests {
    /// A labelled set of 40 points in 4-D at about `scale`, written as .npy files.
    func hugeData(scale: Float) throws -> (directory: String, lines: [String]) {
        let directory = NSTemporaryDirectory() + "/losslab-overflow-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var random = SeededRandom(seed: 3)
        let values = (0..<160).map { _ in Float(random.uniform(0.1, 1)) * scale }
        try NumpyFile.write(NumpyArray(shape: [40, 4], dtype: .float32, storage: .floats32(values)), to: directory + "/x.npy")
        try NumpyFile.write(NumpyArray(shape: [40], dtype: .int64, storage: .ints((0..<40).map { Int64($0 % 4) })), to: directory + "/y.npy")
        return (directory, ["load x.npy labels=y.npy", "set lr=0.001 eval_every=0"])
    }

    @Test(arguments: ["BatchHardTripletLoss", "BatchAllTripletLoss", "BatchHardTripletLoss distance_metric=cosine",
                      "BatchSemiHardTripletLoss", "MinedTripletLoss"])
    func overflowingEmbeddingsDiverge(_ loss: String) throws {
        let (directory, lines) = try hugeData(scale: 1e38)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runner = NotebookRunner(session: Session(workingDirectory: directory))
        for line in lines + ["loss \(loss)"] { try runner.execute(line) }
        var message = ""
        do { try runner.execute("step 3") } catch { message = "\(error)" }
        #expect(message.hasPrefix("training diverged at step 1: distances overflow float32 (largest |x| "), "\(message)")
        guard case .diverged(let reason) = runner.session.state else { Issue.record("not diverged"); return }
        #expect(reason.hasPrefix("step 1: distances overflow float32"))
        #expect(runner.session.stepIndex == 0)
        #expect(runner.session.history.isEmpty)
    }

    @Test func dotScoreRankingOverflowsEarlierThanDistances() throws {
        let (directory, lines) = try hugeData(scale: 3e18)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runner = NotebookRunner(session: Session(workingDirectory: directory))
        for line in ["load x.npy labels=y.npy as=anchor-positive", "set lr=0.001 eval_every=0",
                     "loss MultipleNegativesRankingLoss similarity_fct=dot_score"] {
            try runner.execute(line)
        }
        var message = ""
        do { try runner.execute("step 1") } catch { message = "\(error)" }
        #expect(message.hasPrefix("training diverged at step 1: scores overflow float32 (largest |x| "), "\(message)")
        #expect(message.contains("dot_score at scale 20.0 needs |x| below 4.1e18"))
        // The same embeddings rank by cosine without trouble.
        try runner.execute("reset")
        try runner.execute("loss MultipleNegativesRankingLoss")
        try runner.execute("step 1")
    }

    @Test func embeddingsJustBelowTheOverflowTrainOn() throws {
        let (directory, lines) = try hugeData(scale: 1e3)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runner = NotebookRunner(session: Session(workingDirectory: directory))
        for line in lines + ["loss BatchHardTripletLoss", "step 2"] { try runner.execute(line) }
        #expect(runner.session.state == .ready)
    }

    @Test func aDivergedDuelShowsAsDiverged() throws {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in ["load toy:blobs classes=3 per_class=10 dim=4", "loss BatchHardTripletLoss margin=1", "set eval_every=0", "step 2",
                     "duel loss BatchHardTripletLoss margin=3e38"] {
            try runner.execute(line)
        }
        let output = try runner.execute("step 3")
        #expect(runner.session.state == .ready)
        #expect(runner.session.stepIndex == 5)
        guard case .diverged = runner.session.rival?.state else { Issue.record("the rival should have diverged"); return }
        #expect(output.contains("duel BatchHardTripletLoss: diverged (step 3: loss is inf)"), "\(output)")
        #expect(!output.contains("duel BatchHardTripletLoss: loss"))
        #expect(try runner.execute("show metrics").contains("duel BatchHardTripletLoss: diverged"))
        #expect(try runner.execute("eval").contains("(diverged: step 3"))
    }

    @Test func heldOutLossOfOverflowingEmbeddingsIsNotANumber() throws {
        let (directory, lines) = try hugeData(scale: 1e38)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runner = NotebookRunner(session: Session(workingDirectory: directory))
        for line in lines + ["loss BatchHardTripletLoss"] { try runner.execute(line) }
        try runner.execute("eval")
        #expect(runner.session.evaluations.last?.value("test_loss")?.isNaN == true)
    }
}
