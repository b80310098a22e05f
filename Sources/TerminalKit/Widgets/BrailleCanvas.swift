/// A dot canvas over a grid of cells. In `.braille` mode every cell holds 2 × 4 dots (the
/// U+2800 block); `.halfBlock` gives 1 × 2 dots per cell (▀ ▄ █); `.ascii` keeps the 2 × 4
/// grid but shows each cell by how many of its dots are set (`.`, `:`, `*`, `#`).
///
/// Dot coordinates start at the top-left; y grows downwards. Each cell has one style: the
/// style of the last dot set in it wins. Characters can be placed over the dots (`put`),
/// e.g. markers on a scatter plot; they replace the cell's dots when rendered.
public struct BrailleCanvas: Sendable {
    public enum Mode: Hashable, Sendable {
        case braille, halfBlock, ascii
    }

    /// Size in cells.
    public let width: Int
    public let height: Int
    public let mode: Mode

    private var dots: [UInt8]
    private var styles: [Style]
    /// Characters placed over the dots, per cell (a plot without colour places one per point,
    /// so this is an array, not a dictionary).
    private var overlay: [Character?]
    private var overlayStyles: [Style]
    private var overlayCount = 0

    public init(width: Int, height: Int, mode: Mode = .braille) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.mode = mode
        dots = [UInt8](repeating: 0, count: self.width * self.height)
        styles = [Style](repeating: .plain, count: self.width * self.height)
        overlay = [Character?](repeating: nil, count: self.width * self.height)
        overlayStyles = [Style](repeating: .plain, count: self.width * self.height)
    }

    /// Dots per cell horizontally in this mode.
    public var dotsPerCellX: Int { mode == .halfBlock ? 1 : 2 }
    /// Dots per cell vertically in this mode.
    public var dotsPerCellY: Int { mode == .halfBlock ? 2 : 4 }
    /// Canvas size in dots.
    public var pixelWidth: Int { width * dotsPerCellX }
    public var pixelHeight: Int { height * dotsPerCellY }

    /// Whether nothing has been drawn yet.
    public var isEmpty: Bool { overlayCount == 0 && !dots.contains { $0 != 0 } }

    /// Sets the dot at (x, y) (in dots); outside the canvas it is ignored.
    public mutating func set(x: Int, y: Int, style: Style = .plain) {
        guard x >= 0, y >= 0, x < pixelWidth, y < pixelHeight else { return }
        let cellX = x / dotsPerCellX
        let cellY = y / dotsPerCellY
        let index = cellY * width + cellX
        dots[index] |= BrailleCanvas.bit(dx: x % dotsPerCellX, dy: y % dotsPerCellY, mode: mode)
        styles[index] = style
    }

    /// Clears the dot at (x, y).
    public mutating func unset(x: Int, y: Int) {
        guard x >= 0, y >= 0, x < pixelWidth, y < pixelHeight else { return }
        let index = (y / dotsPerCellY) * width + x / dotsPerCellX
        dots[index] &= ~BrailleCanvas.bit(dx: x % dotsPerCellX, dy: y % dotsPerCellY, mode: mode)
    }

    /// Whether the dot at (x, y) is set.
    public func isSet(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < pixelWidth, y < pixelHeight else { return false }
        let index = (y / dotsPerCellY) * width + x / dotsPerCellX
        return dots[index] & BrailleCanvas.bit(dx: x % dotsPerCellX, dy: y % dotsPerCellY, mode: mode) != 0
    }

    /// Draws a straight line of dots between two dot positions (both ends included), using
    /// Bresenham's integer algorithm. Parts outside the canvas are skipped.
    public mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, style: Style = .plain) {
        // Lines entirely to one side of the canvas cannot show anything.
        if (x0 < 0 && x1 < 0) || (y0 < 0 && y1 < 0) { return }
        if (x0 >= pixelWidth && x1 >= pixelWidth) || (y0 >= pixelHeight && y1 >= pixelHeight) {
            return
        }
        let dx = abs(x1 - x0)
        let dy = -abs(y1 - y0)
        let stepX = x0 < x1 ? 1 : -1
        let stepY = y0 < y1 ? 1 : -1
        var error = dx + dy
        var x = x0
        var y = y0
        // Bound the walk so absurd coordinates cannot stall a frame.
        var budget = max(dx, -dy) + 1
        while budget > 0 {
            set(x: x, y: y, style: style)
            if x == x1 && y == y1 { break }
            let doubled = 2 * error
            if doubled >= dy {
                error += dy
                x += stepX
            }
            if doubled <= dx {
                error += dx
                y += stepY
            }
            budget -= 1
        }
    }

    /// Sets every dot of the vertical run between `y0` and `y1` in column `x`.
    public mutating func verticalLine(x: Int, y0: Int, y1: Int, style: Style = .plain) {
        let top = max(0, min(y0, y1))
        let bottom = min(pixelHeight - 1, max(y0, y1))
        guard top <= bottom else { return }
        for y in top...bottom { set(x: x, y: y, style: style) }
    }

    /// Places a character on cell (cellX, cellY), drawn over (instead of) that cell's dots.
    /// Wide characters are not supported here and become "?".
    public mutating func put(_ character: Character, cellX: Int, cellY: Int, style: Style = .plain) {
        guard cellX >= 0, cellY >= 0, cellX < width, cellY < height else { return }
        place(TextMetrics.width(of: character) == 1 ? character : "?", cell: cellY * width + cellX, style: style)
    }

    /// Places a character already known to be one cell wide (`put` checks).
    mutating func place(_ character: Character, cell index: Int, style: Style) {
        if overlay[index] == nil { overlayCount += 1 }
        overlay[index] = character
        overlayStyles[index] = style
    }

    /// Places a character on the cell that contains dot (x, y).
    public mutating func put(_ character: Character, dotX: Int, dotY: Int, style: Style = .plain) {
        guard dotX >= 0, dotY >= 0, dotX < pixelWidth, dotY < pixelHeight else { return }
        put(character, cellX: dotX / dotsPerCellX, cellY: dotY / dotsPerCellY, style: style)
    }

    /// Removes all dots and characters.
    public mutating func clear() {
        for i in dots.indices { dots[i] = 0 }
        for i in overlay.indices { overlay[i] = nil }
        overlayCount = 0
    }

    /// The character cell (cellX, cellY) shows, or nil when it is empty.
    public func glyph(cellX: Int, cellY: Int) -> Character? {
        guard cellX >= 0, cellY >= 0, cellX < width, cellY < height else { return nil }
        let index = cellY * width + cellX
        if let placed = overlay[index] { return placed }
        let bits = dots[index]
        guard bits != 0 else { return nil }
        switch mode {
        case .braille:
            return BrailleCanvas.brailleCharacters[Int(bits)]
        case .halfBlock:
            switch bits {
            case 1: return "▀"
            case 2: return "▄"
            default: return "█"
            }
        case .ascii:
            switch bits.nonzeroBitCount {
            case 1: return "."
            case 2...3: return ":"
            case 4...5: return "*"
            default: return "#"
            }
        }
    }

    /// Draws the canvas into `rect`, cell (0, 0) at the rect's top-left, clipped to the rect.
    /// Empty cells are left untouched, so whatever is underneath shows through.
    public func render(into buffer: inout Buffer, in rect: Rect) {
        let rows = min(height, rect.height)
        let columns = min(width, rect.width)
        guard rows > 0 && columns > 0 else { return }
        for cy in 0..<rows {
            for cx in 0..<columns {
                let index = cy * width + cx
                if let placed = overlay[index] {
                    buffer.set(Cell(oneCell: placed, style: overlayStyles[index]), x: rect.x + cx, y: rect.y + cy)
                } else if let character = glyph(cellX: cx, cellY: cy) {
                    buffer.set(Cell(oneCell: character, style: styles[index]), x: rect.x + cx, y: rect.y + cy)
                }
            }
        }
    }

    /// The 256 braille patterns, U+2800 + dot bits, made once.
    static let brailleCharacters: [Character] = (0..<256).map { Character(Unicode.Scalar(0x2800 + UInt32($0))!) }

    /// Bit for a dot inside a cell. Braille numbers its dots column-wise 1-2-3 then 4-5-6
    /// and puts the bottom row (7, 8) in the top bits.
    private static func bit(dx: Int, dy: Int, mode: Mode) -> UInt8 {
        if mode == .halfBlock { return dy == 0 ? 1 : 2 }
        if dy == 3 { return dx == 0 ? 0x40 : 0x80 }
        return UInt8(1) << UInt8(dy + (dx == 0 ? 0 : 3))
    }
}
