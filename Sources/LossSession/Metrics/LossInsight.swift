import Foundation
import LossKit

/// What a loss's own view explains about the last batch, as lines of text the mining pane
/// draws and `show pairs` prints: CoSENT/AnglE's inverted orderings, the MNRL family's
/// directions and hardness weights, GIST's probable false negatives. Only from the facts the
/// loss handed out (`MiningReport`); nothing is recomputed here.
public struct LossInsight: Sendable {
    public enum Emphasis: Sendable, Equatable {
        case heading, plain, alert, positive, dim
    }

    public struct Line: Sendable, Equatable {
        public var text: String
        public var emphasis: Emphasis
        public init(_ text: String, _ emphasis: Emphasis = .plain) {
            self.text = text
            self.emphasis = emphasis
        }
    }

    let batch: BatchOutcome
    let texts: [Int: String]
    let settings: [(name: String, value: String)]

    /// `texts`: the batch items' sentences (empty without text); `settings`: the loss's.
    public init(batch: BatchOutcome, texts: [Int: String], settings: [(name: String, value: String)]) {
        self.batch = batch
        self.texts = texts
        self.settings = settings
    }

    var report: MiningReport { batch.mining }

    /// The lines for a view `width` characters wide, about the anchor at batch row `anchor`
    /// where a view is about one anchor (the selected row; nil: the one with the largest loss).
    public func lines(width: Int, anchor: Int? = nil) -> [Line] {
        if let distillation = report.distillation { return distillationLines(distillation, width: width) }
        if report.namedCounts.contains(where: { $0.name == "inversions" }) { return inversionLines(width: width) }
        if report.namedCounts.contains(where: { $0.name == "masked" }) { return maskedLines(width: width, anchor: anchor ?? mostMaskedAnchor) }
        var lines = partLines()
        if report.weights != nil { lines += weightLines(width: width, anchor: anchor ?? worstAnchor) }
        return lines
    }

    // MARK: - CoSENT / AnglE

    /// The item of row `row` of batch column `column`.
    func item(_ row: Int, _ column: Int) -> Int {
        column < batch.items.count && row < batch.items[column].count ? batch.items[column][row] : row
    }

    /// A pair tuple's two items: the anchor and its candidate (AnglE stacks the candidate columns).
    func pairItems(_ tuple: MinedTuple) -> (Int, Int) {
        let n = max(batch.items.first?.count ?? 1, 1)
        return (item(tuple.anchor, 0), item(tuple.positive % n, 1 + tuple.positive / n))
    }

    /// Each pair's place when the batch is ordered by score, highest first (1-based; equal
    /// scores share the better place).
    public static func scoreRanks(_ tuples: [MinedTuple]) -> [Int] {
        let scores = tuples.map(\.positiveScore)
        let sorted = scores.sorted(by: >)
        return scores.map { score in 1 + (sorted.firstIndex { $0 <= score } ?? 0) }
    }

    /// Each pair's place when the batch is ordered by label, highest first (equal labels share it).
    public static func labelRanks(_ tuples: [MinedTuple]) -> [Int] {
        let labels = tuples.map { $0.label ?? 0 }
        let sorted = labels.sorted(by: >)
        return labels.map { label in 1 + (sorted.firstIndex { $0 <= label } ?? 0) }
    }

    func count(_ name: String) -> Int { Int(report.namedCounts.first { $0.name == name }?.value ?? 0) }

    func inversionLines(width: Int) -> [Line] {
        let inverted = count("inversions"), comparable = count("comparable_pairs")
        let share = comparable > 0 ? String(format: " (%.0f%%)", 100 * Double(inverted) / Double(comparable)) : ""
        var lines = [Line("inverted orderings \(inverted) of \(comparable)\(share): pairs i, j with label_i > label_j, score_i ≤ score_j",
                          inverted > 0 ? .heading : .positive)]
        guard !report.inversions.isEmpty else { return lines }
        lines.append(Line("worst: a pair ≤ the lower-labelled pair that outscores it most", .dim))
        for inversion in report.inversions {
            let above = report.tuples[inversion.above], below = report.tuples[inversion.below]
            func describe(_ index: Int, _ tuple: MinedTuple) -> String {
                let (a, b) = pairItems(tuple)
                return String(format: "%d–%d label %@ score %.3f", a, b, Self.number(tuple.label ?? 0), tuple.positiveScore)
            }
            lines.append(Line("  " + describe(inversion.above, above) + " ≤ " + describe(inversion.below, below), .alert))
            let quoted = [pairItems(above), pairItems(below)].flatMap { [$0.0, $0.1] }.compactMap { texts[$0] }
            if quoted.count == 4 {
                let room = max((width - 16) / 4, 6)
                lines.append(Line("    " + Self.quote(quoted[0], room) + " / " + Self.quote(quoted[1], room) + " ≤ "
                                  + Self.quote(quoted[2], room) + " / " + Self.quote(quoted[3], room), .dim))
            }
        }
        return lines
    }

    // MARK: - MNRL family

    func partLines() -> [Line] {
        guard !report.parts.isEmpty else { return [] }
        let total = report.parts.reduce(0) { $0 + $1.value }
        let parts = report.parts.map { part in String(format: "%@ %.0f%%", part.name, total > 0 ? 100 * part.value / total : 0) }
        return [Line("directions: " + parts.joined(separator: " · ") + " of loss " + Self.number(total), .heading)]
    }

    /// The anchor row with the largest loss.
    var worstAnchor: Int { report.tuples.max { ($0.loss, -$0.anchor) < ($1.loss, -$1.anchor) }?.anchor ?? 0 }

    /// The candidate `index` of MNRL's numbering (positives, then each hard-negative column).
    func candidateItem(_ index: Int) -> Int {
        let n = max(batch.items.first?.count ?? 1, 1)
        return item(index % n, 1 + index / n)
    }

    func weightLines(width: Int, anchor: Int, limit: Int = 8) -> [Line] {
        guard let weights = report.weights, let scores = report.scores, report.scoreColumns > 0,
              (anchor + 1) * report.scoreColumns <= weights.factors.count else { return [] }
        let columns = report.scoreColumns, base = anchor * columns
        let mode = settings.first { $0.name == "hardness_mode" }?.value ?? "", strength = settings.first { $0.name == "hardness_strength" }?.value ?? ""
        var lines = [Line("anchor \(item(anchor, 0)): weight e^(\(strength) · sim) on \(mode), p its softmax share", .heading)]
        // The positive first, then the candidates the softmax weighs most.
        let order = (0..<columns).filter { $0 != anchor }.sorted { (weights.probabilities[base + $0], -$0) > (weights.probabilities[base + $1], -$1) }
        let shown = [anchor] + order.prefix(limit)
        for j in shown {
            let role = j == anchor ? "positive" : (j < max(batch.items.first?.count ?? 1, 1) ? "in-batch" : "hard neg")
            var text = String(format: "  %-8@ item %4d  sim %6.3f  weight %@  p %.3f", role, candidateItem(j), scores[base + j],
                              Self.number(weights.factors[base + j]), weights.probabilities[base + j])
            if let sentence = texts[candidateItem(j)] { text += "  " + Self.quote(sentence, max(width - text.count - 4, 6)) }
            lines.append(Line(text, j == anchor ? .positive : (weights.probabilities[base + j] > weights.probabilities[base + anchor] ? .alert : .plain)))
        }
        return lines
    }

    // MARK: - GIST

    var mostMaskedAnchor: Int {
        var counts: [Int: Int] = [:]
        for candidate in report.masked { counts[candidate.anchor, default: 0] += 1 }
        return counts.max { ($0.value, -$0.key) < ($1.value, -$1.key) }?.key ?? worstAnchor
    }

    /// How many candidates the guide masked for each anchor row.
    public static func maskedCounts(_ report: MiningReport) -> [Int: Int] {
        var counts: [Int: Int] = [:]
        for candidate in report.masked { counts[candidate.anchor, default: 0] += 1 }
        return counts
    }

    /// The margin rule in words: "guide sim > guide sim(a,p) − 0.1".
    var rule: String {
        let strategy = settings.first { $0.name == "margin_strategy" }?.value ?? "absolute"
        let margin = settings.first { $0.name == "margin" }?.value ?? "0"
        // A negative margin reads as a plus.
        let signed = margin.hasPrefix("-") ? "+ " + margin.dropFirst() : "− " + margin
        return strategy == "relative" ? "guide sim > g(a,p) \(signed.prefix(1)) |g(a,p)| · \(signed.dropFirst(2))" : "guide sim > g(a,p) \(signed)"
    }

    func maskedLines(width: Int, anchor: Int) -> [Line] {
        let total = count("masked")
        var lines = [Line("masked \(total) probable false negative\(total == 1 ? "" : "s"): \(rule), g(a,p) the positive's guide sim",
                          total > 0 ? .heading : .positive)]
        if !report.unopposed.isEmpty {
            lines.append(Line("\(report.unopposed.count) anchor\(report.unopposed.count == 1 ? "" : "s") kept no candidate but the positive: items "
                              + report.unopposed.prefix(8).map { "\(item($0, 0))" }.joined(separator: ", "), .alert))
        }
        let mine = report.masked.filter { $0.anchor == anchor }
        let positiveGuide = mine.first?.positiveGuideScore
        var heading = "anchor \(item(anchor, 0))"
        if let sentence = texts[item(anchor, 0)] { heading += " " + Self.quote(sentence, max(width / 3, 8)) }
        if let positiveGuide, let threshold = mine.first?.threshold {
            heading += String(format: ": g(a,p) %.3f, masked above %.3f", positiveGuide, threshold)
        } else {
            heading += ": the guide masked none of its candidates"
        }
        lines.append(Line(heading, .dim))
        for candidate in mine.sorted(by: { ($0.guideScore, -$0.row) > ($1.guideScore, -$1.row) }) {
            let role = candidate.from == 1 ? "pos-pos" : (candidate.column == 0 ? "anchor" : (candidate.column == 1 ? "positive" : "negative"))
            let candidateItem = item(candidate.row, candidate.column)
            var text = String(format: "  %-8@ item %4d  guide %.3f > %.3f  sim %.3f", role, candidateItem, candidate.guideScore,
                              candidate.threshold, candidate.score)
            if let sentence = texts[candidateItem] { text += "  " + Self.quote(sentence, max(width - text.count - 4, 6)) }
            lines.append(Line(text, .alert))
        }
        return lines
    }

    // MARK: - Distillation

    /// The student against the teacher in numbers (the chart draws them as a scatter), then the
    /// rows that disagree most, each with its worst comparison and its texts.
    func distillationLines(_ report: DistillationReport, width: Int, limit: Int = 5) -> [Line] {
        let metrics = Dictionary(report.metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        let what = report.quantity == .margin ? "margins" : "pair cosines"
        var lines = [Line(String(format: "student vs teacher %@: r %.3f · slope %@ · sq. diff %@ · sign %.0f%%", what,
                                 metrics["teacher_correlation"] ?? 0, Self.number(metrics["teacher_slope"] ?? 0),
                                 Self.number(metrics["teacher_error"] ?? 0), 100 * (metrics["order_agreement"] ?? 0)), .heading)]
        let divergences = report.rowDivergence
        guard let worst = divergences.max() else { return lines }
        let mean = divergences.reduce(0, +) / Double(divergences.count)
        lines.append(Line("\(report.measure) per row: mean \(Self.number(mean)), max \(Self.number(worst)); worst rows:", .dim))
        let rows = divergences.indices.sorted { (divergences[$0], -$0) > (divergences[$1], -$1) }.prefix(limit)
        for row in rows {
            // The row's comparison farthest from the teacher.
            let own = report.points.filter { $0.row == row || (report.quantity == .pairCosine && $0.other == row) }
            guard let point = own.max(by: { abs($0.student - $0.teacher) < abs($1.student - $1.teacher) }) else { continue }
            let items: [Int]
            var text: String
            if report.quantity == .margin {
                items = [item(row, 0), item(row, 1), item(row, 1 + point.other)]
                text = String(format: "  item %4d  %@ %@  margin vs %d: teacher %.3f student %.3f", items[0], report.measure.hasPrefix("KL") ? "KL" : "err",
                              Self.number(divergences[row]), items[2], point.teacher, point.student)
            } else {
                let partner = point.row == row ? point.other : point.row
                items = [item(row, 0), item(partner, 0)]
                text = String(format: "  item %4d  %@  cos with %d: teacher %.3f student %.3f", items[0], Self.number(divergences[row]), items[1],
                              point.teacher, point.student)
            }
            lines.append(Line(text, .alert))
            let quoted = items.compactMap { texts[$0] }
            if quoted.count == items.count {
                let room = max((width - 6) / items.count - 3, 6)
                lines.append(Line("    " + quoted.map { Self.quote($0, room) }.joined(separator: " / "), .dim))
            }
        }
        return lines
    }

    // MARK: - Text

    /// “text”, cut to `room` characters with an ellipsis.
    static func quote(_ text: String, _ room: Int) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return "“" + (flat.count <= room ? flat : String(flat.prefix(max(room - 1, 1))) + "…") + "”"
    }

    static func number(_ value: Double) -> String {
        if value != 0 && (abs(value) < 1e-3 || abs(value) >= 1e5) { return String(format: "%.3g", value) }
        var text = String(format: "%.4g", value)
        if text.contains(".") && !text.contains("e") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text
    }
}
