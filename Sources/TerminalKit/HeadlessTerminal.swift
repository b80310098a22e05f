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
            if change.x != nextX || change.y != nextY {
                bytes.append(contentsOf: [0x1B, UInt8(ascii: "[")])
                appendNumber(change.y + 1)
                bytes.append(UInt8(ascii: ";"))
                appendNumber(change.x + 1)
                bytes.append(UInt8(ascii: "H"))
            }
            if change.cell.style != style {
                appendSGR(change.cell.style)
                style = change.cell.style
            }
            for scalar in change.cell.character.unicodeScalars { appendUTF8(scalar) }
            nextX = change.x + (change.cell.isWide ? 2 : 1)
            nextY = change.y
        }
        previous = buffer
        bytesSent += bytes.count
        frames += 1
    }

    private mutating func append(_ text: String) { bytes.append(contentsOf: text.utf8) }

    /// A non-negative number in decimal digits, without making a string.
    private mutating func appendNumber(_ value: Int) {
        if value >= 10 { appendNumber(value / 10) }
        bytes.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    private mutating func appendUTF8(_ scalar: Unicode.Scalar) {
        let v = scalar.value
        switch v {
        case ..<0x80: bytes.append(UInt8(v))
        case ..<0x800: bytes.append(contentsOf: [UInt8(0xC0 | v >> 6), UInt8(0x80 | v & 0x3F)])
        case ..<0x10000: bytes.append(contentsOf: [UInt8(0xE0 | v >> 12), UInt8(0x80 | v >> 6 & 0x3F), UInt8(0x80 | v & 0x3F)])
        default: bytes.append(contentsOf: [UInt8(0xF0 | v >> 18), UInt8(0x80 | v >> 12 & 0x3F), UInt8(0x80 | v >> 6 & 0x3F), UInt8(0x80 | v & 0x3F)])
        }
    }

    /// The select-graphic-rendition sequence of a style (from a reset), as `sgr` spells it.
    private mutating func appendSGR(_ style: Style) {
        bytes.append(contentsOf: [0x1B, UInt8(ascii: "["), UInt8(ascii: "0")])
        for (on, code) in [(style.isBold, 1), (style.isDim, 2), (style.isUnderlined, 4), (style.isReversed, 7)] where on {
            bytes.append(UInt8(ascii: ";"))
            appendNumber(code)
        }
        for (color, lead) in [(style.foreground, 38), (style.background, 48)] {
            guard let index = color.paletteIndex else { continue }
            bytes.append(UInt8(ascii: ";"))
            appendNumber(lead)
            bytes.append(contentsOf: [UInt8(ascii: ";"), UInt8(ascii: "5"), UInt8(ascii: ";")])
            appendNumber(index)
        }
        bytes.append(UInt8(ascii: "m"))
    }

    /// The select-graphic-rendition sequence of a style, from a reset.
    static func sgr(_ style: Style) -> String {
        var terminal = HeadlessTerminal()
        terminal.appendSGR(style)
        return String(decoding: terminal.bytes, as: UTF8.self)
    }
}
