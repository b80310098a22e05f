import Foundation

/// Held-out metrics at one step, by their `expect` / CSV names.
public struct EvaluationRecord: Sendable {
    public var step: Int
    public var metrics: [(name: String, value: Double)]

    public func value(_ name: String) -> Double? { metrics.first { $0.name == name }?.value }

    public var summary: String {
        "held-out @\(step): " + metrics.map { String(format: "%@ %.4g", $0.name, $0.value) }.joined(separator: ", ")
    }
}
