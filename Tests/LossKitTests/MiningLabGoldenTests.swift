import Foundation
import LossKit
import LossSession
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

struct MiningGoldenCase: CustomStringConvertible {
    var golden: GoldenCase
    var reference: String
    var mined: Int?
    var description: String { golden.name }
}
