import Testing
@testable import TerminalKit

@Suite("TextField")
struct TextFieldTests {
    /// Feeds keys; characters of a string are typed one by one.
    func type(_ field: inout TextField, _ text: String) {
        for c in text { _ = field.handle(.character(c)) }
    }

    @Test func typingAndCursorMovement() {
        var field = TextField()
        type(&field, "helo")
        _ = field.handle(.left)
        _ = field.handle(.character("l"))
        #expect(field.text == "hello")
        #expect(field.cursor == 4)
        _ = field.handle(.home)
        _ = field.handle(.character(">"))
        _ = field.handle(.end)
        _ = field.handle(.character("!"))
        #expect(field.text == ">hello!")
        _ = field.handle(.control("a"))
        _ = field.handle(.delete)
        _ = field.handle(.control("e"))
        _ = field.handle(.backspace)
        #expect(field.text == "hello")
        _ = field.handle(.right)  // at end: stays
        #expect(field.cursor == 5)
        _ = field.handle(.control("b"))
        _ = field.handle(.control("b"))
        _ = field.handle(.control("f"))
        #expect(field.cursor == 4)
        field.moveCursor(to: 99)
        #expect(field.cursor == 5)
    }

    @Test func killAndYank() {
        var field = TextField(text: "loss triplet margin=0.2")
        _ = field.handle(.control("w"))
        #expect(field.text == "loss triplet ")
        _ = field.handle(.control("w"))
        #expect(field.text == "loss ")
        _ = field.handle(.control("y"))
        #expect(field.text == "loss triplet ")
        field.moveCursor(to: 4)
        _ = field.handle(.control("k"))
        #expect(field.text == "loss")
        _ = field.handle(.control("u"))
        #expect(field.text == "" && field.cursor == 0)
        _ = field.handle(.control("y"))
        #expect(field.text == "loss")
        #expect(field.handle(.control("d")) == .handled || field.text == "loss")
    }

    @Test func outcomes() {
        var field = TextField(text: "step 10")
        #expect(field.handle(.escape) == .cancelled)
        #expect(field.handle(.pageUp) == .ignored)
        #expect(field.handle(.function(1)) == .ignored)
        #expect(field.handle(.enter) == .submitted("step 10"))
        #expect(field.text.isEmpty)
        #expect(field.handle(.control("d")) == .ignored)
        #expect(field.handle(.tab) == .completionRequested)
    }

    @Test func historyKeepsTheDraft() {
        var field = TextField()
        #expect(field.handle(.up) == .ignored)
        for command in ["first", "second", "second", "  "] {
            field.text = command
            _ = field.handle(.enter)
        }
        #expect(field.history == ["first", "second"])
        type(&field, "dra")
        _ = field.handle(.up)
        #expect(field.text == "second")
        _ = field.handle(.up)
        #expect(field.text == "first")
        _ = field.handle(.up)
        #expect(field.text == "first")
        _ = field.handle(.down)
        #expect(field.text == "second")
        _ = field.handle(.down)
        #expect(field.text == "dra")
        _ = field.handle(.down)
        #expect(field.text == "dra")
        var small = TextField(maxHistory: 2)
        for command in ["a", "b", "c"] { small.addToHistory(command) }
        #expect(small.history == ["b", "c"])
    }

    @Test func completionCommonPrefixThenCycling() {
        var field = TextField(text: "loss tri")
        let candidates = ["triplet", "triplet-hard", "contrastive"]
        #expect(field.handle(.tab) == .completionRequested)
        #expect(field.completionContext.token == "tri")
        #expect(field.completionContext.textBeforeCursor == "loss tri")
        let completed = field.complete(with: candidates)
        #expect(completed)
        #expect(field.text == "loss triplet")
        #expect(field.completionCandidates == ["triplet", "triplet-hard"])
        #expect(field.handle(.tab) == .handled)
        #expect(field.text == "loss triplet")
        #expect(field.completionIndex == 0)
        _ = field.handle(.tab)
        #expect(field.text == "loss triplet-hard")
        _ = field.handle(.tab)
        #expect(field.text == "loss triplet")
        _ = field.handle(.backTab)
        #expect(field.text == "loss triplet-hard")
        _ = field.handle(.character(" "))  // any edit ends the cycle
        #expect(field.completionCandidates.isEmpty)
        #expect(field.handle(.tab) == .completionRequested)
    }

    @Test func completionUniqueAndNoMatch() {
        var field = TextField(text: "data bl")
        let unique = field.complete(using: { _ in ["blobs", "rings"] })
        #expect(unique)
        #expect(field.text == "data blobs ")
        _ = field.handle(.character("q"))
        let none = field.complete(with: ["rings"])
        #expect(!none)
        #expect(field.text == "data blobs q")
        // An empty word matches every candidate.
        _ = field.handle(.backspace)
        _ = field.complete(with: ["rings"])
        #expect(field.text == "data blobs rings ")
        var cycling = TextField(text: "x ")
        let started = cycling.complete(with: ["ab", "cd"])
        #expect(started)
        #expect(cycling.text == "x ab")
        _ = cycling.handle(.tab)
        #expect(cycling.text == "x cd")
        // Completion in the middle keeps the text after the cursor.
        var middle = TextField(text: "lo margin")
        middle.moveCursor(to: 2)
        middle.complete(with: ["loss"])
        #expect(middle.text == "loss  margin")
        #expect(middle.cursor == 5)
    }

    @Test func pastingLongTextIsCappedAndFast() {
        var field = TextField(maxLength: 10_000)
        let chunk = String(repeating: "abcdefghij", count: 2_000)  // 20,000 characters
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            field.insert(chunk)
            for c in chunk.prefix(5_000) { _ = field.handle(.character(c)) }  // at the cap: dropped
        }
        #expect(field.characters.count == 10_000)
        #expect(field.cursor == 10_000)
        var buffer = Buffer(width: 20, height: 1)
        let renderTime = clock.measure {
            for _ in 0..<50 { field.render(into: &buffer, in: buffer.bounds) }
        }
        #expect(elapsed < .seconds(2))
        #expect(renderTime < .seconds(2))
        #expect(buffer.line(0) == "bcdefghijabcdefghij")

        // Typing a paste key by key at the end stays linear.
        var typed = TextField()
        let typingTime = clock.measure { for c in chunk.prefix(10_000) { _ = typed.handle(.character(c)) } }
        #expect(typed.characters.count == 10_000)
        #expect(typingTime < .seconds(2))
    }

    @Test func pasteSanitizesControlCharacters() {
        var field = TextField()
        field.insert("line one\nline\ttwo\u{7}")
        #expect(field.text == "line one line two")
    }

    @Test func rendersWithPromptPlaceholderAndCursor() {
        let empty = TextField(prompt: "> ", placeholder: "type a command")
        let e = rendered(width: 12, height: 1) { empty.render(into: &$0, in: $0.bounds) }
        expectSnapshot(e, "> type a com")
        #expect(e[2, 0].style.isReversed)
        #expect(!e[3, 0].style.isReversed)

        var field = TextField(text: "hello", prompt: "> ")
        let f = rendered(width: 12, height: 1) { field.render(into: &$0, in: $0.bounds) }
        expectSnapshot(f, "> hello")
        #expect(f[7, 0].style.isReversed)
        #expect(field.cursorPosition(in: Rect(x: 0, y: 3, width: 12, height: 1))! == (x: 7, y: 3))
        field.drawsCursorCell = false
        let terminalCursor = rendered(width: 12, height: 1) { field.render(into: &$0, in: $0.bounds) }
        #expect(!terminalCursor[7, 0].style.isReversed)
        #expect(field.cursorPosition(in: Rect(x: 0, y: 0, width: 12, height: 1)) != nil)
        field.drawsCursorCell = true
        field.focused = false
        let unfocused = rendered(width: 12, height: 1) { field.render(into: &$0, in: $0.bounds) }
        #expect(!unfocused[7, 0].style.isReversed)
    }

    @Test func horizontalScrollingFollowsTheCursorSteadily() {
        var field = TextField(text: "0123456789abcdef", prompt: ">")
        let rect = Rect(x: 0, y: 0, width: 9, height: 1)  // 8 cells for text
        field.keepCursorVisible(width: 8)
        let end = rendered(width: 9, height: 1) { field.render(into: &$0, in: rect) }
        expectSnapshot(end, ">9abcdef")
        #expect(field.scrollOffset == 9)
        // Moving left inside the window does not scroll.
        for _ in 0..<5 { _ = field.handle(.left) }
        field.keepCursorVisible(width: 8)
        #expect(field.scrollOffset == 9)
        // Past the left edge it scrolls just enough.
        for _ in 0..<3 { _ = field.handle(.left) }
        field.keepCursorVisible(width: 8)
        #expect(field.scrollOffset == 8)
        let moved = rendered(width: 9, height: 1) { field.render(into: &$0, in: rect) }
        expectSnapshot(moved, ">89abcdef")
        #expect(moved[1, 0].style.isReversed)
        _ = field.handle(.home)
        let home = rendered(width: 9, height: 1) { field.render(into: &$0, in: rect) }
        expectSnapshot(home, ">01234567")
    }

    @Test func wideCharactersScrollByDisplayWidth() {
        let field = TextField(text: "界界界界界")
        let buffer = rendered(width: 6, height: 1) { field.render(into: &$0, in: $0.bounds) }
        expectSnapshot(buffer, "界界")
        #expect(field.visibleOffset(width: 6) == 3)
    }
}
