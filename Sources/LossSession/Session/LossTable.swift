import LossKit

/// The table of every loss a session trains, as `losslab losses` prints it and the README
/// shows it: name, what it does, the data it takes, its parameters with their defaults, as
/// today's reference has them (a parameter only older releases have is named apart).
public enum LossTable {
    public static func parameterList(_ type: any LossDescription.Type) -> String {
        let list = type.parameters(in: .latest).map { "\($0.name)=\($0.defaultValue ?? "(from the data)")" }
        return list.isEmpty ? "none" : list.joined(separator: ", ")
    }

    /// One block per loss: its line, then one line per parameter with its doc.
    public static func text() -> String {
        SessionLoss.all.map { type in
            var lines = ["\(type.className): \(type.summary)", "  data: \(type.inputSpec.dataDescription)"]
            let current = type.parameters(in: .latest)
            for parameter in current {
                lines.append("  \(parameter.name)=\(parameter.defaultValue ?? "(from the data)")  [\(parameter.typeDescription)]  \(parameter.doc)")
            }
            if current.isEmpty { lines.append("  (no parameters)") }
            let older = type.parameters.filter { !$0.exists(in: .latest) }
            if !older.isEmpty { lines.append("  reference 1.2.0 only: " + older.map(\.name).joined(separator: ", ")) }
            return lines.joined(separator: "\n")
        }.joined(separator: "\n\n") + "\n"
    }

    /// The README's table (Markdown).
    public static func markdown() -> String {
        var lines = ["| loss | data | parameters (defaults) | what it does |", "|---|---|---|---|"]
        for type in SessionLoss.all {
            let cells = [type.className, type.inputSpec.dataDescription, parameterList(type), type.summary]
            lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Per loss, in one line, what differs between the references it knows.
    public static func differences() -> String {
        let width = SessionLoss.all.map { $0.className.count }.max() ?? 0
        let releases = LossReference.allCases.map(\.rawValue).joined(separator: " → ")
        return "What differs between sentence-transformers \(releases), per loss:\n" + SessionLoss.all.map { type in
            let line = type.referenceDifference.isEmpty ? "the same in both" : type.referenceDifference
            return type.className.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + line
        }.joined(separator: "\n") + "\n"
    }
}
