import Explorer
import Foundation
import LossData
import TerminalKit
import Testing

/// Whole-screen snapshots: the rendered screen's text, then its styles (a letter per cell and a
/// legend, see `Snapshot.styleLines`), are compared with the committed file `Screens/<name>.txt`,
/// every line of it (trailing spaces aside). With RECORD_SNAPSHOTS=1 the file is written
/// instead, and the test fails so that a recording is never taken for a pass.
func expectScreen(_ model: ExplorerModel, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Screens/\(name).txt").path
    let screen = model.view()
    let text = Snapshot.normalized(screen.lines())
    #expect(text.count <= model.height, sourceLocation: sourceLocation)
    let actual = text + Array(repeating: "", count: model.height - text.count) + ["── styles ──"] + Snapshot.styleLines(screen)
    if Snapshot.isRecording {
        do {
            try SafeWriter.write(path: file, text: actual.joined(separator: "\n") + "\n")
            Issue.record("recorded \(name); run again without RECORD_SNAPSHOTS to compare", sourceLocation: sourceLocation)
        } catch {
            Issue.record("cannot record \(name): \(error)", sourceLocation: sourceLocation)
        }
        return
    }
    guard let expected = try? String(contentsOfFile: file, encoding: .utf8) else {
        Issue.record("no expected screen \(file); record it with RECORD_SNAPSHOTS=1", sourceLocation: sourceLocation)
        return
    }
    if let report = Snapshot.check(lines: actual, expected: expected) {
        Issue.record(Comment(rawValue: "\(name): " + report), sourceLocation: sourceLocation)
    }
}

extension ExplorerModel {
    /// Presses the keys in order, returning every effect.
    mutating func press(_ keys: [Key]) -> [Effect] {
        keys.flatMap { update(.key($0)) }
    }

    mutating func type(_ text: String) -> [Effect] {
        press(text.map { Key.character($0) })
    }
}
