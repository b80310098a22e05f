import Explorer
import LossKit
import LossSession
import TerminalKit
import Testing

/// A sum of losses on screen: the status line and hyperparameters per term, the terms chart
/// with GOR's targets, and `t` switching the mining pane between the terms' own views.
@Suite struct SumScreenTests {
    /// MNRL + 0.1 * GOR after 12 steps, curves made of integers so they are the same everywhere.
    static func summed() -> TrainingSnapshot {
        var s = ScreenFixtures.rankings()
        s.lossSpec = LossSpec(terms: [LossSpec.Term(name: "MultipleNegativesRankingLoss", settings: ["scale": "20.0", "similarity_fct": "cos_sim"]),
                                      LossSpec.Term(weight: 0.1, name: "GlobalOrthogonalRegularizationLoss", settings: ["mean_weight": "1.0"])])
        s.lossName = "MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss"
        s.lossLine = "MultipleNegativesRankingLoss scale=20.0 similarity_fct=cos_sim + 0.1 * GlobalOrthogonalRegularizationLoss mean_weight=1.0"
        s.lossParameters = s.lossParameters.map { parameter in
            var named = parameter
            named.name = "losses.0." + parameter.name
            return named
        } + [LossParameter("losses.1.mean_weight", .number, default: "1", "weight of the squared mean term")]
        s.lossSettings = [("losses.0.scale", "20.0"), ("losses.0.similarity_fct", "cos_sim"), ("losses.1.mean_weight", "1.0")]
        s.cells[1] = ScreenFixtures.cell("loss MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss")
        for step in 1...12 {
            let ranking = Double(40 - 2 * step) / 16
            let mean = Double(13 - step) / 400, second = Double(30 - step) / 200
            var record = StepRecord(step: step, loss: ranking + mean + second, gradientNorm: Double(20 - step) / 10, groupNorms: [:],
                                    learningRate: 0.01, counts: MiningCounts(valid: 8, used: 8, active: 8), health: EmbeddingHealth())
            record.terms = [("MultipleNegativesRankingLoss", ranking), ("gor_mean", mean), ("gor_second_moment", second)]
            record.targets = [("mean_similarity", Double(26 - 2 * step) / 40, 0), ("second_moment", Double(64 - step) / 160, 0.25)]
            s.history.append(record)
        }
        let gor = MiningReport(kind: .item, tuples: [], counts: MiningCounts(valid: 16, used: 16))
        s.batch!.termMinings = [("MultipleNegativesRankingLoss", s.batch!.mining), ("GlobalOrthogonalRegularizationLoss", gor)]
        return s
    }

    @Test func theTermsChartAndEachTermsView() {
        ScreenTests.check("sum-terms", Self.summed()) { _ = $0.press([.character("c"), .character("c"), .character("c")]) }
        ScreenTests.check("sum-second-term", Self.summed()) { _ = $0.press([.character("t")]) }
    }

    @Test func tCyclesTheTermsAndTheChartSkipsTermsForOneLoss() {
        var model = ScreenTests.model(Self.summed(), 140, 45)
        _ = model.press([.character("t")])
        #expect(model.snapshot.batch?.mining.kind == .item && model.chartMode == .terms)
        _ = model.press([.character("t")])
        #expect(model.snapshot.batch?.mining.kind == .ranking && model.termView == 0)
        // A newer snapshot keeps the chosen term.
        _ = model.press([.character("t")])
        _ = model.receive(Self.summed())
        #expect(model.snapshot.batch?.mining.kind == .item)

        var single = ScreenTests.model(ScreenFixtures.rankings(), 140, 45)
        _ = single.press([.character("c"), .character("c"), .character("c")])
        #expect(single.chartMode == .lossAndGradient)
        _ = single.press([.character("t")])
        #expect(single.note?.contains("this loss is one term") == true)
    }

    @Test func tabCompletesTheTermBeingTyped() {
        var model = ScreenTests.model(Self.summed(), 140, 45)
        _ = model.press([.character(":")])
        _ = model.type("loss MultipleNegativesRankingLoss scale=20 + 0.1 * GlobalOrthogonalRegularizationL")
        _ = model.press([.tab])
        #expect(model.line?.text == "loss MultipleNegativesRankingLoss scale=20 + 0.1 * GlobalOrthogonalRegularizationLoss ")
        _ = model.type("mean_w")
        _ = model.press([.tab])
        #expect(model.line?.text.hasSuffix("GlobalOrthogonalRegularizationLoss mean_weight= ") == true, "\(model.line?.text ?? "")")
    }

    /// The hyperparameter pane's edits and `+`/`-` rebuild the whole sum with one setting changed.
    @Test func aSettingOfOneTermChangesOnlyThatTerm() throws {
        let snapshot = Self.summed()
        let row = ParameterRow(group: .loss, name: "losses.1.mean_weight", value: "1.0")
        let command = row.command(setting: "2", in: snapshot)
        #expect(command == "loss MultipleNegativesRankingLoss scale=20.0 similarity_fct=cos_sim + 0.1 * GlobalOrthogonalRegularizationLoss mean_weight=2")
        guard case .loss(let spec) = try Command.parse(command) else { Issue.record("not a loss command"); return }
        #expect(spec.terms[1].settings == ["mean_weight": "2"] && spec.terms[0].settings["scale"] == "20.0")
        var model = ScreenTests.model(snapshot, 140, 45)
        let effects = model.press([.character("+")])
        #expect(effects.contains(.send(.command("loss MultipleNegativesRankingLoss scale=25 similarity_fct=cos_sim + 0.1 * GlobalOrthogonalRegularizationLoss mean_weight=1.0"))))
    }
}
