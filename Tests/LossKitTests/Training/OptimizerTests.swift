import LossKit
import Testing

@Suite struct OptimizerScheduleTests {
    static func multiplier(_ schedule: LearningRateSchedule, _ step: Int, warmup: Int, total: Int) -> Double {
        schedule.multiplier(atStep: step, warmupSteps: warmup, totalSteps: total)
    }

    @Test func warmupLinearRisesThenFallsToZero() {
        let expected: [Int: Double] = [0: 0, 1: 1.0 / 3, 2: 2.0 / 3, 3: 1, 4: 6.0 / 7, 5: 5.0 / 7, 9: 1.0 / 7, 10: 0, 14: 0]
        for (step, value) in expected {
            #expect(Self.multiplier(.warmupLinear, step, warmup: 3, total: 10) == value, "step \(step)")
        }
    }

    @Test func warmupConstantHoldsAfterWarmup() {
        let expected: [Int: Double] = [0: 0, 1: 0.25, 3: 0.75, 4: 1, 50: 1]
        for (step, value) in expected {
            #expect(Self.multiplier(.warmupConstant, step, warmup: 4, total: 10) == value, "step \(step)")
        }
    }

    @Test func warmupCosineFollowsHalfCycle() {
        // warmup 3, total 11: 8 decay steps.
        let expected: [Int: Double] = [0: 0, 2: 2.0 / 3, 3: 1, 5: 0.5 * (1 + 0.5.squareRoot()), 7: 0.5, 11: 0,
                                       // past the total transformers' formula climbs again; kept as is.
                                       15: 0.5]
        for (step, value) in expected {
            #expect(abs(Self.multiplier(.warmupCosine, step, warmup: 3, total: 11) - value) < 1e-15, "step \(step)")
        }
    }

    @Test func withoutWarmupSchedulesStartAtFullRate() {
        for schedule in LearningRateSchedule.allCases {
            #expect(Self.multiplier(schedule, 0, warmup: 0, total: 10) == 1, "\(schedule)")
        }
        #expect(Self.multiplier(.constant, 123, warmup: 5, total: 10) == 1)
        #expect(Self.multiplier(.warmupLinear, 5, warmup: 0, total: 10) == 0.5)
    }

    @Test func optimizerRateIsBaseTimesMultiplier() {
        var settings = OptimizerSettings()
        settings.learningRate = 0.2
        settings.schedule = .warmupLinear
        settings.warmupSteps = 3
        settings.totalSteps = 10
        let optimizer = Optimizer<Double>(settings: settings)
        #expect(optimizer.learningRate(atStep: 0) == 0)
        #expect(optimizer.learningRate(atStep: 1) == 0.2 * (1.0 / 3))
        #expect(optimizer.learningRate(atStep: 3) == 0.2)
        #expect(optimizer.learningRate(atStep: 10) == 0)
    }

    @Test func rawValuesAreSentenceTransformersNames() {
        #expect(LearningRateSchedule.allCases.map(\.rawValue) == ["constantlr", "warmupconstant", "warmuplinear", "warmupcosine"])
    }
}

@Suite struct OptimizerBehaviourTests {
    @Test func weightDecayDefaultsFollowTheKind() {
        var settings = OptimizerSettings()
        #expect(settings.kind == .adamw && settings.weightDecay == 0.01)
        settings.kind = .sgd
        #expect(settings.weightDecay == 0)
        settings.kind = .adamw
        #expect(settings.weightDecay == 0.01)
        settings.kind = .adam
        settings.weightDecay = 0.1
        settings.kind = .momentum
        #expect(settings.weightDecay == 0.1, "an explicit value is kept")
        for kind in OptimizerKind.allCases {
            #expect(OptimizerSettings(kind: kind).weightDecay == (kind == .adamw ? 0.01 : 0))
        }
    }

    @Test func clippingCoefficientMatchesTorch() {
        #expect(GradientClipping.coefficient(totalNorm: 4, maxNorm: 2) == 2 / (4 + 1e-6))
        #expect(GradientClipping.coefficient(totalNorm: 1, maxNorm: 2) == nil)
        #expect(GradientClipping.globalNorm([3, 4]) == 5)
    }

    @Test func plainSGDStep() {
        var settings = OptimizerSettings(kind: .sgd)
        settings.learningRate = 0.5
        var optimizer = Optimizer<Double>(settings: settings)
        var parameters = ["p": Matrix<Double>(rows: [[1, 2]])]
        let report = optimizer.step(&parameters, gradients: ["p": Matrix(rows: [[3, 4]])])
        #expect(parameters["p"]!.values == [1 - 1.5, 2 - 2])
        #expect(report.gradientNorm == 5 && !report.clipped && report.groupNorms == ["p": 5])
        #expect(report.learningRate == 0.5)
    }

    @Test func clippingScalesTheStep() {
        var settings = OptimizerSettings(kind: .sgd)
        settings.learningRate = 1
        settings.maxGradNorm = 1
        var optimizer = Optimizer<Double>(settings: settings)
        var parameters = ["a": Matrix<Double>(rows: [[0]]), "b": Matrix<Double>(rows: [[0]])]
        let report = optimizer.step(&parameters, gradients: ["a": Matrix(rows: [[3]]), "b": Matrix(rows: [[4]])])
        let coefficient = 1 / (5 + 1e-6)
        #expect(report.clipped && report.gradientNorm == 5)
        #expect(parameters["a"]!.values == [-3 * coefficient] && parameters["b"]!.values == [-4 * coefficient])
    }

    /// A parameter without a gradient is untouched and its own step count does not advance,
    /// so its first real Adam step matches a fresh optimizer's first step.
    @Test func missingGradientSkipsTheParameter() {
        for kind in [OptimizerKind.adam, .adamw, .momentum] {
            var settings = OptimizerSettings(kind: kind)
            settings.learningRate = 0.1
            var optimizer = Optimizer<Double>(settings: settings)
            var parameters = ["a": Matrix<Double>(rows: [[1, -1]]), "b": Matrix<Double>(rows: [[0.5]])]
            _ = optimizer.step(&parameters, gradients: ["a": Matrix(rows: [[0.2, 0.3]])])
            _ = optimizer.step(&parameters, gradients: ["a": Matrix(rows: [[0.2, 0.3]])])
            #expect(parameters["b"]!.values == [0.5], "\(kind)")
            _ = optimizer.step(&parameters, gradients: ["a": Matrix(rows: [[0.2, 0.3]]), "b": Matrix(rows: [[0.7]])])

            var fresh = Optimizer<Double>(settings: settings)
            var single = ["b": Matrix<Double>(rows: [[0.5]])]
            _ = fresh.step(&single, gradients: ["b": Matrix(rows: [[0.7]])])
            #expect(parameters["b"]!.values == single["b"]!.values, "\(kind)")
        }
    }

    @Test func resetForgetsStateAndSchedule() {
        var settings = OptimizerSettings(kind: .momentum)
        settings.learningRate = 0.1
        var optimizer = Optimizer<Double>(settings: settings)
        var first = ["p": Matrix<Double>(rows: [[1]])]
        _ = optimizer.step(&first, gradients: ["p": Matrix(rows: [[1]])])
        _ = optimizer.step(&first, gradients: ["p": Matrix(rows: [[1]])])
        #expect(optimizer.stepCount == 2)
        optimizer.reset()
        #expect(optimizer.stepCount == 0)
        var second = ["p": Matrix<Double>(rows: [[1]])]
        _ = optimizer.step(&second, gradients: ["p": Matrix(rows: [[1]])])
        #expect(second["p"]!.values == [1 - 0.1], "the momentum buffer starts again from the gradient")
    }
}
