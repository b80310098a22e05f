import LossKit
@testable import LossSession
import Testing

/// The layer losses' bench case: a whole step of `mlp layers=3`, the loss's gradients reaching
/// every weight, and a floor that is the encoder's passes alone.
@Suite struct LayeredBenchStepTests {
    @Test(arguments: ["AdaptiveLayerLoss", "Matryoshka2dLoss"])
    func aStepReachesEveryWeight(name: String) throws {
        let step = try LayeredBenchStep(BenchCase(loss: name, batch: 6, dim: 8))
        #expect(step.encoder.layerCount == LayeredBenchStep.layers)
        let gradients = try step.run(samplingSeed: 3)
        #expect(Set(gradients.keys) == Set(step.encoder.parameterNames))
        #expect(gradients.values.allSatisfy { $0.allFinite && $0.values.contains { $0 != 0 } })
        #expect(try step.run(samplingSeed: 3) == gradients, "a seed gives the same step")
        #expect(Set(step.encoderAlone().keys) == Set(step.encoder.parameterNames))
        // Every dimension at each layer: the step's loss is the loss made with those settings.
        let settings = Dictionary(uniqueKeysWithValues: step.loss.settings.map { ($0.name, $0.value) })
        #expect(settings["n_dims_per_step"] == (name == "Matryoshka2dLoss" ? "-1" : nil))
    }

    @Test func theBenchTimesThemWithTheEncoderAsFloor() throws {
        let measured = try BenchRunner.measure(BenchCase(loss: "AdaptiveLayerLoss", batch: 4, dim: 6), budget: 0)
        #expect(measured.repeats >= 3 && measured.medianMilliseconds > 0 && measured.gemmFloorMilliseconds > 0)
    }
}
