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

    /// A text rendering: one row per bin, a bar of solid blocks for d(a,p) and one of shaded
    /// blocks for d(a,n) side by side (told apart without colour; `#` and `=` in ASCII), each
    /// with its count, and the margin's row marked.
    public func text(width: Int, ascii: Bool = false) -> String {
        let peak = max(positives.max() ?? 0, negatives.max() ?? 0, 1)
        // Room for the bin label, two counts and the margin marker.
        let half = max((width - 26) / 2, 2)
        let (solid, shaded) = ascii ? ("#", "=") : ("█", "▒")
        var lines = ["d(a,p) \(solid)   d(a,n) \(shaded)" + (margin.map { String(format: "   margin %.4g", $0) } ?? "")]
        for index in 0..<bins {
            let from = low + (high - low) * Double(index) / Double(bins)
            let to = low + (high - low) * Double(index + 1) / Double(bins)
            let marker = margin.map { $0 >= from && ($0 < to || index == bins - 1) ? (ascii ? " <- margin" : " ◀ margin") : "" } ?? ""
            let left = Self.bar(positives[index], peak: peak, width: half, glyph: solid, eighths: !ascii)
            let right = Self.bar(negatives[index], peak: peak, width: half, glyph: shaded, eighths: false)
            let leftCount = positives[index] > 0 ? " \(positives[index])" : ""
            let rightCount = negatives[index] > 0 ? " \(negatives[index])" : ""
            lines.append(String(format: "%8.3g ", from) + (left + leftCount).padding(toLength: half + 5, withPad: " ", startingAt: 0)
                + (ascii ? "|" : "│") + right + rightCount + marker)
        }
        return lines.joined(separator: "\n")
    }

    /// `count` of `peak` as a bar at most `width` cells long; with `eighths`, the last cell is
    /// a partial block (▏▎▍▌▋▊▉), so small differences still show.
    static func bar(_ count: Int, peak: Int, width: Int, glyph: String, eighths: Bool) -> String {
        let length = Double(count) / Double(peak) * Double(width)
        var whole = Int(length)
        var text = String(repeating: glyph, count: whole)
        if eighths {
            let partial = Int((length - Double(whole)) * 8)
            if partial > 0 { text += String(Array("▏▎▍▌▋▊▉")[partial - 1]); whole += 1 }
        } else if count > 0 && whole == 0 {
            text = glyph
        }
        return text
    }
}
