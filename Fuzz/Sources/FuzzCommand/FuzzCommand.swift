import FuzzSupport
import LossSession

/// The command grammar: Command.parse (the explorer's command line, notebooks, the journal,
/// `losslab run`) and Expectation.parse. A thrown CommandError is the right answer to
/// garbage; a crash or any other error type fails. An accepted command must also survive
/// the journal (through the real Journal: written, then read back as a restore does): it
/// comes back as one line that parses to the same command, so a restored session replays
/// exactly what was typed. Lines with a line break inside quotes are not checked.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCommand(_ start: UnsafeRawPointer?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    var command: Command?
    do {
        command = try Command.parse(text)
    } catch is CommandError {
    } catch {
        fatalError("Command.parse threw \(type(of: error)), not a CommandError: \(error)")
    }
    do {
        let expectation = try Expectation.parse(text)
        _ = expectation.description
        _ = expectation.holds(1, reference: 2)
    } catch is CommandError {
    } catch {
        fatalError("Expectation.parse threw \(type(of: error)), not a CommandError: \(error)")
    }
    if let command, !newlineInsideQuotes(text) {
        // The explorer journals the accepted line as typed; a restore reads the journal back
        // as a notebook and replays its command lines. Line breaks outside quotes only
        // separate words, so the line must come back as the same one command.
        let journal = Journal(directory: Fuzz.directory)
        journal.begin()
        journal.write(Notebook(cells: [Notebook.cell(for: text)]))
        if let problem = journal.problem { fatalError("fuzz harness: cannot write a journal in \(Fuzz.directory): \(problem)") }
        let restored = (try? Notebook.read(path: journal.path))?.cells.filter { if case .command = $0 { return true } else { return false } } ?? []
        journal.finish()
        guard restored.count == 1, case .command(let line) = restored[0] else {
            fatalError("the accepted line \(String(reflecting: text)) comes back from the journal as \(restored)")
        }
        let again: Command
        do {
            again = try Command.parse(line)
        } catch {
            fatalError("the accepted line \(String(reflecting: text)) is refused on replay as \(String(reflecting: line)): \(error)")
        }
        guard same(again, command) else {
            fatalError("the line \(String(reflecting: text)) replays as \(again), not \(command)")
        }
    }
    return 0
}

/// Equal commands, where an expectation's NaN factor matches a NaN factor.
private func same(_ a: Command, _ b: Command) -> Bool {
    if a == b { return true }
    guard case .expect(let x) = a, case .expect(let y) = b else { return false }
    return x.factor.isNaN && y.factor.isNaN && x.metric == y.metric && x.comparison == y.comparison && x.reference == y.reference
}

/// True when a line break (any newline character) sits inside quotes, where the journal's
/// one-line form cannot keep it: those lines are left out of the replay check.
private func newlineInsideQuotes(_ text: String) -> Bool {
    var quote: Character?
    for character in text {
        if let open = quote {
            if character == open { quote = nil } else if character.isNewline { return true }
        } else if character == "\"" || character == "'" {
            quote = character
        }
    }
    return false
}
