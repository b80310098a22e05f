import RealModule

public enum OptimizerKind: String, Sendable, CaseIterable {
    case sgd, momentum, adam, adamw
}

/// Hyperparameters under torch.optim's meanings.
public struct OptimizerSettings: Sendable, Equatable {
    /// Changing the kind also moves `weightDecay` to the new kind's default while it still
    /// holds the old kind's default, so `settings.kind = .sgd` gives plain SGD without L2.
    /// Set the kind before an explicit weight decay.
    public var kind: OptimizerKind = .adamw {
        didSet {
            if weightDecay == Self.defaultWeightDecay(for: oldValue) { weightDecay = Self.defaultWeightDecay(for: kind) }
        }
    }
    public var learningRate: Double = 0.01
    /// For the `momentum` kind only (torch SGD: dampening 0, no Nesterov).
    public var momentum: Double = 0.9
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var eps: Double = 1e-8
    /// adamw: decoupled (p *= 1 - lr * wd); sgd, momentum, adam: L2 added to the gradient,
    /// as torch does. Defaults to 0.01 for adamw and 0 otherwise.
    public var weightDecay: Double = 0.01
    public var schedule: LearningRateSchedule = .constant
    public var warmupSteps: Int = 0
    /// The step at which warmupLinear reaches 0 and warmupCosine completes its half cycle.
    public var totalSteps: Int = 1000
    /// Clip the global gradient norm to this (torch.nn.utils.clip_grad_norm_); nil: no clipping.
    public var maxGradNorm: Double? = nil

    public init() {}

    public init(kind: OptimizerKind) {
        self.kind = kind
        weightDecay = Self.defaultWeightDecay(for: kind)
    }

    public static func defaultWeightDecay(for kind: OptimizerKind) -> Double {
        kind == .adamw ? 0.01 : 0
    }
}

/// What one optimizer step did.
public struct OptimizerStep: Sendable {
    /// The rate this step used, after the schedule.
    public var learningRate: Double
    /// Global L2 norm of the gradients, before clipping.
    public var gradientNorm: Double
    public var clipped: Bool
    /// Each updated parameter's gradient norm, before clipping.
    public var groupNorms: [String: Double]

    public init(learningRate: Double, gradientNorm: Double, clipped: Bool, groupNorms: [String: Double]) {
        self.learningRate = learningRate
        self.gradientNorm = gradientNorm
        self.clipped = clipped
        self.groupNorms = groupNorms
    }
}

/// SGD, SGD with momentum, Adam and AdamW with torch.optim's update arithmetic (single-tensor
/// path, float64 results agree with torch to rounding), a LambdaLR-style schedule and
/// optional global-norm clipping.
public struct Optimizer<T: Scalar>: Sendable {
    public var settings: OptimizerSettings
    /// Steps taken; the schedule is evaluated here before each step.
    public private(set) var stepCount: Int = 0
    /// Per-parameter state, created on a parameter's first gradient.
    var slots: [String: Slot] = [:]

    struct Slot: Sendable {
        /// Steps this parameter took (torch keeps it per parameter: Adam's bias correction uses it).
        var steps = 0
        var firstMoment: [T] = []
        var secondMoment: [T] = []
        var momentumBuffer: [T] = []
    }

    public init(settings: OptimizerSettings) {
        self.settings = settings
    }

    /// The rate the step numbered `step` (from 0) uses: base rate × schedule multiplier.
    public func learningRate(atStep step: Int) -> Double {
        settings.learningRate * settings.schedule.multiplier(
            atStep: step, warmupSteps: settings.warmupSteps, totalSteps: settings.totalSteps)
    }

    /// Updates every parameter that has a gradient; parameters without one are left alone and
    /// their state does not advance (as torch skips a parameter whose grad is None). Gradients
    /// for names not among the parameters are ignored. Shapes must match.
    public mutating func step(_ parameters: inout [String: Matrix<T>], gradients: [String: Matrix<T>]) -> OptimizerStep {
        // Reinterpret as the concrete type (identical when the check passes) so the update
        // loops run specialised even when called from outside LossKit.
        if T.self == Float.self {
            return withUnsafeMutablePointer(to: &self) { me in
                me.withMemoryRebound(to: Optimizer<Float>.self, capacity: 1) { me in
                    withUnsafeMutablePointer(to: &parameters) { p in
                        p.withMemoryRebound(to: [String: Matrix<Float>].self, capacity: 1) { p in
                            me.pointee.stepKernel(&p.pointee, gradients: unsafeBitCast(gradients, to: [String: Matrix<Float>].self))
                        }
                    }
                }
            }
        }
        if T.self == Double.self {
            return withUnsafeMutablePointer(to: &self) { me in
                me.withMemoryRebound(to: Optimizer<Double>.self, capacity: 1) { me in
                    withUnsafeMutablePointer(to: &parameters) { p in
                        p.withMemoryRebound(to: [String: Matrix<Double>].self, capacity: 1) { p in
                            me.pointee.stepKernel(&p.pointee, gradients: unsafeBitCast(gradients, to: [String: Matrix<Double>].self))
                        }
                    }
                }
            }
        }
        return stepKernel(&parameters, gradients: gradients)
    }

    /// Forgets all state and restarts the schedule.
    public mutating func reset() {
        stepCount = 0
        slots = [:]
    }

    mutating func stepKernel(_ parameters: inout [String: Matrix<T>], gradients: [String: Matrix<T>]) -> OptimizerStep {
        let learningRate = learningRate(atStep: stepCount)
        let names = gradients.keys.filter { parameters[$0] != nil }.sorted()
        var groupNorms: [String: Double] = [:]
        for name in names {
            let gradient = gradients[name]!, parameter = parameters[name]!
            precondition(gradient.rows == parameter.rows && gradient.cols == parameter.cols,
                         "gradient for \(name) is \(gradient.rows)x\(gradient.cols), the parameter is \(parameter.rows)x\(parameter.cols)")
            groupNorms[name] = gradient.norm
        }
        let totalNorm = GradientClipping.globalNorm(names.map { groupNorms[$0]! })
        let clip = settings.maxGradNorm.flatMap { GradientClipping.coefficient(totalNorm: totalNorm, maxNorm: $0) }

        for name in names {
            // Taken out of the dictionaries so the arrays are uniquely referenced and update in place.
            var parameter = parameters.removeValue(forKey: name)!
            var slot = slots.removeValue(forKey: name) ?? Slot()
            var gradient = gradients[name]!.values
            if let clip {
                let factor = T(clip)
                gradient.withUnsafeMutableBufferPointer { g in
                    for k in g.indices { g[k] *= factor }
                }
            }
            update(&parameter.values, gradient, &slot, learningRate: learningRate)
            parameters[name] = parameter
            slots[name] = slot
        }
        stepCount += 1
        return OptimizerStep(learningRate: learningRate, gradientNorm: totalNorm, clipped: clip != nil, groupNorms: groupNorms)
    }

    /// One parameter's update, in torch's order of operations.
    func update(_ parameter: inout [T], _ gradient: [T], _ slot: inout Slot, learningRate lr: Double) {
        let s = settings
        let decay = T(s.weightDecay)
        let coupledDecay = s.kind != .adamw && s.weightDecay != 0
        slot.steps += 1
        switch s.kind {
        case .sgd, .momentum:
            let negativeRate = T(-lr)
            let momentum = T(s.momentum)
            let useMomentum = s.kind == .momentum && s.momentum != 0
            let firstStep = slot.momentumBuffer.isEmpty
            if useMomentum && firstStep { slot.momentumBuffer = [T](repeating: 0, count: parameter.count) }
            parameter.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    slot.momentumBuffer.withUnsafeMutableBufferPointer { buffer in
                        for k in p.indices {
                            var d = g[k]
                            if coupledDecay { d = d + decay * p[k] }
                            if useMomentum {
                                // torch clones the first gradient into the buffer, then buf = m * buf + g.
                                buffer[k] = firstStep ? d : buffer[k] * momentum + d
                                d = buffer[k]
                            }
                            p[k] = p[k] + negativeRate * d
                        }
                    }
                }
            }
        case .adam, .adamw:
            if slot.firstMoment.isEmpty {
                slot.firstMoment = [T](repeating: 0, count: parameter.count)
                slot.secondMoment = [T](repeating: 0, count: parameter.count)
            }
            let step = Double(slot.steps)
            let shrink = T(1 - lr * s.weightDecay)
            let decoupledDecay = s.kind == .adamw && s.weightDecay != 0
            let weight1 = 1 - s.beta1
            let lerpWeight = T(weight1)
            let lerpComplement = T(1) - lerpWeight
            let smallWeight = abs(weight1) < 0.5
            let beta2 = T(s.beta2)
            let oneMinusBeta2 = T(1 - s.beta2)
            let biasCorrection1 = 1 - Double.pow(s.beta1, step)
            let biasCorrection2 = 1 - Double.pow(s.beta2, step)
            let negativeStepSize = T(-(lr / biasCorrection1))
            let correction2Root = T(Double.pow(biasCorrection2, 0.5))
            let eps = T(s.eps)
            parameter.withUnsafeMutableBufferPointer { p in
                gradient.withUnsafeBufferPointer { g in
                    slot.firstMoment.withUnsafeMutableBufferPointer { m in
                        slot.secondMoment.withUnsafeMutableBufferPointer { v in
                            // Eight at a time, the same operations in the same order: each value's
                            // update is its own, so the vectors give the same numbers.
                            let whole = p.count / 8 * 8
                            let (pp, gp, mp, vp) = (p.baseAddress!, g.baseAddress!, m.baseAddress!, v.baseAddress!)
                            for k in stride(from: 0, to: whole, by: 8) {
                                var parameter = VectorKernels.load(pp + k), d = VectorKernels.load(gp + k)
                                if decoupledDecay { parameter = parameter * shrink }
                                if coupledDecay { d = d + decay * parameter }
                                var first = VectorKernels.load(mp + k)
                                first = smallWeight ? first + lerpWeight * (d - first) : d - (d - first) * lerpComplement
                                let second = VectorKernels.load(vp + k) * beta2 + oneMinusBeta2 * d * d
                                let denominator = second.squareRoot() / correction2Root + eps
                                VectorKernels.store(first, mp + k)
                                VectorKernels.store(second, vp + k)
                                VectorKernels.store(parameter + negativeStepSize * first / denominator, pp + k)
                            }
                            for k in whole..<p.count {
                                if decoupledDecay { p[k] = p[k] * shrink }
                                var d = g[k]
                                if coupledDecay { d = d + decay * p[k] }
                                // torch's lerp picks the form by the weight's size for accuracy.
                                m[k] = smallWeight ? m[k] + lerpWeight * (d - m[k]) : d - (d - m[k]) * lerpComplement
                                v[k] = v[k] * beta2 + oneMinusBeta2 * d * d
                                let denominator = v[k].squareRoot() / correction2Root + eps
                                p[k] = p[k] + negativeStepSize * m[k] / denominator
                            }
                        }
                    }
                }
            }
        }
    }
}
