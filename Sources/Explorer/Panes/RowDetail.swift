import LossKit
import LossSession
import TerminalKit

/// Enter on a mining row: that tuple in full, frozen at the step it was opened on (training
/// may go on underneath; the detail does not follow it, so it can be read at any pace).
struct RowDetail: Equatable, Sendable {
    struct Member: Equatable, Sendable {
        /// "anchor", "positive", "negative", "a", "b", "item".
        var role: String
        var item: Int
        var label: String
        var text: String?
        /// |∂L/∂x| at this member's embedding row, from the step's backward pass.
        var gradientNorm: Double?
    }

    struct Score: Equatable, Sendable {
        var name: String
        var value: Double
    }

    var kind: TupleKind
    var step: Int
    var members: [Member]
    var scores: [Score]
    var loss: Double
    var hardness: String?
    /// MultipleNegativesRankingLoss: where the positive ranks among the anchor's candidates.
    var positiveRank: Int?
    /// 1 + how many listed tuples have a larger term; `ties` others have the same term.
    var lossRank: Int
    var ties: Int
    var listed: Int
    var used: Int
    /// This tuple's term over the sum of the listed tuples' terms; nil when that sum is 0.
    var lossShare: Double?
    /// The members' rows' share of the batch's squared gradient norm (Σ over all rows).
    var rowsGradientShare: Double?
    var margin: Score?

    /// The selected row of the mining table, or nil when there is none.
    static func make(_ model: ExplorerModel) -> RowDetail? {
        let s = model.snapshot
        guard let batch = s.batch, let row = model.selectedTuple else { return nil }
        let t = row.tuple
        let kind = batch.mining.kind
        let stacked = StackedRows(batch: batch)
        let gradients = batch.embeddingGradients
        func norm(_ stackedRow: Int?) -> Double? {
            guard let gradients, let r = stackedRow, r >= 0, r < gradients.rows else { return nil }
            var sum = 0.0
            for k in 0..<gradients.cols { sum += Double(gradients[r, k]) * Double(gradients[r, k]) }
            return sum.squareRoot()
        }
        func member(_ role: String, _ item: Int, _ stackedRow: Int?) -> Member {
            Member(role: role, item: item, label: model.classLabel(of: item), text: s.batchTexts[item], gradientNorm: norm(stackedRow))
        }
        var members: [Member]
        var scores: [Score]
        switch kind {
        case .triplet:
            members = [member("anchor", row.anchorItem, stacked.anchor(t)), member("positive", row.positiveItem, stacked.positive(t))]
            if let negative = row.negativeItem { members.append(member("negative", negative, stacked.negative(t))) }
            scores = [Score(name: "d(a,p)", value: t.positiveScore)] + (t.negativeScore.map { [Score(name: "d(a,n)", value: $0)] } ?? [])
        case .ranking:
            members = [member("anchor", row.anchorItem, stacked.anchor(t)), member("positive", row.positiveItem, stacked.positive(t))]
            if let negative = row.negativeItem { members.append(member("hardest negative", negative, stacked.negative(t))) }
            scores = [Score(name: "sim(a,p)", value: t.positiveScore)] + (t.negativeScore.map { [Score(name: "sim(a,n)", value: $0)] } ?? [])
        case .pair:
            members = [member("a", row.anchorItem, stacked.anchor(t)), member("b", row.positiveItem, stacked.positive(t))]
            scores = [Score(name: "score", value: t.positiveScore)] + (t.label.map { [Score(name: "label", value: $0)] } ?? [])
        case .item:
            members = [member("item", row.anchorItem, stacked.anchor(t))]
            scores = [Score(name: "score", value: t.positiveScore)] + (t.label.map { [Score(name: "label", value: $0)] } ?? [])
        }
        let terms = batch.mining.tuples.map(\.loss)
        let total = terms.reduce(0, +)
        var rowsShare: Double?
        if let gradients, gradients.rows > 0 {
            var all = 0.0
            for r in 0..<gradients.rows { for k in 0..<gradients.cols { all += Double(gradients[r, k]) * Double(gradients[r, k]) } }
            let mine = Set([stacked.anchor(t), stacked.positive(t), stacked.negative(t)].compactMap { $0 })
                .filter { $0 < gradients.rows }.reduce(0.0) { sum, r in let n = norm(r) ?? 0; return sum + n * n }
            rowsShare = all > 0 ? mine / all : nil
        }
        let marginValue = s.lossParameter(.margin).flatMap { parameter in Double(parameter.value).map { Score(name: parameter.parameter.name, value: $0) } }
        return RowDetail(kind: kind, step: batch.step, members: members, scores: scores, loss: t.loss,
                         hardness: t.hardness.map { $0.rawValue + (t.fallback ? " (fallback rule)" : "") },
                         positiveRank: kind == .ranking ? t.label.map { Int($0) } : nil,
                         lossRank: 1 + terms.filter { $0 > t.loss }.count, ties: terms.filter { $0 == t.loss }.count - 1,
                         listed: terms.count, used: batch.mining.counts.used,
                         lossShare: total > 0 ? t.loss / total : nil, rowsGradientShare: rowsShare,
                         margin: kind == .triplet ? marginValue : nil)
    }

    var title: String {
        let noun = ["triplet": "Triplet", "ranking": "Ranking", "pair": "Pair", "item": "Item"][kind.rawValue] ?? "Tuple"
        return "\(noun) at step \(step) · frozen (training goes on) · Esc closes"
    }

    /// The detail's lines at `width` cells, texts wrapped.
    func lines(width: Int) -> [(String, Style?)] {
        let width = max(width, 20)
        var lines: [(String, Style?)] = []
        func add(_ text: String, _ style: Style? = nil, indent: String = "") {
            for row in TextMetrics.wrap(text, width: max(width - TextMetrics.width(indent), 10)) { lines.append((indent + row, style)) }
        }
        let tie = ties > 0 ? " (tied with \(ties) other\(ties == 1 ? "" : "s"))" : ""
        var head = "loss term \(NumberText.short(loss)) · rank \(lossRank) of \(listed) by loss\(tie)"
        if let hardness { head += " · " + hardness }
        add(head, Style(.default, bold: true))
        if listed < used { add("(only the \(listed) largest of the \(used) used tuples are kept)", Style(.brightBlack)) }
        if let positiveRank { add("the positive ranks \(positiveRank) among the anchor's in-batch candidates (1 = first)") }
        lines.append(("", nil))
        let roleWidth = members.map { TextMetrics.width($0.role) }.max() ?? 0
        for m in members {
            let role = m.role.padding(toLength: roleWidth, withPad: " ", startingAt: 0)
            add("\(role)  item \(m.item)" + (m.label.isEmpty ? "" : " · \(m.label)"), Style(.cyan, bold: true))
            if let text = m.text { add("“\(text)”", nil, indent: String(repeating: " ", count: roleWidth + 2)) }
        }
        lines.append(("", nil))
        var numbers = scores.map { "\($0.name) \(NumberText.short($0.value))" }
        if kind == .triplet, scores.count == 2 {
            numbers.append("d(a,n) − d(a,p) \(NumberText.short(scores[1].value - scores[0].value))")
        }
        if let margin { numbers.append("\(margin.name) \(NumberText.short(margin.value))") }
        add(numbers.joined(separator: " · "))
        lines.append(("", nil))
        if let lossShare {
            add("share of the loss \(Self.percent(lossShare)): this tuple's term ÷ the sum of the terms of the \(listed) listed tuples")
        } else {
            add("share of the loss: none (every listed term is 0)")
        }
        let norms = members.compactMap { m in m.gradientNorm.map { "\(m.role) \(NumberText.short($0))" } }
        if !norms.isEmpty {
            add("|∂L/∂x| at its rows: " + norms.joined(separator: " · "))
            let share = rowsGradientShare.map { "; together \(Self.percent($0)) of the batch's squared gradient norm" } ?? ""
            add("(the whole batch loss's gradient at these embeddings, from the step's backward pass\(share))", Style(.brightBlack))
        }
        return lines
    }

    static func percent(_ fraction: Double) -> String {
        let value = fraction * 100
        return value >= 10 ? String(format: "%.1f%%", value) : String(format: "%.2g%%", value)
    }
}

/// Where a tuple's members sit in the batch's stacked embedding rows (column c, row r is
/// stacked row c·n + r), following how `MinedTupleRow` maps them to items.
struct StackedRows {
    let n: Int
    let columns: Int
    let ranking: Bool

    init(batch: BatchOutcome) {
        n = batch.items.first?.count ?? 0
        columns = batch.items.count
        ranking = batch.mining.kind == .ranking
    }

    func anchor(_ t: MinedTuple) -> Int? { t.anchor }
    func positive(_ t: MinedTuple) -> Int? { ranking ? n + t.positive : (columns > 1 ? n : 0) + t.positive }
    func negative(_ t: MinedTuple) -> Int? {
        guard let negative = t.negative else { return nil }
        return ranking ? n + negative : (columns > 2 ? 2 * n : (columns > 1 ? n : 0)) + negative
    }
}

extension ExplorerModel {
    /// An item's class name (or number) as the mining tables show it; "" when unknown.
    func classLabel(of item: Int) -> String {
        guard let index = snapshot.pointItems.firstIndex(of: item) else { return "" }
        let group = snapshot.points[index].group
        guard group >= 0 else { return "" }
        return group < snapshot.classNames.count ? snapshot.classNames[group] : "\(group)"
    }
}

extension RowDetail {
    static let maxWidth = 100

    /// The box's rect and its lines on this screen.
    static func layout(_ detail: RowDetail, width: Int, height: Int, ascii: Bool) -> (rect: Rect, lines: [(String, Style?)]) {
        let boxWidth = min(width - 2, maxWidth)
        let body = detail.lines(width: boxWidth - 4).map { line in (ascii ? Self.plain(line.0) : line.0, line.1) }
        let rect = Rect(x: 0, y: 0, width: width, height: height).centered(width: boxWidth, height: min(body.count + 2, height - 2))
        return (rect, body)
    }

    /// The largest useful scroll on this screen: the last line at the bottom of the box.
    static func maxScroll(_ detail: RowDetail, width: Int, height: Int, ascii: Bool) -> Int {
        let (rect, body) = layout(detail, width: width, height: height, ascii: ascii)
        return max(body.count - max(rect.height - 2, 0), 0)
    }

    static func render(_ model: ExplorerModel, into buffer: inout Buffer) {
        guard let detail = model.rowDetail else { return }
        let (rect, body) = layout(detail, width: model.width, height: model.height, ascii: model.ascii)
        buffer.clear(rect)
        let more = maxScroll(detail, width: model.width, height: model.height, ascii: model.ascii) > 0 ? " · j/k scroll" : ""
        let title = model.ascii ? Self.plain(detail.title + more) : detail.title + more
        let inner = Box(title: title, focused: true, ascii: model.ascii).render(into: &buffer, in: rect)
        let offset = min(model.detailScroll, maxScroll(detail, width: model.width, height: model.height, ascii: model.ascii))
        for (row, line) in body.dropFirst(offset).prefix(inner.height).enumerated() {
            buffer.put(line.0, in: inner.row(row).inset(left: 1), style: line.1 ?? .plain)
        }
    }

    /// The detail's few non-ASCII signs in ASCII, for `--ascii`.
    static func plain(_ text: String) -> String {
        text.replacingOccurrences(of: "÷", with: "/").replacingOccurrences(of: "∂", with: "d").replacingOccurrences(of: "−", with: "-")
            .replacingOccurrences(of: "·", with: "-").replacingOccurrences(of: "“", with: "\"").replacingOccurrences(of: "”", with: "\"")
    }
}
