import Testing
import CNcursesw
import TerminalKit
@testable import CursesTerminal

#if canImport(Glibc)
import Glibc
#endif

@Suite("CursesScreen without a terminal")
struct CursesScreenTests {
    @Test func problemsAreNamed() {
        #expect(CursesScreen.terminalProblem(stdinIsTTY: true, stdoutIsTTY: true, term: "xterm") == nil)
        #expect(CursesScreen.terminalProblem(stdinIsTTY: false, stdoutIsTTY: true, term: "xterm")
            == "standard input is not a terminal")
        #expect(CursesScreen.terminalProblem(stdinIsTTY: true, stdoutIsTTY: false, term: "xterm")
            == "standard output is not a terminal")
        #expect(CursesScreen.terminalProblem(stdinIsTTY: true, stdoutIsTTY: true, term: nil) == "TERM is not set")
        #expect(CursesScreen.terminalProblem(stdinIsTTY: true, stdoutIsTTY: true, term: "") == "TERM is not set")
        #expect(CursesScreen.terminalProblem(stdinIsTTY: true, stdoutIsTTY: true, term: "dumb") != nil)
    }

    @Test func startRefusesWithADumbTerminal() {
        let screen = CursesScreen()
        #expect(throws: TerminalError.self) {
            try screen.start(color: true, environment: ["TERM": "dumb"])
        }
        #expect(!screen.isActive)
        screen.stop()  // harmless when never started
        #expect(screen.readEvent(timeoutMilliseconds: 0) == nil)
        #expect(screen.size() == (0, 0))
    }

    @Test func startRefusesWithoutATTY() throws {
        // Run with stdin redirected from /dev/null so the check does not depend on how the
        // tests were launched.
        let saved = dup(STDIN_FILENO)
        let devNull = open("/dev/null", O_RDONLY)
        try #require(saved >= 0 && devNull >= 0)
        dup2(devNull, STDIN_FILENO)
        defer {
            dup2(saved, STDIN_FILENO)
            close(saved)
            close(devNull)
        }
        let screen = CursesScreen()
        do {
            try screen.start(environment: ["TERM": "xterm-256color"])
            Issue.record("start() should refuse when stdin is not a TTY")
            screen.stop()
        } catch let error as TerminalError {
            guard case .notATerminal(let reason) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(reason.contains("standard input"))
            #expect(error.description.contains("needs an interactive terminal"))
            #expect(error.description.contains("losslab run"))
        }
        #expect(!screen.isActive)
        #expect(!TerminalGuard.isCursesActive)
    }

    @Test func keyCodesAndMouseStatesDecode() {
        #expect(CursesScreen.decodeKeyCode(KEY_UP) == .up)
        #expect(CursesScreen.decodeKeyCode(KEY_NPAGE) == .pageDown)
        #expect(CursesScreen.decodeKeyCode(KEY_BTAB) == .backTab)
        #expect(CursesScreen.decodeKeyCode(KEY_DC) == .delete)
        #expect(CursesScreen.decodeKeyCode(KEY_BACKSPACE) == .backspace)
        #expect(CursesScreen.decodeKeyCode(KEY_F0 + 5) == .function(5))
        #expect(CursesScreen.decodeKeyCode(0o777) == .unknown(0o777))

        let leftPress = CursesScreen.mouseBits(button: 1, CursesScreen.mousePressed)
        #expect(CursesScreen.decodeMouse(state: leftPress, x: 3, y: 4)
            == MouseEvent(x: 3, y: 4, button: .left, kind: .press))
        let rightClick = CursesScreen.mouseBits(button: 3, CursesScreen.mouseClicked)
        #expect(CursesScreen.decodeMouse(state: rightClick, x: 0, y: 0)?.button == .right)
        let wheelDown = CursesScreen.mouseBits(button: 5, CursesScreen.mousePressed)
        #expect(CursesScreen.decodeMouse(state: wheelDown, x: 1, y: 1)?.button == .scrollDown)
        #expect(CursesScreen.decodeMouse(state: 0, x: 1, y: 1) == nil)
    }

    @Test func guardStartsWithoutShutdownRequest() {
        #expect(!TerminalGuard.shutdownRequested)
        TerminalGuard.restoreTerminal()  // idempotent, no curses active
        #expect(!TerminalGuard.isCursesActive)
    }
}
