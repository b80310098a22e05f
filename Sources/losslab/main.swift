import ArgumentParser
import Foundation

// Usage errors and bad input exit with status 2 and one line on stderr; help exits 0.
do {
    var command = try Losslab.parseAsRoot()
    try command.run()
} catch {
    if Losslab.exitCode(for: error) == .success || error is ExitCode {
        Losslab.exit(withError: error)
    }
    let message = Losslab.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    FileHandle.standardError.write(Data("losslab: \(message)\n".utf8))
    exit(2)
}
