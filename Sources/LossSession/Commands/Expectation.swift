import Foundation
import LossKit

/// `expect METRIC OP VALUE`: an assertion a lesson makes about the run, checked by
/// `losslab run --check`. VALUE may be a number or `NUMBER * METRIC` (e.g. `0.9 * margin`).
public struct Expectation: Equatable, Sendable, CustomStringConvertible {
    public enum Comparison: String, Sendable, CaseIterable { case less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">=", equal = "==" }

    public var metric: String
    public var comparison: Comparison
    public var factor: Double
    /// nil: compare with `factor` alone; else with factor × this metric.
    public var reference: String?

    public var description: String {
        "\(metric) \(comparison.rawValue) " + (reference.map { factor == 1 ? $0 : "\(factor) * \($0)" } ?? "\(factor)")
    }

    public static func parse(_ text: String) throws -> Expectation {
        let words = text.split(whereSeparator: \.isWhitespace).map(String.init)
        let usage = "expect needs METRIC OP VALUE, e.g. expect loss < 0.5 or expect loss > 0.9 * margin (OP is one of < <= > >= ==)"
        guard words.count >= 3, let comparison = Comparison(rawValue: words[1]) else { throw CommandError(usage) }
        let right = words[2...].joined(separator: " ").replacingOccurrences(of: " ", with: "")
        if let number = DecimalNumber.double(right) {
            return Expectation(metric: words[0].lowercased(), comparison: comparison, factor: number, reference: nil)
        }
        let parts = right.split(separator: "*").map(String.init)
        if parts.count == 2, let number = DecimalNumber.double(parts[0]) {
            return Expectation(metric: words[0].lowercased(), comparison: comparison, factor: number, reference: parts[1].lowercased())
        }
        if parts.count == 1, !DecimalNumber.isDecimal(parts[0]), Double(parts[0]) == nil, !parts[0].isEmpty {
            return Expectation(metric: words[0].lowercased(), comparison: comparison, factor: 1, reference: parts[0].lowercased())
        }
        throw CommandError(usage)
    }

    public func holds(_ left: Double, reference value: Double?) -> Bool {
        let right = factor * (value ?? 1)
        switch comparison {
        case .less: return left < right
        case .lessOrEqual: return left <= right
        case .greater: return left > right
        case .greaterOrEqual: return left >= right
        case .equal: return left == right
        }
    }
}
