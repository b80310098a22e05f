/// A terminal colour: the terminal's own default, one of the 16 ANSI colours, or an entry of
/// the 256-colour palette.
public enum Color: Hashable, Sendable {
    case `default`
    case black, red, green, yellow, blue, magenta, cyan, white
    case brightBlack, brightRed, brightGreen, brightYellow
    case brightBlue, brightMagenta, brightCyan, brightWhite
    /// An index into the xterm 256-colour palette (0–15 are the ANSI colours again).
    case indexed(UInt8)

    /// The 16 named colours in palette order (index 0 ... 15).
    public static let named: [Color] = [
        .black, .red, .green, .yellow, .blue, .magenta, .cyan, .white,
        .brightBlack, .brightRed, .brightGreen, .brightYellow,
        .brightBlue, .brightMagenta, .brightCyan, .brightWhite,
    ]

    /// The palette number a backend passes to the terminal; `nil` for `.default`.
    public var paletteIndex: Int? {
        switch self {
        case .default: return nil
        case .black: return 0
        case .red: return 1
        case .green: return 2
        case .yellow: return 3
        case .blue: return 4
        case .magenta: return 5
        case .cyan: return 6
        case .white: return 7
        case .brightBlack: return 8
        case .brightRed: return 9
        case .brightGreen: return 10
        case .brightYellow: return 11
        case .brightBlue: return 12
        case .brightMagenta: return 13
        case .brightCyan: return 14
        case .brightWhite: return 15
        case .indexed(let n): return Int(n)
        }
    }

    /// Builds a colour from a palette number (negative means the default colour).
    public init(paletteIndex: Int) {
        if paletteIndex < 0 {
            self = .default
        } else if paletteIndex < 16 {
            self = Color.named[paletteIndex]
        } else {
            self = .indexed(UInt8(min(paletteIndex, 255)))
        }
    }

    /// The closest colour a terminal with only `maxColors` colours can show
    /// (8 → the basic ANSI colours, 16 → the named colours, 256 or more → unchanged).
    public func approximated(maxColors: Int) -> Color {
        guard let index = paletteIndex, maxColors >= 8 else { return .default }
        if maxColors >= 256 || index < min(maxColors, 16) { return Color(paletteIndex: index) }
        let basic16: Int
        if index < 16 {
            basic16 = index
        } else {
            basic16 = Color.nearestNamedIndex(forPaletteIndex: index)
        }
        if maxColors >= 16 { return Color(paletteIndex: basic16) }
        return Color(paletteIndex: basic16 % 8)
    }

    /// Approximate RGB (0–255 per channel) of a palette entry, following the xterm layout.
    public static func rgb(forPaletteIndex index: Int) -> (r: Int, g: Int, b: Int) {
        let ansi: [(Int, Int, Int)] = [
            (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
            (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
            (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
            (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
        ]
        if index < 16 { return ansi[max(0, index)] }
        if index < 232 {
            let n = index - 16
            let levels = [0, 95, 135, 175, 215, 255]
            return (levels[n / 36], levels[(n / 6) % 6], levels[n % 6])
        }
        let grey = 8 + (min(index, 255) - 232) * 10
        return (grey, grey, grey)
    }

    static func nearestNamedIndex(forPaletteIndex index: Int) -> Int {
        let target = rgb(forPaletteIndex: index)
        var best = 0
        var bestDistance = Int.max
        for candidate in 0..<16 {
            let c = rgb(forPaletteIndex: candidate)
            let dr = c.r - target.r, dg = c.g - target.g, db = c.b - target.b
            let distance = dr * dr + dg * dg + db * db
            if distance < bestDistance {
                bestDistance = distance
                best = candidate
            }
        }
        return best
    }
}

/// Text attributes independent of colour.
public struct TextAttributes: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = TextAttributes(rawValue: 1 << 0)
    public static let dim = TextAttributes(rawValue: 1 << 1)
    public static let reverse = TextAttributes(rawValue: 1 << 2)
    public static let underline = TextAttributes(rawValue: 1 << 3)
}

/// How a cell is drawn: colours plus attributes.
public struct Style: Hashable, Sendable {
    public var foreground: Color
    public var background: Color
    public var attributes: TextAttributes

    public init(
        foreground: Color = .default, background: Color = .default,
        attributes: TextAttributes = []
    ) {
        self.foreground = foreground
        self.background = background
        self.attributes = attributes
    }

    public init(
        _ foreground: Color, background: Color = .default,
        bold: Bool = false, dim: Bool = false, reverse: Bool = false, underline: Bool = false
    ) {
        var attributes: TextAttributes = []
        if bold { attributes.insert(.bold) }
        if dim { attributes.insert(.dim) }
        if reverse { attributes.insert(.reverse) }
        if underline { attributes.insert(.underline) }
        self.init(foreground: foreground, background: background, attributes: attributes)
    }

    /// The terminal's default look: no colours, no attributes.
    public static let plain = Style()

    public var isBold: Bool { attributes.contains(.bold) }
    public var isDim: Bool { attributes.contains(.dim) }
    public var isReversed: Bool { attributes.contains(.reverse) }
    public var isUnderlined: Bool { attributes.contains(.underline) }

    public func foreground(_ color: Color) -> Style {
        var copy = self
        copy.foreground = color
        return copy
    }

    public func background(_ color: Color) -> Style {
        var copy = self
        copy.background = color
        return copy
    }

    public func adding(_ extra: TextAttributes) -> Style {
        var copy = self
        copy.attributes.formUnion(extra)
        return copy
    }

    public var bold: Style { adding(.bold) }
    public var dim: Style { adding(.dim) }
    public var reversed: Style { adding(.reverse) }

    /// The same style without any colour (for NO_COLOR / `--no-color`): attributes are kept,
    /// so reverse-video selections and bold titles stay visible.
    public var monochrome: Style {
        Style(foreground: .default, background: .default, attributes: attributes)
    }

    /// This style, or its monochrome version when `colorEnabled` is false.
    public func resolved(colorEnabled: Bool) -> Style {
        colorEnabled ? self : monochrome
    }
}

/// Whether the environment asks for colour to be switched off (https://no-color.org: any
/// non-empty `NO_COLOR`), or the terminal is too dumb to show it.
public func colorDisabled(environment: [String: String]) -> Bool {
    if let value = environment["NO_COLOR"], !value.isEmpty { return true }
    if let term = environment["TERM"], term == "dumb" { return true }
    return false
}
