import ArgumentParser
import Foundation

/// A first word that is neither a subcommand nor a notebook file is a misspelt command:
/// without this check the explorer, the default command, would take it for a notebook name.
enum CommandSpelling {
    /// The refusal for `arguments` (the command line after the program name), or nil when
    /// its first word is an option, a command, or a path to a notebook.
    static func problem(_ arguments: [String], fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String? {
        guard let word = arguments.first, !word.hasPrefix("-") else { return nil }
        let commands = Losslab.configuration.subcommands.map { $0.configuration }
        let names = commands.compactMap(\.commandName) + ["help"]
        // A path or a file name with an extension is a notebook; the explorer reports a missing one.
        if names.contains(word) || word.contains("/") || word.contains(".") || fileExists(word) { return nil }
        let shown = commands.filter(\.shouldDisplay).compactMap(\.commandName)
        let close = shown.map { ($0, distance(word.lowercased(), $0)) }.filter { $0.1 <= max(1, $0.0.count / 3) }.min { $0.1 < $1.1 }
        let hint = close.map { "did you mean '\($0.0)'?" } ?? "the commands are \(shown.joined(separator: ", "))"
        return "'\(word)' is not a command, and there is no notebook file of that name; \(hint) (see losslab --help)"
    }

    /// Edit distance counting insertions, deletions, substitutions and swaps of neighbours
    /// ("rnu" is one edit from "run"), each as one.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var table = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { table[i][0] = i }
        for j in 0...b.count { table[0][j] = j }
        for i in stride(from: 1, through: a.count, by: 1) {
            for j in stride(from: 1, through: b.count, by: 1) {
                table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
                }
            }
        }
        return table[a.count][b.count]
    }
}
