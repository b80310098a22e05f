#if canImport(Glibc)
import Glibc
#endif

/// Messages to stderr. Unlike FileHandle's write, a failing stderr (closed, a full disk, a
/// file-size limit) never stops the program: the message is dropped.
enum StandardError {
    static func line(_ text: String) {
        var bytes = Array((text + "\n").utf8)
        var done = 0
        while done < bytes.count {
            let wrote = bytes.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress! + done, $0.count - done) }
            if wrote < 0 && errno == EINTR { continue }
            if wrote <= 0 { return }
            done += wrote
        }
    }

    /// A notebook line as a message quotes it: long ones shortened, with their length.
    static func excerpt(_ text: String, limit: Int = 200) -> String {
        text.count <= limit ? text : String(text.prefix(limit)) + "… (\(text.count) characters)"
    }
}
