import CNcursesw
import TerminalKit

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// Why the terminal could not be taken over.
public enum TerminalError: Error, Equatable, CustomStringConvertible {
    /// stdin/stdout is not a TTY, or TERM is unset or "dumb".
    case notATerminal(String)
    /// ncurses refused to start (e.g. unknown TERM).
    case initializationFailed(String)

    public var description: String {
        switch self {
        case .notATerminal(let reason):
            return "The LossLab explorer needs an interactive terminal (\(reason)). "
                + "To train without it, use `losslab run NOTEBOOK`."
        case .initializationFailed(let reason):
            return "Could not start the terminal UI: \(reason). "
                + "To train without it, use `losslab run NOTEBOOK`."
        }
    }
}

/// The ncurses screen: the only place that talks to ncurses besides `TerminalGuard`.
///
/// One instance, used from one thread (the UI thread); it is deliberately not `Sendable`.
/// Typical loop:
/// ```
/// TerminalGuard.install()
/// let screen = CursesScreen()
/// try screen.start(color: !noColor)
/// defer { screen.stop() }
/// while !TerminalGuard.shutdownRequested {
///     for event in screen.readEvents(timeoutMilliseconds: 50) { ... }
///     screen.draw(view(model, size: screen.size()))
/// }
/// ```
public final class CursesScreen {
    public private(set) var isActive = false
    /// Whether colours are shown (false with `start(color: false)` or a colourless terminal).
    public private(set) var colorEnabled = false
    /// Whether mouse reporting is on.
    public private(set) var mouseEnabled = false

    private var screen: OpaquePointer? = nil
    private var outputFile: UnsafeMutablePointer<FILE>? = nil
    private var inputFile: UnsafeMutablePointer<FILE>? = nil
    private var previous: Buffer? = nil
    private var cursorVisible: Bool? = nil

    private struct PairKey: Hashable {
        var foreground: Int
        var background: Int
    }
    private var pairs: [PairKey: Int16] = [:]
    private var nextPair: Int = 1
    private var maxPairs: Int = 0
    private var maxColors: Int = 0
    private var hasDefaultColors = false

    public init() {}

    deinit { stop() }

    /// What keeps the UI from running here, or nil if nothing does.
    public static func terminalProblem(stdinIsTTY: Bool, stdoutIsTTY: Bool, term: String?) -> String? {
        if !stdinIsTTY && !stdoutIsTTY { return "standard input and output are not a terminal" }
        if !stdinIsTTY { return "standard input is not a terminal" }
        if !stdoutIsTTY { return "standard output is not a terminal" }
        guard let term, !term.isEmpty else { return "TERM is not set" }
        if term == "dumb" { return "TERM is \"dumb\"" }
        return nil
    }

    /// Takes over the terminal: locale, curses mode (cbreak, no echo, keypad, no newline
    /// translation), hidden cursor, a short Esc delay, mouse reporting if `mouse`, and
    /// colours if `color` and the terminal has them. With `interruptAsKey`, Ctrl-C is read as
    /// a key instead of raising SIGINT.
    ///
    /// `environment` overrides the process environment for the TTY/TERM checks (tests use
    /// it); pass nil for the real one. Throws `TerminalError` instead of letting ncurses exit
    /// the process.
    public func start(color: Bool = true, mouse: Bool = true, interruptAsKey: Bool = true, environment: [String: String]? = nil) throws {
        guard !isActive else { return }
        let term: String?
        if let environment {
            term = environment["TERM"]
        } else {
            term = getenv("TERM").map { String(cString: $0) }
        }
        if let problem = CursesScreen.terminalProblem(
            stdinIsTTY: isatty(STDIN_FILENO) == 1, stdoutIsTTY: isatty(STDOUT_FILENO) == 1, term: term)
        {
            throw TerminalError.notATerminal(problem)
        }

        _ = setlocale(LC_ALL, "")
        let userChoseEscDelay = getenv("ESCDELAY") != nil

        // Own FILE handles on duplicated descriptors: closing them later leaves fd 0/1 open.
        let outFD = dup(STDOUT_FILENO)
        let inFD = dup(STDIN_FILENO)
        guard outFD >= 0, inFD >= 0, let out = fdopen(outFD, "w"), let input = fdopen(inFD, "r") else {
            if outFD >= 0 { close(outFD) }
            if inFD >= 0 { close(inFD) }
            throw TerminalError.initializationFailed("could not open the terminal's descriptors")
        }
        TerminalGuard.saveTerminalModes()
        // newterm (unlike initscr) returns nil instead of exiting when TERM is unusable.
        guard let created = term!.withCString({ newterm($0, out, input) }) else {
            fclose(out)
            fclose(input)
            throw TerminalError.initializationFailed("ncurses does not know TERM=\(term!)")
        }
        screen = created
        outputFile = out
        inputFile = input
        isActive = true
        TerminalGuard.cursesDidStart()

        let window = losslab_stdscr()
        _ = cbreak()
        _ = noecho()
        _ = nonl()
        _ = keypad(window, true)
        _ = intrflush(window, false)
        if interruptAsKey {
            // Ctrl-C arrives as a key (the explorer asks before quitting); an INT signal from
            // elsewhere is still a signal. Ctrl-Z and Ctrl-\ keep their usual meaning.
            var modes = termios()
            if tcgetattr(inFD, &modes) == 0 {
                withUnsafeMutableBytes(of: &modes.c_cc) { $0[Int(VINTR)] = 0 }  // _POSIX_VDISABLE
                _ = tcsetattr(inFD, TCSANOW, &modes)
                _ = def_prog_mode()
            }
        }
        if !userChoseEscDelay { _ = set_escdelay(25) }  // Esc alone is seen after 25 ms
        _ = curs_set(0)
        cursorVisible = false

        mouseEnabled = false
        if mouse {
            let wanted = CursesScreen.mouseMask
            var old: mmask_t = 0
            let granted = mousemask(wanted, &old)
            mouseEnabled = granted != 0
            _ = mouseinterval(0)  // report presses at once instead of waiting to detect clicks
        }

        colorEnabled = false
        pairs = [:]
        nextPair = 1
        if color && has_colors() {
            _ = start_color()
            hasDefaultColors = use_default_colors() == OK
            maxColors = Int(max(8, tigetnum("colors")))
            let terminfoPairs = Int(tigetnum("pairs"))
            maxPairs = min(terminfoPairs > 0 ? terminfoPairs : 64, Int(Int16.max))
            colorEnabled = maxColors >= 8 && maxPairs > 1
        }
        previous = nil
        _ = werase(window)
    }

    /// Leaves curses mode and gives the terminal back (cooked mode, visible cursor, normal
    /// screen). Safe to call more than once, and after a signal already restored things.
    public func stop() {
        guard isActive else { return }
        isActive = false
        if TerminalGuard.cursesWillStop() {
            if mouseEnabled {
                var old: mmask_t = 0
                _ = mousemask(0, &old)
            }
            _ = curs_set(1)
            _ = endwin()
        }
        if let screen { delscreen(screen) }
        screen = nil
        if let outputFile { fclose(outputFile) }
        if let inputFile { fclose(inputFile) }
        outputFile = nil
        inputFile = nil
        previous = nil
        pairs = [:]
        cursorVisible = nil
    }

    /// The terminal size in cells.
    public func size() -> (width: Int, height: Int) {
        guard isActive else { return (0, 0) }
        return (Int(losslab_cols()), Int(losslab_lines()))
    }

    /// Puts `buffer` on screen, sending only the cells that changed since the last frame.
    /// With `cursor`, the terminal's cursor is shown there (e.g. in the command line);
    /// otherwise it is hidden.
    public func draw(_ buffer: Buffer, cursor: (x: Int, y: Int)? = nil) {
        guard isActive else { return }
        // Refreshing after someone called `TerminalGuard.restoreTerminal()` re-enters curses
        // mode (ncurses semantics), so the guard must know it is active again.
        if !TerminalGuard.isCursesActive { TerminalGuard.cursesDidStart() }
        let window = losslab_stdscr()
        let (columns, rows) = size()
        var last = previous
        if let p = last, p.width != buffer.width || p.height != buffer.height { last = nil }
        if last == nil { _ = werase(window) }
        var cell = cchar_t()
        for change in buffer.diff(against: last) {
            guard change.x < columns, change.y < rows else { continue }
            var shown = change.cell
            if shown.isWide && change.x + 1 >= columns { shown = Cell.blank(shown.style) }
            encode(shown, into: &cell)
            _ = mvwadd_wch(window, Int32(change.y), Int32(change.x), &cell)
        }
        previous = buffer
        if let cursor, cursor.x >= 0, cursor.y >= 0, cursor.x < columns, cursor.y < rows {
            if cursorVisible != true {
                _ = curs_set(1)
                cursorVisible = true
            }
            _ = wmove(window, Int32(cursor.y), Int32(cursor.x))
        } else if cursorVisible != false {
            _ = curs_set(0)
            cursorVisible = false
        }
        _ = wnoutrefresh(window)
        _ = doupdate()
    }

    /// Waits up to `timeoutMilliseconds` (negative: forever, 0: don't wait) for one event.
    public func readEvent(timeoutMilliseconds: Int) -> InputEvent? {
        guard isActive else { return nil }
        let window = losslab_stdscr()
        wtimeout(window, Int32(clamping: max(-1, timeoutMilliseconds)))
        var code: wint_t = 0
        let result = wget_wch(window, &code)
        if result == ERR { return nil }
        if result == KEY_CODE_YES {
            let key = Int32(bitPattern: code)
            if key == KEY_RESIZE {
                previous = nil
                let (w, h) = size()
                return .resize(width: w, height: h)
            }
            if key == KEY_MOUSE {
                var event = MEVENT()
                guard getmouse(&event) == OK else { return nil }
                return CursesScreen.decodeMouse(
                    state: UInt32(event.bstate), x: Int(event.x), y: Int(event.y)
                ).map { .mouse($0) }
            }
            return .key(CursesScreen.decodeKeyCode(key))
        }
        return .key(Key.decode(characterCode: UInt32(code)))
    }

    /// The first event (waiting up to the timeout), then everything already queued, up to
    /// `limit` events: a pasted text arrives as one batch, so the app can update once and
    /// draw once.
    public func readEvents(timeoutMilliseconds: Int, limit: Int = 16_384) -> [InputEvent] {
        guard let first = readEvent(timeoutMilliseconds: timeoutMilliseconds) else { return [] }
        var events = [first]
        while events.count < limit, let next = readEvent(timeoutMilliseconds: 0) {
            events.append(next)
        }
        return events
    }

    /// Rings the terminal bell (or flashes).
    public func bell() {
        guard isActive else { return }
        _ = beep()
    }

    // MARK: - Encoding

    private func encode(_ cell: Cell, into target: inout cchar_t) {
        let style = colorEnabled ? cell.style : cell.style.monochrome
        var attributes: attr_t = 0
        if style.isBold { attributes |= CursesScreen.attributeBold }
        if style.isDim { attributes |= CursesScreen.attributeDim }
        if style.isReversed { attributes |= CursesScreen.attributeReverse }
        if style.isUnderlined { attributes |= CursesScreen.attributeUnderline }
        let pair = colorEnabled ? colorPair(for: style) : 0

        var characters: (wchar_t, wchar_t, wchar_t, wchar_t, wchar_t, wchar_t) = (0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &characters) { raw in
            let slots = raw.bindMemory(to: wchar_t.self)
            var count = 0
            // A base character and up to three combining marks (ncurses holds five, one
            // reserved for the terminator here).
            for scalar in cell.character.unicodeScalars where count < 4 {
                slots[count] = wchar_t(bitPattern: scalar.value)
                count += 1
            }
            if count == 0 { slots[0] = 32 }
            _ = setcchar(&target, slots.baseAddress, attributes, pair, nil)
        }
    }

    private func colorPair(for style: Style) -> Int16 {
        let fg = style.foreground.approximated(maxColors: maxColors).paletteIndex ?? -1
        let bg = style.background.approximated(maxColors: maxColors).paletteIndex ?? -1
        if fg < 0 && bg < 0 { return 0 }
        let key = PairKey(foreground: fg, background: bg)
        if let pair = pairs[key] { return pair }
        guard nextPair < maxPairs else { return 0 }
        let resolvedFG = fg >= 0 ? fg : (hasDefaultColors ? -1 : Int(COLOR_WHITE))
        let resolvedBG = bg >= 0 ? bg : (hasDefaultColors ? -1 : Int(COLOR_BLACK))
        let pair = Int16(nextPair)
        guard init_pair(pair, Int16(resolvedFG), Int16(resolvedBG)) == OK else { return 0 }
        nextPair += 1
        pairs[key] = pair
        return pair
    }

    // ncurses defines these with function-like macros, which Swift does not import.
    static let attributeUnderline: attr_t = 1 << (9 + 8)
    static let attributeReverse: attr_t = 1 << (10 + 8)
    static let attributeDim: attr_t = 1 << (12 + 8)
    static let attributeBold: attr_t = 1 << (13 + 8)

    // MARK: - Decoding

    /// Mouse state bits (ncurses mouse protocol version 2: five bits per button).
    static func mouseBits(button: Int, _ bits: UInt32) -> UInt32 { bits << UInt32((button - 1) * 5) }
    static let mouseReleased: UInt32 = 0o1
    static let mousePressed: UInt32 = 0o2
    static let mouseClicked: UInt32 = 0o4
    static let mouseDoubleClicked: UInt32 = 0o10

    static var mouseMask: mmask_t {
        var mask: UInt32 = 0
        for button in 1...3 {
            mask |= mouseBits(button: button, mouseReleased | mousePressed | mouseClicked | mouseDoubleClicked)
        }
        mask |= mouseBits(button: 4, mousePressed)
        mask |= mouseBits(button: 5, mousePressed)
        return mmask_t(mask)
    }

    /// Turns ncurses' button state into a `MouseEvent` (nil for motion-only reports).
    static func decodeMouse(state: UInt32, x: Int, y: Int) -> MouseEvent? {
        if state & mouseBits(button: 4, mousePressed) != 0 {
            return MouseEvent(x: x, y: y, button: .scrollUp, kind: .press)
        }
        if state & mouseBits(button: 5, mousePressed) != 0 {
            return MouseEvent(x: x, y: y, button: .scrollDown, kind: .press)
        }
        let buttons: [(Int, MouseButton)] = [(1, .left), (2, .middle), (3, .right)]
        for (number, button) in buttons {
            if state & mouseBits(button: number, mouseDoubleClicked) != 0 {
                return MouseEvent(x: x, y: y, button: button, kind: .doubleClick)
            }
            if state & mouseBits(button: number, mouseClicked) != 0 {
                return MouseEvent(x: x, y: y, button: button, kind: .click)
            }
            if state & mouseBits(button: number, mousePressed) != 0 {
                return MouseEvent(x: x, y: y, button: button, kind: .press)
            }
            if state & mouseBits(button: number, mouseReleased) != 0 {
                return MouseEvent(x: x, y: y, button: button, kind: .release)
            }
        }
        return nil
    }

    /// Names an ncurses function-key code.
    static func decodeKeyCode(_ code: Int32) -> Key {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME, KEY_A1: return .home
        case KEY_END, KEY_C1, KEY_LL: return .end
        case KEY_A3: return .pageUp
        case KEY_C3: return .pageDown
        case KEY_IC: return .insert
        case KEY_DC: return .delete
        case KEY_BACKSPACE: return .backspace
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case (KEY_F0 + 1)...(KEY_F0 + 63): return .function(Int(code - KEY_F0))
        default: return .unknown(Int(code))
        }
    }
}

@available(*, unavailable, message: "CursesScreen must stay on the one UI thread")
extension CursesScreen: Sendable {}
