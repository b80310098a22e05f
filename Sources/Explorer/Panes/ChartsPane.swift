import LossKit
import LossSession
import TerminalKit

/// The loss (raw, smoothed, and held-out where measured) over steps above the global
/// gradient norm.
enum ChartsPane {
    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        switch model.chartMode {
        case .lossAndGradient: lossAndGradient(model, into: &buffer, in: rect)
        case .census: census(model, into: &buffer, in: rect)
        case .histogram: histogram(model, into: &buffer, in: rect)
        case .terms: terms(model, into: &buffer, in: rect)
        case .teacher: teacher(model, into: &buffer, in: rect)
        case .drift: drift(model, into: &buffer, in: rect)
        }
    }

    /// The last batch's student numbers against the teacher's, one dot per comparison, with the
    /// line student = teacher; the caption has the fit, the per-row divergence is in the mining pane.
    static func teacher(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        guard let report = model.snapshot.batch?.mining.distillation else {
            buffer.put("a distillation loss (\(LossCatalog.names(taking: [.teacherScores, .teacher]))) draws its student against its teacher here",
                       in: rect.row(0), style: Style(.brightBlack))
            return
        }
        let metrics = Dictionary(report.metrics.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        let what = report.quantity == .margin ? "margins" : "pair cosines"
        buffer.put(String(format: "%@: x teacher, y student · r %.3f · slope %@", what, metrics["teacher_correlation"] ?? 0,
                          NumberText.short(metrics["teacher_slope"] ?? 0)), in: rect.row(0), style: Style(.default, bold: true))
        let points = report.points.map { ScatterPlot.Point(x: $0.teacher, y: $0.student, colorIndex: 0) }
        let body = Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: max(rect.height - 2, 0))
        guard let ranges = ScatterPlot.fittedRanges(for: points), body.height > 0 else { return }
        let low = max(ranges.x.lowerBound, ranges.y.lowerBound), high = min(ranges.x.upperBound, ranges.y.upperBound)
        let diagonal = low < high ? [ScatterPlot.Arrow(fromX: low, fromY: low, toX: high, toY: high, style: Style(.brightBlack))] : []
        var plot = ScatterPlot(points: points, arrows: diagonal, xRange: ranges.x, yRange: ranges.y, mode: model.ascii ? .ascii : .braille)
        plot.palette = [.cyan]
        plot.render(into: &buffer, in: body)
        let axes = "teacher " + NumberText.short(ranges.x.lowerBound) + " … " + NumberText.short(ranges.x.upperBound)
            + " · student " + NumberText.short(ranges.y.lowerBound) + " … " + NumberText.short(ranges.y.upperBound)
            + (diagonal.isEmpty ? "" : " · grey y = x")
        buffer.put(axes, in: rect.row(rect.height - 1), style: Style(.brightBlack))
    }

    /// The two encoders' mean cosine on the batch's items and the distance between their weights, over steps.
    static func drift(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let history = windowed(model.snapshot.history, model.chartWindow)
        func series(_ name: String) -> [(Double, Double)] {
            history.compactMap { record in record.extras.first { $0.0 == name }.map { (Double(record.step), $0.1) } }
        }
        let cosine = series("encoder_cosine"), distance = series("weight_distance")
        guard !cosine.isEmpty else {
            buffer.put("ContrastiveTensionLoss and its in-batch form chart their two encoders' drift here", in: rect.row(0),
                       style: Style(.brightBlack))
            return
        }
        let halves = rect.splitRows([.percent(50), .fill])
        draw(title: "model 1 · model 2 cosine", series: [LineChart.Series(name: "cosine", points: cosine, style: Style(.cyan, bold: true))],
             values: cosine.map(\.1), model: model, into: &buffer, in: halves[0])
        draw(title: "|weights 1 − weights 2|", series: [LineChart.Series(name: "distance", points: distance, style: Style(.yellow))],
             values: distance.map(\.1), model: model, into: &buffer, in: halves[1])
    }

    static let termStyles = [Style(.cyan, bold: true), Style(.yellow), Style(.magenta, bold: true), Style(.green), Style(.red), Style(.blue, bold: true)]

    /// Each term of the loss over steps (a sum's weighted terms, GOR's two, MatryoshkaLoss's
    /// loss at each dimension), then each quantity the terms push with its target drawn flat
    /// beside it (GOR: mean similarity → 0, second moment → 1/d); under them, when the held-out
    /// evaluation measured widths, the metric against the dimension (`DimensionCurve`).
    static func terms(_ model: ExplorerModel, into buffer: inout Buffer, in whole: Rect) {
        let history = windowed(model.snapshot.history, model.chartWindow)
        let curve = DimensionCurve(model.snapshot)
        var rect = whole
        if let curve {
            guard history.last?.terms.isEmpty == false else { return curve.render(into: &buffer, in: whole, ascii: model.ascii) }
            let parts = whole.splitRows([.fill, .fixed(curve.height(in: whole.height, leaving: 5))])
            rect = parts[0]
            curve.render(into: &buffer, in: parts[1], ascii: model.ascii)
        }
        guard let last = history.last, !last.terms.isEmpty else {
            buffer.put("one term: a sum (loss A + 0.1 * B) or a loss that returns terms charts them here", in: rect.row(0),
                       style: Style(.brightBlack))
            return
        }
        let steps = history.map { Double($0.step) }
        func values(_ pick: (StepRecord) -> Double?) -> [(Double, Double)] {
            zip(steps, history).compactMap { step, record in pick(record).map { (step, $0) } }
        }
        // Every term the window saw: a MatryoshkaLoss sampling n_dims_per_step has only some in each step.
        var names = last.terms.map(\.name)
        for record in history { for term in record.terms where !names.contains(term.name) { names.append(term.name) } }
        let termPoints = names.map { name in values { $0.terms.first { $0.name == name }?.value } }
        let termSeries = zip(names, termPoints).enumerated().map { index, pair in
            LineChart.Series(name: pair.0, points: pair.1, style: termStyles[index % termStyles.count])
        }
        let parts = rect.splitRows([.percent(last.targets.isEmpty ? 100 : 50)] + last.targets.map { _ in .fill })
        let caption = "terms " + last.terms.map { "\($0.name) \(NumberText.short($0.value))" }.joined(separator: " · ")
        // A regulariser's terms are orders of magnitude below the main loss's: positive terms share a log scale.
        let all = termPoints.flatMap { $0.map(\.1) }.filter(\.isFinite)
        draw(title: caption, series: termSeries, values: all, model: model, into: &buffer, in: parts[0], logScale: all.allSatisfy { $0 > 0 })
        for (index, target) in last.targets.enumerated() where index + 1 < parts.count {
            let measured = values { $0.targets.first { $0.name == target.name }?.value }
            let goal = values { $0.targets.first { $0.name == target.name }?.target }
            let series = [LineChart.Series(name: target.name, points: measured, style: termStyles[(index + last.terms.count) % termStyles.count]),
                          LineChart.Series(name: "target", points: goal, style: Style(.brightBlack))]
            let title = "\(target.name) \(NumberText.short(target.value)) → \(NumberText.short(target.target))"
            draw(title: title, series: series, values: (measured + goal).map(\.1), model: model, into: &buffer, in: parts[index + 1], caption: false)
        }
    }

    /// Stacked shares of hard, hard + semi-hard and all triplets over steps, with the share of
    /// active terms: the lines show what the margin leaves to learn.
    static func census(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let history = windowed(model.snapshot.history, model.chartWindow)
        let steps = history.map { Double($0.step) }
        let hard = history.map(\.hardFraction)
        let semi = history.map { $0.hardFraction + $0.semiHardFraction }
        let active = history.map(\.activeFraction)
        var series = [
            LineChart.Series(name: "hard", xs: steps, values: hard, style: Style(.red, bold: true)),
            LineChart.Series(name: "+semi-hard", xs: steps, values: semi, style: Style(.yellow)),
            LineChart.Series(name: "active", xs: steps, values: active, style: Style(.cyan)),
        ]
        var last = history.last.map { String(format: "hard %.0f%% · semi-hard %.0f%% · active %.0f%%", 100 * $0.hardFraction,
                                              100 * $0.semiHardFraction, 100 * $0.activeFraction) } ?? "no steps yet"
        // Counts only some losses report: CoSENT/AnglE's inverted orderings, GIST's masked candidates.
        if let extra = countSeries(history), let latest = history.last {
            // Pairs have no hard or semi-hard tuples: their census is the inverted orderings.
            if extra.name == "inverted" {
                series.removeFirst(2)
                last = String(format: "active %.0f%%", 100 * latest.activeFraction)
            }
            series.append(LineChart.Series(name: extra.name, points: zip(steps, history.map(extra.share)).map { ($0, $1) },
                                           style: Style(.magenta, bold: true)))
            last = extra.caption(latest) + " · " + last
        }
        buffer.put(last, in: rect.row(0), style: Style(.default, bold: true))
        var chart = LineChart(series: series, yRange: 0...1, mode: model.ascii ? .ascii : .braille, showXLabels: true, emptyText: "no steps yet")
        chart.logX = model.chartWindow == .logSteps
        chart.render(into: &buffer, in: Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: max(rect.height - 1, 0)))
    }

    /// The share over steps of a count the loss reports beside the census: inverted orderings
    /// among the comparable pairs, or masked candidates among all candidates.
    static func countSeries(_ history: [StepRecord]) -> (name: String, share: (StepRecord) -> Double, caption: (StepRecord) -> String)? {
        guard let names = history.last.map({ Set($0.extras.map(\.0)) }) else { return nil }
        func value(_ record: StepRecord, _ name: String) -> Double { record.extras.first { $0.0 == name }?.1 ?? 0 }
        if names.contains("inversions") {
            let share = { (r: StepRecord) in value(r, "comparable_pairs") > 0 ? value(r, "inversions") / value(r, "comparable_pairs") : 0 }
            return ("inverted", share, { r in String(format: "inverted %.0f of %.0f orderings", value(r, "inversions"), value(r, "comparable_pairs")) })
        }
        if names.contains("masked") {
            let share = { (r: StepRecord) -> Double in
                let masked = value(r, "masked"), total = masked + Double(r.counts.valid)
                return total > 0 ? masked / total : 0
            }
            return ("masked", share, { r in String(format: "masked %.0f (%.0f%%)", value(r, "masked"), 100 * share(r)) })
        }
        return nil
    }

    /// d(a,p) and d(a,n) of the last batch in the metric's units, margin marked.
    static func histogram(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let margin = model.snapshot.lossParameter(.margin).flatMap { Double($0.value) }
        let histogram = MarginHistogram(model.snapshot.batch?.mining, margin: margin, bins: max(rect.height - 1, 1))
        let lines = histogram.text(width: max(rect.width - 2, 1), ascii: model.ascii).split(separator: "\n").map(String.init)
        for (offset, line) in lines.prefix(rect.height).enumerated() {
            let style: Style = line.contains("margin") && offset > 0 ? Style(.magenta, bold: true) : .plain
            buffer.put(line, in: rect.row(offset), style: offset == 0 ? Style(.default, bold: true) : style)
        }
    }

    /// The records the window shows: all, the most recent steps, or all (log-scaled steps).
    static func windowed(_ history: [StepRecord], _ window: ExplorerModel.ChartWindow) -> [StepRecord] {
        guard window == .recent, let last = history.last?.step else { return history }
        let first = last - ExplorerModel.ChartWindow.recentSteps
        return Array(history.drop { $0.step <= first })
    }

    static func lossAndGradient(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let history = windowed(model.snapshot.history, model.chartWindow)
        let firstStep = history.first?.step ?? 0
        let halves = rect.splitRows([.percent(55), .fill])
        let steps = history.map { Double($0.step) }
        let losses = history.map(\.loss)
        var lossSeries = [
            LineChart.Series(name: "loss", xs: steps, values: losses, style: Style(.brightBlack)),
            LineChart.Series(name: "smoothed", xs: steps, values: LineChart.exponentialMovingAverage(losses, smoothing: 0.9),
                             style: Style(.cyan, bold: true)),
        ]
        let heldOut = model.snapshot.evaluations.filter { $0.step >= firstStep }
            .compactMap { record in record.value("test_loss").map { (Double(record.step), $0) } }
        // A flat held-out line from an encoder that never trains held-out items would read as a bug.
        let heldOutNote = model.snapshot.heldOutUntrained.map { "held-out n/a: \($0)" }
        if !heldOut.isEmpty && heldOutNote == nil {
            lossSeries.append(LineChart.Series(name: "held-out", points: heldOut, style: Style(.magenta, bold: true)))
        }
        if model.snapshot.rivalLoss != nil {
            // The duel's rival on the same axes: same batches, another configuration.
            let rival = windowed(model.snapshot.rivalHistory, model.chartWindow)
            lossSeries.append(LineChart.Series(name: "duel", points: zip(rival.map { Double($0.step) },
                LineChart.exponentialMovingAverage(rival.map(\.loss), smoothing: 0.9)).map { ($0, $1) }, style: Style(.green, bold: true)))
            let rivalHeldOut = model.snapshot.rivalEvaluations.filter { $0.step >= firstStep }.compactMap { r in r.value("test_loss").map { (Double(r.step), $0) } }
            if !rivalHeldOut.isEmpty {
                lossSeries.append(LineChart.Series(name: "duel held-out", points: rivalHeldOut, style: Style(.brightGreen)))
            }
        }
        let notes = [memoryNote(history.last), heldOutNote].compactMap { $0 }
        draw(title: model.logLoss ? "loss (log)" : "loss", series: lossSeries, values: losses, model: model, into: &buffer, in: halves[0],
             note: notes.isEmpty ? nil : notes.joined(separator: " · "), logScale: model.logLoss)
        let norms = history.map(\.gradientNorm)
        let gradientSeries = [LineChart.Series(name: "|grad|", xs: steps, values: norms, style: Style(.yellow))]
        draw(title: "|grad|", series: gradientSeries, values: norms, model: model, into: &buffer, in: halves[1])
    }

    /// What the last step's loss held at its fullest and in how many mini-batches, for the
    /// losses that measure it: a cached loss's curve is its plain loss's, at this memory.
    static func memoryNote(_ record: StepRecord?) -> String? {
        guard let scratch = record?.scratch else { return nil }
        let batches = scratch.miniBatches == 1 ? "1 mini-batch" : "\(scratch.miniBatches) mini-batches"
        return "held \(LossMemory.describe(Double(scratch.peakBytes)))/step in \(batches)"
    }

    static func draw(title: String, series: [LineChart.Series], values: [Double], model: ExplorerModel,
                     into buffer: inout Buffer, in rect: Rect, note: String? = nil, logScale: Bool = false, caption withRange: Bool = true) {
        guard rect.height > 1 else { return }
        let finite = values.filter(\.isFinite)
        var caption = title
        if withRange, title.count < 40, let last = finite.last, let low = finite.min(), let high = finite.max() {
            caption += "  \(NumberText.short(last))  (min \(NumberText.short(low)), max \(NumberText.short(high)))"
        }
        buffer.put(caption, in: rect.row(0), style: Style(.default, bold: true))
        let end = rect.x + TextMetrics.width(caption)
        if let note, end < rect.row(0).maxX {
            buffer.put("  " + note, in: Rect(x: end, y: rect.y, width: rect.row(0).maxX - end, height: 1), style: Style(.magenta))
        }
        var chart = LineChart(series: series, logScale: logScale, mode: model.ascii ? .ascii : .braille, showXLabels: true,
                              emptyText: "no steps yet")
        chart.logX = model.chartWindow == .logSteps
        chart.render(into: &buffer, in: Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1))
    }
}
