import LossKit
import Testing

/// The fast batch triplet losses against literal O(N³) versions of the reference's tensor
/// formulas, on small batches full of ties (integer coordinates, duplicate rows), where the
/// tie rules decide which entry gets the gradient.
@Suite struct BatchTripletBruteForceTests {
    struct Case: CustomStringConvertible, Sendable {
        var seed: UInt64
        var metric: BatchDistanceMetric
        var margin: Double
        var description: String { "seed \(seed) \(metric) margin \(margin)" }
    }

    static let cases: [Case] = (1...40).flatMap { seed in
        BatchDistanceMetric.allCases.flatMap { metric in
            [0.0, 1.0, 5.0].map { Case(seed: UInt64(seed), metric: metric, margin: metric == .cosine ? $0 / 5 : $0) }
        }
    }

    static func batch(_ seed: UInt64) -> (Matrix<Double>, [Double]) {
        var random = SeededRandom(seed: seed)
        let n = 4 + Int(random.next() % 9), dim = 1 + Int(random.next() % 3)
        let values = (0..<(n * dim)).map { _ in Double(Int(random.next() % 3) - 1) }
        let labels = (0..<n).map { _ in Double(random.next() % 3) }
        return (Matrix(rows: n, cols: dim, values: values), labels)
    }

    /// BatchAllTripletLoss as the reference computes it over every (a, p, n).
    static func batchAll(_ d: Matrix<Double>, _ labels: [Double], margin: Double) -> (Double, Matrix<Double>) {
        let n = d.rows
        var sum = 0.0, active = 0
        var keep: [(Int, Int, Int)] = []
        for a in 0..<n { for p in 0..<n { for k in 0..<n {
            guard a != p, a != k, p != k, labels[a] == labels[p], labels[a] != labels[k] else { continue }
            let term = (d[a, p] - d[a, k]) + margin
            if term < 0 { continue }
            sum += term
            if term > 1e-16 { active += 1 }
            keep.append((a, p, k))
        } } }
        let divisor = Double(active) + 1e-16
        var g = Matrix<Double>(zeros: n, n)
        for (a, p, k) in keep { g[a, p] += 1 / divisor; g[a, k] -= 1 / divisor }
        return (sum / divisor, g)
    }

    /// BatchSemiHardTripletLoss as the reference's masked minimum / maximum compute it.
    static func semiHard(_ d: Matrix<Double>, _ labels: [Double], margin: Double) -> (Double, Matrix<Double>) {
        let n = d.rows
        var pairs = 0
        for a in 0..<n { for p in 0..<n where a != p && labels[a] == labels[p] { pairs += 1 } }
        var g = Matrix<Double>(zeros: n, n)
        var total = 0.0
        for a in 0..<n {
            let row = (0..<n).map { d[a, $0] }
            let rowMax = row.indices.reduce(0) { row[$1] > row[$0] ? $1 : $0 }
            let rowMin = row.indices.reduce(0) { row[$1] < row[$0] ? $1 : $0 }
            for p in 0..<n where a != p && labels[a] == labels[p] {
                let mask = (0..<n).map { labels[$0] != labels[a] && row[$0] > row[p] ? 1.0 : 0.0 }
                var chosen: Double
                var grads: [(Int, Double)]
                if mask.contains(1) {
                    let keys = (0..<n).map { (row[$0] - row[rowMax]) * mask[$0] }
                    let k = keys.indices.reduce(0) { keys[$1] < keys[$0] ? $1 : $0 }
                    chosen = keys[k] + row[rowMax]
                    grads = [(k, mask[k]), (rowMax, 1 - mask[k])]
                } else {
                    let negative = (0..<n).map { labels[$0] != labels[a] ? 1.0 : 0.0 }
                    let keys = (0..<n).map { (row[$0] - row[rowMin]) * negative[$0] }
                    let k = keys.indices.reduce(0) { keys[$1] > keys[$0] ? $1 : $0 }
                    chosen = keys[k] + row[rowMin]
                    grads = [(k, negative[k]), (rowMin, 1 - negative[k])]
                }
                let term = (row[p] - chosen) + margin
                let slope = term > 0 ? 1.0 : (term == 0 ? 0.5 : 0)
                total += max(term, 0)
                g[a, p] += slope / Double(pairs)
                for (k, w) in grads where w != 0 { g[a, k] -= w * slope / Double(pairs) }
            }
        }
        return (total / Double(pairs), g)
    }

    /// BatchSemiHardTripletLoss as 6.2.0 computes it: same-label entries set to +inf, the row
    /// sorted (stable), the first entry strictly greater than d(a,p) taken as it is; none
    /// finite: the masked maximum of 1.2.0. The divisor is clamped at 1e-16.
    static func semiHardSorted(_ d: Matrix<Double>, _ labels: [Double], margin: Double) -> (Double, Matrix<Double>) {
        let n = d.rows
        var pairs = 0
        for a in 0..<n { for p in 0..<n where a != p && labels[a] == labels[p] { pairs += 1 } }
        let divisor = max(Double(pairs), 1e-16)
        var g = Matrix<Double>(zeros: n, n)
        var total = 0.0
        for a in 0..<n {
            let row = (0..<n).map { d[a, $0] }
            let rowMin = row.indices.reduce(0) { row[$1] < row[$0] ? $1 : $0 }
            let masked = (0..<n).map { labels[$0] == labels[a] ? Double.infinity : row[$0] }
            let order = (0..<n).sorted { masked[$0] < masked[$1] || (masked[$0] == masked[$1] && $0 < $1) }
            for p in 0..<n where a != p && labels[a] == labels[p] {
                var chosen: Double
                var grads: [(Int, Double)]
                if let k = order.first(where: { masked[$0] > row[p] }), masked[k].isFinite {
                    chosen = masked[k]
                    grads = [(k, 1)]
                } else {
                    let negative = (0..<n).map { labels[$0] != labels[a] ? 1.0 : 0.0 }
                    let keys = (0..<n).map { (row[$0] - row[rowMin]) * negative[$0] }
                    let k = keys.indices.reduce(0) { keys[$1] > keys[$0] ? $1 : $0 }
                    chosen = keys[k] + row[rowMin]
                    grads = [(k, negative[k]), (rowMin, 1 - negative[k])]
                }
                let term = (row[p] - chosen) + margin
                let slope = term > 0 ? 1.0 : (term == 0 ? 0.5 : 0)
                total += max(term, 0)
                g[a, p] += slope / divisor
                for (k, w) in grads where w != 0 { g[a, k] -= w * slope / divisor }
            }
        }
        return (total / divisor, g)
    }

    func check(_ loss: any EmbeddingLoss, _ c: Case, _ reference: (Matrix<Double>, [Double], Double) -> (Double, Matrix<Double>)) throws {
        let (e, labels) = Self.batch(c.seed)
        let distances = c.metric.forward(e)
        let (value, dD) = reference(distances.distances, labels, c.margin)
        let expected = distances.backward(dD)
        let result = try loss.evaluate(LossBatch(columns: [e], labels: labels))
        if value.isNaN { #expect(result.value.isNaN); return }
        #expect(abs(result.value - value) <= 1e-9 * max(1, abs(value)), "\(c): value \(result.value) vs \(value)")
        let difference = zip(result.columnGradients[0].values, expected.values).map { abs($0 - $1) }.max() ?? 0
        #expect(difference <= 1e-9 * max(1, expected.values.map(abs).max() ?? 0), "\(c): gradient off by \(difference)")
    }

    @Test(arguments: cases)
    func batchAllMatchesTheTripletTensor(_ c: Case) throws {
        try check(BatchAllTripletLoss(distanceMetric: c.metric, margin: c.margin), c) { Self.batchAll($0, $1, margin: $2) }
    }

    @Test(arguments: cases)
    func semiHardMatchesTheMaskedReductions(_ c: Case) throws {
        try check(BatchSemiHardTripletLoss(distanceMetric: c.metric, margin: c.margin, reference: .v1_2_0), c) { Self.semiHard($0, $1, margin: $2) }
    }

    @Test(arguments: cases)
    func semiHard62MatchesTheSortedSearch(_ c: Case) throws {
        try check(BatchSemiHardTripletLoss(distanceMetric: c.metric, margin: c.margin, reference: .v6_2_0), c) { Self.semiHardSorted($0, $1, margin: $2) }
    }
}
