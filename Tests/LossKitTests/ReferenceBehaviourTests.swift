@testable import LossKit
import Testing

/// What each reference accepts and refuses, in the losses whose behaviour differs between
/// sentence-transformers 1.2.0 and 6.2.0 (the values themselves are the golden suites' job).
@Suite struct ReferenceBehaviourTests {
    static func rows(_ n: Int, _ d: Int, seed: UInt64) -> Matrix<Double> {
        var random = SeededRandom(seed: seed)
        return Matrix(rows: n, cols: d, values: (0..<(n * d)).map { _ in random.normal() })
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body() } catch let error as LossError { return error.message } catch { return "\(error)" }
        return "(no error)"
    }

    @Test func differingLossesSayHow() {
        let differing: [any LossDescription.Type] = [TripletLoss.self, BatchSemiHardTripletLoss.self, BatchHardSoftMarginTripletLoss.self,
                                                     OnlineContrastiveLoss.self, MSELoss.self, MegaBatchMarginLoss.self, SoftmaxLoss.self]
        for type in differing { #expect(type.referenceDifference.hasPrefix("6.2.0 "), "\(type.className)") }
        let same: [any LossDescription.Type] = [BatchHardTripletLoss.self, BatchAllTripletLoss.self, ContrastiveLoss.self, CosineSimilarityLoss.self]
        for type in same { #expect(type.referenceDifference.isEmpty, "\(type.className)") }
    }

    @Test func backpropAllMiniBatchesIsA120Option() throws {
        let text = message { _ = try MegaBatchMarginLoss(settings: ["backprop_all_mini_batches": "true"], reference: .v6_2_0) }
        #expect(text == "MegaBatchMarginLoss: backprop_all_mini_batches has no meaning in sentence-transformers 6.2.0: it works around 1.2.0 counting only the last mini-batch, and 6.2.0 always counts the whole batch (set reference=1.2.0 to use it)")
        let old = try MegaBatchMarginLoss(settings: ["backprop_all_mini_batches": "true"], reference: .v1_2_0)
        #expect(old.backpropAllMiniBatches)
        #expect(old.settings.contains { $0.name == "backprop_all_mini_batches" })
        #expect(!(try MegaBatchMarginLoss(settings: [:], reference: .v6_2_0)).settings.contains { $0.name == "backprop_all_mini_batches" })
        #expect(!MegaBatchMarginLoss.parameters(in: .v6_2_0).contains { $0.name == "backprop_all_mini_batches" })
    }

    /// 6.2.0's value and gradients do not depend on how the batch is cut into mini-batches.
    @Test func megaBatchIsTheWholeBatchForAnyMiniBatchSize() throws {
        let batch = LossBatch(columns: [Self.rows(10, 4, seed: 3), Self.rows(10, 4, seed: 4)])
        let whole = try MegaBatchMarginLoss(settings: ["use_mini_batched_version": "false", "negative_margin": "-0.2"]).evaluate(batch)
        #expect(whole.value > 0)
        for size in [1, 3, 4, 10, 50] {
            let mini = try MegaBatchMarginLoss(settings: ["mini_batch_size": "\(size)", "negative_margin": "-0.2"]).evaluate(batch)
            #expect(abs(mini.value - whole.value) <= 1e-12, "mini_batch_size \(size)")
            for c in 0..<2 {
                let gap = zip(mini.columnGradients[c].values, whole.columnGradients[c].values).map { abs($0 - $1) }.max()!
                #expect(gap <= 1e-12, "mini_batch_size \(size), column \(c)")
            }
        }
        // The rows scored at once (the whole batch here) do not matter either.
        let loss = MegaBatchMarginLoss(negativeMargin: -0.2)
        for chunk in [1, 3, 4, 10] {
            let chunked = loss.wholeBatchMean(batch.columns[0], batch.columns[1], chunk: chunk)
            #expect(abs(chunked.value - whole.value) <= 1e-12, "chunk \(chunk)")
            for c in 0..<2 {
                let gap = zip(chunked.columnGradients[c].values, whole.columnGradients[c].values).map { abs($0 - $1) }.max()!
                #expect(gap <= 1e-12, "chunk \(chunk), column \(c)")
            }
        }
        #expect(loss.scoredRows(batch: 10) == 10)
        #expect(MegaBatchMarginLoss(miniBatchSize: 8).scoredRows(batch: 16_384) == 256)
        #expect(MegaBatchMarginLoss(miniBatchSize: 8, reference: .v1_2_0).scoredRows(batch: 16_384) == 8)
        // One row: no other positive, no negative term (1.2.0 took its own positive minus 2).
        let row = Self.rows(1, 4, seed: 5)
        let single = LossBatch(columns: [row, row])
        let settings = ["negative_margin": "-1.5", "positive_margin": "-2"]
        #expect(try MegaBatchMarginLoss(settings: settings, reference: .v6_2_0).evaluate(single).value == 0)
        #expect(try MegaBatchMarginLoss(settings: settings, reference: .v1_2_0).evaluate(single).value > 0)
    }

    @Test func batchLossesReadThe62Spelling() throws {
        for spelling in ["euclidean_distance", "BatchHardTripletLossDistanceFunction.euclidean_distance", "eucledian_distance"] {
            for reference in LossReference.allCases {
                #expect(try BatchHardTripletLoss(settings: ["distance_metric": spelling], reference: reference).distanceMetric == .euclidean)
                #expect(try BatchSemiHardTripletLoss(settings: ["distance_metric": spelling], reference: reference).distanceMetric == .euclidean)
                #expect(try BatchAllTripletLoss(settings: ["distance_metric": spelling], reference: reference).distanceMetric == .euclidean)
                #expect(try BatchHardSoftMarginTripletLoss(settings: ["distance_metric": spelling], reference: reference).distanceMetric == .euclidean)
            }
        }
    }

    @Test func semiHardWithoutPositivePairs() throws {
        let batch = LossBatch(columns: [Self.rows(4, 3, seed: 1)], labels: [0, 1, 2, 3])
        let current = try BatchSemiHardTripletLoss(reference: .v6_2_0).evaluate(batch)
        #expect(current.value == 0 && current.columnGradients[0].values.allSatisfy { $0 == 0 })
        let old = try BatchSemiHardTripletLoss(reference: .v1_2_0).evaluate(batch)
        #expect(old.value.isNaN && old.columnGradients[0].values.allSatisfy(\.isNaN))
    }

    @Test func softmaxDimensionNamePerReference() throws {
        let current = try SoftmaxLoss(settings: ["sentence_embedding_dimension": "4"], reference: .v6_2_0)
        #expect(current.embeddingDimension == 4)
        #expect(current.settings.contains { $0.name == "embedding_dimension" && $0.value == "4" })
        let old = try SoftmaxLoss(settings: ["sentence_embedding_dimension": "4"], reference: .v1_2_0)
        #expect(old.settings.contains { $0.name == "sentence_embedding_dimension" && $0.value == "4" })
        let text = message { _ = try SoftmaxLoss(settings: ["embedding_dimension": "4"], reference: .v1_2_0) }
        #expect(text == "SoftmaxLoss: embedding_dimension is called sentence_embedding_dimension in sentence-transformers 1.2.0; write sentence_embedding_dimension=4")
    }

    @Test func softLabelsAre62Only() throws {
        let u = Self.rows(4, 3, seed: 1), v = Self.rows(4, 3, seed: 2)
        var batch = LossBatch(columns: [u, v])
        batch.softLabels = Matrix(rows: 4, cols: 3, values: (0..<12).map { Double($0 % 3) / 2 })
        for reference in LossReference.allCases {
            let loss = SoftmaxLoss(reference: reference)
            batch.parameters = loss.initialParameters(dimension: 3, classes: 3, seed: 1)
            if reference == .v6_2_0 {
                #expect(try loss.evaluate(batch).value.isFinite)
            } else {
                #expect(message { _ = try loss.evaluate(batch) } == "SoftmaxLoss: soft labels (a 4 x 3 label matrix) are new in sentence-transformers 6.2.0; reference 1.2.0 takes one class id per pair (set reference=6.2.0)")
            }
        }
        let loss = SoftmaxLoss()
        batch.parameters = loss.initialParameters(dimension: 3, classes: 2, seed: 1)
        #expect(message { _ = try loss.evaluate(batch) } == "SoftmaxLoss: soft labels have 3 columns but the classifier has 2 outputs (num_labels); give one probability per class, or one class id per pair")
        var triplet = LossBatch(columns: [u])
        triplet.softLabels = batch.softLabels
        #expect(message { _ = try BatchHardTripletLoss().evaluate(triplet) } == "BatchHardTripletLoss needs one label per row, got a 4 x 3 label matrix")
    }

    @Test func mseColumnsAndTeachers() throws {
        let a = Self.rows(5, 4, seed: 1), b = Self.rows(5, 4, seed: 2), teacher = Self.rows(5, 4, seed: 3)
        let one = try MSELoss(reference: .v6_2_0).evaluate(LossBatch(columns: [a], targets: teacher))
        let two = try MSELoss(reference: .v6_2_0).evaluate(LossBatch(columns: [a, b], targets: teacher))
        let onlyB = try MSELoss(reference: .v6_2_0).evaluate(LossBatch(columns: [b], targets: teacher))
        #expect(abs(two.value - (one.value + onlyB.value) / 2) <= 1e-12)
        // 1.2.0 compares column 0 alone.
        let old = try MSELoss(reference: .v1_2_0).evaluate(LossBatch(columns: [a, b], targets: teacher))
        #expect(old.value == one.value)
        #expect(old.columnGradients[1].values.allSatisfy { $0 == 0 })

        var perColumn = LossBatch(columns: [a, b])
        perColumn.columnTargets = [teacher, teacher, teacher]
        #expect(message { _ = try MSELoss().evaluate(perColumn) } == "MSELoss: the labels hold 3 teachers per row but there are 2 columns; give one per column (rows x 2 x width), or one teacher matrix (rows x width) for every column")
        perColumn.columnTargets = [teacher, teacher]
        #expect(abs(try MSELoss().evaluate(perColumn).value - two.value) <= 1e-12)
        #expect(message { _ = try MSELoss(reference: .v1_2_0).evaluate(perColumn) } == "MSELoss: one teacher per column (rows x columns x width labels) is new in sentence-transformers 6.2.0; reference 1.2.0 takes a teacher matrix (rows x width) for column 0 (set reference=6.2.0)")
    }

    @Test func mseProjection() throws {
        #expect(message { _ = try MSELoss(settings: ["projection_dim": "3"], reference: .v1_2_0) } == "MSELoss: projection_dim is new in sentence-transformers 6.2.0; reference 1.2.0 does not have it (set reference=6.2.0)")
        let loss = try MSELoss(settings: ["projection_dim": "3"])
        #expect(loss.weightNames == ["projection.weight", "projection.bias"])
        #expect(try MSELoss(settings: ["projection_dim": "none"]).weightNames.isEmpty)
        let a = Self.rows(5, 4, seed: 1)
        var batch = LossBatch(columns: [a], targets: Self.rows(5, 4, seed: 2))
        batch.parameters = loss.initialWeights(dimension: 4, classes: 3, seed: 1)
        #expect(message { _ = try loss.evaluate(batch) } == "MSELoss: the teacher has 4 columns but projection_dim is 3; they must agree")
        batch.targets = Self.rows(5, 3, seed: 2)
        let result = try loss.evaluate(batch)
        #expect(result.parameterGradients["projection.weight"]?.shape == [3, 4])
        #expect(result.parameterGradients["projection.bias"]?.shape == [1, 3])
        batch.parameters = [:]
        #expect(message { _ = try loss.evaluate(batch) } == "MSELoss with projection_dim needs its projection parameters projection.weight and projection.bias")
    }
}
