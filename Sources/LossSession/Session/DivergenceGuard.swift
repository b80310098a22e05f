import Foundation
import LossKit

/// The evidence that a step cannot be trusted. Float32 overflow does not always reach the loss
/// as inf or NaN: a NaN distance reads as 0 in a comparison, an infinite one loses every
/// hardest-negative contest, a normalisation by an infinite norm gives zeros. So the batch's
/// embeddings are checked before the loss sees them, and the loss's value and gradients after.
enum DivergenceGuard {
    /// The largest row norm whose squared distances stay finite in float32: the losses form
    /// |a|² - 2a·b + |b|² and |a - b|², which reach 4·max|x|².
    static let largestSafeNorm = (Double(Float.greatestFiniteMagnitude) / 4).squareRoot()

    /// Why these embeddings overflow what `loss` computes from them, or nil. Ranking by dot
    /// product multiplies |a|·|b| by the scale, a tighter bound than the distances'.
    static func overflow(in embeddings: Matrix<Float>, loss: SessionLoss) -> String? {
        var largest = 0.0
        for row in 0..<embeddings.rows {
            var squared = 0.0
            for value in embeddings.row(row) {
                guard value.isFinite else { return "embeddings are not finite (row \(row) holds \(value))" }
                squared += Double(value) * Double(value)
            }
            largest = max(largest, squared)
        }
        let norm = largest.squareRoot()
        // A scaled dot product grows with |x|² times the scale.
        if let metric = loss.value(of: .metric), metric.hasSuffix("dot_score"), let scale = loss.value(of: .scale).flatMap(Double.init),
           scale.magnitude > 1 {
            let safe = (Double(Float.greatestFiniteMagnitude) / scale.magnitude).squareRoot()
            if norm > safe {
                return "scores overflow float32 (largest |x| \(scientific(norm)); \(metric) at scale \(scale) needs |x| below \(scientific(safe)))"
            }
        }
        guard norm > largestSafeNorm else { return nil }
        return "distances overflow float32 (largest |x| \(scientific(norm)); float32 distances need |x| below \(scientific(largestSafeNorm)))"
    }

    /// Why this result is not finite, or nil.
    static func nonFinite(_ result: LossResult<Float>) -> String? {
        if !result.value.isFinite { return "loss is \(result.value)" }
        for (column, gradient) in result.columnGradients.enumerated() {
            if let index = gradient.values.firstIndex(where: { !$0.isFinite }) {
                return "gradient of column \(column) is not finite (row \(index / max(gradient.cols, 1)) holds \(gradient.values[index]))"
            }
        }
        for (name, gradient) in result.parameterGradients.sorted(by: { $0.key < $1.key }) where !gradient.allFinite {
            return "gradient of \(name) is not finite"
        }
        return nil
    }

    /// "3.1e38": two significant digits, enough for evidence.
    static func scientific(_ value: Double) -> String {
        let text = String(format: "%.1e", value)
        guard let e = text.firstIndex(of: "e"), let exponent = Int(text[text.index(after: e)...]) else { return text }
        return text[..<e] + "e\(exponent)"
    }
}
