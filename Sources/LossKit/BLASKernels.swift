import COpenBLAS
import Foundation

/// Which of OpenBLAS's CPU-specific kernel sets the process runs on.
///
/// OpenBLAS picks its kernels once, when the library is loaded, from the CPU model number. A
/// release older than the CPU does not know the model and falls back to its slowest generic
/// kernels ("Prescott", SSE3), even on a CPU with AVX-512: on this project's 2-core machines
/// (Debian's 0.3.21 on a model-207 Xeon) the products of a 1024 x 768 ranking loss then run
/// 4-5 times slower. The choice can only be overridden by the OPENBLAS_CORETYPE variable before
/// the library loads, so the program restarts itself once with it set.
public enum BLASKernels {
    /// The kernel set in use, as OpenBLAS names it ("SkylakeX", "Haswell", "Prescott"...).
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// Kernel sets from the least to the most capable that LossLab may ask for, with the
    /// CPU flags (from /proc/cpuinfo) each needs.
    static let ladder: [(core: String, flags: [String])] = [
        ("Haswell", ["avx2", "fma"]),
        ("SkylakeX", ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx2", "fma"]),
    ]

    /// Kernel sets OpenBLAS falls back to, or that are slower than one the CPU can run.
    static let generic: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai",
                                       "coppermine", "northwood", "banias", "sandybridge", "unknown"]

    /// The best kernel set of `ladder` that a CPU with `flags` runs, if better than `detected`.
    static func better(than detected: String, flags: Set<String>) -> String? {
        guard generic.contains(detected.lowercased()) else { return nil }
        return ladder.last { $0.flags.allSatisfy(flags.contains) }?.core
    }

    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Restarts the process on the best kernels when OpenBLAS fell back to generic ones and the
    /// user has not chosen a kernel set (OPENBLAS_CORETYPE). Returns if nothing needs doing or
    /// the restart fails. Call it first thing in `main`, before any output or thread.
    public static func restartOnNativeKernelsIfNeeded() {
        // /proc/cpuinfo is read only when OpenBLAS fell back, not at every start.
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil, generic.contains(coreName.lowercased()),
              let core = better(than: coreName, flags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        // The binary's own path, not /proc/self/exe: the process's name comes from the path
        // executed, and `pgrep losslab`, `ps` and `kill` users would otherwise see "exe".
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let path = length > 0 ? String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self) : "/proc/self/exe"
        execv(path, CommandLine.unsafeArgv)
        // Still here: the restart failed; run on the kernels there are.
        unsetenv("OPENBLAS_CORETYPE")
    }
}
