import Explorer
import Foundation
import LossKit
import LossSession
import TerminalKit
import Testing

/// The views of CoSENT/AnglE, the MNRL family and GIST: whole screens against Screens/, and the
/// numbers they show checked against the loss's report.
@Suite struct LossViewScreenTests {
    @Test func coSENTPairsAgainstTheirScoreRanks() {
        ScreenTests.check("cosent", ScreenFixtures.cosent())
        // `s` four times: by label, so the score ranks read against the label order.
        ScreenTests.check("cosent-by-label", ScreenFixtures.cosent()) { model in
            model.focus = .mining
            _ = model.press(Array(repeating: .character("s"), count: 4))
            #expect(model.miningSort == .label)
        }
        ScreenTests.check("cosent-census", ScreenFixtures.cosent()) { _ = $0.press([.character("c")]) }
    }

    @Test func gistsProbableFalseNegatives() {
        ScreenTests.check("gist", ScreenFixtures.gist())
        ScreenTests.check("gist-census", ScreenFixtures.gist()) { _ = $0.press([.character("c")]) }
    }

    @Test func rankingDirectionsAndHardnessWeights() {
        ScreenTests.check("ranking-hardness", ScreenFixtures.rankingWithHardness())
    }

    static func screen(_ snapshot: TrainingSnapshot, width: Int = 140, height: Int = 45, keys: [Key] = []) -> [String] {
        var model = ScreenTests.model(snapshot, width, height)
        _ = model.press(keys)
        return model.view().lines()
    }

    /// Every row of the pairs table: its rank by label and by score are the batch's.
    @Test func thePairsTableRanksAreTheBatchs() throws {
        let snapshot = ScreenFixtures.cosent()
        let tuples = snapshot.batch!.mining.tuples
        let lines = Self.screen(snapshot)
        for tuple in tuples {
            let byLabel = 1 + tuples.filter { $0.label! > tuple.label! }.count
            let byScore = 1 + tuples.filter { $0.positiveScore > tuple.positiveScore }.count
            let row = try #require(lines.first { line in
                let cells = line.split(separator: " ").map(String.init)
                return cells.count > 6 && cells[1] == "\(tuple.anchor)" && cells[2] == "\(tuple.anchor + 8)"
            }, "no row for pair \(tuple.anchor)")
            let cells = row.split(separator: " ").map(String.init)
            #expect(cells[5] == "\(byLabel)" && cells[6] == "\(byScore)", "\(row)")
        }
        let counts = Dictionary(snapshot.batch!.mining.namedCounts.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        #expect(lines.contains { $0.contains("inverted orderings \(Int(counts["inversions"]!)) of \(Int(counts["comparable_pairs"]!)) (") })
    }

    /// The selected anchor's masked candidates are listed with the guide's scores, and the
    /// table's masked column counts each anchor's.
    @Test func theMaskedListFollowsTheSelectedAnchor() throws {
        let snapshot = ScreenFixtures.gist()
        let report = snapshot.batch!.mining
        #expect(!report.masked.isEmpty)
        var model = ScreenTests.model(snapshot, 140, 45)
        model.focus = .mining
        for _ in 0..<report.tuples.count {
            let anchor = model.selectedTuple!.tuple.anchor
            let lines = model.view().lines()
            let mine = report.masked.filter { $0.anchor == anchor }
            if let first = mine.max(by: { $0.guideScore < $1.guideScore }) {
                #expect(lines.contains { $0.contains(String(format: "anchor %d “", anchor)) && $0.contains(String(format: "g(a,p) %.3f, masked above %.3f", first.positiveGuideScore, first.threshold)) })
                #expect(lines.contains { $0.contains(String(format: "item %4d  guide %.3f > %.3f  sim %.3f", first.column == 0 ? first.row : first.row + 8,
                                                            first.guideScore, first.threshold, first.score)) })
            } else {
                #expect(lines.contains { $0.contains("anchor \(anchor) “") && $0.contains("the guide masked none of its candidates") })
            }
            _ = model.press([.character("j")])
        }
    }
}

/// Issue 15's views: the distillation fit and its scatter, the contrastive-tension drift chart.
@Suite struct DistillationViewScreenTests {
    @Test func marginMSEsStudentAgainstItsTeacher() {
        ScreenTests.check("margin-mse", ScreenFixtures.marginMSE())
        // c: census, histogram, then the scatter (the terms chart is skipped: one term).
        ScreenTests.check("margin-mse-scatter", ScreenFixtures.marginMSE()) { model in
            _ = model.press(Array(repeating: .character("c"), count: 3))
            #expect(model.chartMode == .teacher)
        }
    }

    @Test func contrastiveTensionsDrift() {
        ScreenTests.check("contrastive-tension-drift", ScreenFixtures.contrastiveTension()) { model in
            _ = model.press(Array(repeating: .character("c"), count: 3))
            #expect(model.chartMode == .drift)
        }
    }

    /// The fit line and the worst rows are the report's numbers.
    @Test func theFitAndTheWorstRowsAreTheReports() throws {
        let snapshot = ScreenFixtures.marginMSE()
        let report = try #require(snapshot.batch?.mining.distillation)
        let metrics = Dictionary(report.metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        let lines = LossViewScreenTests.screen(snapshot)
        #expect(lines.contains { $0.contains(String(format: "r %.3f", metrics["teacher_correlation"]!)) })
        let worst = report.rowDivergence.indices.max { report.rowDivergence[$0] < report.rowDivergence[$1] }!
        let point = report.points.first { $0.row == worst }!
        #expect(lines.contains { $0.contains(String(format: "item %4d  err", worst)) && $0.contains(String(format: "teacher %.3f student %.3f", point.teacher, point.student)) })
        // Outside the distillation losses the chart is not offered.
        var model = ScreenTests.model(ScreenFixtures.cosent(), 140, 45)
        _ = model.press(Array(repeating: .character("c"), count: 3))
        #expect(model.chartMode == .lossAndGradient)
    }
}
