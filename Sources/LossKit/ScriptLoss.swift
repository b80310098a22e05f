/// A loss as the exported sentence-transformers 6.2 training script builds it: a constructor
/// call with `model` first, plus whatever Python that call needs. The exporter writes it out
/// without knowing which loss it is.
public struct ScriptLoss: Sendable, Equatable {
    public struct Argument: Sendable, Equatable {
        public var name: String
        /// Python source, e.g. `0.5`, `True`, `losses.TripletDistanceMetric.COSINE`.
        public var expression: String

        public init(_ name: String, _ expression: String) {
            self.name = name
            self.expression = expression
        }
    }

    /// What is called, e.g. `losses.TripletLoss` (the script imports sentence-transformers'
    /// loss module as `losses`), or a class the definitions declare.
    public var callee: String
    public var arguments: [Argument]
    /// Import lines beyond the ones every script has.
    public var imports: [String] = []
    /// Module-level Python the call relies on (functions, classes), written before main().
    public var definitions: String = ""
    /// Comment lines written above the call: what LossLab did that the call cannot say.
    public var notes: [String] = []
    /// The name of a function in `definitions` that maps the train and eval datasets (as the
    /// exporter builds them for the data's shape) to the columns this loss reads.
    public var prepareDataset: String? = nil

    public init(callee: String, arguments: [Argument] = []) {
        self.callee = callee
        self.arguments = arguments
    }

    /// `losses.TripletLoss(model, triplet_margin=1.0)`.
    public var call: String {
        "\(callee)(" + (["model"] + arguments.map { "\($0.name)=\($0.expression)" }).joined(separator: ", ") + ")"
    }

    /// The default mapping: `losses.<className>(model, ...)` with each setting that differs from
    /// its declared default, written as its parameter's `script` form says (a Python literal of
    /// its kind otherwise). Parameters without a declared default (taken from the data) and
    /// fixed ones are left to the reference's default; LossLab-only ones become notes.
    public static func derived(from loss: some LossDescription, skipping skipped: Set<String> = []) -> ScriptLoss {
        var result = ScriptLoss(callee: "losses." + loss.className)
        let parameters = type(of: loss).parameters
        for (name, value) in loss.settings where !skipped.contains(name) {
            guard let parameter = parameters[name], let fallback = parameter.defaultValue else { continue }
            if case .fixed = parameter.kind { continue }
            if parameter.sameValue(value, fallback) { continue }
            if case .lossLabOnly(let reason) = parameter.script {
                result.notes.append("\(name)=\(value) is LossLab's own and has no sentence-transformers argument: \(reason)")
                continue
            }
            let expression = parameter.pythonExpression(value)
            result.arguments.append(Argument(name, expression))
            if expression.hasPrefix("util."), !result.imports.contains(Self.utilImport) { result.imports.append(Self.utilImport) }
        }
        return result
    }

    public static let utilImport = "from sentence_transformers import util"

    /// A Double as a Python literal (`5.0`, `1e-05`, `float("inf")`).
    public static func pythonNumber(_ value: Double) -> String {
        if value.isNaN { return "float(\"nan\")" }
        if value.isInfinite { return value > 0 ? "float(\"inf\")" : "-float(\"inf\")" }
        return "\(value)"
    }

    /// A string as a Python literal in double quotes, escapes where Python needs them.
    public static func pythonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                // Other control characters, and the line and paragraph separators Python's
                // source reader would take as line breaks, as escapes.
                if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value)
                    || scalar.value == 0x2028 || scalar.value == 0x2029 || scalar.value == 0xFEFF {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

/// What a loss's script mapping may need from the data.
public struct ScriptContext: Sendable, Equatable {
    /// Classes of the data's labels (class ids 0..<classCount), when they are classes.
    public var classCount: Int?

    public init(classCount: Int? = nil) {
        self.classCount = classCount
    }
}

extension LossParameter {
    /// Whether two spellings of this parameter's value are the same value.
    func sameValue(_ a: String, _ b: String) -> Bool {
        switch kind {
        case .number:
            guard let x = DecimalNumber.double(a), let y = DecimalNumber.double(b) else { return a == b }
            return x == y
        case .wholeNumber: return DecimalNumber.integer(a) == DecimalNumber.integer(b)
        case .flag: return a.lowercased() == b.lowercased()
        case .choice, .fixed: return a == b
        case .set: return Set(a.split(separator: ",")) == Set(b.split(separator: ","))
        case .numberList:
            let x = a.split(separator: ",").map { DecimalNumber.double(String($0)) }
            let y = b.split(separator: ",").map { DecimalNumber.double(String($0)) }
            return x.contains(nil) || y.contains(nil) ? a == b : x == y
        }
    }

    /// The value as Python source.
    func pythonExpression(_ value: String) -> String {
        if case .expressions(let table) = script, let expression = table[value] { return expression }
        switch kind {
        case .number: return DecimalNumber.double(value).map(ScriptLoss.pythonNumber) ?? value
        case .wholeNumber: return DecimalNumber.integer(value).map { "\($0)" } ?? value
        case .flag: return value.lowercased() == "true" ? "True" : "False"
        case .choice, .fixed: return value.lowercased() == "none" ? "None" : ScriptLoss.pythonString(value)
        case .set:
            // A tuple of strings, as 6.2 takes `directions`.
            let members = value.split(separator: ",").map { ScriptLoss.pythonString(String($0)) }
            return "(" + members.joined(separator: ", ") + (members.count == 1 ? ",)" : ")")
        case .numberList(let whole):
            if value.lowercased() == "none" { return "None" }
            let members = value.split(separator: ",").map { text -> String in
                let trimmed = text.trimmingCharacters(in: .whitespaces)
                if whole { return DecimalNumber.integer(trimmed).map { "\($0)" } ?? trimmed }
                return DecimalNumber.double(trimmed).map(ScriptLoss.pythonNumber) ?? trimmed
            }
            return "[" + members.joined(separator: ", ") + "]"
        }
    }
}

extension ScriptLoss {
    /// 6.2 deprecates the symmetric ranking losses (its deprecation warning would stop a script
    /// run with warnings as errors): the same loss is the non-symmetric class, the same name
    /// without "Symmetric", over both directions with one softmax per direction.
    public static func symmetricAsDirections(_ loss: some LossDescription) -> ScriptLoss {
        var call = ScriptLoss.derived(from: loss)
        let replacement = type(of: loss).className.replacingOccurrences(of: "Symmetric", with: "")
        call.callee = "losses." + replacement
        call.arguments.insert(contentsOf: [Argument("directions", "(\"query_to_doc\", \"doc_to_query\")"),
                                           Argument("partition_mode", "\"per_direction\"")], at: 0)
        call.notes.append("\(type(of: loss).className) is deprecated in sentence-transformers 6.2; \(replacement) over both directions, one softmax per direction, is the same loss")
        return call
    }
}

extension ScriptLoss {
    /// A guided loss's guide: a second, frozen copy of the starting model, which is LossLab's
    /// guide when none was loaded (`load ... guide=FILE` names embeddings of another model, which
    /// the script cannot know: the note says to put that model here).
    public static func withStartingModelAsGuide(_ loss: some LossDescription) -> ScriptLoss {
        var call = ScriptLoss.derived(from: loss)
        call.arguments.insert(Argument("guide", "SentenceTransformer(args.model)"), at: 0)
        call.notes.append("guide: a frozen copy of the starting model, LossLab's guide when none is loaded; with a guide file, load its model here")
        return call
    }
}
