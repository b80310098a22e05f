import Foundation
import LossKit
import LossSession

/// `losslab bench --retrieval N`: the held-out retrieval metrics alone (recall@1/@5, MAP@R of
/// `queries` items against all N), on N random unit rows of `dim` coordinates in 50 classes,
/// without loading or embedding anything. Prints wall and user CPU seconds, best of `repeats`.
enum RetrievalBench {
    static func run(items: Int, dim: Int, queries: Int, repeats: Int) -> String {
        var random = SeededRandom(seed: 17)
        let values = (0..<(items * dim)).map { _ in Float(random.normal()) }
        let rows = L2Normalization.forward(Matrix(rows: items, cols: dim, values: values)).output
        let classes = (0..<items).map { _ in Int(random.next() % 50) }
        let picked = Array(stride(from: 0, to: items, by: max(1, items / max(queries, 1))).prefix(queries))
        var best = (wall: Double.infinity, user: Double.infinity)
        var scores: RetrievalRanking.Scores?
        for _ in 0..<max(repeats, 1) {
            let wall0 = Date(), user0 = userSeconds()
            scores = RetrievalRanking.evaluate(rows: rows, queries: picked, classes: classes)
            let wall = Date().timeIntervalSince(wall0), user = userSeconds() - user0
            if wall < best.wall { best = (wall, user) }
        }
        return String(format: "retrieval items=%d dim=%d queries=%d: %.3f s wall, %.3f s user CPU (best of %d); recall@1 %.4f, MAP@R %.6f; peak %.0f MiB",
                      items, dim, picked.count, best.wall, best.user, max(repeats, 1), scores?.recallAt1 ?? 0, scores?.mapAtR ?? 0,
                      BenchRunner.peakResidentMegabytes())
    }

    static func userSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
    }
}
