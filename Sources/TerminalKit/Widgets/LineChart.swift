#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One or more series over x (usually training steps), drawn with dots on a `BrailleCanvas`.
///
/// Behaviour worth knowing:
/// - NaN and ±infinity values are skipped and break the line (a gap), so a diverging run is
///   visible; the current-value label still shows the last raw value (e.g. `nan`).
/// - With no finite point at all, `emptyText` is shown instead.
/// - A single point or a constant series is drawn in the vertical middle (the y-range is
///   widened around the value); a single x is drawn at the left edge.
/// - Many points per column are folded into one vertical run per column, so drawing cost
///   grows with the number of points plus the plot size, not their product.
/// - In `logScale`, values ≤ 0 are treated like NaN.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// y values.
        public var values: [Double]
        /// x of each value; when nil, value `i` sits at `startX + Double(i) * stepX`.
        public var xs: [Double]?
        public var startX: Double
        public var stepX: Double
        public var style: Style

        public init(
            name: String = "", values: [Double], startX: Double = 0, stepX: Double = 1,
            style: Style = .plain
        ) {
            self.name = name
            self.values = values
            self.xs = nil
            self.startX = startX
            self.stepX = stepX
            self.style = style
        }

        /// Value `i` at `xs[i]` (as many points as the shorter array has).
        public init(name: String = "", xs: [Double], values: [Double], style: Style = .plain) {
            self.name = name
            self.values = values
            self.xs = xs
            self.startX = 0
            self.stepX = 1
            self.style = style
        }

        public init(name: String = "", points: [(x: Double, y: Double)], style: Style = .plain) {
            self.name = name
            self.values = points.map(\.y)
            self.xs = points.map(\.x)
            self.startX = 0
            self.stepX = 1
            self.style = style
        }

        public var count: Int { xs.map { min($0.count, values.count) } ?? values.count }

        public func x(at index: Int) -> Double {
            if let xs { return xs[index] }
            return startX + Double(index) * stepX
        }
    }

    public var series: [Series]
    /// Fixed y-range; nil scales to the finite values shown.
    public var yRange: ClosedRange<Double>?
    /// Fixed x-range; nil spans all points.
    public var xRange: ClosedRange<Double>?
    public var logScale: Bool
    /// x on a log10 scale (a step axis where the first steps get as much room as the last);
    /// x ≤ 0 is skipped.
    public var logX = false
    public var mode: BrailleCanvas.Mode
    /// Max/min labels and an axis line on the left.
    public var showYLabels: Bool
    /// An x axis on the bottom row: tick labels at round values (1, 2 or 5 × 10^k apart; powers
    /// of ten with `logX`), each under its position.
    public var showXLabels: Bool
    /// The last value of each series at the top right, in the series' style.
    public var showCurrentValue: Bool
    public var labelStyle: Style
    public var emptyText: String
    public var format: @Sendable (Double) -> String

    public init(
        series: [Series], yRange: ClosedRange<Double>? = nil, xRange: ClosedRange<Double>? = nil,
        logScale: Bool = false, mode: BrailleCanvas.Mode = .braille, showYLabels: Bool = true,
        showXLabels: Bool = false, showCurrentValue: Bool = true,
        labelStyle: Style = Style(.brightBlack), emptyText: String = "no data",
        format: @escaping @Sendable (Double) -> String = { NumberFormat.compact($0) }
    ) {
        self.series = series
        self.yRange = yRange
        self.xRange = xRange
        self.logScale = logScale
        self.mode = mode
        self.showYLabels = showYLabels
        self.showXLabels = showXLabels
        self.showCurrentValue = showCurrentValue
        self.labelStyle = labelStyle
        self.emptyText = emptyText
        self.format = format
    }

    /// Exponential moving average: `s = smoothing * s + (1 - smoothing) * x`, started at the
    /// first finite value. `smoothing` 0 returns the input, 0.9 is heavy smoothing. Non-finite
    /// inputs stay non-finite in the output and do not disturb the average.
    public static func exponentialMovingAverage(_ values: [Double], smoothing: Double) -> [Double] {
        let weight = min(max(smoothing.isFinite ? smoothing : 0, 0), 0.9999)
        var result: [Double] = []
        result.reserveCapacity(values.count)
        var state = 0.0, started = false
        for value in values {
            guard value.isFinite else {
                result.append(value)
                continue
            }
            state = started ? weight * state + (1 - weight) * value : value
            started = true
            result.append(state)
        }
        return result
    }

    private func transform(_ y: Double) -> Double {
        guard logScale else { return y }
        return y > 0 ? log10(y) : .nan
    }

    private func untransform(_ y: Double) -> Double {
        logScale ? pow(10, y) : y
    }

    private func transformX(_ x: Double) -> Double {
        guard logX else { return x }
        return x > 0 ? log10(x) : .nan
    }

    /// Round x values between `low` and `high` (in data units) for tick labels, about `count`
    /// (at most one more).
    public static func ticks(from low: Double, to high: Double, count: Int, logarithmic: Bool = false) -> [Double] {
        guard low.isFinite, high.isFinite, high > low, count >= 1 else { return [] }
        if logarithmic {
            guard low > 0 else { return ticks(from: max(low, 1), to: high, count: count, logarithmic: true) }
            var exponent = Int(ceil(log10(low) - 1e-9))
            var result: [Double] = []
            while pow(10, Double(exponent)) <= high * (1 + 1e-9) {
                result.append(pow(10, Double(exponent)))
                exponent += 1
            }
            let stride = max(1, (result.count + count - 1) / count)
            return result.enumerated().filter { $0.offset % stride == 0 }.map(\.element)
        }
        // The finest round step that gives at most count + 1 ticks.
        let magnitude = pow(10, floor(log10((high - low) / Double(count))) - 1)
        let candidates = [1.0, 2, 5, 10, 20, 50, 100, 200, 500].map { $0 * magnitude }
        func tickCount(_ step: Double) -> Int { Int(floor(high / step + 1e-9) - ceil(low / step - 1e-9)) + 1 }
        let step = candidates.first { tickCount($0) <= count + 1 } ?? candidates.last!
        var value = ceil(low / step - 1e-9) * step
        var result: [Double] = []
        while value <= high + step * 1e-9 {
            result.append(abs(value) < step * 1e-9 ? 0 : value)
            value += step
        }
        return result
    }

    /// The x-range used for drawing (never empty), or nil when there are no points.
    public func resolvedXRange() -> ClosedRange<Double>? {
        if let xRange {
            let low = transformX(xRange.lowerBound), high = transformX(xRange.upperBound)
            guard low.isFinite, high.isFinite else { return nil }
            return low < high ? low...high : low...(low + 1)
        }
        var low = Double.infinity
        var high = -Double.infinity
        for s in series {
            for i in 0..<s.count {
                let x = transformX(s.x(at: i))
                guard x.isFinite else { continue }
                low = min(low, x)
                high = max(high, x)
            }
        }
        guard low <= high else { return nil }
        return low < high ? low...high : low...(low + 1)
    }

    /// The y-range used for drawing, in plotted units (log10 of the value in log scale), never
    /// empty; nil when there is no finite value in the x-range.
    public func resolvedYRange() -> ClosedRange<Double>? {
        var low = Double.infinity
        var high = -Double.infinity
        if let yRange {
            low = transform(yRange.lowerBound)
            high = transform(yRange.upperBound)
            if !low.isFinite || !high.isFinite { return nil }
        } else {
            // Only a fixed x-range leaves points out; without one every point counts.
            let xr = xRange == nil ? nil : resolvedXRange()
            for s in series {
                for i in 0..<s.count {
                    let y = transform(s.values[i])
                    guard y.isFinite else { continue }
                    if let xr, xRange != nil, !xr.contains(transformX(s.x(at: i))) { continue }
                    low = min(low, y)
                    high = max(high, y)
                }
            }
            guard low <= high else { return nil }
        }
        if low < high { return low...high }
        let pad = low == 0 ? 1 : abs(low) * 0.1
        return (low - pad)...(high + pad)
    }

    private var hasFiniteValue: Bool {
        series.contains { s in (0..<s.count).contains { transform(s.values[$0]).isFinite } }
    }

    public func render(into buffer: inout Buffer, in rect: Rect) {
        let area = rect.intersection(buffer.bounds)
        guard !area.isEmpty else { return }
        guard hasFiniteValue, let xr = resolvedXRange(), let yr = resolvedYRange() else {
            let text = TextMetrics.truncate(emptyText, toWidth: area.width)
            let w = TextMetrics.width(text)
            buffer.put(
                text, x: area.x + (area.width - w) / 2, y: area.y + (area.height - 1) / 2,
                style: labelStyle, clip: area)
            return
        }

        var plot = area
        // The x axis takes the bottom row when there is room for a plot above it; its labels
        // are placed once the plot's left edge (after the y labels) is known.
        var axisRow: Rect? = nil
        if showXLabels && plot.height >= 3 {
            axisRow = plot.bottom(1)
            plot = plot.inset(bottom: 1)
        }
        if showYLabels {
            let top = format(untransform(yr.upperBound))
            let bottom = format(untransform(yr.lowerBound))
            let labelWidth = max(TextMetrics.width(top), plot.height >= 2 ? TextMetrics.width(bottom) : 0)
            let gutter = labelWidth + 1
            if plot.width >= gutter + 4 {
                let axisX = plot.x + gutter - 1
                let ascii = mode == .ascii
                buffer.put(
                    TextMetrics.fit(top, width: labelWidth, alignment: .right), x: plot.x, y: plot.y,
                    style: labelStyle)
                if plot.height >= 2 {
                    buffer.put(
                        TextMetrics.fit(bottom, width: labelWidth, alignment: .right), x: plot.x,
                        y: plot.maxY - 1, style: labelStyle)
                }
                for y in plot.y..<plot.maxY {
                    let isEnd = y == plot.y || y == plot.maxY - 1
                    let glyph: Character = ascii ? (isEnd ? "+" : "|") : (isEnd ? "┤" : "│")
                    buffer.put(glyph, x: axisX, y: y, style: labelStyle)
                }
                plot = plot.inset(left: gutter)
            }
        }
        guard !plot.isEmpty else { return }
        if let row = axisRow { drawXAxis(into: &buffer, row: Rect(x: plot.x, y: row.y, width: plot.width, height: 1), range: xr) }

        var canvas = BrailleCanvas(width: plot.width, height: plot.height, mode: mode)
        let pw = canvas.pixelWidth
        let ph = canvas.pixelHeight
        let xSpan = xr.upperBound - xr.lowerBound
        let ySpan = yr.upperBound - yr.lowerBound
        func pixelX(_ x: Double) -> Int {
            let f = min(max((x - xr.lowerBound) / xSpan, -1), 2)
            return Int((f * Double(pw - 1)).rounded())
        }
        func pixelY(_ y: Double) -> Int {
            let f = min(max((y - yr.lowerBound) / ySpan, -1), 2)
            return (ph - 1) - Int((f * Double(ph - 1)).rounded())
        }

        var lastCells: [(x: Int, y: Int)] = []
        for s in series {
            var previous: (x: Int, y: Int)? = nil
            var lastDrawn: (x: Int, y: Int)? = nil
            var column: (x: Int, low: Int, high: Int)? = nil
            func flush() {
                if let c = column { canvas.verticalLine(x: c.x, y0: c.low, y1: c.high, style: s.style) }
                column = nil
            }
            for i in 0..<s.count {
                let x = transformX(s.x(at: i))
                let y = transform(s.values[i])
                guard x.isFinite, y.isFinite else {
                    flush()
                    previous = nil
                    continue
                }
                let point = (x: pixelX(x), y: pixelY(y))
                if let p = previous, p.x != point.x {
                    flush()
                    canvas.line(x0: p.x, y0: p.y, x1: point.x, y1: point.y, style: s.style)
                }
                if let c = column, c.x == point.x {
                    column = (c.x, min(c.low, point.y), max(c.high, point.y))
                } else {
                    flush()
                    column = (point.x, point.y, point.y)
                }
                previous = point
                lastDrawn = point
            }
            flush()
            if let lastDrawn, lastDrawn.x >= 0, lastDrawn.y >= 0 {
                lastCells.append((lastDrawn.x / canvas.dotsPerCellX, lastDrawn.y / canvas.dotsPerCellY))
            }
        }
        canvas.render(into: &buffer, in: plot)

        if showCurrentValue {
            drawCurrentValues(into: &buffer, plot: plot, avoiding: lastCells)
        }
    }

    /// Tick labels under their x positions, left to right, skipping any that would touch the
    /// one before.
    private func drawXAxis(into buffer: inout Buffer, row: Rect, range: ClosedRange<Double>) {
        let low = logX ? pow(10, range.lowerBound) : range.lowerBound
        let high = logX ? pow(10, range.upperBound) : range.upperBound
        let span = range.upperBound - range.lowerBound
        var nextFree = row.x
        for tick in Self.ticks(from: low, to: high, count: max(row.width / 7, 2), logarithmic: logX) {
            let position = (transformX(tick) - range.lowerBound) / span
            let column = row.x + Int((position * Double(max(row.width - 1, 0))).rounded())
            let label = format(tick)
            let start = min(max(column - TextMetrics.width(label) / 2, row.x), row.maxX - TextMetrics.width(label))
            guard start >= nextFree, start >= row.x else { continue }
            buffer.put(label, x: start, y: row.y, style: labelStyle, clip: row)
            nextFree = start + TextMetrics.width(label) + 1
        }
    }

    /// The last value of each series, right-aligned and stacked at the top of the plot, or at
    /// the bottom when the top labels would cover where a line currently ends.
    private func drawCurrentValues(into buffer: inout Buffer, plot: Rect, avoiding ends: [(x: Int, y: Int)]) {
        var labels: [(text: String, style: Style)] = []
        for s in series where s.count > 0 {
            let value = s.values[s.count - 1]
            let text = s.name.isEmpty ? format(value) : "\(s.name) \(format(value))"
            labels.append((TextMetrics.truncate(text, toWidth: plot.width), s.style.bold))
        }
        let shown = Array(labels.prefix(plot.height))
        guard !shown.isEmpty else { return }
        func covers(firstRow: Int) -> Bool {
            for (index, label) in shown.enumerated() {
                let row = firstRow + index
                let startColumn = plot.width - TextMetrics.width(label.text)
                if ends.contains(where: { $0.y == row && $0.x >= startColumn }) { return true }
            }
            return false
        }
        let bottomRow = plot.height - shown.count
        let firstRow = covers(firstRow: 0) && !covers(firstRow: bottomRow) ? bottomRow : 0
        for (index, label) in shown.enumerated() {
            let w = TextMetrics.width(label.text)
            buffer.put(label.text, x: plot.maxX - w, y: plot.y + firstRow + index, style: label.style, clip: plot)
        }
    }
}
