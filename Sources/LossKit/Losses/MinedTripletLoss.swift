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

extension MinedTripletLoss {
    /// The pytorch-metric-learning 2.9 objects that compute the loss LossLab computes, each
    /// argument commented with the LossLab setting it mirrors, in a `make_pml_loss()` that
    /// returns (loss_func, miner). Checked against PML 2.9.0 (Tests/Fixtures/pml29,
    /// Tests/interop/check_mining_snippet.py).
    public var pytorchMetricLearningCode: String {
        let loss = self
        let margin = ScriptLoss.pythonNumber(loss.margin)
        let distance: String
        switch loss.distanceMetric {
        case .euclidean:
            distance = """
                # distance_metric=euclidean: the L2 distance of the raw rows. PML's default
                    # LpDistance() normalises the rows first, which LossLab's euclidean does not.
                    distance = distances.LpDistance(normalize_embeddings=False, p=2, power=1)
                """
        case .cosine:
            distance = """
                # distance_metric=cosine: LossLab's distance is 1 - cos of the L2-normalised rows
                    # (eps 1e-12, as torch's normalize). PML works on the similarity cos itself
                    # (normalize_embeddings=True is the only setting CosineSimilarity takes): the
                    # same ranking, and s(a,n) - s(a,p) = d(a,p) - d(a,n), so the margin means the same.
                    distance = distances.CosineSimilarity()
                """
        }
        var helper = ""
        let miner: String
        switch loss.miner {
        case .all:
            miner = """
                # miner=all: no miner; the loss takes every valid triplet (triplets_per_anchor="all").
                    miner = None
                """
        case .hard:
            miner = """
                # miner=hard: triplets with d(a,n) - d(a,p) <= 0 (a tie counts as hard) and <= margin;
                    # margin=\(margin) is LossLab's margin (the miner's default, 0.2, is not).
                    miner = miners.TripletMarginMiner(margin=\(margin), type_of_triplets="hard", distance=distance)
                """
        case .semiHard:
            miner = """
                # miner=semi-hard: triplets with 0 < d(a,n) - d(a,p) <= margin;
                    # margin=\(margin) is LossLab's margin (the miner's default, 0.2, is not).
                    miner = miners.TripletMarginMiner(margin=\(margin), type_of_triplets="semihard", distance=distance)
                """
        case .batchHard:
            miner = """
                # miner=batch-hard: for each anchor the farthest positive and the closest negative
                    # (the first one on ties, as LossLab); anchors without either are skipped.
                    miner = miners.BatchHardMiner(distance=distance)
                """
        case .easyPositiveHardNegative:
            miner = """
                # miner=easy-positive-hard-negative: for each anchor the closest positive and the
                    # closest negative. Both strategies are spelled out: BatchEasyHardMiner's default
                    # neg_strategy is "semihard", which is not what LossLab ran.
                    miner = miners.BatchEasyHardMiner(pos_strategy="easy", neg_strategy="hard", distance=distance)
                """
        case .random:
            helper = """
                def random_negative_miner(embeddings, labels):
                    \"\"\"NOT pytorch-metric-learning, which has no miner for LossLab's miner=random: every
                    anchor-positive pair with one negative drawn uniformly at random. The same rule, but
                    torch's random numbers rather than LossLab's (seed=\(loss.seed)), so the triplets and
                    the loss of a given batch differ from LossLab's; only their distribution is the same.\"\"\"
                    with torch.no_grad():
                        same = labels[:, None] == labels[None, :]
                        own = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
                        a, p = torch.where(same & ~own)
                        keep = (~same[a]).any(dim=1)
                        a, p = a[keep], p[keep]
                        if len(a) == 0:
                            return a, p, a.clone()
                        n = torch.multinomial((~same[a]).double(), 1).flatten()
                        return a, p, n



                """
            miner = """
                # miner=random: pytorch-metric-learning cannot reproduce it (see random_negative_miner).
                    miner = random_negative_miner
                """
        case .distanceWeighted:
            let cutoff = ScriptLoss.pythonNumber(DistanceWeighting.cutoff), nonzeroCutoff = ScriptLoss.pythonNumber(DistanceWeighting.nonzeroLossCutoff)
            miner = """
                # miner=distance-weighted: cutoff=\(cutoff) and nonzero_loss_cutoff=\(nonzeroCutoff) are LossLab's
                    # (fixed) cutoffs. NOT the same miner as LossLab's, and random in both, so no batch gives the
                    # same loss:
                    #  - PML's miner accepts only the L2 distance of L2-normalised rows; LossLab weighs its
                    #    distance_metric=\(loss.distanceMetric.rawValue) distance\(loss.distanceMetric == .cosine ? " (1 - cos, which PML's miner cannot use)" : " (the same only for unit-length embeddings)");
                    #  - PML draws, for each anchor, as many random positives as its class has members;
                    #    LossLab takes every positive once, each with one weighted random negative
                    #    (seed=\(loss.seed)).
                    miner = miners.DistanceWeightedMiner(
                        cutoff=\(cutoff), nonzero_loss_cutoff=\(nonzeroCutoff),
                        distance=distances.LpDistance(normalize_embeddings=True, p=2, power=1))
                """
        }
        return """
            # MinedTripletLoss is LossLab's mining lab, not a sentence-transformers class.
            # make_pml_loss() builds the pytorch-metric-learning 2.9 objects that compute the loss
            # LossLab computed for miner=\(loss.miner.rawValue) distance_metric=\(loss.distanceMetric.rawValue) margin=\(margin).
            # Per batch of embeddings (N, D) and class labels (N,):
            #     indices = miner(embeddings, labels) if miner is not None else None
            #     loss = loss_func(embeddings, labels, indices)
            \(helper)def make_pml_loss():
                \(distance)
                loss_func = pml_losses.TripletMarginLoss(
                    margin=\(margin),  # margin: max(d(a,p) - d(a,n) + margin, 0) per triplet
                    swap=False,  # LossLab never uses d(p,n) in place of d(a,n)
                    smooth_loss=False,  # LossLab's hinge, not softplus
                    triplets_per_anchor="all",  # without a miner (miner=all): every valid triplet
                    distance=distance,
                    # LossLab averages over the mined triplets whose loss is above 0, and gives 0 when
                    # there is none: AvgNonZeroReducer, PML's default for this loss, written out.
                    reducer=reducers.AvgNonZeroReducer(),
                )
                \(miner)
                return loss_func, miner


            class MinedTripletLoss(torch.nn.Module):
                \"\"\"The mining lab as a sentence-transformers loss: embeds the text column and applies
                make_pml_loss()'s miner and loss to the embeddings and their class labels.\"\"\"

                def __init__(self, model):
                    super().__init__()
                    self.model = model
                    self.loss_func, self.miner = make_pml_loss()

                def forward(self, sentence_features, labels):
                    embeddings = self.model(sentence_features[0])["sentence_embedding"]
                    indices = self.miner(embeddings, labels) if self.miner is not None else None
                    return self.loss_func(embeddings, labels, indices)

            """
    }

    /// Not a sentence-transformers class: the script defines `MinedTripletLoss`, a torch module
    /// over pytorch-metric-learning's objects (`pytorchMetricLearningCode`).
    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss {
        var call = ScriptLoss(callee: "MinedTripletLoss")
        call.imports = ["import torch", "from pytorch_metric_learning import distances, miners, reducers",
                        "from pytorch_metric_learning import losses as pml_losses"]
        call.definitions = pytorchMetricLearningCode
        call.notes = ["LossLab's mining lab through pytorch-metric-learning 2.9 (pip install pytorch-metric-learning)"]
        return call
    }
}

import RealModule
