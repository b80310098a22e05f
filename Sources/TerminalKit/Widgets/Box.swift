/// A frame around a pane, with an optional title on the top border (left) and an optional
/// note on the top border (right). A focused box uses heavier lines, `focusStyle`, and shows
/// its title in reverse video, so focus stays visible without colour and in ASCII mode.
public struct Box: Sendable {
    public enum Lines: Hashable, Sendable {
        case single, rounded, double, heavy
    }

    public var title: String?
    public var rightTitle: String?
    public var focused: Bool
    /// Draw with `+ - |` instead of box-drawing characters.
    public var ascii: Bool
    public var lines: Lines
    public var style: Style
    public var focusStyle: Style
    public var titleStyle: Style

    public init(
        title: String? = nil, rightTitle: String? = nil, focused: Bool = false,
        ascii: Bool = false, lines: Lines = .rounded, style: Style = Style(.brightBlack),
        focusStyle: Style = Style(.cyan, bold: true), titleStyle: Style = Style(.default, bold: true)
    ) {
        self.title = title
        self.rightTitle = rightTitle
        self.focused = focused
        self.ascii = ascii
        self.lines = lines
        self.style = style
        self.focusStyle = focusStyle
        self.titleStyle = titleStyle
    }

    /// The area inside the frame.
    public func inner(_ rect: Rect) -> Rect {
        guard rect.width >= 2 && rect.height >= 2 else {
            return Rect(x: rect.x, y: rect.y, width: 0, height: 0)
        }
        return rect.inset(by: 1)
    }

    /// Characters: top-left, top-right, bottom-left, bottom-right, horizontal, vertical.
    private var glyphs: (Character, Character, Character, Character, Character, Character) {
        if ascii { return ("+", "+", "+", "+", focused ? "=" : "-", "|") }
        switch focused ? .heavy : lines {
        case .single: return ("┌", "┐", "└", "┘", "─", "│")
        case .rounded: return ("╭", "╮", "╰", "╯", "─", "│")
        case .double: return ("╔", "╗", "╚", "╝", "═", "║")
        case .heavy: return ("┏", "┓", "┗", "┛", "━", "┃")
        }
    }

    /// Draws the frame into `rect` and returns the inner area. Rects narrower or shorter than
    /// 2 cells get no frame (and an empty inner area).
    @discardableResult
    public func render(into buffer: inout Buffer, in rect: Rect) -> Rect {
        let area = rect.intersection(buffer.bounds)
        guard rect.width >= 2 && rect.height >= 2, !area.isEmpty else { return inner(rect) }
        let frameStyle = focused ? focusStyle : style
        let (tl, tr, bl, br, h, v) = glyphs
        let right = rect.maxX - 1
        let bottom = rect.maxY - 1
        for x in (rect.x + 1)..<right {
            buffer.put(h, x: x, y: rect.y, style: frameStyle, clip: area)
            buffer.put(h, x: x, y: bottom, style: frameStyle, clip: area)
        }
        for y in (rect.y + 1)..<bottom {
            buffer.put(v, x: rect.x, y: y, style: frameStyle, clip: area)
            buffer.put(v, x: right, y: y, style: frameStyle, clip: area)
        }
        buffer.put(tl, x: rect.x, y: rect.y, style: frameStyle, clip: area)
        buffer.put(tr, x: right, y: rect.y, style: frameStyle, clip: area)
        buffer.put(bl, x: rect.x, y: bottom, style: frameStyle, clip: area)
        buffer.put(br, x: right, y: bottom, style: frameStyle, clip: area)

        // Titles sit on the top border after one line character, padded with spaces; in
        // very narrow boxes they start right after the corner.
        let roomy = rect.width - 4 >= 5
        let titleX = rect.x + (roomy ? 2 : 1)
        let available = roomy ? rect.width - 4 : rect.width - 2
        var titleEnd = titleX
        if let title, !title.isEmpty, available >= 3 {
            let text = TextMetrics.truncate(" \(title) ", toWidth: available)
            var look = focused ? titleStyle.reversed : titleStyle
            if focused && ascii { look = look.bold }
            titleEnd = buffer.put(text, x: titleX, y: rect.y, style: look, clip: area)
        }
        if let rightTitle, !rightTitle.isEmpty {
            // Mirrors the left title: one line character before the corner when there is room.
            let margin = roomy ? 1 : 0
            let room = right - margin - titleEnd - 1
            if room >= 3 {
                let text = TextMetrics.truncate(" \(rightTitle) ", toWidth: room)
                let w = TextMetrics.width(text)
                buffer.put(text, x: right - margin - w, y: rect.y, style: frameStyle, clip: area)
            }
        }
        return inner(rect)
    }
}
public typealias Panel = Box
