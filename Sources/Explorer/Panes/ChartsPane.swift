import LossKit
import LossSession
import TerminalKit

/// The loss (raw, smoothed, and held-out where measured) over steps above the global
/// gradient norm.
enum ChartsPane {
    static func render(_ model: ExplorerModel, into buffer: inout Buffer, in rect: Rect) {
        let history = model.snapshot.history
        let halves = rect.splitRows([.percent(55), .fill])
        let steps = history.map { Double($0.step) }
        let losses = history.map(\.loss)
        var lossSeries = [
            LineChart.Series(name: "loss", points: zip(steps, losses).map { ($0, $1) }, style: Style(.brightBlack)),
            LineChart.Series(name: "smoothed", points: zip(steps, LineChart.exponentialMovingAverage(losses, smoothing: 0.9)).map { ($0, $1) },
                             style: Style(.cyan, bold: true)),
        ]
        let heldOut = model.snapshot.evaluations.compactMap { record in record.value("test_loss").map { (Double(record.step), $0) } }
        if !heldOut.isEmpty { lossSeries.append(LineChart.Series(name: "held-out", points: heldOut, style: Style(.magenta, bold: true))) }
        draw(title: "loss", series: lossSeries, values: losses, model: model, into: &buffer, in: halves[0])
        let norms = history.map(\.gradientNorm)
        let gradientSeries = [LineChart.Series(name: "|grad|", points: zip(steps, norms).map { ($0, $1) }, style: Style(.yellow))]
        draw(title: "|grad|", series: gradientSeries, values: norms, model: model, into: &buffer, in: halves[1])
    }

    static func draw(title: String, series: [LineChart.Series], values: [Double], model: ExplorerModel,
                     into buffer: inout Buffer, in rect: Rect) {
        guard rect.height > 1 else { return }
        let finite = values.filter(\.isFinite)
        var caption = title
        if let last = finite.last, let low = finite.min(), let high = finite.max() {
            caption += "  \(NumberText.short(last))  (min \(NumberText.short(low)), max \(NumberText.short(high)))"
        }
        buffer.put(caption, in: rect.row(0), style: Style(.default, bold: true))
        let chart = LineChart(series: series, mode: model.ascii ? .ascii : .braille, emptyText: "no steps yet")
        chart.render(into: &buffer, in: Rect(x: rect.x, y: rect.y + 1, width: rect.width, height: rect.height - 1))
    }
}
