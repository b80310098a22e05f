import Foundation
import LossKit
@testable import LossSession
import Testing

/// The mining lab (MinedTripletLoss) against the real pytorch-metric-learning 2.9.0
/// (TripletMarginLoss with its default AvgNonZeroReducer and the matching miner, float64;
/// Tests/Fixtures/pml29/generate.py): every deterministic miner × metric, values within 1e-9
/// relative, gradients within 1e-8 of the largest expected gradient magnitude, and the same
/// number of mined triplets.
@Suite struct MiningLabGoldenTests {
    static let directory = GoldenCase.fixtureDirectory.deletingLastPathComponent().appendingPathComponent("pml29")

    /// Each case with the number of triplets the reference's loss received.
    static let cases: [MiningGoldenCase] = {
        guard let text = try? String(contentsOf: directory.appendingPathComponent("cases.jsonl"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let golden = try? GoldenCase(json: object) else { return nil }
            return MiningGoldenCase(golden: golden, reference: object["reference"] as? String ?? "",
                                    mined: (object["reference_mined"] as? NSNumber)?.intValue)
        }
    }()

    static let deterministicMiners: [TripletMiner] = [.all, .hard, .semiHard, .batchHard, .easyPositiveHardNegative]

    @Test func fixturesCoverEveryDeterministicMinerAndMetric() {
        #expect(Self.cases.count >= 200)
        #expect(Self.cases.allSatisfy { $0.reference == "pytorch-metric-learning 2.9.0" && $0.golden.request.lossName == MinedTripletLoss.className })
        let covered = Set(Self.cases.map { "\($0.golden.request.settings["miner"] ?? "")/\($0.golden.request.settings["distance_metric"] ?? "")" })
        for miner in Self.deterministicMiners {
            for metric in BatchDistanceMetric.allCases {
                #expect(covered.contains("\(miner.rawValue)/\(metric.rawValue)"), "no pml29 case for \(miner.rawValue) × \(metric.rawValue)")
            }
        }
    }

    @Test(arguments: cases)
    func matchesPyTorchMetricLearning(_ test: MiningGoldenCase) throws {
        let golden = test.golden
        let outcome = try EvalJob.run(golden.request)
        let value = outcome.result.value
        let expected = golden.expectedLoss
        #expect(abs(value - expected) <= 1e-9 * max(1, abs(expected)), "\(golden.name): loss \(value), reference \(expected)")
        #expect(outcome.result.columnGradients.count == 1)
        if let got = outcome.result.columnGradients.first, let want = golden.expectedColumnGradients.first {
            let scale = want.filter(\.isFinite).map(abs).max() ?? 0
            let difference = maxDifference(got.values, want)
            #expect(difference <= 1e-8 * scale + 1e-14, "\(golden.name): gradient off by \(difference) (largest expected \(scale))")
        }
        if let mined = test.mined {
            #expect(outcome.result.mining.counts.used == mined, "\(golden.name): mined \(outcome.result.mining.counts.used) triplets, reference \(mined)")
        }
    }
}

/// The exported mining snippet names the pytorch-metric-learning objects, with the arguments,
/// that the fixtures above were made with (Tests/interop/check_mining_snippet.py runs them).
@Suite struct MiningLabSnippetTests {
    func snippet(_ miner: TripletMiner, _ metric: BatchDistanceMetric = .euclidean) -> String {
        MinedTripletLoss(miner: miner, margin: 0.3, distanceMetric: metric).pytorchMetricLearningCode
    }

    @Test(arguments: TripletMiner.allCases)
    func everySnippetBuildsTheSameLoss(_ miner: TripletMiner) {
        for metric in BatchDistanceMetric.allCases {
            let text = snippet(miner, metric)
            #expect(text.contains("def make_pml_loss():") && text.contains("return loss_func, miner"))
            for argument in ["margin=0.3,", "swap=False,", "smooth_loss=False,", #"triplets_per_anchor="all","#,
                             "distance=distance,", "reducer=reducers.AvgNonZeroReducer(),"] {
                #expect(text.contains(argument), "\(miner.rawValue)/\(metric.rawValue): no \(argument)")
            }
            let distance = metric == .cosine ? "distance = distances.CosineSimilarity()"
                                             : "distance = distances.LpDistance(normalize_embeddings=False, p=2, power=1)"
            #expect(text.contains(distance), "\(miner.rawValue)/\(metric.rawValue)")
        }
    }

    @Test func minersCarryLossLabsChoices() {
        #expect(snippet(.all).contains("miner = None"))
        #expect(snippet(.hard).contains(#"miners.TripletMarginMiner(margin=0.3, type_of_triplets="hard", distance=distance)"#))
        #expect(snippet(.semiHard).contains(#"miners.TripletMarginMiner(margin=0.3, type_of_triplets="semihard", distance=distance)"#))
        #expect(snippet(.batchHard).contains("miners.BatchHardMiner(distance=distance)"))
        #expect(snippet(.easyPositiveHardNegative).contains(
            #"miners.BatchEasyHardMiner(pos_strategy="easy", neg_strategy="hard", distance=distance)"#))
        #expect(snippet(.random).contains("NOT pytorch-metric-learning"))
        let weighted = snippet(.distanceWeighted)
        #expect(weighted.contains("cutoff=\(DistanceWeighting.cutoff), nonzero_loss_cutoff=\(DistanceWeighting.nonzeroLossCutoff),"))
        #expect(weighted.contains("NOT the same miner as LossLab's"))
    }
}

struct MiningGoldenCase: CustomStringConvertible {
    var golden: GoldenCase
    var reference: String
    var mined: Int?
    var description: String { golden.name }
}
