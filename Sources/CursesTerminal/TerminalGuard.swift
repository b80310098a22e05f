import CNcursesw
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

// State shared with signal handlers. Atomics are lock-free, so reading and writing them from
// a handler is safe. The saved terminal modes and previous signal actions are written once,
// before the handlers that read them are installed.
private let cursesActive = Atomic<Bool>(false)
private let gracefulSignals = Atomic<Bool>(false)
private let shutdownSignalCount = Atomic<Int>(0)
private let firstShutdownSignal = Atomic<Int32>(0)
private let guardInstalled = Atomic<Bool>(false)
private let termiosSaved = Atomic<Bool>(false)
nonisolated(unsafe) private var savedTermios = termios()
nonisolated(unsafe) private var previousActions: UnsafeMutablePointer<sigaction>? = nil
private let signalSlots = 65

/// Gives the terminal back in a usable state however the process ends: normal exit
/// (`atexit`), termination signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE) and crashes
/// (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, and SIGTRAP, which is what Swift's
/// `fatalError`/`precondition` raise on some platforms).
///
/// On a fatal signal the handler calls `endwin()` (and restores the saved terminal modes with
/// `tcsetattr`), then re-raises the signal so the process still dies of it with the right
/// exit status: crash signals go back to their previous action (Swift's backtracer, when it
/// is active, so its crash report is printed on a usable terminal), termination signals to
/// the default action.
///
/// Trade-off: `endwin()` is not on POSIX's list of async-signal-safe functions. If the
/// signal interrupts ncurses itself, the restore may be imperfect; ncurses does the same in
/// its own SIGINT handler and in practice it leaves the terminal usable, which matters more
/// than the small risk when the process is dying anyway. `tcsetattr`, which is safe, runs as
/// well so that at least echo and line editing come back.
///
/// Graceful mode (`install(graceful: true)`): the first SIGINT/SIGTERM/SIGHUP only sets
/// `shutdownRequested`, which the event loop polls to quit cleanly; a second one takes the
/// hard path above.
///
/// Call `install` once, before `CursesScreen.start`, from the main thread. ncurses keeps its
/// own SIGWINCH (resize) and SIGTSTP (Ctrl-Z) handling. Signals that were ignored when
/// `install` ran (e.g. SIGHUP under `nohup`) stay ignored.
public enum TerminalGuard {
    /// Installs the handlers and the `atexit` hook (only the first call has an effect; later
    /// calls only change the graceful setting).
    public static func install(graceful: Bool = true) {
        gracefulSignals.store(graceful, ordering: .sequentiallyConsistent)
        guard !guardInstalled.exchange(true, ordering: .sequentiallyConsistent) else { return }
        let storage = UnsafeMutablePointer<sigaction>.allocate(capacity: signalSlots)
        storage.initialize(repeating: sigaction(), count: signalSlots)
        previousActions = storage
        prepareAlternateStack()
        for sig in terminationSignals + [SIGQUIT, SIGPIPE] {
            installHandler(for: sig, crash: false)
        }
        for sig in crashSignals {
            installHandler(for: sig, crash: true)
        }
        atexit { TerminalGuard.restoreTerminal() }
    }

    /// True once SIGINT, SIGTERM or SIGHUP arrived in graceful mode.
    public static var shutdownRequested: Bool {
        shutdownSignalCount.load(ordering: .sequentiallyConsistent) > 0
    }

    /// The signal that asked for the shutdown (0 when none did), for the exit status 128 + signal.
    public static var shutdownSignal: Int32 {
        firstShutdownSignal.load(ordering: .sequentiallyConsistent)
    }

    /// Leaves curses mode if it is active. Idempotent; used by `CursesScreen.stop`, the
    /// `atexit` hook and the signal handlers.
    public static func restoreTerminal() {
        guard cursesActive.exchange(false, ordering: .sequentiallyConsistent) else { return }
        _ = endwin()
        if termiosSaved.load(ordering: .sequentiallyConsistent) {
            _ = tcsetattr(STDIN_FILENO, TCSANOW, &savedTermios)
        }
    }

    /// Whether curses currently owns the terminal.
    public static var isCursesActive: Bool { cursesActive.load(ordering: .sequentiallyConsistent) }

    // MARK: - Used by CursesScreen

    /// Records the terminal modes to come back to; call before `newterm`.
    static func saveTerminalModes() {
        guard !cursesActive.load(ordering: .sequentiallyConsistent) else { return }
        var modes = termios()
        if tcgetattr(STDIN_FILENO, &modes) == 0 {
            savedTermios = modes
            termiosSaved.store(true, ordering: .sequentiallyConsistent)
        }
    }

    static func cursesDidStart() {
        cursesActive.store(true, ordering: .sequentiallyConsistent)
    }

    /// Marks curses as stopped; returns whether it was active (i.e. whether the caller should
    /// still call `endwin`).
    static func cursesWillStop() -> Bool {
        cursesActive.exchange(false, ordering: .sequentiallyConsistent)
    }

    // MARK: - Handlers

    static let terminationSignals: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    static let crashSignals: [Int32] = [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP]

    private static func installHandler(for sig: Int32, crash: Bool) {
        guard sig > 0 && sig < Int32(signalSlots), let previousActions else { return }
        var current = sigaction()
        guard sigaction(sig, nil, &current) == 0 else { return }
        // Respect an ignored signal (nohup, a parent's choice, an app ignoring SIGPIPE).
        if !crash && isIgnored(current) { return }
        previousActions[Int(sig)] = current

        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signalNumber in
            TerminalGuard.handle(signal: signalNumber)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = crash ? Int32(SA_ONSTACK) : Int32(SA_RESTART)
        _ = sigaction(sig, &action, nil)
    }

    /// Gives crash handlers a stack of their own, so a stack overflow can still be reported,
    /// unless the runtime already set one up for this thread.
    private static func prepareAlternateStack() {
        var existing = stack_t()
        guard sigaltstack(nil, &existing) == 0, existing.ss_flags & Int32(SS_DISABLE) != 0 else {
            return
        }
        let size = 64 * 1024
        guard let memory = malloc(size) else { return }
        var stack = stack_t()
        stack.ss_sp = memory
        stack.ss_size = size
        stack.ss_flags = 0
        _ = sigaltstack(&stack, nil)
    }

    /// Whether an action is SIG_IGN (function pointers are not Equatable in Swift, so compare
    /// the addresses; SIG_IGN is the address 1).
    private static func isIgnored(_ action: sigaction) -> Bool {
        guard let handler = action.__sigaction_handler.sa_handler else { return false }
        return unsafeBitCast(handler, to: Int.self) == unsafeBitCast(SIG_IGN, to: Int.self)
    }

    private static func handle(signal sig: Int32) {
        if sig == SIGINT || sig == SIGTERM || sig == SIGHUP,
            gracefulSignals.load(ordering: .sequentiallyConsistent)
        {
            let (previousCount, _) = shutdownSignalCount.add(1, ordering: .sequentiallyConsistent)
            if previousCount == 0 {
                firstShutdownSignal.store(sig, ordering: .sequentiallyConsistent)
                return
            }
        }
        restoreTerminal()
        // Put back what was there before and deliver the signal again. Inside the handler
        // the signal is blocked, so it arrives as soon as the handler returns; a fault
        // (SIGSEGV, SIGILL, ...) also recurs when the faulting instruction runs again.
        // Crashes go on to the previous handler (Swift's backtracer prints its report);
        // termination signals get the default action so that the process really ends.
        var action = sigaction()
        if crashSignals.contains(sig), let previousActions, sig > 0, sig < Int32(signalSlots) {
            action = previousActions[Int(sig)]
        }
        if isIgnored(action) || !crashSignals.contains(sig) {
            action = sigaction()
            action.__sigaction_handler.sa_handler = SIG_DFL
            sigemptyset(&action.sa_mask)
        }
        _ = sigaction(sig, &action, nil)
        _ = raise(sig)
    }
}
