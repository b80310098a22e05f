import Foundation

/// Held-out metrics at one step, by their `expect` / CSV names.
public struct EvaluationRecord: Sendable {
    public var step: Int
    /// The plain metrics first, then those measured on truncated embeddings, `NAME@WIDTH`.
    public var metrics: [(name: String, value: Double)]

    public func value(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }

    /// The metrics of the full embeddings (names without a width).
    public var plainMetrics: [(name: String, value: Double)] { metrics.filter { Self.truncation(of: $0.name) == nil } }

    /// The metrics measured at truncation widths, one entry per metric in the order they
    /// were measured, each with its widths and values, largest width first.
    public var byDimension: [(metric: String, points: [(dimension: Int, value: Double)])] {
        var curves: [(metric: String, points: [(dimension: Int, value: Double)])] = []
        for (name, value) in metrics {
            guard let (metric, width) = Self.truncation(of: name) else { continue }
            if let index = curves.firstIndex(where: { $0.metric == metric }) { curves[index].points.append((width, value)) }
            else { curves.append((metric, [(width, value)])) }
        }
        return curves.map { ($0.metric, $0.points.sorted { $0.dimension > $1.dimension }) }
    }

    /// `recall_at_1@32` → (recall_at_1, 32); nil for a metric of the full embeddings.
    public static func truncation(of name: String) -> (metric: String, dimension: Int)? {
        guard let at = name.lastIndex(of: "@"), let width = Int(name[name.index(after: at)...]) else { return nil }
        return (String(name[..<at]), width)
    }

    /// One line: the plain metrics, then the first metric's curve over the widths, if measured.
    public var summary: String {
        var text = "held-out @\(step): " + plainMetrics.map { String(format: "%@ %.4g", $0.name, $0.value) }.joined(separator: ", ")
        if let curve = byDimension.first {
            text += "; \(curve.metric) by dimension " + curve.points.map { String(format: "%d: %.4g", $0.dimension, $0.value) }.joined(separator: ", ")
        }
        return text
    }
}
