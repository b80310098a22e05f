@testable import Explorer
import LossKit
@testable import LossSession
import TerminalKit
import Testing

/// MatryoshkaLoss on screen: the terms chart draws the loss at each dimension over steps and,
/// under it, the held-out metric against the width for both sides of a duel; `t` shows the
/// mining at each dimension.
@Suite struct MatryoshkaScreenTests {
    /// MatryoshkaLoss (dims 4, 2) dueling the plain MNRL after 12 steps, evaluated at steps 6 and
    /// 12; numbers made of integers so they are the same everywhere.
    static func wrapped(duel: Bool = true) -> TrainingSnapshot {
        var s = ScreenFixtures.rankings()
        s.lossSpec = LossSpec(name: "MatryoshkaLoss", settings: ["matryoshka_dims": "4,2"])
        s.lossName = "MatryoshkaLoss"
        s.lossLine = "MatryoshkaLoss loss=MultipleNegativesRankingLoss loss.scale=20.0 loss.similarity_fct=cos_sim matryoshka_dims=4,2"
        s.cells[1] = ScreenFixtures.cell("loss MatryoshkaLoss matryoshka_dims=4,2")
        s.history = (1...12).map { step in
            let full = Double(40 - 2 * step) / 16, half = Double(48 - 2 * step) / 16
            var record = StepRecord(step: step, loss: full + half, gradientNorm: Double(20 - step) / 10, groupNorms: [:],
                                    learningRate: 0.01, counts: MiningCounts(valid: 8, used: 8, active: 8), health: EmbeddingHealth())
            record.terms = [("loss@4", full), ("loss@2", half)]
            return record
        }
        func evaluation(_ step: Int, _ values: [Int: Double]) -> EvaluationRecord {
            EvaluationRecord(step: step, metrics: [("test_loss", 1.5), ("retrieval_accuracy", values[4]!), ("mrr", values[4]!)]
                             + [4, 2, 1].flatMap { d in [("retrieval_accuracy@\(d)", values[d]!), ("mrr@\(d)", values[d]! + 0.125)] })
        }
        s.evaluations = [evaluation(6, [4: 0.5, 2: 0.375, 1: 0.25]), evaluation(12, [4: 0.875, 2: 0.75, 1: 0.375])]
        if duel {
            s.rivalLoss = "MultipleNegativesRankingLoss scale=20.0 similarity_fct=cos_sim"
            s.rivalHistory = s.history.map { record in
                var rival = record
                rival.loss = record.loss * 0.4
                rival.terms = []
                return rival
            }
            s.rivalEvaluations = [evaluation(6, [4: 0.625, 2: 0.25, 1: 0.125]), evaluation(12, [4: 1, 2: 0.25, 1: 0.125])]
        }
        var second = s.batch!.mining
        second.tuples = Array(second.tuples.prefix(3))
        s.batch!.termMinings = [("loss@4", s.batch!.mining), ("loss@2", second)]
        return s
    }

    @Test func theLossPerDimensionAndTheCurveOfBothSides() {
        ScreenTests.check("matryoshka-terms", Self.wrapped()) { _ = $0.press([.character("c"), .character("c"), .character("c")]) }
        ScreenTests.check("matryoshka-second-dimension", Self.wrapped()) { _ = $0.press([.character("t")]) }
    }

    @Test func theCurveReadsTheLastEvaluationOfEachSide() throws {
        let curve = try #require(DimensionCurve(Self.wrapped()))
        #expect(curve.metric == "retrieval_accuracy" && curve.dimensions == [4, 2, 1])
        #expect(curve.sides.map(\.step) == [12, 12])
        #expect(curve.sides.map { $0.values[2] } == [0.75, 0.25])
        #expect(curve.sides[1].name == "duel MultipleNegativesRankingLoss scale=20.0 similarity_fct=cos_sim")
        #expect(DimensionCurve(Self.wrapped(duel: false))?.sides.count == 1)
        var plain = ScreenFixtures.rankings()
        plain.evaluations = [EvaluationRecord(step: 12, metrics: [("retrieval_accuracy", 1)])]
        #expect(DimensionCurve(plain) == nil)
    }

    @Test func theTermsChartIsReachableWhenOnlyTheRivalIsMeasuredByDimension() {
        // The plain side of a duel has no terms, but its evaluations measure the rival's widths.
        var snapshot = Self.wrapped()
        for index in snapshot.history.indices { snapshot.history[index].terms = [] }
        var model = ScreenTests.model(snapshot, 140, 45)
        _ = model.press([.character("c"), .character("c"), .character("c")])
        #expect(model.chartMode == .terms)
        #expect(model.view().lines().contains { $0.contains("held-out retrieval_accuracy by dimension (step 12)") })
    }

    @Test func barsFillInEighths() {
        #expect(DimensionCurve.bar(1, width: 4, ascii: false) == "████")
        #expect(DimensionCurve.bar(0.5, width: 4, ascii: false) == "██  ")
        #expect(DimensionCurve.bar(0.125, width: 4, ascii: false) == "▌   ")
        #expect(DimensionCurve.bar(0.9, width: 4, ascii: false) == "███▋")
        #expect(DimensionCurve.bar(-0.3, width: 3, ascii: false) == "   ")
        #expect(DimensionCurve.bar(0.75, width: 4, ascii: true) == "### ")
    }
}
