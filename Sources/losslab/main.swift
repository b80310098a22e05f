import ArgumentParser
import Foundation
import LossKit

BLASKernels.restartOnNativeKernelsIfNeeded()

// Keep freed memory in the heap instead of returning it to the system: a training step
// allocates the same large matrices every time, and glibc would otherwise map, fault in and
// zero fresh pages for each of them (a third of a step's time at batch 1024).
// (mallopt is not in Swift's Glibc module, so it is looked up by name; -3 is
// M_MMAP_THRESHOLD and -1 M_TRIM_THRESHOLD in glibc's malloc.h.)
if let symbol = dlsym(nil, "mallopt") {
    let mallopt = unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    _ = mallopt(-3, 32 << 20)  // glibc's largest mmap threshold
    _ = mallopt(-1, 1 << 30)
}

// Past a file-size limit (ulimit -f) a write fails with EFBIG, which the writer reports,
// instead of the signal killing the process with the terminal in raw mode.
signal(SIGXFSZ, SIG_IGN)

if let problem = CommandSpelling.problem(Array(CommandLine.arguments.dropFirst())) {
    StandardError.line("losslab: " + problem)
    exit(2)
}

// Usage errors and bad input exit with status 2 and one line on stderr; help exits 0.
do {
    var command = try Losslab.parseAsRoot()
    try command.run()
} catch {
    if Losslab.exitCode(for: error) == .success || error is ExitCode {
        Losslab.exit(withError: error)
    }
    let message = Losslab.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
    StandardError.line("losslab: " + StandardError.excerpt(message, limit: 2000))
    exit(2)
}
