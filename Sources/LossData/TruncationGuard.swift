#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import Synchronization

/// Keeps a mapped file that another program cuts short from killing the process.
///
/// Reading a mapped page past a file's end raises SIGBUS, and `np.save` over the path of a
/// loaded `.npy` truncates that very file before writing it again. While a mapping is
/// watched, a SIGBUS inside it replaces the mapping from the faulting page to its end with
/// zero pages (still read-only) and prints one line saying which file changed; the read is
/// then retried and sees zeros. A SIGBUS anywhere else goes to the handler that was there
/// before, as if this one did not exist. The handler touches only a fixed table written
/// before the mapping is used, and calls only mmap and write.
enum TruncationGuard {
    /// One watched mapping; `start == 0` marks a free slot.
    private struct Slot {
        var start = 0
        var end = 0
        var message: UnsafeMutablePointer<UInt8>?
        var messageLength = 0
        var reported = false
    }

    private static let capacity = 64
    nonisolated(unsafe) private static let slots: UnsafeMutablePointer<Slot> = {
        let slots = UnsafeMutablePointer<Slot>.allocate(capacity: capacity)
        slots.initialize(repeating: Slot(), count: capacity)
        return slots
    }()
    nonisolated(unsafe) private static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 1)
    private static let lock = Mutex(false)
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    /// Watches `byteCount` bytes mapped at `start` from `path`; the slot to release, or nil
    /// when every slot is taken (that mapping then goes unwatched).
    static func watch(start: UnsafeRawPointer, byteCount: Int, path: String) -> Int? {
        let line = Array("losslab: \(path) was cut short on disk while loaded; its missing part now reads as zeros: load it again\n".utf8)
        return lock.withLock { installed -> Int? in
            if !installed {
                var action = sigaction()
                action.__sigaction_handler.sa_sigaction = onSIGBUS
                action.sa_flags = SA_SIGINFO | SA_ONSTACK
                sigemptyset(&action.sa_mask)
                guard sigaction(SIGBUS, &action, previous) == 0 else { return nil }
                installed = true
            }
            guard let free = (0..<capacity).first(where: { slots[$0].start == 0 }) else { return nil }
            let message = UnsafeMutablePointer<UInt8>.allocate(capacity: line.count)
            message.initialize(from: line, count: line.count)
            slots[free] = Slot(start: Int(bitPattern: start), end: Int(bitPattern: start) + byteCount,
                               message: message, messageLength: line.count)
            return free
        }
    }

    /// Stops watching a slot; call before unmapping, so the handler never covers an address
    /// that may be mapped again for something else.
    static func release(_ slot: Int) {
        lock.withLock { _ in
            let message = slots[slot].message
            slots[slot] = Slot()
            message?.deallocate()
        }
    }

    /// Whether the watched mapping in `slot` has met the end of its file.
    static func wasCutShort(_ slot: Int) -> Bool {
        lock.withLock { _ in slots[slot].reported }
    }

    /// Covers a fault at `address` inside a watched mapping with zero pages; false when the
    /// address is in none.
    fileprivate static func cover(_ address: Int) -> Bool {
        for index in 0..<capacity {
            let slot = slots[index]
            guard slot.start != 0, address >= slot.start, address < slot.end else { continue }
            let page = address & ~(pageSize - 1)
            let zeros = mmap(UnsafeMutableRawPointer(bitPattern: page), slot.end - page, PROT_READ,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0)
            if zeros == MAP_FAILED { return false }
            if !slot.reported, let message = slot.message {
                slots[index].reported = true
                _ = write(2, message, slot.messageLength)
            }
            return true
        }
        return false
    }

    /// Puts the earlier handler back; returning then repeats the faulting read, which reaches it.
    fileprivate static func passOn() {
        sigaction(SIGBUS, previous, nil)
    }
}

private func onSIGBUS(_ signal: Int32, _ info: UnsafeMutablePointer<siginfo_t>?, _ context: UnsafeMutableRawPointer?) {
    if let address = info?.pointee._sifields._sigfault.si_addr, TruncationGuard.cover(Int(bitPattern: address)) { return }
    TruncationGuard.passOn()
}
