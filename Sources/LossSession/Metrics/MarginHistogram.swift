import Foundation
import LossKit

/// Histograms of d(a,p) and d(a,n) over the last batch's mined tuples, in the metric's own
/// units, with the margin marked: where positives and negatives sit relative to it.
public struct MarginHistogram: Sendable {
    public var bins: Int
    public var low = 0.0
    public var high = 1.0
    public var positives: [Int]
    public var negatives: [Int]
    public var margin: Double?

    public init(_ report: MiningReport?, margin: Double?, bins: Int = 20) {
        self.bins = bins
        self.margin = margin
        positives = [Int](repeating: 0, count: bins)
        negatives = positives
        guard let report, report.kind == .triplet || report.kind == .pair else { return }
        let ap = report.tuples.map(\.positiveScore).filter(\.isFinite)
        let an = report.tuples.compactMap(\.negativeScore).filter(\.isFinite)
        let all = ap + an + (margin.map { [$0] } ?? [])
        guard let lowest = all.min(), let highest = all.max() else { return }
        low = min(lowest, 0)
        high = highest > low ? highest : low + 1
        for value in ap { positives[bin(value)] += 1 }
        for value in an { negatives[bin(value)] += 1 }
    }

    public func bin(_ value: Double) -> Int {
        min(max(Int((value - low) / (high - low) * Double(bins)), 0), bins - 1)
    }

    /// A text rendering: one row per bin, `+` for d(a,p) and `-` for d(a,n), the margin marked.
    public func text(width: Int) -> String {
        let peak = max(positives.max() ?? 0, negatives.max() ?? 0, 1)
        var lines = ["d(a,p) +   d(a,n) -" + (margin.map { String(format: "   margin %.4g", $0) } ?? "")]
        for index in 0..<bins {
            let from = low + (high - low) * Double(index) / Double(bins)
            let to = low + (high - low) * Double(index + 1) / Double(bins)
            let marker = margin.map { $0 >= from && ($0 < to || index == bins - 1) ? " ◀ margin" : "" } ?? ""
            let plus = String(repeating: "+", count: positives[index] * width / peak)
            let minus = String(repeating: "-", count: negatives[index] * width / peak)
            lines.append(String(format: "%8.3g %@%@%@", from, plus, minus, marker))
        }
        return lines.joined(separator: "\n")
    }
}
