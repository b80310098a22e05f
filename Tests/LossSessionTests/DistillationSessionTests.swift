import Foundation
import LossData
import LossKit
@testable import LossSession
import Testing

/// The distillation and contrastive-tension losses in sessions (teacher scores from a teacher
/// embedding set, the contrastive-tension pairs and model copy) and in eval (teacher scores
/// with -inf, a 0-d logit_scale).
@Suite struct DistillationSessionTests {
    func run(_ lines: [String]) throws -> NotebookRunner {
        let runner = NotebookRunner(session: Session(workingDirectory: "/tmp"))
        for line in lines { try runner.execute(line) }
        return runner
    }

    @Test func teacherScoresAreTheTeachersCosines() throws {
        let session = try run(["load toy:blobs classes=3 per_class=8 dim=4 as=teacher-scored teacher_dim=5"]).session
        let dataset = try #require(session.dataset)
        #expect(dataset.shape == .teacherScored && dataset.columnCount == 3)
        let teacher = try #require(dataset.teacher)
        let example = dataset.examples[0]
        let unit = { (item: Int) -> [Double] in
            let row = teacher.row(item).map(Double.init)
            let norm = row.map { $0 * $0 }.reduce(0, +).squareRoot()
            return row.map { $0 / norm }
        }
        let cosine = zip(unit(example[0]), unit(example[1])).map(*).reduce(0, +)
        let scores = TeacherColumns.scores(teacher, items: example.map { [$0] })
        #expect(scores.cols == 2 && abs(cosine - Double(scores[0, 0])) < 1e-6)
    }

    @Test func contrastiveTensionPairsFollowTheDataLoader() throws {
        let session = try run(["load text:sentences as=contrastive-tension"]).session
        let dataset = try #require(session.dataset)
        #expect(dataset.shape == .binaryPairs)
        let positives = zip(dataset.examples, dataset.labels).filter { $0.1 == 1 }
        #expect(positives.count * 8 == dataset.exampleCount)
        #expect(positives.allSatisfy { $0.0[0] == $0.0[1] })
        #expect(zip(dataset.examples, dataset.labels).filter { $0.1 == 0 }.allSatisfy { $0.0[0] != $0.0[1] })
        let used = dataset.examples.flatMap { Set($0) }
        #expect(Set(used).count == used.count, "every sentence is used once")
        #expect(throws: (any Error).self) { try run(["load text:pairs as=contrastive-tension"]) }
    }

    @Test func contrastiveTensionTrainsTwoEncoders() throws {
        for loss in ["ContrastiveTensionLoss", "ContrastiveTensionLossInBatchNegatives"] {
            let source = loss == "ContrastiveTensionLoss" ? "text:sentences as=contrastive-tension" : "text:pairs"
            let runner = try run(["load \(source)", "encoder bow dim=8", "loss \(loss)", "set batch_size=16"])
            let start = try #require(runner.session.model)
            let copyNames = start.lossParameters.keys.filter { $0.hasPrefix("model1.") }.sorted()
            #expect(copyNames == start.encoder.parameters.keys.map { "model1." + $0 }.sorted())
            try runner.execute("step 5")
            let after = try #require(runner.session.model)
            for name in start.encoder.parameters.keys {
                let model2 = after.encoder.parameters[name]!.values, model1 = after.lossParameters["model1." + name]!.values
                #expect(model2 != start.encoder.parameters[name]!.values, "\(loss): model 2's \(name) trains")
                #expect(model1 != start.lossParameters["model1." + name]!.values, "\(loss): model 1's \(name) trains")
                if loss == "ContrastiveTensionLoss" {
                    #expect(model1 != model2, "\(loss): the two encoders part")
                } else {
                    // Both copies embed the same sentences and the loss is symmetric in them, so
                    // without dropout (which 6.2.0's transformers have) their updates are equal up
                    // to rounding: each gradient is a product of its own, and how a product rounds
                    // depends on the BLAS kernels of the machine (OpenBLAS's Zen ones differ here).
                    let largest = model2.map { abs($0) }.max() ?? 0
                    let apart = zip(model1, model2).map { abs($0 - $1) }.max() ?? 0
                    #expect(apart <= 1e-5 * max(largest, 1), "\(loss): the copies move together (\(name) apart by \(apart))")
                }
            }
            if loss.hasSuffix("InBatchNegatives") { #expect(after.lossParameters["logit_scale"] != start.lossParameters["logit_scale"]) }
        }
    }

    func array(_ shape: [Int], _ values: [Float], _ source: String) -> NumpyArray {
        NumpyArray(shape: shape, dtype: .float32, storage: .floats32(values), source: source)
    }

    func columns(_ count: Int, rows: Int = 4, dim: Int = 3) -> [NumpyArray] {
        var random = SeededRandom(seed: 5)
        return (0..<count).map { c in array([rows, dim], (0..<(rows * dim)).map { _ in Float(random.normal()) }, "in\(c).npy") }
    }

    @Test func evalTakesMinusInfinityTeacherScoresAndRefusesNaN() throws {
        var scores: [Float] = [1, -.infinity, 0.5, 2, -.infinity, -.infinity, 0, 1]
        let excluded = try EvalJob.run(EvalRequest(lossName: "DistillKLDivLoss", embeddings: columns(3), labels: array([4, 2], scores, "l.npy")))
        #expect(excluded.result.value.isNaN, "row 2's scores are all -inf: its softmax is NaN, as in 6.2.0")
        #expect(excluded.notes.contains { $0.contains("-inf") } && excluded.notes.contains { $0.contains("NaN") })
        scores[4] = 3
        let finite = try EvalJob.run(EvalRequest(lossName: "DistillKLDivLoss", embeddings: columns(3), labels: array([4, 2], scores, "l.npy")))
        #expect(finite.result.value.isFinite && finite.result.columnGradients.allSatisfy(\.allFinite))
        scores[0] = .nan
        #expect(throws: LossError.self) {
            try EvalJob.run(EvalRequest(lossName: "DistillKLDivLoss", embeddings: self.columns(3), labels: self.array([4, 2], scores, "l.npy")))
        }
        #expect(throws: LossError.self) {
            try EvalJob.run(EvalRequest(lossName: "MarginMSELoss", embeddings: self.columns(3), labels: self.array([4, 2], scores, "l.npy")))
        }
    }

    @Test func logitScaleIsAZeroDimensionalWeight() throws {
        let initial = try EvalJob.run(EvalRequest(lossName: "ContrastiveTensionLossInBatchNegatives", embeddings: columns(2)))
        #expect(initial.initializedWeights && initial.weightShapes["logit_scale"] == [])
        #expect(initial.result.parameterGradients["logit_scale"]?.count == 1)
        let given = try EvalJob.run(EvalRequest(lossName: "ContrastiveTensionLossInBatchNegatives", embeddings: columns(2),
                                                weights: ["logit_scale": array([], [Float(Double.log(20))], "s.npy")]))
        #expect(given.result.value == initial.result.value)
        let directory = "/tmp/losslab-logit-scale-\(UInt32.random(in: 0...UInt32.max))"
        try given.writeGradients(to: directory)
        let written = try NumpyFile.read(path: directory + "/grad_logit_scale.npy")
        #expect(written.shape == [] && written.count == 1)
        try? FileManager.default.removeItem(atPath: directory)
    }
}
