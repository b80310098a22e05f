import Foundation
import LossKit
import LossSession
import Testing

/// Every loss against the real sentence-transformers code (PyTorch, float64): values within
/// 1e-9 relative, gradients within 1e-8 of the largest expected gradient magnitude.
@Suite struct GoldenTests {
    static let cases = (try? GoldenCase.loadAll()) ?? []

    @Test func fixturesArePresent() {
        #expect(Self.cases.count > 100)
        let covered = Set(Self.cases.map { $0.request.lossName })
        // The layer losses take no eval form: LayerLossGoldenTests runs their cases.
        let wanted = Set(LossCatalog.sentenceTransformersNames.filter { LossCatalog.type(named: $0)?.inputSpec.needsLayers != true })
        #expect(covered == wanted, "losses without golden cases: \(wanted.subtracting(covered))")
    }

    @Test(arguments: cases)
    func matchesReference(_ golden: GoldenCase) throws {
        let outcome = try EvalJob.run(golden.request)
        let value = outcome.result.value
        let expected = golden.expectedLoss
        if expected.isNaN {
            #expect(value.isNaN, "\(golden.name): loss \(value), reference NaN")
        } else {
            #expect(abs(value - expected) <= 1e-9 * max(1, abs(expected)), "\(golden.name): loss \(value), reference \(expected)")
        }
        let terms = Dictionary(outcome.result.terms.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        #expect(Set(terms.keys) == Set(golden.expectedTerms.keys), "\(golden.name): terms \(terms.keys.sorted()), reference \(golden.expectedTerms.keys.sorted())")
        for (name, want) in golden.expectedTerms {
            let got = terms[name] ?? .nan
            #expect(abs(got - want) <= 1e-9 * max(1, abs(want)), "\(golden.name): term \(name) \(got), reference \(want)")
        }
        #expect(outcome.result.columnGradients.count == golden.expectedColumnGradients.count)
        for (index, (got, want)) in zip(outcome.result.columnGradients, golden.expectedColumnGradients).enumerated() {
            let scale = want.filter(\.isFinite).map(abs).max() ?? 0
            let difference = maxDifference(got.values, want)
            #expect(difference <= 1e-8 * scale + 1e-14, "\(golden.name): grad_input_\(index) off by \(difference) (largest expected \(scale))")
        }
        for (name, want) in golden.expectedWeightGradients {
            let got = outcome.result.parameterGradients[name]?.values ?? []
            let scale = want.map(abs).max() ?? 0
            let difference = maxDifference(got, want)
            #expect(difference <= 1e-8 * scale + 1e-14, "\(golden.name): grad \(name) off by \(difference)")
        }
    }
}
