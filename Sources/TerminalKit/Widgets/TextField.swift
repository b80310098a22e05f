/// A single-line editor: cursor movement, insertion and deletion, Emacs-style shortcuts,
/// history, Tab completion and horizontal scrolling.
///
/// Keys (`handle(_:)`):
/// - characters insert; Backspace / Delete remove before / at the cursor;
/// - Left/Right (C-b/C-f), Home/End (C-a/C-e);
/// - C-k kills to the end, C-u to the start, C-w the word before the cursor, C-y yanks back;
/// - Up/Down walk the history (the text being typed is kept as a draft);
/// - Enter submits (the text goes to history and the field clears), Esc reports `.cancelled`;
/// - Tab / Shift-Tab: see `complete(with:)`.
///
/// Text is capped at `maxLength` characters so a huge paste cannot slow the UI down; editing
/// at the end of the text is amortised O(1) per character.
public struct TextField: Sendable {
    public enum Outcome: Hashable, Sendable {
        /// The key changed the field (or moved within it).
        case handled
        /// The field does not use this key; the app may.
        case ignored
        /// Enter: the submitted text (the field is now empty).
        case submitted(String)
        /// Esc.
        case cancelled
        /// Tab with no completion cycle running: call `complete(with:)` with candidates for
        /// `completionContext`.
        case completionRequested
    }

    /// What the completion provider needs to know.
    public struct CompletionContext: Hashable, Sendable {
        /// Everything left of the cursor.
        public var textBeforeCursor: String
        /// The word being completed: the text between the last space before the cursor and
        /// the cursor.
        public var token: String
    }

    private struct CompletionCycle: Sendable {
        var tokenStart: Int
        var candidates: [String]
        var index: Int  // -1: common prefix inserted, no candidate chosen yet
    }

    public private(set) var characters: [Character] = []
    /// Cursor position as a character index, 0...characters.count.
    public private(set) var cursor: Int = 0
    /// Index of the first character shown (adjusted on render to keep the cursor visible).
    public var scrollOffset: Int = 0
    public var maxLength: Int
    public var prompt: String
    public var placeholder: String
    /// Whether the field has focus: only a focused field shows its cursor.
    public var focused: Bool
    /// Whether the cursor is painted into the buffer as a `cursorStyle` cell. Set it to false
    /// when the backend shows the terminal's own cursor at `cursorPosition(in:)`, so the two
    /// do not cancel out (a block cursor over a reversed cell).
    public var drawsCursorCell: Bool = true
    public var style: Style
    public var promptStyle: Style
    public var placeholderStyle: Style
    public var cursorStyle: Style
    /// Whether a unique completion is followed by a space.
    public var spaceAfterUniqueCompletion: Bool

    public private(set) var history: [String] = []
    public var maxHistory: Int
    private var historyIndex: Int? = nil
    private var draft: [Character] = []
    private var killBuffer: [Character] = []
    private var cycle: CompletionCycle? = nil

    public init(
        text: String = "", prompt: String = "", placeholder: String = "", maxLength: Int = 10_000,
        maxHistory: Int = 500, focused: Bool = true, style: Style = .plain,
        promptStyle: Style = Style(.default, bold: true), placeholderStyle: Style = Style(.brightBlack),
        cursorStyle: Style = Style(.default, reverse: true), spaceAfterUniqueCompletion: Bool = true
    ) {
        self.maxLength = max(0, maxLength)
        self.prompt = prompt
        self.placeholder = placeholder
        self.maxHistory = max(0, maxHistory)
        self.focused = focused
        self.style = style
        self.promptStyle = promptStyle
        self.placeholderStyle = placeholderStyle
        self.cursorStyle = cursorStyle
        self.spaceAfterUniqueCompletion = spaceAfterUniqueCompletion
        self.text = text
    }

    /// The current text. Setting it moves the cursor to the end and ends any completion cycle.
    public var text: String {
        get { String(characters) }
        set {
            characters = Array(TextField.sanitized(newValue).prefix(maxLength))
            cursor = characters.count
            cycle = nil
        }
    }

    public var isEmpty: Bool { characters.isEmpty }

    // MARK: - Keys

    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .character(let c):
            insert(c)
        case .tab:
            if cycle != nil {
                advanceCycle(by: 1)
            } else {
                return .completionRequested
            }
        case .backTab:
            guard cycle != nil else { return .ignored }
            advanceCycle(by: -1)
        case .enter:
            return .submitted(submit())
        case .escape:
            cycle = nil
            return .cancelled
        case .backspace, .control("h"):
            deleteBackward()
        case .delete:
            deleteForward()
        case .control("d"):
            if characters.isEmpty { return .ignored }
            deleteForward()
        case .left, .control("b"):
            moveLeft()
        case .right, .control("f"):
            moveRight()
        case .home, .control("a"):
            moveToStart()
        case .end, .control("e"):
            moveToEnd()
        case .control("k"):
            killToEnd()
        case .control("u"):
            killToStart()
        case .control("w"):
            deleteWordBackward()
        case .control("y"):
            yank()
        case .up, .control("p"):
            if history.isEmpty { return .ignored }
            historyPrevious()
        case .down, .control("n"):
            if history.isEmpty { return .ignored }
            historyNext()
        default:
            return .ignored
        }
        return .handled
    }

    // MARK: - Editing

    /// Inserts one character at the cursor (controls are dropped, tabs and newlines become
    /// spaces).
    public mutating func insert(_ character: Character) {
        insert(String(character))
    }

    /// Inserts text at the cursor, e.g. a paste; whatever exceeds `maxLength` is dropped.
    public mutating func insert(_ text: String) {
        endEditingSideStates()
        let room = maxLength - characters.count
        guard room > 0 else { return }
        let incoming = TextField.sanitized(text).prefix(room)
        guard !incoming.isEmpty else { return }
        if cursor == characters.count {
            characters.append(contentsOf: incoming)
        } else {
            characters.insert(contentsOf: incoming, at: cursor)
        }
        cursor += incoming.count
    }

    public mutating func deleteBackward() {
        endEditingSideStates()
        guard cursor > 0 else { return }
        characters.remove(at: cursor - 1)
        cursor -= 1
    }

    public mutating func deleteForward() {
        endEditingSideStates()
        guard cursor < characters.count else { return }
        characters.remove(at: cursor)
    }

    public mutating func moveLeft() {
        cycle = nil
        cursor = max(0, cursor - 1)
    }

    public mutating func moveRight() {
        cycle = nil
        cursor = min(characters.count, cursor + 1)
    }

    public mutating func moveToStart() {
        cycle = nil
        cursor = 0
    }

    public mutating func moveToEnd() {
        cycle = nil
        cursor = characters.count
    }

    /// Places the cursor at a character index (clamped).
    public mutating func moveCursor(to index: Int) {
        cycle = nil
        cursor = min(max(0, index), characters.count)
    }

    public mutating func killToEnd() {
        endEditingSideStates()
        guard cursor < characters.count else { return }
        killBuffer = Array(characters[cursor...])
        characters.removeSubrange(cursor...)
    }

    public mutating func killToStart() {
        endEditingSideStates()
        guard cursor > 0 else { return }
        killBuffer = Array(characters[..<cursor])
        characters.removeSubrange(..<cursor)
        cursor = 0
    }

    /// Deletes the word before the cursor and the spaces between it and the cursor.
    public mutating func deleteWordBackward() {
        endEditingSideStates()
        var start = cursor
        while start > 0 && characters[start - 1].isWhitespace { start -= 1 }
        while start > 0 && !characters[start - 1].isWhitespace { start -= 1 }
        guard start < cursor else { return }
        killBuffer = Array(characters[start..<cursor])
        characters.removeSubrange(start..<cursor)
        cursor = start
    }

    /// Inserts the text removed by the last kill (C-k, C-u, C-w).
    public mutating func yank() {
        guard !killBuffer.isEmpty else { return }
        insert(String(killBuffer))
    }

    /// Returns the text, records it in the history (unless empty or equal to the newest
    /// entry) and clears the field.
    @discardableResult
    public mutating func submit() -> String {
        let submitted = text
        addToHistory(submitted)
        characters = []
        cursor = 0
        scrollOffset = 0
        historyIndex = nil
        draft = []
        cycle = nil
        return submitted
    }

    /// Appends an entry to the history (e.g. when restoring a saved one).
    public mutating func addToHistory(_ entry: String) {
        guard !entry.trimmingSpaces.isEmpty, history.last != entry else { return }
        history.append(entry)
        if history.count > maxHistory { history.removeFirst(history.count - maxHistory) }
    }

    /// Replaces the history (oldest first).
    public mutating func setHistory(_ entries: [String]) {
        history = Array(entries.suffix(maxHistory))
        historyIndex = nil
    }

    /// Shows the previous (older) history entry.
    public mutating func historyPrevious() {
        guard !history.isEmpty else { return }
        cycle = nil
        let next: Int
        if let index = historyIndex {
            next = max(0, index - 1)
        } else {
            draft = characters
            next = history.count - 1
        }
        historyIndex = next
        characters = Array(TextField.sanitized(history[next]).prefix(maxLength))
        cursor = characters.count
    }

    /// Shows the next (newer) history entry, or the draft after the newest.
    public mutating func historyNext() {
        guard let index = historyIndex else { return }
        cycle = nil
        if index + 1 < history.count {
            historyIndex = index + 1
            characters = Array(TextField.sanitized(history[index + 1]).prefix(maxLength))
        } else {
            historyIndex = nil
            characters = draft
        }
        cursor = characters.count
    }

    private mutating func endEditingSideStates() {
        cycle = nil
        historyIndex = nil
    }

    // MARK: - Completion

    public var completionContext: CompletionContext {
        let start = tokenStart
        return CompletionContext(
            textBeforeCursor: String(characters[..<cursor]),
            token: String(characters[start..<cursor]))
    }

    /// The candidates of the running Tab cycle (empty when none) and the chosen one.
    public var completionCandidates: [String] { cycle?.candidates ?? [] }
    public var completionIndex: Int? { cycle.flatMap { $0.index >= 0 ? $0.index : nil } }

    private var tokenStart: Int {
        var start = cursor
        while start > 0 && !characters[start - 1].isWhitespace { start -= 1 }
        return start
    }

    /// Completes the word before the cursor from `candidates` (those not starting with the
    /// word are ignored): one match replaces the word (plus a space if
    /// `spaceAfterUniqueCompletion`); several matches extend it to their common prefix, and
    /// when there is nothing to extend, Tab / Shift-Tab cycle through them. Returns whether
    /// anything matched.
    @discardableResult
    public mutating func complete(with candidates: [String]) -> Bool {
        let start = tokenStart
        let token = String(characters[start..<cursor])
        var seen = Set<String>()
        let matches = candidates.filter { $0.hasPrefix(token) && seen.insert($0).inserted }
        guard !matches.isEmpty else {
            cycle = nil
            return false
        }
        if matches.count == 1 {
            replaceToken(from: start, with: matches[0] + (spaceAfterUniqueCompletion ? " " : ""))
            cycle = nil
            return true
        }
        let common = TextField.commonPrefix(matches)
        if common.count > token.count {
            replaceToken(from: start, with: common)
            cycle = CompletionCycle(tokenStart: start, candidates: matches, index: -1)
        } else {
            replaceToken(from: start, with: matches[0])
            cycle = CompletionCycle(tokenStart: start, candidates: matches, index: 0)
        }
        return true
    }

    /// Convenience: asks `provider` for candidates (unless a cycle is running, which just
    /// advances) and completes.
    @discardableResult
    public mutating func complete(using provider: (CompletionContext) -> [String]) -> Bool {
        if cycle != nil {
            advanceCycle(by: 1)
            return true
        }
        return complete(with: provider(completionContext))
    }

    private mutating func advanceCycle(by step: Int) {
        guard var state = cycle, !state.candidates.isEmpty else { return }
        let n = state.candidates.count
        if state.index < 0 {
            state.index = step > 0 ? 0 : n - 1
        } else {
            state.index = ((state.index + step) % n + n) % n
        }
        replaceToken(from: state.tokenStart, with: state.candidates[state.index])
        cycle = state
    }

    private mutating func replaceToken(from start: Int, with replacement: String) {
        let start = min(start, cursor)
        characters.removeSubrange(start..<cursor)
        cursor = start
        let room = maxLength - characters.count
        let incoming = TextField.sanitized(replacement).prefix(max(0, room))
        characters.insert(contentsOf: incoming, at: cursor)
        cursor += incoming.count
        historyIndex = nil
    }

    static func commonPrefix(_ strings: [String]) -> String {
        guard var prefix = strings.first.map(Array.init) else { return "" }
        for s in strings.dropFirst() {
            var length = 0
            for (a, b) in zip(prefix, s) {
                if a != b { break }
                length += 1
            }
            prefix.removeSubrange(length...)
        }
        return String(prefix)
    }

    /// Text as the field stores it: tabs and line breaks become spaces, other control
    /// characters and zero-width stray marks are dropped.
    static func sanitized(_ text: String) -> [Character] {
        var result: [Character] = []
        result.reserveCapacity(text.utf8.count)
        for c in text {
            if c == "\t" || c.isNewline {
                result.append(" ")
            } else if TextMetrics.width(of: c) > 0 {
                result.append(c)
            }
        }
        return result
    }

    // MARK: - Scrolling and drawing

    /// The scroll offset that keeps the cursor visible in a field `width` cells wide (prompt
    /// excluded), starting from `scrollOffset` and moving it as little as possible.
    public func visibleOffset(width: Int) -> Int {
        guard width > 0 else { return cursor }
        var offset = min(max(0, scrollOffset), cursor)
        let cursorWidth = cursor < characters.count ? TextMetrics.width(of: characters[cursor]) : 1
        var used = 0
        for i in offset..<cursor { used += TextMetrics.width(of: characters[i]) }
        while offset < cursor && used + cursorWidth > width {
            used -= TextMetrics.width(of: characters[offset])
            offset += 1
        }
        return offset
    }

    /// Stores the scroll offset for a field of `width` cells (prompt excluded), so that
    /// scrolling stays steady while the cursor moves inside the visible part.
    public mutating func keepCursorVisible(width: Int) {
        scrollOffset = visibleOffset(width: width)
    }

    private func fieldArea(_ rect: Rect) -> Rect {
        rect.inset(left: min(rect.width, TextMetrics.width(prompt)))
    }

    /// Where the cursor is on screen when drawn into `rect` (for backends that show the
    /// terminal's own cursor), or nil if it is not visible.
    public func cursorPosition(in rect: Rect) -> (x: Int, y: Int)? {
        let area = fieldArea(rect)
        guard !area.isEmpty else { return nil }
        let offset = visibleOffset(width: area.width)
        var x = area.x
        for i in offset..<cursor { x += TextMetrics.width(of: characters[i]) }
        return x < area.maxX ? (x, area.y) : nil
    }

    public func render(into buffer: inout Buffer, in rect: Rect) {
        guard !rect.isEmpty else { return }
        let row = rect.top(1)
        buffer.clear(row, style: style)
        if !prompt.isEmpty {
            buffer.put(prompt, x: row.x, y: row.y, style: promptStyle, clip: row)
        }
        let area = fieldArea(row)
        guard !area.isEmpty else { return }
        if characters.isEmpty {
            if !placeholder.isEmpty {
                buffer.put(placeholder, x: area.x, y: area.y, style: placeholderStyle, clip: area)
            }
            if focused && drawsCursorCell {
                let under = buffer[area.x, area.y]
                buffer.set(Cell(under.isContinuation ? " " : under.character, style: cursorStyle), x: area.x, y: area.y)
            }
            return
        }
        let offset = visibleOffset(width: area.width)
        var x = area.x
        var index = offset
        while index < characters.count && x < area.maxX {
            let c = characters[index]
            let w = TextMetrics.width(of: c)
            if x + w > area.maxX { break }
            let look = (focused && drawsCursorCell && index == cursor) ? cursorStyle : style
            buffer.set(Cell(c, style: look), x: x, y: area.y)
            x += w
            index += 1
        }
        if focused && drawsCursorCell && cursor == characters.count && x < area.maxX {
            buffer.set(Cell(" ", style: cursorStyle), x: x, y: area.y)
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        var slice = self[...]
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice
    }
}
