#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import LossKit

/// What the memory a user's sizes drive (a batch, a number of classes, an encoder's width)
/// may take: half the machine's memory, the rest being left to the data, the checkpoints and
/// the system. Sizes are checked against it before anything is allocated.
public enum MemoryBudget {
    public static var bytes: Double { Double(machineBytes) / 2 }

    /// The machine's physical memory; `LOSSLAB_MEMORY_BYTES` stands in for it, so that the
    /// bounds can be exercised the same way on any machine.
    public static var machineBytes: Int {
        if let text = getenv("LOSSLAB_MEMORY_BYTES").map({ String(cString: $0) }), let value = DecimalNumber.integer(text), value > 0 {
            return value
        }
        return FileIO.physicalMemory
    }

    /// How a size passes the budget: what it would take, and the largest size that fits.
    public struct Overrun: Sendable {
        public var needed: Double
        /// 0 when not even 1 fits.
        public var largest: Int
    }

    /// nil when `bytesFor(value)` fits the budget. `bytesFor` must not shrink as its argument grows.
    /// `limit`: a smaller budget the user set, else the machine's.
    public static func overrun(_ value: Int, limit: Double? = nil, bytesFor: (Int) -> Double) -> Overrun? {
        let budget = min(limit ?? bytes, bytes)
        let needed = bytesFor(value)
        guard needed > budget else { return nil }
        var (low, high) = (0, value)
        while high - low > 1 {
            let middle = low + (high - low) / 2
            if bytesFor(middle) <= budget { low = middle } else { high = middle }
        }
        return Overrun(needed: needed, largest: low)
    }

    /// "over half of this machine's 24.6 GB"
    public static var limitText: String { "over half of this machine's \(LossMemory.describe(Double(machineBytes)))" }

    /// nil when `bytesFor(value)` fits the budget; otherwise one line naming `parameter`, its
    /// value, what it would take and the largest value that fits. `what` says what the memory
    /// is for.
    /// `limit` and `limitName`: a smaller budget the user set and the setting that set it.
    public static func refusal(_ parameter: String, _ value: Int, what: String, limit: Double? = nil, limitName: String = "",
                               bytesFor: (Int) -> Double) -> String? {
        guard let overrun = overrun(value, limit: limit, bytesFor: bytesFor) else { return nil }
        let largest = overrun.largest >= 1 ? "at most \(overrun.largest) fits" : "not even 1 fits"
        let over = limit.map { $0 < bytes ? "over \(limitName)=\(LossMemory.describe($0))" : limitText } ?? limitText
        return "\(parameter)=\(value) is too large: \(what) would take \(LossMemory.describe(overrun.needed)), \(over); here \(largest)"
    }
}
