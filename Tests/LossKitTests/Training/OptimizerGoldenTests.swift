import Foundation
import LossKit
import Testing

/// Tests/Fixtures/optimizer/cases.json, written by generate.py beside it from torch.optim,
/// LambdaLR and clip_grad_norm_ in float64.
struct OptimizerFixture: Decodable {
    struct Tensor: Decodable {
        var shape: [Int]
        var data: [Double]
    }
    struct Step: Decodable {
        var lr: Double
        var grad_norm: Double
        var clipped: Bool
        var params: [String: [Double]]
    }
    struct Case: Decodable, CustomStringConvertible, Sendable {
        var name: String
        var optimizer: String
        var lr: Double
        var momentum: Double
        var beta1: Double
        var beta2: Double
        var eps: Double
        var weight_decay: Double
        var schedule: String
        var warmup_steps: Int
        var total_steps: Int
        var max_grad_norm: Double?
        var sparse: Bool
        var steps: Int
        var trajectory: [Step]
        var description: String { name }
    }

    var generator: String
    var initial: [String: Tensor]
    var offsets: [String: Int]
    var cases: [Case]

    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/optimizer/cases.json")

    static let shared: OptimizerFixture = {
        do {
            return try JSONDecoder().decode(OptimizerFixture.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read \(url.path): \(error)")
        }
    }()
}

extension OptimizerFixture.Step: Sendable {}
extension OptimizerFixture.Tensor: Sendable {}
extension OptimizerFixture: Sendable {}

@Suite struct OptimizerGoldenTests {
    static var cases: [OptimizerFixture.Case] { OptimizerFixture.shared.cases }

    /// generate.py's gradient rule: 0.3 p² - p + c(step, offset + j), c(k, i) = ((7k + 3i) mod 11 - 5) / 10.
    static func gradient(_ parameter: Matrix<Double>, offset: Int, step: Int) -> Matrix<Double> {
        var g = parameter
        for j in g.values.indices {
            let p = parameter.values[j]
            let c = Double((7 * step + 3 * (offset + j)) % 11 - 5) / 10
            g.values[j] = 0.3 * p * p - p + c
        }
        return g
    }

    static func close(_ actual: Double, _ expected: Double) -> Bool {
        abs(actual - expected) <= 1e-12 * max(abs(expected), 1)
    }

    @Test func fixtureCoversEveryKindAndSchedule() {
        let cases = Self.cases
        #expect(cases.count >= 10)
        for kind in OptimizerKind.allCases { #expect(cases.contains { $0.optimizer == kind.rawValue }, "no case for \(kind)") }
        for schedule in LearningRateSchedule.allCases { #expect(cases.contains { $0.schedule == schedule.rawValue }, "no case for \(schedule)") }
        #expect(cases.contains { $0.trajectory.contains(where: \.clipped) && $0.trajectory.contains { !$0.clipped } })
    }

    @Test(arguments: cases)
    func replaysTorchTrajectory(_ golden: OptimizerFixture.Case) throws {
        let fixture = OptimizerFixture.shared
        var settings = OptimizerSettings()
        settings.kind = try #require(OptimizerKind(rawValue: golden.optimizer))
        settings.learningRate = golden.lr
        settings.momentum = golden.momentum
        settings.beta1 = golden.beta1
        settings.beta2 = golden.beta2
        settings.eps = golden.eps
        settings.weightDecay = golden.weight_decay
        settings.schedule = try #require(LearningRateSchedule(rawValue: golden.schedule))
        settings.warmupSteps = golden.warmup_steps
        settings.totalSteps = golden.total_steps
        settings.maxGradNorm = golden.max_grad_norm
        var optimizer = Optimizer<Double>(settings: settings)
        var parameters = fixture.initial.mapValues { Matrix<Double>(rows: $0.shape[0], cols: $0.shape[1], values: $0.data) }
        #expect(golden.trajectory.count == golden.steps)

        for (step, expected) in golden.trajectory.enumerated() {
            var gradients: [String: Matrix<Double>] = [:]
            for (name, parameter) in parameters where !(golden.sparse && name == "s" && step % 2 == 1) {
                gradients[name] = Self.gradient(parameter, offset: fixture.offsets[name]!, step: step)
            }
            let report = optimizer.step(&parameters, gradients: gradients)
            #expect(optimizer.stepCount == step + 1)
            #expect(Self.close(report.learningRate, expected.lr), "\(golden) step \(step): lr \(report.learningRate), torch \(expected.lr)")
            #expect(Self.close(report.gradientNorm, expected.grad_norm),
                    "\(golden) step \(step): grad norm \(report.gradientNorm), torch \(expected.grad_norm)")
            #expect(report.clipped == expected.clipped, "\(golden) step \(step): clipped \(report.clipped)")
            #expect(Set(report.groupNorms.keys) == Set(gradients.keys))
            for (name, values) in expected.params {
                let actual = try #require(parameters[name]).values
                #expect(actual.count == values.count)
                for k in values.indices where !Self.close(actual[k], values[k]) {
                    Issue.record("\(golden) step \(step): \(name)[\(k)] = \(actual[k]), torch \(values[k])")
                }
            }
        }
    }

    /// The same trajectories in Float stay near torch's float64 ones (checks the Float path runs the same rule).
    @Test func floatPathFollowsTheSameTrajectory() throws {
        let fixture = OptimizerFixture.shared
        for golden in Self.cases where golden.optimizer == "adamw" && golden.schedule == "warmupcosine" {
            var settings = OptimizerSettings(kind: .adamw)
            settings.learningRate = golden.lr
            settings.weightDecay = golden.weight_decay
            settings.schedule = .warmupCosine
            settings.warmupSteps = golden.warmup_steps
            settings.totalSteps = golden.total_steps
            var optimizer = Optimizer<Float>(settings: settings)
            var parameters = fixture.initial.mapValues { Matrix<Float>(rows: $0.shape[0], cols: $0.shape[1], values: $0.data.map { Float($0) }) }
            for (step, expected) in golden.trajectory.enumerated() {
                var gradients: [String: Matrix<Float>] = [:]
                for (name, parameter) in parameters {
                    gradients[name] = Self.gradient(parameter.converted(to: Double.self), offset: fixture.offsets[name]!, step: step)
                        .converted(to: Float.self)
                }
                _ = optimizer.step(&parameters, gradients: gradients)
                for (name, values) in expected.params {
                    let actual = try #require(parameters[name]).values
                    for k in values.indices {
                        #expect(abs(Double(actual[k]) - values[k]) < 1e-4, "\(golden) step \(step): \(name)[\(k)]")
                    }
                }
            }
        }
    }
}
