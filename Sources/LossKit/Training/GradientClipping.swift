/// Clipping by global norm with torch.nn.utils.clip_grad_norm_'s arithmetic.
public enum GradientClipping {
    /// Added to the norm before dividing, as torch does, so a zero gradient never divides by zero.
    public static let epsilon = 1e-6

    /// The global L2 norm: the norm of the per-parameter norms (each summed in Double).
    public static func globalNorm(_ parameterNorms: some Sequence<Double>) -> Double {
        var sum = 0.0
        for norm in parameterNorms { sum += norm * norm }
        return sum.squareRoot()
    }

    /// The factor to scale every gradient by, or nil when the norm is within bounds.
    /// torch always multiplies by min(1, coefficient); a factor of exactly 1 changes nothing,
    /// so it is skipped here.
    public static func coefficient(totalNorm: Double, maxNorm: Double) -> Double? {
        let coefficient = maxNorm / (totalNorm + epsilon)
        return coefficient < 1 ? coefficient : nil
    }
}
