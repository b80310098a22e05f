import Foundation
import LossData
import LossKit
import LossSession
import Testing

/// Teachers as data (`load ... teacher=FILE teacher_key=NAME`: a .npy, an .npz array, JSONL
/// `label`/`score` lists) and what the distillation and contrastive-tension losses report
/// about a step (`DistillationReport`, the encoders' drift).
@Suite struct TeacherDataTests {
    static let samples = GuideAndScratchTests.samples

    func run(_ lines: [String], in directory: String = samples) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: directory))
        for line in lines { try runner.execute(line) }
        return runner
    }

    func refusal(_ lines: [String], in directory: String = samples) -> String {
        do { _ = try run(lines, in: directory); return "" } catch { return "\(error)" }
    }

    func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "losslab-teachers-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    func metric(_ runner: NotebookRunner, _ name: String) -> Double? {
        runner.session.history.last?.metrics.first { $0.0 == name }?.1
    }

    /// The sentences as tokens with MiniLM as their teacher: a bag-of-words student of a
    /// 384-d teacher, the rows in the corpus's order.
    @Test func anNpzArrayTeachesTheSentencesAndABagOfWordsStudentTrainsOnIt() throws {
        let runner = try run(["load sentences.jsonl teacher=teacher.npz teacher_key=teacher", "encoder bow dim=16",
                              "loss MSELoss projection_dim=384", "step 3"])
        let dataset = try #require(runner.session.dataset)
        #expect(dataset.shape == .teacherItems && dataset.teacher?.cols == 384 && dataset.itemClasses?.count == 600)
        let exact = try NumpyFile.read(path: Self.samples + "/topics.npy").matrix(Float.self)
        #expect(dataset.teacher == exact)
        #expect(runner.session.history.count == 3)
        // The archive's array called 'teacher' is the default.
        let byDefault = try run(["load sentences.jsonl teacher=teacher.npz"])
        #expect(byDefault.session.dataset?.teacher == exact)
    }

    @Test func aTeacherOfTheWrongRowCountIsRefusedNamingBothCounts() {
        #expect(refusal(["load sentences.jsonl teacher=paraphrases.npy"])
            .contains("paraphrases.npy: the teacher has 360 rows but the data has 600 items; give one teacher row per item, in the items' order"))
        #expect(refusal(["load sentences.jsonl teacher=guide.npz"])
            .contains("the archive holds 2 arrays ('paraphrases', 'topics'); name the teacher with teacher_key=NAME"))
        #expect(refusal(["load sentences.jsonl teacher=topics.npy teacher_key=x"])
            .contains("teacher_key=x names an .npz array or a JSONL field, but the teacher is an .npy file"))
        #expect(refusal(["load sentences.jsonl teacher_key=teacher"]).contains("give teacher=FILE too"))
        #expect(refusal(["load pairs.jsonl teacher=topics.npy"]).contains("the teacher has 600 rows but the data has 360 items"))
    }

    /// MarginMSELoss's scores come from the teacher's embeddings of the batch's texts, or from
    /// the scores the file gives per example.
    @Test func teacherScoresPerExampleFeedTheRankingDistillationLosses() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var data = "", scores = "", embeddings = ""
        for i in 0..<8 {
            data += "{\"anchor\": \"q\(i)\", \"positive\": \"p\(i)\", \"negative\": \"n\(i)\", \"embeddings\": [[\(i), 1], [1, \(i)], [0, 1]]}\n"
            scores += "{\"label\": [\(0.9 - 0.01 * Double(i)), \(0.1 * Double(i % 3))]}\n"
            embeddings += "{\"score\": [\(i), 2, 1]}\n"
        }
        try data.write(toFile: directory + "/data.jsonl", atomically: true, encoding: .utf8)
        try scores.write(toFile: directory + "/scores.jsonl", atomically: true, encoding: .utf8)
        try embeddings.write(toFile: directory + "/wide.jsonl", atomically: true, encoding: .utf8)
        try "{\"label\": [0.9, 0.1]}\n".write(toFile: directory + "/short.jsonl", atomically: true, encoding: .utf8)
        let runner = try run(["load data.jsonl teacher=scores.jsonl", "loss MarginMSELoss", "set batch_size=4 test_fraction=0", "step"],
                             in: directory)
        let dataset = try #require(runner.session.dataset)
        #expect(dataset.shape == .teacherScored && dataset.teacherScores?.rows == 8 && dataset.teacherScores?.cols == 2)
        let batch = try #require(runner.session.lastBatch)
        let report = try #require(batch.mining.distillation)
        // The loss's teacher margins are the file's scores of the batch's examples.
        for point in report.points {
            let example = batch.examples[point.row]
            let given = dataset.teacherScores!
            #expect(abs(point.teacher - Double(given[example, 0] - given[example, 1])) < 1e-6)
        }
        #expect(refusal(["load data.jsonl teacher=short.jsonl"], in: directory)
            .contains("the teacher has 1 records but the data has 8 examples"))
        #expect(refusal(["load data.jsonl teacher=scores.jsonl as=pairs"], in: directory).contains("as= would change the examples"))
        // DistillKLDivLoss wants a score per candidate: two columns, two scores; three are refused by the loss.
        let wide = try run(["load data.jsonl teacher=wide.jsonl teacher_key=score", "loss DistillKLDivLoss", "set test_fraction=0"], in: directory)
        #expect(throws: (any Error).self) { try wide.execute("step") }
    }

    @Test func aOneColumnJSONLTeacherIsAnEmbeddingPerText() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try "{\"text\": \"a cat\", \"label\": \"x\"}\n{\"text\": \"a dog\", \"label\": \"y\"}\n{\"text\": \"a cat\", \"label\": \"x\"}\n"
            .write(toFile: directory + "/data.jsonl", atomically: true, encoding: .utf8)
        try "{\"label\": [1, 0, 0]}\n{\"label\": [0, 1, 0]}\n{\"label\": [1, 0, 0]}\n".write(toFile: directory + "/t.jsonl", atomically: true, encoding: .utf8)
        try "{\"label\": [1, 0, 0]}\n{\"label\": [0, 1, 0]}\n{\"label\": [0, 0, 1]}\n".write(toFile: directory + "/bad.jsonl", atomically: true, encoding: .utf8)
        let runner = try run(["load data.jsonl teacher=t.jsonl"], in: directory)
        let teacher = try #require(runner.session.dataset?.teacher)
        #expect(teacher.rows == 2 && teacher.cols == 3 && teacher[1, 1] == 1)
        #expect(refusal(["load data.jsonl teacher=bad.jsonl"], in: directory)
            .contains("line 3 gives a text a different teacher embedding than line 1"))
    }

    /// A teacher set computes MarginMSELoss's scores for the session's triplets, and the view's
    /// facts agree with a direct computation: the student margins and the teacher's cosines.
    @Test func theDistillationReportHoldsTheBatchsMarginsAndItsMetrics() throws {
        let runner = try run(["load sentences.jsonl teacher=teacher.npz as=teacher-scored", "encoder bow dim=16", "loss MarginMSELoss",
                              "set batch_size=16", "step 2"])
        let batch = try #require(runner.session.lastBatch)
        let report = try #require(batch.mining.distillation)
        #expect(report.quantity == .margin && report.points.count == 16 && report.rowDivergence.count == 16)
        let teacher = runner.session.dataset!.teacher!
        func cosine(_ a: Int, _ b: Int) -> Double {
            var dot = 0.0, na = 0.0, nb = 0.0
            for k in 0..<teacher.cols {
                dot += Double(teacher[a, k]) * Double(teacher[b, k])
                na += Double(teacher[a, k]) * Double(teacher[a, k])
                nb += Double(teacher[b, k]) * Double(teacher[b, k])
            }
            return dot / (na * nb).squareRoot()
        }
        for point in report.points {
            let (q, p, n) = (batch.items[0][point.row], batch.items[1][point.row], batch.items[2][point.row])
            #expect(abs(point.teacher - (cosine(q, p) - cosine(q, n))) < 1e-5)
        }
        // Each row's divergence is its squared margin error; the loss is their mean.
        for (row, point) in report.points.enumerated() {
            #expect(abs(report.rowDivergence[row] - (point.student - point.teacher) * (point.student - point.teacher)) < 1e-4)
        }
        let loss = try #require(metric(runner, "loss"))
        #expect(abs(report.rowDivergence.reduce(0, +) / 16 - loss) < 1e-4 * max(1, loss))
        #expect(abs((metric(runner, "teacher_error") ?? .nan) - loss) < 1e-4 * max(1, loss))
        for name in ["teacher_correlation", "teacher_slope", "order_agreement"] { #expect(metric(runner, name) != nil) }
        let shown = try runner.execute("show triplets")
        #expect(shown.contains("student vs teacher margins") && shown.contains("per row: mean") && shown.contains("worst rows:"))
    }

    @Test func theMetricsOfAKnownSetOfPoints() {
        let points = [(1.0, 2.0), (2.0, 4.0), (-1.0, -2.0), (0.5, -1.0)].enumerated().map {
            DistillationReport.Point(row: $0.offset, other: 1, teacher: $0.element.0, student: $0.element.1)
        }
        let metrics = Dictionary(DistillationReport(quantity: .margin, measure: "x", points: points, rowDivergence: []).metrics
            .map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        // Worked by hand: means 0.625 and 0.75; about them Σtt 4.6875, Σss 22.75, Σts 9.625.
        #expect(abs(metrics["teacher_slope"]! - 9.625 / 4.6875) < 1e-12)
        #expect(abs(metrics["teacher_correlation"]! - 9.625 / (4.6875 * 22.75).squareRoot()) < 1e-12)
        #expect(abs(metrics["teacher_error"]! - (1 + 4 + 1 + 2.25) / 4) < 1e-12)
        #expect(metrics["order_agreement"] == 0.75)
    }

    /// The pair cosines of MSELoss's view: every pair of column-0 rows, teacher and student.
    @Test func theEmbeddingLossesCompareTheBatchsPairCosines() throws {
        let runner = try run(["load teacher.npz", "encoder linear dim=384", "loss MSELoss", "set batch_size=8", "step"])
        let report = try #require(runner.session.lastBatch?.mining.distillation)
        #expect(report.quantity == .pairCosine && report.points.count == 28)
        let embedded = try run(["load teacher.npz", "encoder linear dim=16", "loss EmbedDistillLoss projection_dim=384", "set batch_size=8", "step"])
        #expect(embedded.session.lastBatch?.mining.distillation?.points.count == 28)
        #expect(embedded.session.lastBatch?.mining.distillation?.measure == "cosine distance")
    }

    /// Model 1 starts as a copy of model 2: cosine 1 and distance 0 at the first step, then they drift apart.
    @Test func contrastiveTensionReportsTheEncodersDrift() throws {
        let runner = try run(["load sentences.jsonl as=contrastive-tension", "encoder bow dim=16", "loss ContrastiveTensionLoss",
                              "set lr=0.01 batch_size=16", "step"])
        #expect(abs((metric(runner, "encoder_cosine") ?? 0) - 1) < 1e-6)
        #expect(metric(runner, "weight_distance") == 0)
        try runner.execute("step 20")
        #expect((metric(runner, "encoder_cosine") ?? 1) < 1)
        #expect((metric(runner, "weight_distance") ?? 0) > 0)
        // The in-batch form feeds both models the same sentences through a symmetric loss: without
        // dropout their updates are equal up to the rounding of their separate gradient products,
        // and the drift chart says so with a flat line.
        let inBatch = try run(["load text:pairs", "encoder bow dim=8", "loss ContrastiveTensionLossInBatchNegatives",
                               "set batch_size=16", "step 5"])
        #expect(abs((metric(inBatch, "encoder_cosine") ?? 0) - 1) < 1e-6)
        #expect((metric(inBatch, "weight_distance") ?? 1) < 1e-5)
    }
}
