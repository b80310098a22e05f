/// One terminal cell. A wide character (CJK, most emoji) occupies two cells: the left one
/// holds the character (`width == 2`), the right one is an explicit continuation cell
/// (`isContinuation`, `width == 0`) that carries the same style and is never drawn itself.
public struct Cell: Hashable, Sendable {
    public private(set) var character: Character
    public var style: Style
    /// 1 for a normal cell, 2 for the left half of a wide character, 0 for a continuation.
    public private(set) var width: UInt8

    /// A cell showing `character`. Characters that take no room (controls, lone combining
    /// marks) become a space; wide characters report width 2.
    public init(_ character: Character, style: Style = .plain) {
        let w = TextMetrics.width(of: character)
        if w == 0 {
            self.character = " "
            self.width = 1
        } else {
            self.character = character
            self.width = UInt8(w)
        }
        self.style = style
    }

    /// A cell for a character the caller knows takes one cell (a canvas's dots and the
    /// glyphs it checked when they were placed): no width lookup.
    init(oneCell character: Character, style: Style) {
        self.character = character
        self.width = 1
        self.style = style
    }

    private init(continuationWith style: Style) {
        self.character = " "
        self.style = style
        self.width = 0
    }

    /// A space in the default style.
    public static let blank = Cell(" ")

    /// A space in `style`.
    public static func blank(_ style: Style) -> Cell { Cell(" ", style: style) }

    /// The right half of a wide character.
    public static func continuation(style: Style) -> Cell { Cell(continuationWith: style) }

    public var isContinuation: Bool { width == 0 }
    public var isWide: Bool { width == 2 }

    /// Cells are equal when they show the same scalars in the same style. `Character`'s own
    /// `==` compares canonical equivalence, which for two different non-ASCII characters (every
    /// braille cell of a plot) walks a normalisation; a frame's diff compares every cell.
    /// Equal scalars imply equal characters, so the synthesised hash stays consistent.
    public static func == (a: Cell, b: Cell) -> Bool {
        a.width == b.width && a.style == b.style && a.character.unicodeScalars.elementsEqual(b.character.unicodeScalars)
    }
}

/// A cell that differs from the previous frame: where it is and what it now shows.
public struct CellChange: Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var cell: Cell

    public init(x: Int, y: Int, cell: Cell) {
        self.x = x
        self.y = y
        self.cell = cell
    }
}
