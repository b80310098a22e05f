import LossKit

/// The embeddings cursor's point and its nearest neighbours, measured in the model's own
/// embedding space (D dimensions, not the 2-D view) with the loss's distance or similarity.
public struct PointNeighbours: Sendable, Equatable {
    public enum Measure: String, Sendable, CaseIterable {
        case euclidean = "euclidean distance"
        case manhattan = "manhattan distance"
        case cosine = "cosine distance"
        case dot = "dot product"

        /// The measure of a loss's metric parameter value: its distance, or the distance its
        /// similarity orders by; euclidean for a loss without one.
        public static func of(metric value: String?) -> Measure {
            switch value {
            case "euclidean"?: return .euclidean
            case "manhattan"?: return .manhattan
            case "dot_score"?, "pairwise_dot_score"?, "dot"?: return .dot
            case nil: return .euclidean
            default: return .cosine
            }
        }

        /// Whether a larger value is nearer (a similarity) rather than farther (a distance).
        public var largerIsNearer: Bool { self == .dot }
    }

    public struct Neighbour: Sendable, Equatable {
        public var item: Int
        /// The distance (or for `.dot`, the similarity) to the cursor's point.
        public var value: Double
        public var text: String?
    }

    public var item: Int
    public var text: String?
    public var measure: Measure
    public var dimension: Int
    /// How many items were searched, of `itemCount` (large sets: the drawn sample).
    public var searched: Int
    public var itemCount: Int
    public var neighbours: [Neighbour]

    public static let count = 5

    /// The `count` rows of `embeddings` nearest row `query` (itself left out), nearest first;
    /// ties go to the lower row. Rows are positions in `embeddings`, not items.
    public static func nearest(to query: Int, in embeddings: Matrix<Float>, measure: Measure, count: Int = Self.count) -> [(row: Int, value: Double)] {
        let n = embeddings.rows, d = embeddings.cols
        guard query >= 0, query < n, count > 0 else { return [] }
        var best: [(row: Int, value: Double)] = []
        best.reserveCapacity(count + 1)
        embeddings.values.withUnsafeBufferPointer { values in
            let q = values.baseAddress! + query * d
            let queryNorm = norm(q, d)
            for r in 0..<n where r != query {
                let x = values.baseAddress! + r * d
                let value: Double
                switch measure {
                case .euclidean:
                    var sum = 0.0
                    for k in 0..<d { let diff = Double(x[k]) - Double(q[k]); sum += diff * diff }
                    value = sum.squareRoot()
                case .manhattan:
                    var sum = 0.0
                    for k in 0..<d { sum += abs(Double(x[k]) - Double(q[k])) }
                    value = sum
                case .cosine:
                    // As the losses do: each norm clamped at 1e-12 before dividing.
                    value = 1 - dot(x, q, d) / (max(norm(x, d), 1e-12) * max(queryNorm, 1e-12))
                case .dot:
                    value = dot(x, q, d)
                }
                let nearer = { (a: Double, b: Double) in measure.largerIsNearer ? a > b : a < b }
                if best.count < count || nearer(value, best[best.count - 1].value) {
                    let position = best.firstIndex { nearer(value, $0.value) } ?? best.count
                    best.insert((r, value), at: position)
                    if best.count > count { best.removeLast() }
                }
            }
        }
        return best
    }

    private static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ d: Int) -> Double {
        var s0 = 0.0, s1 = 0.0
        var k = 0
        while k + 1 < d { s0 += Double(a[k]) * Double(b[k]); s1 += Double(a[k + 1]) * Double(b[k + 1]); k += 2 }
        if k < d { s0 += Double(a[k]) * Double(b[k]) }
        return s0 + s1
    }

    private static func norm(_ a: UnsafePointer<Float>, _ d: Int) -> Double { dot(a, a, d).squareRoot() }
}
