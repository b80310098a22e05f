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
