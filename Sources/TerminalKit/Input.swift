/// A key press, independent of any terminal library.
public enum Key: Hashable, Sendable {
    /// A printable character (including space).
    case character(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end, insert
    case enter, escape, tab
    /// Shift-Tab (ncurses `KEY_BTAB`).
    case backTab
    case backspace, delete
    /// F1 ... F24.
    case function(Int)
    /// Ctrl + a letter, given in lower case: Ctrl-A is `.control("a")`. Ctrl-I, Ctrl-M and
    /// Ctrl-H arrive as `.tab`, `.enter` and `.backspace` because terminals cannot tell them
    /// apart.
    case control(Character)
    /// Something the backend could not name, with its raw code.
    case unknown(Int)

    /// Decodes a character code as a terminal delivers it (after the backend has handled
    /// function-key codes): control codes become named keys or `.control`, everything else is
    /// a character.
    public static func decode(characterCode code: UInt32) -> Key {
        switch code {
        case 9: return .tab
        case 10, 13: return .enter
        case 8, 127: return .backspace
        case 27: return .escape
        case 0: return .control(" ")  // Ctrl-Space / Ctrl-@
        case 1...26:
            let letter = Character(Unicode.Scalar(UInt8(96 + code)))
            return .control(letter)
        case 28...31:
            return .unknown(Int(code))
        default:
            guard let scalar = Unicode.Scalar(code), !TextMetrics.isControl(scalar) else {
                return .unknown(Int(code))
            }
            return .character(Character(scalar))
        }
    }

    /// A short human-readable name ("C-a", "PgDn", "F5", "x"), e.g. for the help overlay.
    public var displayName: String {
        switch self {
        case .character(" "): return "Space"
        case .character(let c): return String(c)
        case .up: return "Up"
        case .down: return "Down"
        case .left: return "Left"
        case .right: return "Right"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .insert: return "Ins"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .tab: return "Tab"
        case .backTab: return "S-Tab"
        case .backspace: return "Bksp"
        case .delete: return "Del"
        case .function(let n): return "F\(n)"
        case .control(let c): return "C-\(c)"
        case .unknown(let code): return "key(\(code))"
        }
    }
}

/// A mouse button or wheel movement.
public enum MouseButton: Hashable, Sendable {
    case left, middle, right, scrollUp, scrollDown, other
}

/// A mouse event in screen cells (0-based).
public struct MouseEvent: Hashable, Sendable {
    public enum Kind: Hashable, Sendable {
        case press, release, click, doubleClick
    }

    public var x: Int
    public var y: Int
    public var button: MouseButton
    public var kind: Kind

    public init(x: Int, y: Int, button: MouseButton, kind: Kind = .click) {
        self.x = x
        self.y = y
        self.button = button
        self.kind = kind
    }
}

/// Everything the terminal can tell the app.
public enum InputEvent: Hashable, Sendable {
    case key(Key)
    /// The terminal changed size; the new size in cells.
    case resize(width: Int, height: Int)
    case mouse(MouseEvent)
}
