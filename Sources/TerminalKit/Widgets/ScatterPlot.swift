/// Points in 2-D (e.g. projected embeddings) on a `BrailleCanvas`, with caller-supplied axis
/// ranges so the view stays put between frames.
///
/// Drawing order: dim points, normal points, highlighted points, arrows, then marker
/// characters on top. A cell's colour is that of the last dot drawn in it.
public struct ScatterPlot: Sendable {
    public enum Emphasis: Hashable, Sendable {
        case normal
        /// Drawn first and dimmed: context such as points outside the current batch.
        case dim
        /// Drawn last among dots and in bold.
        case highlight
        /// A character drawn over the dots at the point's cell, e.g. "A", "P", "N".
        case marker(Character)
    }

    public struct Point: Hashable, Sendable {
        public var x: Double
        public var y: Double
        /// Index into the palette (e.g. the class label); negative means the default colour.
        public var colorIndex: Int
        public var emphasis: Emphasis

        public init(x: Double, y: Double, colorIndex: Int = 0, emphasis: Emphasis = .normal) {
            self.x = x
            self.y = y
            self.colorIndex = colorIndex
            self.emphasis = emphasis
        }
    }

    /// A short segment in data coordinates, e.g. the gradient "force" on a point.
    public struct Arrow: Hashable, Sendable {
        public var fromX: Double
        public var fromY: Double
        public var toX: Double
        public var toY: Double
        public var style: Style

        public init(fromX: Double, fromY: Double, toX: Double, toY: Double, style: Style = .plain) {
            self.fromX = fromX
            self.fromY = fromY
            self.toX = toX
            self.toY = toY
            self.style = style
        }
    }

    /// Eight colours that stay apart on dark and light terminals.
    public static let defaultPalette: [Color] = [
        .cyan, .yellow, .magenta, .green, .red, .blue, .brightCyan, .brightYellow,
        .brightMagenta, .brightGreen, .brightRed, .brightBlue,
    ]

    public var points: [Point]
    public var arrows: [Arrow]
    public var xRange: ClosedRange<Double>
    public var yRange: ClosedRange<Double>
    public var palette: [Color]
    public var mode: BrailleCanvas.Mode
    /// Marker characters are drawn in this style with the point's colour as foreground.
    public var markerStyle: Style
    /// Draws a "·"/"." dot at a terminal cell where the plot has its origin if (0, 0) is in range.
    public var showOrigin: Bool
    /// When set, each point is drawn as its palette index's glyph (wrapping around) instead of
    /// a dot, one per cell, so classes read without colour; negative indices get `unknownGlyph`.
    public var glyphs: [Character]?
    public var unknownGlyph: Character = "·"

    /// Shapes that stay apart in one cell: filled and hollow pairs, then a few more.
    public static let classGlyphs: [Character] = ["●", "○", "■", "□", "▲", "△", "◆", "◇", "★", "☆", "+", "×"]
    public static let asciiClassGlyphs: [Character] = ["o", "x", "+", "*", "#", "%", "&", "=", "~", "^", "$", "?"]

    public init(
        points: [Point], arrows: [Arrow] = [], xRange: ClosedRange<Double>,
        yRange: ClosedRange<Double>, palette: [Color] = ScatterPlot.defaultPalette,
        mode: BrailleCanvas.Mode = .braille, markerStyle: Style = Style(.default, bold: true, reverse: true),
        showOrigin: Bool = false
    ) {
        self.points = points
        self.arrows = arrows
        self.xRange = xRange
        self.yRange = yRange
        self.palette = palette
        self.mode = mode
        self.markerStyle = markerStyle
        self.showOrigin = showOrigin
    }

    /// The colour for a palette index (wrapping around), `.default` for negative indices.
    public func color(for index: Int) -> Color {
        guard index >= 0, !palette.isEmpty else { return .default }
        return palette[index % palette.count]
    }

    /// Ranges that cover all finite points with `padding` (a fraction of the span) on each
    /// side; degenerate spans are widened to ±1 around the value. Nil with no finite points.
    public static func fittedRanges(
        for points: [Point], padding: Double = 0.05
    ) -> (x: ClosedRange<Double>, y: ClosedRange<Double>)? {
        var minX = Double.infinity, maxX = -Double.infinity
        var minY = Double.infinity, maxY = -Double.infinity
        for p in points where p.x.isFinite && p.y.isFinite {
            minX = min(minX, p.x)
            maxX = max(maxX, p.x)
            minY = min(minY, p.y)
            maxY = max(maxY, p.y)
        }
        guard minX <= maxX, minY <= maxY else { return nil }
        func padded(_ low: Double, _ high: Double) -> ClosedRange<Double> {
            if low == high { return (low - 1)...(high + 1) }
            let pad = (high - low) * max(0, padding)
            return (low - pad)...(high + pad)
        }
        return (padded(minX, maxX), padded(minY, maxY))
    }

    /// Keeps axes stable between frames: returns `current` unless `target` sticks out of it
    /// or is much smaller (less than `shrinkBelow` of its span in both directions), in which
    /// case `target` is returned.
    public static func stabilized(
        current: ClosedRange<Double>?, target: ClosedRange<Double>, shrinkBelow: Double = 0.5
    ) -> ClosedRange<Double> {
        guard let current else { return target }
        if target.lowerBound < current.lowerBound || target.upperBound > current.upperBound {
            return min(target.lowerBound, current.lowerBound)...max(target.upperBound, current.upperBound)
        }
        let currentSpan = current.upperBound - current.lowerBound
        let targetSpan = target.upperBound - target.lowerBound
        if currentSpan > 0 && targetSpan < currentSpan * shrinkBelow { return target }
        return current
    }

    /// What `BrailleCanvas.put` shows for a character: itself when one cell wide, else "?".
    static func oneCell(_ character: Character) -> Character { TextMetrics.width(of: character) == 1 ? character : "?" }

    public func render(into buffer: inout Buffer, in rect: Rect) {
        let area = rect.intersection(buffer.bounds)
        guard !area.isEmpty else { return }
        var canvas = BrailleCanvas(width: area.width, height: area.height, mode: mode)
        let pw = canvas.pixelWidth
        let ph = canvas.pixelHeight
        let xSpan = xRange.upperBound - xRange.lowerBound
        let ySpan = yRange.upperBound - yRange.lowerBound
        guard xSpan > 0, ySpan > 0, xSpan.isFinite, ySpan.isFinite else { return }

        /// Dot position of a data point, or nil when it is outside the ranges or not finite.
        func dot(_ x: Double, _ y: Double) -> (x: Int, y: Int)? {
            guard x.isFinite, y.isFinite, xRange.contains(x), yRange.contains(y) else { return nil }
            let fx = (x - xRange.lowerBound) / xSpan
            let fy = (y - yRange.lowerBound) / ySpan
            return (Int((fx * Double(pw - 1)).rounded()), (ph - 1) - Int((fy * Double(ph - 1)).rounded()))
        }
        /// Like `dot` but clamps far-away coordinates so lines keep their direction.
        func clampedDot(_ x: Double, _ y: Double) -> (x: Int, y: Int)? {
            guard x.isFinite, y.isFinite else { return nil }
            let fx = min(max((x - xRange.lowerBound) / xSpan, -4), 5)
            let fy = min(max((y - yRange.lowerBound) / ySpan, -4), 5)
            return (Int((fx * Double(pw - 1)).rounded()), (ph - 1) - Int((fy * Double(ph - 1)).rounded()))
        }

        if showOrigin, let origin = dot(0, 0) {
            canvas.put(mode == .braille ? "·" : ".", dotX: origin.x, dotY: origin.y, style: Style(.brightBlack))
        }

        func style(for point: Point) -> Style {
            let base = Style(foreground: color(for: point.colorIndex))
            switch point.emphasis {
            case .normal, .marker: return base
            case .dim: return base.dim
            case .highlight: return base.bold
            }
        }
        /// Dim points are drawn first, then normal ones (and the dots under markers), then highlighted ones.
        func layer(_ emphasis: Emphasis) -> Int {
            switch emphasis {
            case .dim: return 0
            case .normal, .marker: return 1
            case .highlight: return 2
            }
        }
        // Each glyph's width is checked once here, not once per point.
        let shownGlyphs = glyphs.flatMap { $0.isEmpty ? nil : $0.map(Self.oneCell) }
        let shownUnknown = Self.oneCell(unknownGlyph)
        for pass in 0..<3 {
            for point in points where layer(point.emphasis) == pass {
                guard let d = dot(point.x, point.y) else { continue }
                if let shownGlyphs {
                    let glyph = point.colorIndex < 0 ? shownUnknown : shownGlyphs[point.colorIndex % shownGlyphs.count]
                    canvas.place(glyph, cell: (d.y / canvas.dotsPerCellY) * canvas.width + d.x / canvas.dotsPerCellX, style: style(for: point))
                } else {
                    canvas.set(x: d.x, y: d.y, style: style(for: point))
                }
            }
        }
        for arrow in arrows {
            guard let a = clampedDot(arrow.fromX, arrow.fromY), let b = clampedDot(arrow.toX, arrow.toY)
            else { continue }
            canvas.line(x0: a.x, y0: a.y, x1: b.x, y1: b.y, style: arrow.style)
        }
        for point in points {
            guard case .marker(let character) = point.emphasis, let d = dot(point.x, point.y) else {
                continue
            }
            var look = markerStyle
            if look.foreground == .default { look.foreground = color(for: point.colorIndex) }
            canvas.put(character, dotX: d.x, dotY: d.y, style: look)
        }
        canvas.render(into: &buffer, in: area)
    }
}
