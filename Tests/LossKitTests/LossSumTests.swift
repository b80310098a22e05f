import LossKit
import Testing

/// A weighted sum of losses: its value, gradients and owned weights are the weighted parts'.
@Suite struct LossSumTests {
    static func columns<T: Scalar>(_ count: Int, rows: Int = 6, dim: Int = 5, seed: UInt64 = 3) -> [Matrix<T>] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in Matrix(rows: rows, cols: dim, values: (0..<(rows * dim)).map { _ in T(random.normal()) }) }
    }

    static func mnrlAndGOR(weight: Double = 0.1) throws -> LossSum {
        try LossSum(terms: [LossSum.Term(weight: 1, loss: try LossCatalog.make("MultipleNegativesRankingLoss", settings: ["scale": "20"])),
                            LossSum.Term(weight: weight, loss: try LossCatalog.make("GlobalOrthogonalRegularizationLoss"))])
    }

    func checkWeightedParts<T: Scalar>(_ type: T.Type, tolerance: Double) throws {
        let sum = try Self.mnrlAndGOR(weight: 0.1)
        let batch = LossBatch<T>(columns: Self.columns(3))
        let (total, parts) = try sum.evaluate(batch)
        let alone = try sum.terms.map { try $0.loss.evaluate(generic: batch) }
        #expect(parts.count == 2)
        let expected = Double(alone[0].value) + 0.1 * Double(alone[1].value)
        #expect(abs(Double(total.value) - expected) <= tolerance * max(1, abs(expected)))
        for column in 0..<3 {
            for k in total.columnGradients[column].values.indices {
                let want = Double(alone[0].columnGradients[column].values[k]) + 0.1 * Double(alone[1].columnGradients[column].values[k])
                #expect(abs(Double(total.columnGradients[column].values[k]) - want) <= tolerance)
            }
        }
        // The trainer's dict: every weighted term under the name it logs.
        #expect(total.terms.map(\.name) == ["MultipleNegativesRankingLoss", "gor_mean", "gor_second_moment"])
        #expect(Double(total.terms[0].value) == Double(alone[0].value))
        #expect(abs(Double(total.terms[1].value) - 0.1 * Double(alone[1].terms[0].value)) <= tolerance)
        #expect(abs(Double(total.terms.reduce(T(0)) { $0 + $1.value }) - Double(total.value)) <= tolerance * max(1, abs(expected)))
        #expect(total.targets.map(\.name) == ["mean_similarity", "second_moment"])
        #expect(total.targets[1].target == T(1.0 / 5))
    }

    @Test func valueAndGradientAreTheWeightedSumInDouble() throws { try checkWeightedParts(Double.self, tolerance: 1e-12) }
    @Test func valueAndGradientAreTheWeightedSumInFloat() throws { try checkWeightedParts(Float.self, tolerance: 1e-5) }

    @Test func aBareLossPassesThroughUntouched() throws {
        let loss = try LossCatalog.make("GlobalOrthogonalRegularizationLoss", settings: ["mean_weight": "2"])
        let batch = LossBatch<Float>(columns: Self.columns(2))
        let (total, parts) = try LossSum(loss).evaluate(batch)
        let alone = try loss.evaluate(batch)
        #expect(total.value == alone.value && total.columnGradients == alone.columnGradients && parts.count == 1)
        #expect(total.terms.map(\.name) == alone.terms.map(\.name) && total.terms.map(\.value) == alone.terms.map(\.value))
        #expect(LossSum(loss).weightPrefix(0) == "")
    }

    /// Central differences of the sum's value against its gradient, for the columns and for a
    /// term's own classifier (named per term).
    @Test func finiteDifferencesMatchTheGradient() throws {
        let softmax = try LossCatalog.make("SoftmaxLoss", settings: ["num_labels": "3"])
        let sum = try LossSum(terms: [LossSum.Term(weight: 0.7, loss: softmax),
                                      LossSum.Term(weight: -0.25, loss: try LossCatalog.make("GlobalOrthogonalRegularizationLoss", settings: ["aggregation": "sum"]))])
        #expect(sum.weightNames == ["losses.0.classifier.weight", "losses.0.classifier.bias"])
        var batch = LossBatch<Double>(columns: Self.columns(2, rows: 5, dim: 4), labels: [0, 1, 2, 1, 0])
        batch.parameters = sum.initialWeights(dimension: 4, classes: 3, seed: 2)
        #expect(Set(batch.parameters.keys) == Set(sum.weightNames))
        let (total, _) = try sum.evaluate(batch)
        let h = 1e-6
        func value(_ b: LossBatch<Double>) throws -> Double { try sum.evaluate(b).total.value }
        for c in batch.columns.indices {
            for k in batch.columns[c].values.indices {
                var plus = batch, minus = batch
                plus.columns[c].values[k] += h
                minus.columns[c].values[k] -= h
                let numeric = (try value(plus) - value(minus)) / (2 * h)
                #expect(abs(numeric - total.columnGradients[c].values[k]) < 1e-6, "column \(c) entry \(k)")
            }
        }
        for name in sum.weightNames {
            for k in batch.parameters[name]!.values.indices {
                var plus = batch, minus = batch
                plus.parameters[name]!.values[k] += h
                minus.parameters[name]!.values[k] -= h
                let numeric = (try value(plus) - value(minus)) / (2 * h)
                #expect(abs(numeric - total.parameterGradients[name]!.values[k]) < 1e-6, "\(name) entry \(k)")
            }
        }
        // The classifier's gradient is its loss's own, scaled by the term's weight.
        var own = batch
        own.parameters = ["classifier.weight": batch.parameters["losses.0.classifier.weight"]!,
                          "classifier.bias": batch.parameters["losses.0.classifier.bias"]!]
        let alone = try softmax.evaluate(own)
        for (a, b) in zip(alone.parameterGradients["classifier.weight"]!.values, total.parameterGradients["losses.0.classifier.weight"]!.values) {
            #expect(abs(0.7 * a - b) < 1e-14)
        }
    }

    @Test func termsThatCannotShareABatchAreRefused() throws {
        func refusal(_ names: [String]) -> String? {
            do {
                _ = try LossSum(terms: try names.map { LossSum.Term(weight: 1, loss: try LossCatalog.make($0)) })
                return nil
            } catch let error as LossError { return error.message } catch { return "\(error)" }
        }
        #expect(refusal(["TripletLoss", "ContrastiveLoss"])
                == "TripletLoss and ContrastiveLoss cannot share a batch: TripletLoss takes 3 column(s), ContrastiveLoss 2")
        #expect(refusal(["SoftmaxLoss", "CosineSimilarityLoss"])
                == "SoftmaxLoss and CosineSimilarityLoss cannot share a batch: SoftmaxLoss needs (anchor, positive) pairs + class labels, CosineSimilarityLoss (anchor, positive) pairs + scores")
        #expect(refusal(["MultipleNegativesRankingLoss", "GlobalOrthogonalRegularizationLoss", "CoSENTLoss"]) == nil)
        #expect(throws: LossError.self) { try LossSum(terms: [LossSum.Term(weight: .nan, loss: try LossCatalog.make("CoSENTLoss"))]) }
        let spec = try Self.mnrlAndGOR().inputSpec
        #expect(spec.minColumns == 2 && spec.maxColumns == nil && spec.labels == .none)
    }

    @Test func theSumReportsTheMiningOfItsFirstTermThatMines() throws {
        let sum = try LossSum(terms: [LossSum.Term(weight: 0.1, loss: try LossCatalog.make("GlobalOrthogonalRegularizationLoss")),
                                      LossSum.Term(weight: 1, loss: try LossCatalog.make("MultipleNegativesRankingLoss"))])
        let (total, parts) = try sum.evaluate(LossBatch<Double>(columns: Self.columns(2)))
        #expect(parts[0].mining.kind == .item && total.mining.kind == .ranking && total.mining.tuples.count == 6)
    }

    @Test func aRepeatedTermNameGetsANumber() throws {
        let mnrl = try LossCatalog.make("MultipleNegativesRankingLoss")
        let sum = try LossSum(terms: [LossSum.Term(weight: 1, loss: mnrl), LossSum.Term(weight: 0.5, loss: mnrl)])
        #expect(sum.termNames == [["MultipleNegativesRankingLoss"], ["MultipleNegativesRankingLoss_2"]])
        #expect(sum.className == "MultipleNegativesRankingLoss + 0.5 * MultipleNegativesRankingLoss")
    }
}
