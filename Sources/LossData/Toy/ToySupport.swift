import LossKit

// Shared plumbing for the toy generators, text datasets and conversions: unbiased bounded
// integers, shuffles and distinct samples drawn from `SeededRandom` by our own algorithms
// (never the standard library's, whose draws may change between Swift releases), and the
// parameter checks that turn bad arguments into a `DataError`.

/// `SeededRandom` plus the integer draws the toy code needs.
struct ToyRandom {
    private var source: SeededRandom

    init(seed: UInt64) { source = SeededRandom(seed: seed) }

    mutating func next() -> UInt64 { source.next() }

    /// Uniform in [low, high).
    mutating func uniform(_ low: Double, _ high: Double) -> Double { source.uniform(low, high) }

    /// Standard normal.
    mutating func normal() -> Double { source.normal() }

    /// Uniform in 0..<bound, without modulo bias (rejects the short top range).
    mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "below(_:) needs a positive bound")
        let range = UInt64(bound)
        let threshold = (0 &- range) % range
        while true {
            let draw = next()
            if draw >= threshold { return Int(draw % range) }
        }
    }

    /// Fisher-Yates, back to front.
    mutating func shuffle<T>(_ values: inout [T]) {
        var index = values.count - 1
        while index > 0 {
            let other = below(index + 1)
            if other != index { values.swapAt(index, other) }
            index -= 1
        }
    }

    /// `count` draws from 0..<range, distinct while `count <= range`; beyond that every value
    /// is used once per round before any repeats. Floyd's algorithm: O(count), not O(range).
    mutating func distinct(_ count: Int, below range: Int) -> [Int] {
        precondition(range > 0 || count == 0, "distinct(_:below:) needs a non-empty range")
        var result: [Int] = []
        result.reserveCapacity(count)
        while result.count < count {
            let take = min(count - result.count, range)
            var chosen = Set<Int>(minimumCapacity: take)
            var round: [Int] = []
            round.reserveCapacity(take)
            for upper in (range - take)..<range {
                let draw = below(upper + 1)
                let pick = chosen.contains(draw) ? upper : draw
                chosen.insert(pick)
                round.append(pick)
            }
            result += round
        }
        return result
    }
}

/// Parameter checks with messages that name the generator and the argument.
enum ToyCheck {
    static func atLeast(_ value: Int, _ minimum: Int, _ name: String, in context: String) throws {
        if value < minimum { throw DataError("\(context): \(name) must be at least \(minimum), got \(value)") }
    }

    static func nonNegative(_ value: Double, _ name: String, in context: String) throws {
        if !value.isFinite { throw DataError("\(context): \(name) must be a finite number, got \(value)") }
        if value < 0 { throw DataError("\(context): \(name) must not be negative, got \(value)") }
    }

    static func fraction(_ value: Double, _ name: String, in context: String) throws {
        if !(value >= 0 && value <= 1) { throw DataError("\(context): \(name) must be a fraction in [0, 1], got \(value)") }
    }

    /// The product of `factors`, or a DataError when it overflows or passes `limit`.
    static func product(_ factors: [Int], limit: Int, _ what: String, in context: String) throws -> Int {
        var total = 1
        for factor in factors {
            let (next, overflow) = total.multipliedReportingOverflow(by: factor)
            if overflow || next > limit {
                throw DataError("\(context): that would make more than \(limit) \(what); lower the counts")
            }
            total = next
        }
        return total
    }
}

/// "12.5%" style text for names.
func percentText(_ fraction: Double) -> String {
    let percent = (fraction * 1000).rounded() / 10
    return percent == percent.rounded() ? "\(Int(percent))%" : "\(percent)%"
}
