import RealModule

/// LossLab's mining lab: a triplet-margin loss (max(d(a,p) - d(a,n) + margin, 0)) with a
/// pluggable miner in pytorch-metric-learning's vocabulary, so mining strategies can be
/// compared on the same batch and against the four sentence-transformers batch losses, whose
/// mining is fixed. Not a sentence-transformers class. Terms are averaged over the mined
/// triplets with a non-zero loss (pytorch-metric-learning's default AvgNonZeroReducer); with
/// none, the loss is 0.
public struct MinedTripletLoss: EmbeddingLoss {
    public static let className = "MinedTripletLoss"
    public static let references = LossReference.allCases
    public static let referenceDifference = "LossLab's mining lab (PyTorch Metric Learning's miners and TripletMarginLoss), the same under both"
    public static let summary = "LossLab's mining lab: a triplet margin loss over pytorch-metric-learning miners"
    public static let parameters: [LossParameter] = [
        LossParameter("miner", .choice(TripletMiner.allCases.map(\.rawValue)), default: "semi-hard", "which triplets of the batch count"),
        LossParameter("margin", .number, default: "1", role: .margin, "how much farther than the positive the negative must be"),
        LossParameter("distance_metric", .choice(["euclidean", "cosine"]), default: "euclidean", role: .metric, "euclidean or cosine distance"),
        LossParameter("seed", .wholeNumber(minimum: 0), default: "0", "for the random and distance-weighted miners"),
    ]
    public static let inputSpec = LossInputSpec(columns: 1, labels: .classes)

    public var miner: TripletMiner
    public var margin: Double
    public var distanceMetric: BatchDistanceMetric
    public var seed: UInt64
    /// The most triplets a filtering miner may list.
    public static let tripletLimit = 2_000_000

    public init(miner: TripletMiner = .semiHard, margin: Double = 1, distanceMetric: BatchDistanceMetric = .euclidean, seed: UInt64 = 0) {
        self.miner = miner
        self.margin = margin
        self.distanceMetric = distanceMetric
        self.seed = seed
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        miner = try settings.choice("miner", parse: TripletMiner.parse)
        margin = try settings.double("margin")
        distanceMetric = try settings.choice("distance_metric", accepted: BatchDistanceMetric.accepted, parse: BatchDistanceMetric.parse)
        seed = UInt64(try settings.int("seed"))
        try settings.finish()
    }

    public var settings: [(name: String, value: String)] {
        [("miner", miner.rawValue), ("margin", "\(margin)"), ("distance_metric", distanceMetric.rawValue), ("seed", "\(seed)")]
    }

    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        let n = Double(rows), size = Double(scalarBytes)
        return 3 * n * n * size
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try validate(batch)
        let distances = distanceMetric.forward(batch.columns[0])
        let labelled = LabelledBatch(labels: batch.labels, distances: distances.distances)
        if miner.filtersAllTriplets {
            var count = 0
            for a in 0..<labelled.n { count += labelled.sortedPositives(of: a).count * (0..<labelled.n).filter { labelled.isNegative(a, $0) }.count }
            if count > Self.tripletLimit {
                throw LossError("MinedTripletLoss: miner \(miner.rawValue) looks at every one of the batch's \(count) triplets; the limit is \(Self.tripletLimit) (use a smaller batch_size, or BatchAllTripletLoss, which needs no list)")
            }
        }
        let triplets = mine(labelled, dimension: batch.columns[0].cols)
        let margin = T(self.margin)
        var terms: [T] = []
        terms.reserveCapacity(triplets.count)
        var active = 0
        for t in triplets {
            let term = max((labelled.d(t.a, t.p) - labelled.d(t.a, t.n)) + margin, 0)
            terms.append(term)
            if term > 0 { active += 1 }
        }
        var dDistances = Matrix<T>(zeros: labelled.n, labelled.n)
        var total: T = 0
        if active > 0 {
            let share = 1 / T(active)
            for (t, term) in zip(triplets, terms) where term > 0 {
                total += term
                dDistances[t.a, t.p] += share
                dDistances[t.a, t.n] -= share
            }
        }
        var report = MiningReport(kind: .triplet, counts: labelled.census(margin: self.margin))
        report.counts.used = triplets.count
        report.counts.active = active
        report.tuples = zip(triplets, terms).map { t, term in
            let dap = Double(labelled.d(t.a, t.p)), dan = Double(labelled.d(t.a, t.n))
            return MinedTuple(anchor: t.a, positive: t.p, negative: t.n, positiveScore: dap, negativeScore: dan, loss: Double(term),
                              hardness: Hardness.of(positiveDistance: dap, negativeDistance: dan, margin: self.margin))
        }
        report.capTuples()
        return LossResult(value: active > 0 ? total / T(active) : 0, columnGradients: [distances.backward(dDistances)], mining: report)
    }

    /// The triplets the miner picks: (anchor, positive, negative) row indices.
    func mine<T: Scalar>(_ batch: LabelledBatch<T>, dimension: Int) -> [(a: Int, p: Int, n: Int)] {
        let n = batch.n
        var triplets: [(a: Int, p: Int, n: Int)] = []
        var random = SeededRandom(seed: seed ^ batch.labels.reduce(0xC0FFEE) { ($0 &* 31) &+ UInt64(bitPattern: Int64($1)) })
        for a in 0..<n {
            let positives = (0..<n).filter { batch.isPositive(a, $0) }
            let negatives = (0..<n).filter { batch.isNegative(a, $0) }
            if positives.isEmpty || negatives.isEmpty { continue }
            switch miner {
            case .all, .hard, .semiHard:
                let margin = T(self.margin)
                for p in positives {
                    let dap = batch.d(a, p)
                    for k in negatives where miner.keeps(dap: dap, dan: batch.d(a, k), margin: margin) { triplets.append((a, p, k)) }
                }
            case .batchHard, .easyPositiveHardNegative:
                let p = miner == .batchHard ? positives.max { batch.d(a, $0) < batch.d(a, $1) }!
                                            : positives.min { batch.d(a, $0) < batch.d(a, $1) }!
                let k = negatives.min { batch.d(a, $0) < batch.d(a, $1) }!
                triplets.append((a, p, k))
            case .random:
                for p in positives { triplets.append((a, p, negatives[Int(random.next() % UInt64(negatives.count))])) }
            case .distanceWeighted:
                let candidates = negatives.filter { Double(batch.d(a, $0)) < DistanceWeighting.nonzeroLossCutoff }
                guard !candidates.isEmpty else { continue }
                let logs = candidates.map { DistanceWeighting.logInverseDensity(Double(batch.d(a, $0)), dimension: dimension) }
                let top = logs.max()!
                let weights = logs.map { Double.exp($0 - top) }
                let total = weights.reduce(0, +)
                for p in positives {
                    var target = random.uniform(0, total)
                    var chosen = candidates.last!
                    for (k, weight) in zip(candidates, weights) {
                        target -= weight
                        if target <= 0 { chosen = k; break }
                    }
                    triplets.append((a, p, chosen))
                }
            }
        }
        return triplets
    }
}
