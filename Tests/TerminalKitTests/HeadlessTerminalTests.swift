import Testing
@testable import TerminalKit

/// The benchmark's terminal sends what changed since the last frame, as a terminal would get it.
@Suite struct HeadlessTerminalTests {
    @Test func aFrameSendsOnlyTheChangedCells() {
        var terminal = HeadlessTerminal()
        var buffer = Buffer(width: 10, height: 2)
        buffer.put("hello", in: Rect(x: 0, y: 0, width: 10, height: 1), style: Style(.red, bold: true))
        terminal.draw(buffer)
        let first = String(decoding: terminal.lastFrame, as: UTF8.self)
        #expect(first.hasPrefix("\u{1B}[2J\u{1B}[1;1H\u{1B}[0;1;38;5;1mhello"))
        terminal.draw(buffer)
        #expect(terminal.lastFrame.isEmpty, "nothing changed, nothing sent")
        buffer.put("é", in: Rect(x: 7, y: 1, width: 1, height: 1), style: .plain)
        terminal.draw(buffer)
        #expect(String(decoding: terminal.lastFrame, as: UTF8.self) == "\u{1B}[2;8H\u{1B}[0mé")
        #expect(terminal.frames == 3 && terminal.bytesSent == first.utf8.count + "\u{1B}[2;8H\u{1B}[0mé".utf8.count)
    }

    @Test func stylesBecomeSGRSequences() {
        #expect(HeadlessTerminal.sgr(.plain) == "\u{1B}[0m")
        #expect(HeadlessTerminal.sgr(Style(.brightBlack, background: .blue, dim: true, reverse: true, underline: true))
                == "\u{1B}[0;2;4;7;38;5;8;48;5;4m")
    }

    @Test func framesCarryEveryCharacterAsUTF8AndFarPositions() {
        var terminal = HeadlessTerminal()
        var buffer = Buffer(width: 210, height: 70)
        terminal.draw(buffer)
        buffer.put("é⠿😀x", x: 195, y: 64, style: Style(.indexed(200), background: .indexed(17), bold: true))
        terminal.draw(buffer)
        #expect(String(decoding: terminal.lastFrame, as: UTF8.self) == "\u{1B}[65;196H\u{1B}[0;1;38;5;200;48;5;17mé⠿😀x")
        #expect(terminal.lastFrame.count == 9 + 23 + 2 + 3 + 4 + 1, "cursor move, SGR, then 2, 3, 4 and 1 UTF-8 bytes")
    }
}
