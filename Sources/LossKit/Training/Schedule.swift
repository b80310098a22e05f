import RealModule

/// Learning-rate schedules under their sentence-transformers names. Each is a multiplier on
/// the base rate, as transformers' get_*_schedule_with_warmup builds them for LambdaLR.
public enum LearningRateSchedule: String, Sendable, CaseIterable {
    case constant = "constantlr"
    case warmupConstant = "warmupconstant"
    case warmupLinear = "warmuplinear"
    case warmupCosine = "warmupcosine"

    /// The factor applied to the base rate for optimizer step `step` (counted from 0).
    /// LambdaLR evaluates its lambda at the number of steps already taken, so the first step
    /// of a warmup schedule runs at rate 0.
    public func multiplier(atStep step: Int, warmupSteps: Int, totalSteps: Int) -> Double {
        let warmupFactor = Double(step) / Double(max(1, warmupSteps))
        switch self {
        case .constant:
            return 1
        case .warmupConstant:
            return step < warmupSteps ? warmupFactor : 1
        case .warmupLinear:
            if step < warmupSteps { return warmupFactor }
            return max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
        case .warmupCosine:
            if step < warmupSteps { return warmupFactor }
            let progress = Double(step - warmupSteps) / Double(max(1, totalSteps - warmupSteps))
            // transformers writes pi * num_cycles(0.5) * 2 * progress; the factors of two are exact.
            return max(0, 0.5 * (1 + Double.cos(Double.pi * progress)))
        }
    }
}
