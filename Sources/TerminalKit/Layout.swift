/// Splits rectangles into parts by fixed sizes, ratios and fills.
///
/// Rules, in order:
/// 1. `spacing` cells go between neighbouring parts (as long as there is room for them).
/// 2. `.fixed(n)` parts and `.ratio(a, b)` parts (a/b of the whole length, rounded down) get
///    their size first, in order, each capped at what is left, so a rect that is too small
///    simply gives later parts less (possibly zero).
/// 3. What remains is shared among `.fill(weight)` parts by weight; rounding leftovers go to
///    the first fills. Without fills the remainder stays unused at the end.
/// Every returned rect has a non-negative size and lies inside the input.
public enum Layout {
    public enum Axis: Hashable, Sendable {
        /// Parts side by side, left to right (splits the width).
        case horizontal
        /// Parts stacked top to bottom (splits the height).
        case vertical
    }

    public enum Size: Hashable, Sendable {
        /// Exactly this many cells (fewer if there is not enough room).
        case fixed(Int)
        /// `numerator / denominator` of the whole length.
        case ratio(Int, Int)
        /// A share of what is left after fixed sizes and ratios.
        case fill(Int)

        /// A fill with weight 1.
        public static let fill = Size.fill(1)

        /// `value` percent of the whole length.
        public static func percent(_ value: Int) -> Size { .ratio(value, 100) }
    }

    /// Splits `rect` along `axis` into `sizes.count` parts.
    public static func split(_ rect: Rect, along axis: Axis, _ sizes: [Size], spacing: Int = 0)
        -> [Rect]
    {
        guard !sizes.isEmpty else { return [] }
        let total = axis == .horizontal ? rect.width : rect.height
        let gaps = max(0, spacing) * (sizes.count - 1)
        let gap = gaps <= total ? max(0, spacing) : 0
        let available = max(0, total - gap * (sizes.count - 1))
        let lengths = distribute(available, sizes: sizes, whole: total)

        var parts: [Rect] = []
        parts.reserveCapacity(sizes.count)
        var offset = 0
        for (index, length) in lengths.enumerated() {
            let start = min(offset, total)
            let clamped = max(0, min(length, total - start))
            switch axis {
            case .horizontal:
                parts.append(Rect(x: rect.x + start, y: rect.y, width: clamped, height: rect.height))
            case .vertical:
                parts.append(Rect(x: rect.x, y: rect.y + start, width: rect.width, height: clamped))
            }
            offset = start + clamped + (index < lengths.count - 1 ? gap : 0)
        }
        return parts
    }

    /// The lengths the parts get from `available` cells (see the type's rules).
    public static func distribute(_ available: Int, sizes: [Size], whole: Int? = nil) -> [Int] {
        let whole = max(0, whole ?? available)
        var remaining = max(0, available)
        var lengths = [Int](repeating: 0, count: sizes.count)
        for (index, size) in sizes.enumerated() {
            let wanted: Int
            switch size {
            case .fixed(let n):
                wanted = max(0, n)
            case .ratio(let numerator, let denominator):
                wanted = denominator > 0 ? max(0, whole * max(0, numerator) / denominator) : 0
            case .fill:
                continue
            }
            let given = min(wanted, remaining)
            lengths[index] = given
            remaining -= given
        }
        var weights: [(index: Int, weight: Int)] = []
        for (index, size) in sizes.enumerated() {
            if case .fill(let weight) = size { weights.append((index, max(0, weight))) }
        }
        let totalWeight = weights.reduce(0) { $0 + $1.weight }
        if totalWeight > 0 {
            var handedOut = 0
            for entry in weights {
                let share = remaining * entry.weight / totalWeight
                lengths[entry.index] = share
                handedOut += share
            }
            var leftover = remaining - handedOut
            for entry in weights where leftover > 0 && entry.weight > 0 {
                lengths[entry.index] += 1
                leftover -= 1
            }
        }
        return lengths
    }
}
