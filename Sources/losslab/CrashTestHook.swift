import Foundation

/// A test hook for the end-to-end checks that a crash still gives the terminal back:
/// with LOSSLAB_CRASH_TEST=KIND:PATH set, the explorer crashes the named way as soon as the
/// file PATH exists (the test creates it once the session has something to lose).
/// KIND is `fatal` (fatalError), `precondition` (a failed precondition), `segv` (a write
/// through a bad pointer) or `abort`. Without the variable nothing is checked.
struct CrashTestHook {
    enum Kind: String { case fatal, precondition, segv, abort }

    let kind: Kind
    let trigger: String

    init?(environment: [String: String]) {
        guard let value = environment["LOSSLAB_CRASH_TEST"], let colon = value.firstIndex(of: ":"),
              let kind = Kind(rawValue: String(value[..<colon])) else { return nil }
        self.kind = kind
        trigger = String(value[value.index(after: colon)...])
    }

    /// Crashes when the trigger file exists.
    func check() {
        guard FileManager.default.fileExists(atPath: trigger) else { return }
        switch kind {
        case .fatal: fatalError("crash test: fatalError")
        case .precondition: precondition(trigger.isEmpty, "crash test: precondition")
        case .segv: Self.writeThroughBadPointer()
        case .abort: Foundation.abort()
        }
    }

    @inline(never)
    private static func writeThroughBadPointer() {
        // Address 16 is never mapped; the write faults with SIGSEGV.
        let address = UnsafeMutablePointer<Int>(bitPattern: Int(getpid() & 0) + 16)!
        address.pointee = 1
    }
}
