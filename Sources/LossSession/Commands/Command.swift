import LossKit

/// One action of the notebook grammar. The explorer's command line, notebook files and
/// `losslab run` all go through `Command.parse`.
public enum Command: Equatable, Sendable {
    /// `load toy:blobs classes=6 ...`, `load text:nli`, `load PATH [labels=PATH]`
    case load(source: String, options: [String: String])
    /// `loss BatchHardTripletLoss margin=1 distance_metric=cosine`, or a weighted sum
    /// `loss MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss` (see LossSpec).
    case loss(LossSpec)
    /// `encoder table|linear|mlp|bow [dim=16] [hidden=32] [normalize=true]`
    case encoder(kind: String, options: [String: String])
    /// `set lr=0.01 optimizer=adamw batch_size=32 sampler=pk ...`
    case set([String: String])
    /// `step [N]`
    case step(Int)
    /// `eval`: held-out metrics now.
    case eval
    /// `reset [seed=N]`: fresh model and optimizer, same configuration.
    case reset(seed: UInt64?)
    /// `show triplets|params|metrics|data|losses`
    case show(String)
    /// `save PATH`: the notebook so far.
    case save(path: String)
    /// `export metrics.csv | embeddings.npy | projector PREFIX | st-snippet PATH`
    case export(what: String, path: String?)
    /// `expect METRIC OP VALUE`, e.g. `expect active_fraction < 0.05`.
    case expect(Expectation)
    /// `pin`: freeze the last batch; later `loss` changes are evaluated on it at once (what-if).
    case pin
    /// `unpin`
    case unpin
    /// `rewind STEP`: back to an earlier step (replayed from the nearest checkpoint with the
    /// current settings), to branch from there.
    case rewind(Int)
    /// `duel loss NAME name=value...` (or a sum, as `loss` takes): train a second configuration
    /// alongside, from the same state and on the same batches; `duel off` (nil) ends it.
    case duel(LossSpec?)

    /// `loss NAME name=value...`: one loss on its own.
    public static func loss(name: String, settings: [String: String]) -> Command { .loss(LossSpec(name: name, settings: settings)) }

    /// The command's first word, for help and completion.
    public static let verbs = ["load", "loss", "encoder", "set", "step", "eval", "reset", "show", "save", "export", "expect", "pin", "unpin",
                                "rewind", "duel"]

    /// Parses one line. Blank lines and `#` prose are not commands: the notebook handles them.
    public static func parse(_ line: String) throws -> Command {
        let words = try CommandLexer.words(line)
        guard let verb = words.first?.text.lowercased() else { throw CommandError("empty command") }
        // A sum's terms may each set the same name: `loss` and `duel` read their words per term.
        let rest = Array(words.dropFirst())
        if verb == "loss" { return .loss(try LossSpec.parse(rest, verb: "loss")) }
        if verb == "duel" && !(rest.count == 1 && rest[0].equals == nil && rest[0].text == "off") {
            guard rest.count >= 2, rest[0].equals == nil, rest[0].text.lowercased() == "loss" else {
                throw CommandError("duel needs a rival loss, e.g. duel loss \(LossCatalog.sessionDefault.className) margin=2 (or duel off)")
            }
            return .duel(try LossSpec.parse(Array(rest.dropFirst()), verb: "duel loss"))
        }
        let (_, positional, options) = try CommandLexer.options(line)
        func onlyOptions() throws {
            if let extra = positional.first { throw CommandError("\(verb): unexpected '\(extra)'; use name=value") }
        }
        switch verb {
        case "load":
            guard positional.count == 1 else {
                throw CommandError("load needs one source: \(DatasetCatalog.builtIns.joined(separator: ", ")), or a file path")
            }
            return .load(source: positional[0], options: options)
        case "encoder":
            guard positional.count == 1 else { throw CommandError("encoder needs a kind: table, linear, mlp or bow") }
            return .encoder(kind: positional[0].lowercased(), options: options)
        case "set":
            try onlyOptions()
            if options.isEmpty { throw CommandError("set needs name=value pairs, e.g. set lr=0.01 batch_size=32") }
            return .set(options)
        case "step":
            try requireNoOptions(verb, options)
            guard positional.count <= 1 else { throw CommandError("step takes one count, e.g. step 100") }
            guard let count = positional.first.map({ Int($0) }) ?? 1, count >= 1, count <= 10_000_000 else {
                throw CommandError("step needs a whole number of steps from 1 to 10000000, got '\(positional[0])'")
            }
            return .step(count)
        case "eval":
            try requireNoOptions(verb, options)
            try onlyOptions()
            return .eval
        case "rewind":
            try requireNoOptions(verb, options)
            guard positional.count == 1, let step = Int(positional[0]), step >= 0 else {
                throw CommandError("rewind needs the step to go back to, e.g. rewind 50")
            }
            return .rewind(step)
        case "duel":
            return .duel(nil)
        case "pin", "unpin":
            try requireNoOptions(verb, options)
            try onlyOptions()
            return verb == "pin" ? .pin : .unpin
        case "reset":
            try onlyOptions()
            if let unknown = options.keys.first(where: { $0 != "seed" }) { throw CommandError("reset takes only seed=N, got \(unknown)") }
            guard let text = options["seed"] else { return .reset(seed: nil) }
            guard let seed = UInt64(text) else { throw CommandError("seed must be a whole number ≥ 0, got '\(text)'") }
            return .reset(seed: seed)
        case "show":
            try requireNoOptions(verb, options)
            guard positional.count == 1 else { throw CommandError("show needs what: \(SessionReport.topics.joined(separator: ", "))") }
            return .show(positional[0].lowercased())
        case "save":
            try requireNoOptions(verb, options)
            guard positional.count == 1 else { throw CommandError("save needs a file path, e.g. save run.lab") }
            return .save(path: positional[0])
        case "export":
            try requireNoOptions(verb, options)
            guard (1...2).contains(positional.count) else {
                throw CommandError("export needs what (and a path): export metrics.csv, export embeddings.npy, export projector PREFIX, export st-snippet train.py")
            }
            return .export(what: positional[0], path: positional.count == 2 ? positional[1] : nil)
        case "expect":
            return .expect(try Expectation.parse(try CommandLexer.split(line).dropFirst().joined(separator: " ")))
        default:
            throw CommandError("unknown command '\(verb)'; commands: \(verbs.joined(separator: ", "))")
        }
    }

    private static func requireNoOptions(_ verb: String, _ options: [String: String]) throws {
        if let name = options.keys.sorted().first { throw CommandError("\(verb) takes no name=value options, got \(name)") }
    }
}

/// A command was not understood or not accepted; the message says what and what is accepted.
public struct CommandError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Splits a command line into words (double or single quotes group words) and options.
/// Splits a command line into words. Quotes ('…' or "…", with \" and \\ inside double
/// quotes) keep spaces, `=` and `#` in a word; an unquoted `#` after a space starts a comment.
/// A word is a name=value option only when its `=` is unquoted.
enum CommandLexer {
    static let maximumLength = 10_000

    struct Word {
        var text = ""
        /// Where the first unquoted `=` is, if any.
        var equals: String.Index?
    }

    static func split(_ line: String) throws -> [String] {
        try words(line).map(\.text)
    }

    static func words(_ line: String) throws -> [Word] {
        if line.count > maximumLength { throw CommandError("the command is \(line.count) characters long; the limit is \(maximumLength)") }
        var words: [Word] = []
        var current = Word()
        var quote: Character? = nil
        var inWord = false
        var escaped = false
        for character in line {
            if let open = quote {
                if escaped {
                    current.text.append(character)
                    escaped = false
                } else if open == "\"" && character == "\\" {
                    escaped = true
                } else if character == open {
                    quote = nil
                } else {
                    current.text.append(character)
                }
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character.isWhitespace {
                if inWord { words.append(current); current = Word(); inWord = false }
            } else if character == "#" && !inWord {
                break
            } else {
                if character == "=" && current.equals == nil && !current.text.isEmpty { current.equals = current.text.endIndex }
                current.text.append(character)
                inWord = true
            }
        }
        if quote != nil { throw CommandError("unclosed quote in: \(line.prefix(200))") }
        if inWord { words.append(current) }
        return words
    }

    /// Separates name=value options (names lowercased) from positional words.
    static func options(_ line: String) throws -> (verb: String?, positional: [String], options: [String: String]) {
        let all = try words(line)
        var positional: [String] = []
        var options: [String: String] = [:]
        for word in all.dropFirst() {
            if let equals = word.equals {
                let name = word.text[..<equals].lowercased()
                if options[name] != nil { throw CommandError("\(name) is given twice") }
                options[name] = String(word.text[word.text.index(after: equals)...])
            } else {
                positional.append(word.text)
            }
        }
        return (all.first?.text, positional, options)
    }

    /// The word as a command line needs it: quoted when it holds a space, a quote, `=`, `#`
    /// or a backslash (or is empty), so that `split` gives it back unchanged.
    static func quote(_ word: String) -> String {
        let special: Set<Character> = ["\"", "'", "=", "#", "\\"]
        guard word.isEmpty || word.contains(where: { $0.isWhitespace || special.contains($0) }) else { return word }
        var quoted = "\""
        for character in word {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        return quoted + "\""
    }
}

extension Command {
    /// `save` and `export` write files: a restored journal shows them without re-running them.
    public var writesFiles: Bool {
        switch self {
        case .save, .export: return true
        default: return false
        }
    }
}
