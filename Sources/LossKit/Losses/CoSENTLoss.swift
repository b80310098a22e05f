/// sentence-transformers 6.2's `CoSENTLoss`: pairs (a_k, b_k) with a score y_k, and
/// s_k = scale · sim(a_k, b_k); the loss log(1 + Σ exp(s_k − s_j)) over every (k, j) whose
/// labels order them y_k < y_j, so a pair scored higher must come out more similar. Equal
/// labels contribute nothing. Columns past the second are ignored (zero gradient), as in the
/// reference.
///
/// Computed without the N × N pair matrix: the pairs sorted by label once, each pair's sum over
/// the higher-labelled ones is a suffix log-sum-exp, and its gradient a prefix one, so a batch
/// of any size costs O(N log N).
public struct CoSENTLoss: EmbeddingLoss {
    public static let className = "CoSENTLoss"
    public static let summary = "pairs ranked by their scores: every inverted ordering costs (O(N log N))"
    public static let parameters: [LossParameter] = [
        LossParameter("scale", .number, default: "20", role: .scale, "multiplies the similarities (1 / temperature)"),
        LossParameter("similarity_fct", .choice(PairwiseSimilarity.allCases.map(\.rawValue)), default: "pairwise_cos_sim", role: .metric,
                      "util pairwise similarity of each pair")
            .script(.expressions(Dictionary(uniqueKeysWithValues: PairwiseSimilarity.allCases.map { ($0.rawValue, "util." + $0.rawValue) }))),
    ]
    public static let inputSpec = LossInputSpec(minColumns: 2, maxColumns: nil, labels: .scores)

    public var scale: Double
    public var similarity: PairwiseSimilarity

    public init(scale: Double = 20, similarity: PairwiseSimilarity = .cosSim) {
        self.scale = scale
        self.similarity = similarity
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        scale = try settings.double("scale")
        let accepted = PairwiseSimilarity.allCases.map(\.rawValue).joined(separator: ", ")
            + " (a pairwise function: cos_sim and the other matrix functions compare every row with every row)"
        similarity = try settings.choice("similarity_fct", accepted: accepted, parse: PairwiseSimilarity.parse)
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] {
        [("scale", "\(scale)"), ("similarity_fct", similarity.rawValue)]
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let a = batch.columns[0], b = batch.columns[1]
        let n = a.rows
        let similarities = similarity.forward(a, b)
        let scaled = similarities.map { T(scale) * $0 }
        let ranking = LabelRanking(labels: batch.labels, scores: scaled)
        let dScores = ranking.gradient()
        let (da, db) = similarity.backward(a, b, dScores.map { T(scale) * $0 })
        var gradients = [da, db]
        for column in batch.columns.dropFirst(2) { gradients.append(Matrix<T>(zeros: column.rows, column.cols)) }

        let tuples = (0..<n).map { k in
            MinedTuple(anchor: k, positive: k, positiveScore: Double(similarities[k]), loss: Double(ranking.inversionShare(k)),
                       label: batch.labels[k])
        }
        let active = tuples.filter { $0.loss > 0 }.count
        var report = MiningReport(kind: .pair, tuples: tuples, counts: MiningCounts(valid: n, used: n, active: active))
        if batch.explain { ranking.explainInversions(in: &report) }
        return LossResult(value: ranking.loss, columnGradients: gradients, mining: report)
    }
}

/// log(1 + Σ_{y_k < y_j} exp(s_k − s_j)) and its gradient, through sorted prefix and suffix
/// log-sum-exps (never the pair matrix).
struct LabelRanking<T: Scalar> {
    let scores: [T]
    /// Rows sorted by label, ascending.
    let order: [Int]
    /// For each row: the first sorted position whose label is higher (its `higher` set starts
    /// there) and the first whose label is not lower (its `lower` set ends there).
    let firstHigher: [Int], firstNotLower: [Int]
    /// suffix[p] = log Σ_{q ≥ p} exp(−s_order[q]); prefix[p] = log Σ_{q < p} exp(s_order[q]).
    let suffix: [T], prefix: [T]
    /// Per row: s_k + log Σ_{higher} exp(−s_j) (−∞ when no row is higher).
    let terms: [T]
    let loss: T

    init(labels: [Double], scores: [T]) {
        let n = scores.count
        self.scores = scores
        order = (0..<n).sorted { labels[$0] < labels[$1] }
        var firstHigher = [Int](repeating: n, count: n), firstNotLower = [Int](repeating: 0, count: n)
        var start = 0
        while start < n {
            var end = start
            while end < n && labels[order[end]] == labels[order[start]] { end += 1 }
            for p in start..<end { firstHigher[order[p]] = end; firstNotLower[order[p]] = start }
            start = end
        }
        self.firstHigher = firstHigher
        self.firstNotLower = firstNotLower
        var suffix = [T](repeating: -.infinity, count: n + 1)
        for p in stride(from: n - 1, through: 0, by: -1) { suffix[p] = Self.logAdd(suffix[p + 1], -scores[order[p]]) }
        var prefix = [T](repeating: -.infinity, count: n + 1)
        for p in 0..<n { prefix[p + 1] = Self.logAdd(prefix[p], scores[order[p]]) }
        self.suffix = suffix
        self.prefix = prefix
        terms = (0..<n).map { k in firstHigher[k] < n ? scores[k] + suffix[firstHigher[k]] : -.infinity }
        loss = terms.reduce(T(0)) { Self.logAdd($0, $1) }
    }

    /// dL/ds_k: exp(term_k − L) through its own score, minus Σ_{y_j < y_k} exp(s_j − s_k − L)
    /// through the lower rows' sums.
    func gradient() -> [T] {
        (0..<scores.count).map { k in
            let own = terms[k] == -.infinity ? 0 : T.exp(terms[k] - loss)
            let lower = firstNotLower[k] > 0 ? T.exp(prefix[firstNotLower[k]] - scores[k] - loss) : 0
            return own - lower
        }
    }

    /// The share of the loss's mass this pair's inversions carry: exp(term_k) / exp(L).
    func inversionShare(_ k: Int) -> T {
        terms[k] == -.infinity ? 0 : T.exp(terms[k] - loss)
    }

    /// The orderings the labels ask for and the scores break: pairs (k, j) with label_k > label_j
    /// whose score_k ≤ score_j. Counted along the label order with a Fenwick tree over the
    /// scores' ranks (O(N log N), never the pair matrix); the worst are, for each pair, the
    /// lower-labelled pair that outscores it most, the `limit` largest gaps first.
    func inversions(scores: [Double], limit: Int) -> (count: Int, comparable: Int, worst: [Inversion]) {
        let n = scores.count
        let byScore = (0..<n).sorted { scores[$0] < scores[$1] }
        var rank = [Int](repeating: 0, count: n)
        var distinct = 0
        for (position, k) in byScore.enumerated() {
            if position > 0 && scores[k] != scores[byScore[position - 1]] { distinct += 1 }
            rank[k] = distinct
        }
        var tree = [Int](repeating: 0, count: distinct + 2)
        func insert(_ r: Int) {
            var i = r + 1
            while i < tree.count { tree[i] += 1; i += i & -i }
        }
        func countBelow(_ r: Int) -> Int {
            var i = r, total = 0
            while i > 0 { total += tree[i]; i -= i & -i }
            return total
        }
        var count = 0, comparable = 0, inserted = 0
        var strongestLower: Int? = nil
        var candidates: [(gap: Double, above: Int, below: Int)] = []
        var start = 0
        while start < n {
            let end = firstHigher[order[start]]
            for position in start..<end {
                let k = order[position]
                count += inserted - countBelow(rank[k])
                comparable += inserted
                if let j = strongestLower, scores[j] >= scores[k] { candidates.append((scores[j] - scores[k], k, j)) }
            }
            for position in start..<end {
                let k = order[position]
                insert(rank[k])
                inserted += 1
                if strongestLower.map({ scores[k] > scores[$0] }) ?? true { strongestLower = k }
            }
            start = end
        }
        let worst = candidates.sorted { ($0.gap, $1.above) > ($1.gap, $0.above) }.prefix(limit).map { Inversion(above: $0.above, below: $0.below) }
        return (count, comparable, worst)
    }

    /// Puts the inversions of the report's pair scores into it, for the views.
    func explainInversions(in report: inout MiningReport) {
        let found = inversions(scores: report.tuples.map(\.positiveScore), limit: MiningReport.inversionLimit)
        report.inversions = found.worst
        report.namedCounts = [NamedCount("inversions", Double(found.count)), NamedCount("comparable_pairs", Double(found.comparable))]
    }

    /// log(exp(x) + exp(y)), stable.
    static func logAdd(_ x: T, _ y: T) -> T {
        if x == -.infinity { return y }
        if y == -.infinity { return x }
        let high = max(x, y)
        return high + T.log(T.exp(x - high) + T.exp(y - high))
    }
}
