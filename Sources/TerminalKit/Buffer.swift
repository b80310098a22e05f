/// A width × height grid of cells that widgets draw into and a backend puts on screen.
///
/// Wide characters take two cells (a leading cell and a continuation cell). The buffer keeps
/// that pairing intact: overwriting either half of a wide character turns the other half
/// into a space, and a wide character that does not fit (last column, clip edge) is drawn as
/// a space instead.
public struct Buffer: Hashable, Sendable {
    public let width: Int
    public let height: Int
    private var storage: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        let cell = fill.isContinuation || fill.isWide ? Cell.blank(fill.style) : fill
        storage = [Cell](repeating: cell, count: self.width * self.height)
    }

    /// The whole buffer as a rect at the origin.
    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// All cells, row by row.
    public var cells: [Cell] { storage }

    /// The cell at (x, y); out-of-range reads give a blank cell, out-of-range writes are
    /// ignored. Writing keeps wide characters consistent (see `set(_:x:y:)`).
    public subscript(x: Int, y: Int) -> Cell {
        get {
            guard x >= 0, y >= 0, x < width, y < height else { return .blank }
            return storage[y * width + x]
        }
        set { set(newValue, x: x, y: y) }
    }

    /// Writes one cell. Continuation cells cannot be written directly (they are created by
    /// writing a wide character), and such writes are ignored. A wide character in the last
    /// column becomes a space.
    public mutating func set(_ cell: Cell, x: Int, y: Int) {
        guard x >= 0, y >= 0, x < width, y < height, !cell.isContinuation else { return }
        var cell = cell
        if cell.isWide && x + 1 >= width { cell = Cell.blank(cell.style) }
        let row = y * width
        breakWide(at: x, row: row)
        if cell.isWide {
            // The right half may be the left half of another wide character.
            if x + 1 < width && storage[row + x + 1].isWide { breakWide(at: x + 1, row: row) }
            storage[row + x] = cell
            storage[row + x + 1] = Cell.continuation(style: cell.style)
        } else {
            storage[row + x] = cell
        }
    }

    /// If (x, row) is half of a wide character, turns the other half into a space.
    private mutating func breakWide(at x: Int, row: Int) {
        let current = storage[row + x]
        if current.isContinuation, x > 0 {
            storage[row + x - 1] = Cell.blank(storage[row + x - 1].style)
        } else if current.isWide, x + 1 < width {
            storage[row + x + 1] = Cell.blank(storage[row + x + 1].style)
        }
    }

    /// Writes `text` starting at column `x` of row `y`, one character after another by
    /// display width, inside `clip` (and the buffer). Control and zero-width characters are
    /// skipped; a wide character cut by the clip edge shows as a space. Returns the column
    /// after the text (even if part of it was clipped).
    @discardableResult
    public mutating func put(
        _ text: some StringProtocol, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil
    ) -> Int {
        let region = (clip ?? bounds).intersection(bounds)
        var column = x
        guard y >= region.y, y < region.maxY, !region.isEmpty else {
            return x + TextMetrics.width(text)
        }
        for character in text {
            let cell = Cell(character, style: style)
            let w = TextMetrics.width(of: character)
            if w == 0 { continue }
            if column >= region.maxX {
                column += w
                continue
            }
            if column >= region.x {
                if column + w <= region.maxX {
                    set(cell, x: column, y: y)
                } else {
                    set(Cell.blank(style), x: column, y: y)
                }
            } else if column + w > region.x {
                set(Cell.blank(style), x: region.x, y: y)
            }
            column += w
        }
        return column
    }

    /// Writes one character (see `put(_:x:y:style:clip:)`); returns the next column.
    @discardableResult
    public mutating func put(
        _ character: Character, x: Int, y: Int, style: Style = .plain, clip: Rect? = nil
    ) -> Int {
        put(String(character), x: x, y: y, style: style, clip: clip)
    }

    /// Writes `text` fitted into `rect`'s first row: truncated with an ellipsis or padded per
    /// `alignment` so that exactly the row's width is covered.
    public mutating func put(
        _ text: String, in rect: Rect, style: Style = .plain, alignment: Alignment = .left
    ) {
        guard !rect.isEmpty else { return }
        let fitted = TextMetrics.fit(text, width: rect.width, alignment: alignment)
        put(fitted, x: rect.x, y: rect.y, style: style, clip: rect)
    }

    /// Fills `rect` (clipped to the buffer) with copies of `cell`.
    public mutating func fill(_ rect: Rect, with cell: Cell = .blank) {
        let region = rect.intersection(bounds)
        guard !region.isEmpty else { return }
        if cell.isWide {
            for y in region.y..<region.maxY {
                var x = region.x
                while x < region.maxX {
                    if x + 1 < region.maxX {
                        set(cell, x: x, y: y)
                    } else {
                        set(Cell.blank(cell.style), x: x, y: y)
                    }
                    x += 2
                }
            }
            return
        }
        let plain = cell.isContinuation ? Cell.blank(cell.style) : cell
        for y in region.y..<region.maxY {
            let row = y * width
            // Wide characters crossing the region's left or right edge lose their other half.
            breakWide(at: region.x, row: row)
            breakWide(at: region.maxX - 1, row: row)
            for x in region.x..<region.maxX { storage[row + x] = plain }
        }
    }

    /// Fills `rect` with `character` in `style`.
    public mutating func fill(_ rect: Rect, character: Character, style: Style = .plain) {
        fill(rect, with: Cell(character, style: style))
    }

    /// Blanks `rect` with spaces in `style`.
    public mutating func clear(_ rect: Rect, style: Style = .plain) {
        fill(rect, with: Cell.blank(style))
    }

    /// Changes the style of every cell in `rect` (for highlights such as a selected row).
    public mutating func updateStyle(in rect: Rect, _ transform: (inout Style) -> Void) {
        let region = rect.intersection(bounds)
        guard !region.isEmpty else { return }
        for y in region.y..<region.maxY {
            for x in region.x..<region.maxX {
                transform(&storage[y * width + x].style)
            }
        }
    }

    /// Copies `other` onto this buffer with its top-left corner at (x, y), clipped to `clip`.
    public mutating func draw(_ other: Buffer, x: Int, y: Int, clip: Rect? = nil) {
        let region = (clip ?? bounds).intersection(bounds)
        for sy in 0..<other.height {
            let ty = y + sy
            guard ty >= region.y && ty < region.maxY else { continue }
            for sx in 0..<other.width {
                let cell = other.storage[sy * other.width + sx]
                if cell.isContinuation { continue }
                let tx = x + sx
                let w = Int(cell.width)
                if tx < region.x || tx >= region.maxX { continue }
                if tx + w > region.maxX {
                    set(Cell.blank(cell.style), x: tx, y: ty)
                } else {
                    set(cell, x: tx, y: ty)
                }
            }
        }
    }

    /// The text of each row (wide characters once, continuation cells skipped), with trailing
    /// spaces removed. Meant for snapshot tests.
    public func lines() -> [String] {
        (0..<height).map { line($0) }
    }

    /// The text of row `y` as in `lines()`.
    public func line(_ y: Int) -> String {
        guard y >= 0 && y < height else { return "" }
        var text = ""
        var pendingSpaces = 0
        for x in 0..<width {
            let cell = storage[y * width + x]
            if cell.isContinuation { continue }
            if cell.character == " " {
                pendingSpaces += 1
            } else {
                if pendingSpaces > 0 {
                    text += String(repeating: " ", count: pendingSpaces)
                    pendingSpaces = 0
                }
                text.append(cell.character)
            }
        }
        return text
    }

    /// The cells that must be redrawn to turn `previous` into this buffer, row by row, left to
    /// right. Continuation cells never appear: if one changed, its leading cell is listed
    /// instead. With no previous frame, or one of a different size, every cell is listed.
    public func diff(against previous: Buffer?) -> [CellChange] {
        var changes: [CellChange] = []
        guard let previous, previous.width == width, previous.height == height else {
            for y in 0..<height {
                for x in 0..<width {
                    let cell = storage[y * width + x]
                    if !cell.isContinuation { changes.append(CellChange(x: x, y: y, cell: cell)) }
                }
            }
            return changes
        }
        for y in 0..<height {
            let row = y * width
            for x in 0..<width where storage[row + x] != previous.storage[row + x] {
                let cell = storage[row + x]
                if cell.isContinuation {
                    guard x > 0 else { continue }
                    if let last = changes.last, last.x == x - 1, last.y == y { continue }
                    changes.append(CellChange(x: x - 1, y: y, cell: storage[row + x - 1]))
                } else {
                    changes.append(CellChange(x: x, y: y, cell: cell))
                }
            }
        }
        return changes
    }

    /// The same buffer with every style stripped of colour (attributes kept).
    public func monochrome() -> Buffer {
        var copy = self
        for index in copy.storage.indices {
            copy.storage[index].style = copy.storage[index].style.monochrome
        }
        return copy
    }
}
