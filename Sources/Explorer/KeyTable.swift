import TerminalKit

/// What a key does. The key handler performs these; the widgets' own keys (the command line,
/// the pickers) are listed as `.widget`, handled by the widget and shown like the others.
public enum KeyAction: Equatable, Sendable {
    case runPause, pace(faster: Bool), step, manySteps, reset, lossPicker, datasetPicker, cycleMetric
    case margin(up: Bool)
    case cycleChart, chartWindow, logLoss, toggleForces, inspector, togglePin, rewind, nextCell, restOfCells, nextTerm
    case commandLine, help, quit, focus(next: Bool), clearSelection
    case move(Move), search, findNext(forward: Bool), endSearch
    case edit, nudge(up: Bool), sortMining, rowDetail
    case cursor(Direction), dropCursor
    case widget

    public enum Move: Equatable, Sendable { case up, down, pageUp, pageDown, first, last }
    public enum Direction: Equatable, Sendable { case left, right, up, down }
}

/// One entry of the key table: the keys, what they do, where, and how help and footer say it.
public struct KeyBinding: Sendable {
    /// Where a binding applies; the handler asks the most specific scope first.
    public enum Scope: Equatable, Sendable {
        /// Everywhere, even over dialogs and the command line (Ctrl-C).
        case always
        /// The main screen, whichever pane has the focus.
        case screen
        /// The main screen while one of these panes has the focus.
        case panes([ExplorerModel.Pane])
        /// While a `/` search of the focused pane is active.
        case searching
        case commandLine
        case searchLine
        case picker
        case inspector
        case rowDetail
        case help

        /// The help overlay's heading for this scope.
        public var heading: String {
            switch self {
            case .always: return "Anywhere"
            case .screen: return "Main screen"
            case .panes(let panes):
                return panes.count == ExplorerModel.Pane.allCases.count ? "In any pane (tables, notebook)"
                    : "In the " + (panes.count > 1 ? panes.dropLast().map(\.rawValue).joined(separator: ", ") + " and " : "")
                        + panes.last!.rawValue + " pane" + (panes.count > 1 ? "s" : "")
            case .searching: return "After a / search"
            case .commandLine: return "Command line"
            case .searchLine: return "Search line"
            case .picker: return "Loss and dataset pickers"
            case .inspector: return "Softmax inspector"
            case .rowDetail: return "Row detail"
            case .help: return "This help"
            }
        }
    }

    public let keys: [(key: Key, action: KeyAction)]
    /// The keys as help writes them, "↑/k".
    public let label: String
    public let help: String
    /// The footer's word for it ("run", "step"); nil leaves it out of the footer.
    public let footer: String?
    public let scope: Scope

    init(label: String? = nil, _ keys: [(Key, KeyAction)], _ scope: Scope, _ help: String, footer: String? = nil) {
        self.keys = keys.map { (key: $0.0, action: $0.1) }
        self.label = label ?? keys.map { KeyTable.name(of: $0.0) }.joined(separator: "/")
        self.help = help
        self.footer = footer
        self.scope = scope
    }

    init(label: String? = nil, _ key: Key, _ action: KeyAction, _ scope: Scope, _ help: String, footer: String? = nil) {
        self.init(label: label, [(key, action)], scope, help, footer: footer)
    }

    /// "n step": what the footer shows.
    public var footerText: String? { footer.map { "\(label) \($0)" } }
}

/// Every key of the explorer in one list. Key handling looks actions up here, the help
/// overlay lists it section by section and the footer shows the short labels, so the three
/// cannot disagree. Dialogs (quit, overwrite, reset, restore) name their own few keys in
/// their text.
public enum KeyTable {
    static let allPanes = ExplorerModel.Pane.allCases
    static let lists: [ExplorerModel.Pane] = [.mining, .parameters, .notebook]

    public static let bindings: [KeyBinding] = [
        KeyBinding(.control("c"), .quit, .always, "quit (asks if unsaved); twice quits at once"),

        KeyBinding(.character(" "), .runPause, .screen, "run / pause training", footer: "run"),
        KeyBinding(label: "[/]", [(.character("["), .pace(faster: false)), (.character("]"), .pace(faster: true))], .screen,
                   "running pace: slower / faster (1, 3, 10, 30, 100, 300 steps/s, max)", footer: "pace"),
        KeyBinding(.character("n"), .step, .screen, "one step", footer: "step"),
        KeyBinding(.character("N"), .manySteps, .screen, "many steps (asks how many)", footer: "steps"),
        KeyBinding(.character("r"), .reset, .screen, "reset the model (asks first)", footer: "reset"),
        KeyBinding(.character("l"), .lossPicker, .screen, "pick a loss", footer: "loss"),
        KeyBinding(.character("d"), .datasetPicker, .screen, "pick a dataset", footer: "data"),
        KeyBinding(.character("m"), .cycleMetric, .screen, "next distance metric (or similarity)", footer: "metric"),
        KeyBinding(label: "+/-", [(.character("+"), .margin(up: true)), (.character("="), .margin(up: true)),
                           (.character("-"), .margin(up: false)), (.character("_"), .margin(up: false))],
                   .screen, "margin (or scale) up / down; = and _ too", footer: "margin"),
        KeyBinding(.character("c"), .cycleChart, .screen, "chart: loss & gradient / census / margin histogram / loss terms", footer: "chart"),
        KeyBinding(.character("t"), .nextTerm, .screen, "a sum's next term: the mining pane shows its view"),
        KeyBinding(.character("w"), .chartWindow, .screen, "chart window: all steps / last 200 / log-scaled steps", footer: "window"),
        KeyBinding(.character("W"), .logLoss, .screen, "loss on a log scale (on / off)"),
        KeyBinding(.character("f"), .toggleForces, .screen, "forces: where the loss pushes each batch point", footer: "forces"),
        KeyBinding(.character("i"), .inspector, .screen, "softmax inspector (ranking losses, on the selected anchor)"),
        KeyBinding(.character("p"), .togglePin, .screen, "pin / unpin the batch: loss changes act on it"),
        KeyBinding(.character("<"), .rewind, .screen, "back to the previous checkpoint (every 10 steps)"),
        KeyBinding(.character("."), .nextCell, .screen, "run the next cell of an opened notebook"),
        KeyBinding(.character(">"), .restOfCells, .screen, "run the rest of an opened notebook"),
        KeyBinding(label: "Tab/S-Tab", [(.tab, .focus(next: true)), (.backTab, .focus(next: false))], .screen,
                   "next / previous pane", footer: "pane"),
        KeyBinding(.character(":"), .commandLine, .screen, "command line (Tab completes, ↑/↓ history)", footer: "cmd"),
        KeyBinding(.character("q"), .quit, .screen, "quit (asks when there is unsaved work)", footer: "quit"),
        KeyBinding(.escape, .clearSelection, .screen, "back to following the newest notebook cell"),
        KeyBinding(label: "?/F1", [(.character("?"), .help), (.function(1), .help)], .screen, "this help", footer: "help"),

        // Before the rows' keys: in the embeddings pane the arrows move the point cursor.
        KeyBinding(label: "←/→/↑/↓", [(.left, .cursor(.left)), (.right, .cursor(.right)), (.up, .cursor(.up)), (.down, .cursor(.down))],
                   .panes([.embeddings]), "point cursor: nearest point that way (or click); its 5 neighbours",
                   footer: "cursor"),
        KeyBinding(.escape, .dropCursor, .panes([.embeddings]), "drop the point cursor"),

        KeyBinding(label: "j/k/↓/↑", [(.character("j"), .move(.down)), (.character("k"), .move(.up)), (.down, .move(.down)), (.up, .move(.up))],
                   .panes(allPanes), "down / up a row (top panes: the mining rows; j/k in embeddings)"),
        KeyBinding(label: "PgDn/PgUp", [(.pageDown, .move(.pageDown)), (.pageUp, .move(.pageUp))], .panes(allPanes), "ten rows down / up"),
        KeyBinding(label: "g/G/Home/End", [(.character("g"), .move(.first)), (.character("G"), .move(.last)), (.home, .move(.first)),
                                         (.end, .move(.last))], .panes(allPanes), "first / last row"),
        KeyBinding(.character("/"), .search, .panes(lists), "search the pane: type, Enter finds the next", footer: "search"),
        KeyBinding(.enter, .edit, .panes([.parameters, .notebook]), "edit the selected parameter or notebook cell", footer: "edit"),
        KeyBinding(label: "+/-/←/→", [(.character("+"), .nudge(up: true)), (.character("="), .nudge(up: true)), (.right, .nudge(up: true)),
                               (.character("-"), .nudge(up: false)), (.character("_"), .nudge(up: false)), (.left, .nudge(up: false))],
                   .panes([.parameters]), "nudge the value (x1.25, choices cycle); = and _ too", footer: "nudge"),
        KeyBinding(.character("s"), .sortMining, .panes([.mining]), "sort: loss / anchor / d(a,p) / d(a,n)", footer: "sort"),
        KeyBinding(.enter, .rowDetail, .panes([.mining]), "the selected row in full: texts, scores, rank, share of the loss", footer: "detail"),

        KeyBinding(label: "n/N", [(.character("n"), .findNext(forward: true)), (.character("N"), .findNext(forward: false))], .searching,
                   "next / previous match (instead of stepping)", footer: "match"),
        KeyBinding(.escape, .endSearch, .searching, "end the search: n and N step again", footer: "end search"),

        KeyBinding(.enter, .widget, .commandLine, "run the command", footer: "run"),
        KeyBinding(.escape, .widget, .commandLine, "close the line", footer: "cancel"),
        KeyBinding(.tab, .widget, .commandLine, "complete a command, loss, parameter or path", footer: "complete"),
        KeyBinding([(.up, .widget), (.down, .widget)], .commandLine, "earlier / later commands", footer: "history"),

        KeyBinding(.enter, .widget, .searchLine, "jump to the next match", footer: "find"),
        KeyBinding(.escape, .widget, .searchLine, "cancel the search", footer: "cancel"),

        KeyBinding(label: "type", [], .picker, "filter: every word typed must be in the name", footer: "to filter"),
        KeyBinding(.backspace, .widget, .picker, "edit the filter"),
        KeyBinding(label: "↓/↑/j/k", [(.down, .widget), (.up, .widget), (.character("j"), .widget), (.character("k"), .widget)], .picker,
                   "move (j/k while the filter is empty, then letters)", footer: "move"),
        KeyBinding(label: "PgDn/PgUp", [(.pageDown, .widget), (.pageUp, .widget)], .picker, "a page down / up"),
        KeyBinding(label: "Home/End", [(.home, .widget), (.end, .widget)], .picker, "first / last"),
        KeyBinding(.enter, .widget, .picker, "pick (a loss that does not fit the data says why)", footer: "pick"),
        KeyBinding(.escape, .widget, .picker, "close", footer: "close"),

        KeyBinding(label: "+/-", [(.character("+"), .margin(up: true)), (.character("="), .margin(up: true)),
                           (.character("-"), .margin(up: false)), (.character("_"), .margin(up: false))],
                   .inspector, "scale up / down (sharper / flatter); = and _ too", footer: "scale"),
        KeyBinding(label: "other", [], .inspector, "any other key closes the inspector", footer: "keys close"),

        KeyBinding(label: "j/k/↓/↑/PgDn/PgUp", [(.character("j"), .widget), (.character("k"), .widget), (.down, .widget), (.up, .widget),
                                              (.pageDown, .widget), (.pageUp, .widget)], .rowDetail,
                   "scroll, when the detail is taller than the screen", footer: "scroll"),
        KeyBinding(.escape, .widget, .rowDetail, "close the detail (so does any other key)", footer: "close"),

        KeyBinding(label: "j/k/↓/↑/PgDn/PgUp", [(.character("j"), .widget), (.character("k"), .widget), (.down, .widget), (.up, .widget),
                                              (.pageDown, .widget), (.pageUp, .widget)], .help, "scroll, when the help is taller than the screen",
                   footer: "scroll"),
        KeyBinding(label: "other", [], .help, "any other key closes the help", footer: "keys close"),
    ]

    /// The action of `key` where it was pressed: the most specific scope that binds it wins.
    public static func action(for key: Key, in scopes: [KeyBinding.Scope]) -> KeyAction? {
        for scope in scopes {
            for binding in bindings where binding.scope == scope {
                if let entry = binding.keys.first(where: { $0.key == key }) { return entry.action }
            }
        }
        return nil
    }

    /// The bindings of a scope, in table order.
    public static func bindings(in scope: KeyBinding.Scope) -> [KeyBinding] {
        bindings.filter { $0.scope == scope }
    }

    /// Every scope of the table, in the order help lists them.
    public static var scopes: [KeyBinding.Scope] {
        var seen: [KeyBinding.Scope] = []
        for binding in bindings where !seen.contains(binding.scope) { seen.append(binding.scope) }
        return seen
    }

    /// How help and footer write a key.
    public static func name(of key: Key) -> String {
        switch key {
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .control(let c): return "Ctrl-" + String(c).uppercased()
        default: return key.displayName
        }
    }
}
