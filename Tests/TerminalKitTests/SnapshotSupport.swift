import Testing
import TerminalKit

/// Compares a buffer with expected snapshot text (see `Snapshot`); with RECORD_SNAPSHOTS=1 it
/// prints the actual text and fails, so the literal can be pasted into the test.
func expectSnapshot(
    _ buffer: Buffer, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    if let report = Snapshot.check(buffer, expected: expected) {
        if Snapshot.isRecording { print(report) }
        Issue.record(Comment(rawValue: report), sourceLocation: sourceLocation)
    }
}

/// Renders with `body` into a fresh buffer of the given size.
func rendered(width: Int, height: Int, _ body: (inout Buffer) -> Void) -> Buffer {
    var buffer = Buffer(width: width, height: height)
    body(&buffer)
    return buffer
}
