import Explorer
import LossSession
import TerminalKit
import Testing

/// The key table is the one list of keys: handling, help and footer all come from it.
@Suite struct KeyTableTests {
    static func screenText(_ model: ExplorerModel) -> String { model.view().lines().joined(separator: "\n") }

    @Test func everyBindingIsInTheHelp() {
        var model = ExplorerModel(width: 200, height: 60)
        _ = model.receive(ScreenFixtures.trained())
        _ = model.press([.character("?")])
        let help = Self.screenText(model)
        #expect(help.contains("Keys (any key closes)"), "the whole help fits at 200x60, nothing scrolled away")
        for binding in KeyTable.bindings {
            #expect(help.contains(binding.label + " "), "help lacks the keys \(binding.label)")
            #expect(help.contains(binding.help), "help lacks \(binding.help)")
            for key in binding.keys.map(\.key) {
                let name = KeyTable.name(of: key)
                #expect(binding.label == name || binding.label.split(separator: "/").contains(Substring(name)) || binding.help.contains(" \(name) "),
                        "\(name) is bound by '\(binding.label)' but neither its label nor its help names it")
            }
        }
        for scope in KeyTable.scopes { #expect(help.contains(scope.heading)) }
    }

    /// At 80x24 the help is taller than the screen: j/k scroll it, any other key closes it.
    @Test func helpScrollsWhereItDoesNotFit() {
        var model = ExplorerModel(width: 80, height: 24)
        _ = model.receive(ScreenFixtures.trained())
        _ = model.press([.character("?")])
        let first = Self.screenText(model)
        #expect(first.contains("Keys (j/k scroll, any other key closes)") && first.contains("Anywhere"))
        _ = model.press(Array(repeating: .character("j"), count: 5) + [.pageDown])
        let scrolled = Self.screenText(model)
        #expect(!scrolled.contains("Anywhere") && model.overlay == .help)
        _ = model.press(Array(repeating: .pageDown, count: 10))
        #expect(Self.screenText(model).contains("Commands (after :)"), "the end of the help can be reached")
        _ = model.press([.pageUp])
        #expect(!Self.screenText(model).contains("Commands (after :)"), "scrolling back starts from the end, not past it")
        _ = model.press(Array(repeating: .character("k"), count: 60))
        #expect(Self.screenText(model) == first)
        #expect(model.overlay == .help)
        #expect(model.press([.character("x")]).isEmpty && model.overlay == .none)
    }

    @Test func noKeyIsBoundTwiceInOneScope() {
        for scope in KeyTable.scopes {
            let keys = KeyTable.bindings(in: scope).flatMap { $0.keys.map(\.key) }
            #expect(Set(keys).count == keys.count, "\(scope.heading) binds a key twice")
        }
    }

    /// Each main-screen binding does what the table says where it applies: nothing more
    /// specific shadows it unless that is meant (search's n/N and Esc, the pane's +/-).
    @Test func lookUpFindsEachBindingsAction() {
        for binding in KeyTable.bindings where binding.scope != .searching {
            for (key, action) in binding.keys {
                #expect(KeyTable.action(for: key, in: [binding.scope]) == action)
            }
        }
        #expect(KeyTable.action(for: .character("n"), in: [.searching, .screen]) == .findNext(forward: true))
        #expect(KeyTable.action(for: .character("n"), in: [.screen]) == .step)
        #expect(KeyTable.action(for: .character("+"), in: [.panes([.parameters]), .screen]) == .nudge(up: true))
    }

    @Test func footerShowsKeysFromTheTable() {
        let footers = Set(KeyTable.bindings.compactMap(\.footerText))
        func footer(_ model: ExplorerModel) -> [String] {
            (model.view().lines().last ?? "").components(separatedBy: " · ")
        }
        var model = ExplorerModel(width: 140, height: 45)
        _ = model.receive(ScreenFixtures.trained())
        var states: [ExplorerModel] = [model]
        model.focus = .notebook
        states.append(model)
        model.focus = .parameters
        states.append(model)
        _ = model.press([.character("l")])
        states.append(model)
        _ = model.press([.escape, .character(":")])
        states.append(model)
        _ = model.press([.escape, .character("?")])
        states.append(model)
        for state in states {
            let shown = footer(state)
            #expect(shown.count >= 2)
            for item in shown { #expect(footers.contains(item), "footer item '\(item)' is not from the key table") }
        }
        #expect(footer(states[0]).last == "?/F1 help" && footer(states[0]).contains("q quit"))
        #expect(footer(states[1]).contains("/ search") && footer(states[1]).contains("Enter edit"))
        #expect(footer(states[3]).contains("Enter pick"))
        #expect(footer(states[4]).contains("Tab complete"))
        // Narrow: fewer items, still the quit and help keys.
        var narrow = ExplorerModel(width: 80, height: 24)
        _ = narrow.receive(ScreenFixtures.trained())
        #expect(footer(narrow).count < footer(states[0]).count && footer(narrow).suffix(2) == ["q quit", "?/F1 help"])
    }

    /// The keys listed for the widgets are ones the widgets take.
    @Test func widgetKeysAreHandledByTheWidgets() {
        for binding in KeyTable.bindings(in: .picker) {
            for key in binding.keys.map(\.key) {
                var picker = Picker(title: "t", items: ["alpha", "beta", "gamma"], selected: 1)
                #expect(picker.handle(key) != .ignored, "the picker ignores \(KeyTable.name(of: key))")
            }
        }
        for binding in KeyTable.bindings(in: .commandLine) {
            for key in binding.keys.map(\.key) {
                var field = TextField(text: "step 1")
                field.setHistory(["load toy:blobs", "step 2"])
                #expect(field.handle(key) != .ignored, "the command line ignores \(KeyTable.name(of: key))")
            }
        }
    }

    @Test func searchJumpsBetweenMatchesAndEscapeEndsIt() {
        var model = ExplorerModel(width: 120, height: 40)
        _ = model.receive(ScreenFixtures.withError())
        model.focus = .notebook
        _ = model.press([.character("g")])
        #expect(model.notebookSelection == 0)
        _ = model.press([.character("G")])
        #expect(model.notebookSelection == 3)
        _ = model.press([.character("k")])
        #expect(model.notebookSelection == 2)
        _ = model.press([.character("/")])
        _ = model.type("loss")
        #expect(model.press([.enter]).isEmpty)
        #expect(model.notebookSelection == 1, "the next match after cell 3 wraps to cell 2 (loss BatchHard...)")
        #expect(model.press([.character("n")]).isEmpty, "n finds, it does not step, while searching")
        #expect(model.notebookSelection == 2)
        _ = model.press([.character("N")])
        #expect(model.notebookSelection == 1)
        _ = model.press([.escape])
        #expect(model.search == nil)
        #expect(model.press([.character("n")]) == [.send(.step(1))])

        _ = model.press([.character("/")])
        _ = model.type("nothing like this")
        _ = model.press([.enter])
        #expect(model.note?.contains("no match") == true)

        model.focus = .mining
        _ = model.press([.character("/")])
        _ = model.type("semi-hard")
        _ = model.press([.enter])
        let row = MiningRowText.of(model, model.miningSelection)
        #expect(row.contains("semi-hard"), "selected row: \(row)")
        _ = model.press([.tab])
        #expect(model.search == nil, "moving to another pane ends the search")
    }
}

/// The mining table's selected row as drawn, read off the screen.
enum MiningRowText {
    static func of(_ model: ExplorerModel, _ selection: Int) -> String {
        let buffer = model.view()
        let pane = ExplorerLayout(width: model.width, height: model.height).rect(of: .mining)
        for y in (pane.y + 1)..<(pane.maxY - 1) where buffer[pane.x + 2, y].style.isReversed {
            return buffer.lines()[y]
        }
        return "(no selected row drawn)"
    }
}
