import Foundation
import LossKit
import LossSession
import TerminalKit

/// Tab completion for the command line: commands, loss names, parameter names and file paths.
enum Completion {
    static func candidates(for context: TextField.CompletionContext, snapshot: TrainingSnapshot) -> [String] {
        let words = context.textBeforeCursor.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        let token = context.token
        let completed = context.textBeforeCursor.hasSuffix(" ") ? words : Array(words.dropLast())
        let pool: [String]
        switch completed.first {
        case nil: pool = Command.verbs
        case "loss":
            // The term being typed: the words after the last `+`, past a `WEIGHT *`.
            var term = Array(completed.dropFirst().split(separator: "+", omittingEmptySubsequences: false).last ?? [])
            if term.count >= 2 && term[1] == "*" { term.removeFirst(2) }
            if term.isEmpty {
                pool = SessionLoss.all.map { $0.className }
            } else if let type = SessionLoss.all.first(where: { $0.className.lowercased() == term[0].lowercased() }) {
                pool = type.parameters.map { $0.name + "=" }
            } else { pool = [] }
        case "load": pool = DatasetCatalog.builtIns + paths(token) + ["labels=", "seed=", "as=", "classes=", "per_class=", "dim="]
        case "set": pool = TrainingSettings.accepted.map { $0.name + "=" }
        case "encoder": pool = completed.count == 1 ? EncoderChoice.kinds : ["dim=", "hidden=", "layers=", "normalize="]
        case "show": pool = SessionReport.topics
        case "export": pool = completed.count == 1 ? ["metrics.csv", "embeddings.npy", "projector", "st-snippet"] : paths(token)
        case "save": pool = paths(token)
        case "expect": pool = ["loss", "active_fraction", "grad_norm", "mean_distance", "mean_cosine", "recall_at_1", "map_at_r"]
        default: pool = []
        }
        return pool.filter { $0.hasPrefix(token) }.sorted()
    }

    /// Files and folders starting with `token` (folders end with "/").
    static func paths(_ token: String) -> [String] {
        let directory = token.contains("/") ? String(token[...token.lastIndex(of: "/")!]) : ""
        let listing = directory.isEmpty ? "." : directory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: listing) else { return [] }
        return names.filter { !$0.hasPrefix(".") }.prefix(200).map { name in
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: listing + "/" + name, isDirectory: &isDirectory)
            return directory + name + (isDirectory.boolValue ? "/" : "")
        }
    }
}
