/// A terminal without a screen, for benchmarks: `draw` does what a real frame costs on our
/// side (the diff against the last frame, then cursor moves, SGR sequences and UTF-8 for the
/// changed cells, as bytes a terminal would be sent) and keeps only the byte count.
public struct HeadlessTerminal: Sendable {
    private var previous: Buffer?
    private var bytes: [UInt8] = []
    /// Bytes the frames so far would have written.
    public private(set) var bytesSent = 0
    public private(set) var frames = 0

    public init() {}

    /// The bytes of the last frame.
    public var lastFrame: [UInt8] { bytes }

    public mutating func draw(_ buffer: Buffer) {
        bytes.removeAll(keepingCapacity: true)
        var style: Style?
        var nextX = -1, nextY = -1
        if previous == nil || previous!.width != buffer.width || previous!.height != buffer.height { append("\u{1B}[2J") }
        for change in buffer.diff(against: previous) {
            if change.x != nextX || change.y != nextY { append("\u{1B}[\(change.y + 1);\(change.x + 1)H") }
            if change.cell.style != style {
                append(Self.sgr(change.cell.style))
                style = change.cell.style
            }
            bytes.append(contentsOf: String(change.cell.character).utf8)
            nextX = change.x + (change.cell.isWide ? 2 : 1)
            nextY = change.y
        }
        previous = buffer
        bytesSent += bytes.count
        frames += 1
    }

    private mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// The select-graphic-rendition sequence of a style, from a reset.
    static func sgr(_ style: Style) -> String {
        var codes = ["0"]
        if style.isBold { codes.append("1") }
        if style.isDim { codes.append("2") }
        if style.isUnderlined { codes.append("4") }
        if style.isReversed { codes.append("7") }
        if let fg = style.foreground.paletteIndex { codes.append("38;5;\(fg)") }
        if let bg = style.background.paletteIndex { codes.append("48;5;\(bg)") }
        return "\u{1B}[" + codes.joined(separator: ";") + "m"
    }
}
