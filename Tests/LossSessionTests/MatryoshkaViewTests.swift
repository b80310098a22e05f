import LossData
import LossKit
@testable import LossSession
import Testing

/// What a session shows of a MatryoshkaLoss: the loss at each dimension per step, the held-out
/// metrics on truncated, re-normalised embeddings (`NAME@d`), both sides of a duel measured at
/// the same widths, `show dimensions`, and `expect` on all of them.
@Suite struct MatryoshkaViewTests {
    func run(_ lines: [String]) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return runner
    }

    static let pairs = ["load text:pairs", "encoder bow dim=16", "loss MultipleNegativesRankingLoss", "set batch_size=16 eval_every=0"]

    @Test func eachStepRecordsTheWeightedLossAtEachDimension() throws {
        let runner = try run(Self.pairs + ["loss MatryoshkaLoss matryoshka_dims=4,16,8 matryoshka_weights=2,1,0.5", "step 3"])
        let record = try #require(runner.session.history.last)
        #expect(record.terms.map(\.name) == ["loss@16", "loss@8", "loss@4"])
        let total = record.terms.map(\.value).reduce(0, +)
        #expect(abs(total - record.loss) <= 1e-5 * abs(record.loss))
        #expect(runner.metric("loss@4") == record.terms[2].value)
        // Each dimension's mining, for `t`.
        #expect(runner.session.lastBatch?.termMinings.map(\.name) == ["loss@16", "loss@8", "loss@4"])
        #expect(runner.session.lastBatch?.termMinings.allSatisfy { $0.mining.kind == .ranking } == true)
    }

    @Test func aPlainLossIsEvaluatedAsBefore() throws {
        let runner = try run(Self.pairs + ["step 2", "eval"])
        #expect(runner.session.evaluationDimensions.isEmpty)
        let names = try #require(runner.session.evaluations.last).metrics.map(\.name)
        #expect(names == ["test_loss", "retrieval_accuracy", "mrr"])
    }

    /// recall@1 of the truncated model, computed here from the session's embeddings without the
    /// evaluation's code: each test anchor's positive must beat every other test positive.
    func retrievalAccuracy(_ session: Session, width: Int) throws -> Double {
        let dataset = try #require(session.dataset), model = try #require(session.model)
        let full = try session.embeddings()
        let cut = Matrix<Float>(rows: (0..<full.rows).map { i in (0..<width).map { full[i, $0] } })
        let rows = L2Normalization.forward(cut).output
        func cosine(_ a: Int, _ b: Int) -> Double {
            (0..<width).reduce(0.0) { $0 + Double(rows[a, $1]) * Double(rows[b, $1]) }
        }
        let test = Array(model.testExamples.prefix(1024))
        let hits = test.filter { example in
            let anchor = dataset.examples[example][0], target = cosine(anchor, dataset.examples[example][1])
            return !test.contains { $0 != example && cosine(anchor, dataset.examples[$0][1]) > target }
        }
        return Double(hits.count) / Double(test.count)
    }

    @Test func theEvaluationMeasuresEachWidthAndTwoBelowTheSmallest() throws {
        let runner = try run(Self.pairs + ["loss MatryoshkaLoss matryoshka_dims=16,8", "step 20", "eval"])
        let session = runner.session
        #expect(session.evaluationDimensions == [16, 8, 4, 2])
        let record = try #require(session.evaluations.last)
        #expect(record.byDimension.map(\.metric) == ["retrieval_accuracy", "mrr"])
        #expect(record.byDimension[0].points.map(\.dimension) == [16, 8, 4, 2])
        // The full width is the plain metric; the others are the truncated model's.
        #expect(record.value("retrieval_accuracy@16") == record.value("retrieval_accuracy"))
        for width in [8, 4, 2] {
            let measured = try #require(record.value("retrieval_accuracy@\(width)"))
            #expect(abs(measured - (try retrievalAccuracy(session, width: width))) < 1e-9, "width \(width)")
        }
        #expect(record.summary.contains("; retrieval_accuracy by dimension 16: "))
        try runner.execute("expect retrieval_accuracy@2 <= retrieval_accuracy@16")
        #expect(runner.failedExpectations.isEmpty)
    }

    @Test func bothSidesOfADuelAreMeasuredAtTheSameWidths() throws {
        // The wrapper on the rival's side.
        // (A rival keeps the settings of when the duel began.)
        let plainFirst = try run(Self.pairs + ["set eval_every=5", "duel loss MatryoshkaLoss matryoshka_dims=16,4", "step 5"])
        let rival = try #require(plainFirst.session.rival)
        #expect(plainFirst.session.evaluationDimensions == [16, 4, 2])
        #expect(rival.evaluationDimensions == [16, 4, 2])
        #expect(plainFirst.session.evaluations.last?.value("mrr@2") != nil)
        #expect(rival.evaluations.last?.value("mrr@2") != nil)

        // The wrapper on the session's side; changing it reaches the rival's widths.
        let wrappedFirst = try run(Self.pairs + ["loss MatryoshkaLoss matryoshka_dims=16,8", "duel loss MultipleNegativesRankingLoss"])
        #expect(try #require(wrappedFirst.session.rival).evaluationDimensions == [16, 8, 4, 2])
        try wrappedFirst.execute("loss MatryoshkaLoss matryoshka_dims=16,12")
        #expect(try #require(wrappedFirst.session.rival).evaluationDimensions == [16, 12, 6, 3])
        try wrappedFirst.execute("step 2")
        let output = try wrappedFirst.execute("eval")
        #expect(output.contains("\nduel MultipleNegativesRankingLoss: held-out @2:") && output.contains("retrieval_accuracy by dimension 16: "))
        try wrappedFirst.execute("expect duel_retrieval_accuracy@3 <= 1")
        try wrappedFirst.execute("expect retrieval_accuracy@3 >= 0 * duel_mrr@6")
        #expect(wrappedFirst.failedExpectations.isEmpty)
        try wrappedFirst.execute("duel off")
        #expect(wrappedFirst.session.evaluationDimensions == [16, 12, 6, 3])
    }

    @Test func showDimensionsListsBothSidesUnderTheirExpectNames() throws {
        let runner = try run(Self.pairs)
        #expect(try runner.execute("show dimensions").contains("nothing is measured by dimension"))
        try runner.execute("loss MatryoshkaLoss matryoshka_dims=16,8")
        try runner.execute("duel loss MultipleNegativesRankingLoss")
        try runner.execute("step 2")
        #expect(try runner.execute("show dims").contains("no held-out evaluation by dimension yet"))
        try runner.execute("eval")
        let lines = try runner.execute("show dimensions").split(separator: "\n").map(String.init)
        #expect(lines[0] == "by dimension, on the first d coordinates re-normalised: MatryoshkaLoss (held-out at step 2) against duel MultipleNegativesRankingLoss (held-out at step 2)")
        let header = lines[1].split(separator: " ").map(String.init)
        #expect(header == ["dim", "loss", "retrieval_accuracy", "mrr", "duel_retrieval_accuracy", "duel_mrr"])
        #expect(lines.dropFirst(2).map { $0.split(separator: " ").first.map(String.init) } == ["16", "8", "4", "2"])
        let session = runner.session, rival = try #require(session.rival)
        let row8 = lines[3].split(separator: " ").map(String.init)
        #expect(row8[1] == String(format: "%.4g", try #require(session.history.last?.terms.first { $0.name == "loss@8" }).value))
        #expect(row8[5] == String(format: "%.4g", try #require(rival.evaluations.last?.value("mrr@8"))))
        // The widths below the smallest are not trained: no loss there.
        #expect(lines[4].split(separator: " ")[1] == "—")
    }
}
