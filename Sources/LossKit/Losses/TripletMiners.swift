import RealModule

/// pytorch-metric-learning's vocabulary of triplet miners, over a batch of class-labelled
/// embeddings. The first three filter every valid triplet by where d(a,n) falls; the others
/// pick one triplet per anchor (or per anchor-positive pair).
public enum TripletMiner: String, Sendable, CaseIterable {
    /// Every valid triplet (a ≠ p same class, n other class).
    case all
    /// TripletMarginMiner "hard": d(a,n) - d(a,p) <= 0 (and <= margin), so a negative exactly
    /// as far as the positive counts as hard, as in pytorch-metric-learning.
    case hard
    /// TripletMarginMiner "semihard": 0 < d(a,n) - d(a,p) <= margin.
    case semiHard = "semi-hard"
    /// BatchHardMiner: per anchor the farthest positive and the closest negative.
    case batchHard = "batch-hard"
    /// BatchEasyHardMiner (easy positives, hard negatives): the closest positive and the closest negative.
    case easyPositiveHardNegative = "easy-positive-hard-negative"
    /// One random negative for each anchor-positive pair (seeded by the batch's labels).
    case random
    /// DistanceWeightedMiner (Wu et al. 2017): for each anchor-positive pair, a negative drawn
    /// with probability ∝ 1/q(d), q the density of distances between random points on the
    /// unit sphere; distances are cut at 0.5 below and negatives farther than 1.4 are skipped.
    /// Meant for L2-normalised embeddings.
    case distanceWeighted = "distance-weighted"

    public static func parse(_ text: String) -> TripletMiner? {
        let word = text.lowercased().replacingOccurrences(of: "_", with: "-")
        switch word {
        case "semihard": return .semiHard
        case "batchhard", "hardest": return .batchHard
        case "ephn", "easy-hard", "easypositivehardnegative": return .easyPositiveHardNegative
        case "distance", "distanceweighted": return .distanceWeighted
        default: return TripletMiner(rawValue: word)
        }
    }

    /// For the filtering miners: whether the triplet with distances d(a,p), d(a,n) is kept.
    /// The test is pytorch-metric-learning 2.9's TripletMarginMiner, on the same number:
    /// t = d(a,n) - d(a,p) (the difference itself, not d(a,n) against d(a,p) + margin, so the
    /// boundaries round as there); "hard" is t <= margin and t <= 0, "semihard" t <= margin and
    /// t > 0. With the cosine metric pytorch-metric-learning takes t = s(a,p) - s(a,n) from the
    /// similarities, where LossLab subtracts the distances 1 - s: the two agree except when two
    /// different similarities lie within rounding of each other.
    /// The difference is taken in the batch's own precision, as the reference does.
    func keeps<T: Scalar>(dap: T, dan: T, margin: T) -> Bool {
        let t = dan - dap
        switch self {
        case .all: return true
        case .hard: return t <= margin && t <= 0
        case .semiHard: return t <= margin && t > 0
        default: return false
        }
    }

    var filtersAllTriplets: Bool { self == .all || self == .hard || self == .semiHard }
}

/// Weighted draws and the sphere density the distance-weighted miner needs. The two cutoffs
/// are pytorch-metric-learning's DistanceWeightedMiner defaults (cutoff, nonzero_loss_cutoff);
/// the exported snippet writes them from here.
public enum DistanceWeighting {
    /// Distances below this are raised to it before weighing.
    public static let cutoff = 0.5
    /// Negatives this far or farther are never drawn.
    public static let nonzeroLossCutoff = 1.4

    /// log of 1/q(d) for dimension n, up to a constant: -(n-2) log d - (n-3)/2 log(1 - d²/4).
    static func logInverseDensity(_ distance: Double, dimension: Int) -> Double {
        let d = max(distance, cutoff)
        let n = Double(max(dimension, 3))
        return -(n - 2) * Double.log(d) - (n - 3) / 2 * Double.log(max(1 - d * d / 4, 1e-8))
    }
}
