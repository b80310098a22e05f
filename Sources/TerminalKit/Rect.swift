/// A rectangle of terminal cells. Width and height are never negative.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int { didSet { width = max(0, width) } }
    public var height: Int { didSet { height = max(0, height) } }

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    /// One past the right-most column.
    public var maxX: Int { x + width }
    /// One past the bottom row.
    public var maxY: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }
    public var area: Int { width * height }

    public var description: String { "Rect(x: \(x), y: \(y), w: \(width), h: \(height))" }

    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < maxX && py >= y && py < maxY
    }

    /// The common part of two rectangles (empty, positioned at the clamped origin, when they
    /// do not overlap).
    public func intersection(_ other: Rect) -> Rect {
        let left = max(x, other.x)
        let top = max(y, other.y)
        let right = min(maxX, other.maxX)
        let bottom = min(maxY, other.maxY)
        return Rect(x: left, y: top, width: right - left, height: bottom - top)
    }

    /// Shrinks each side by the given amounts; never yields negative sizes.
    public func inset(top: Int = 0, left: Int = 0, bottom: Int = 0, right: Int = 0) -> Rect {
        let newWidth = max(0, width - left - right)
        let newHeight = max(0, height - top - bottom)
        return Rect(
            x: x + min(left, width), y: y + min(top, height), width: newWidth, height: newHeight)
    }

    /// Shrinks every side by `amount`.
    public func inset(by amount: Int) -> Rect {
        inset(top: amount, left: amount, bottom: amount, right: amount)
    }

    /// Shrinks horizontally by `horizontal` on both sides and vertically by `vertical`.
    public func inset(horizontal: Int, vertical: Int) -> Rect {
        inset(top: vertical, left: horizontal, bottom: vertical, right: horizontal)
    }

    /// A rectangle of (at most) the given size centred inside this one; useful for overlays
    /// such as pickers and the help screen.
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(max(0, w), width)
        let ch = min(max(0, h), height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }

    /// The first `count` rows (fewer if the rect is shorter).
    public func top(_ count: Int) -> Rect {
        Rect(x: x, y: y, width: width, height: min(max(0, count), height))
    }

    /// The last `count` rows.
    public func bottom(_ count: Int) -> Rect {
        let h = min(max(0, count), height)
        return Rect(x: x, y: maxY - h, width: width, height: h)
    }

    /// The first `count` columns.
    public func left(_ count: Int) -> Rect {
        Rect(x: x, y: y, width: min(max(0, count), width), height: height)
    }

    /// The last `count` columns.
    public func right(_ count: Int) -> Rect {
        let w = min(max(0, count), width)
        return Rect(x: maxX - w, y: y, width: w, height: height)
    }

    /// Row `index` of this rect as a one-row rect (empty when out of range).
    public func row(_ index: Int) -> Rect {
        guard index >= 0 && index < height else { return Rect(x: x, y: y, width: 0, height: 0) }
        return Rect(x: x, y: y + index, width: width, height: 1)
    }

    /// Stacked rows, top to bottom (see `Layout.split`).
    public func splitRows(_ sizes: [Layout.Size], spacing: Int = 0) -> [Rect] {
        Layout.split(self, along: .vertical, sizes, spacing: spacing)
    }

    /// Side-by-side columns, left to right (see `Layout.split`).
    public func splitColumns(_ sizes: [Layout.Size], spacing: Int = 0) -> [Rect] {
        Layout.split(self, along: .horizontal, sizes, spacing: spacing)
    }
}
