/// Where a triplet stands relative to the margin, in the loss's own distance units.
public enum Hardness: String, Sendable, CaseIterable {
    /// The negative is closer to the anchor than the positive: d(a,n) < d(a,p).
    case hard
    /// The negative is farther than the positive, but by less than the margin.
    case semiHard = "semi-hard"
    /// The negative is at least a margin farther than the positive: no loss.
    case easy

    public static func of(positiveDistance dap: Double, negativeDistance dan: Double, margin: Double) -> Hardness {
        if dan < dap { return .hard }
        if dan < dap + margin { return .semiHard }
        return .easy
    }
}

/// One tuple a loss used: a triplet (anchor, positive, negative), a pair (anchor, other), or
/// an anchor ranked against its in-batch candidates. Indices are rows of the batch; for losses
/// over several columns, row i of each column (MNRL: `negative` is a candidate index into the
/// concatenated non-anchor columns).
public struct MinedTuple: Sendable, Equatable {
    public var anchor: Int
    public var positive: Int
    public var negative: Int?
    /// d(a,p) for distance losses; the similarity for similarity losses.
    public var positiveScore: Double
    /// d(a,n) (or similarity) where there is a negative.
    public var negativeScore: Double?
    /// This tuple's term of the loss, before any averaging.
    public var loss: Double
    public var hardness: Hardness?
    /// The pair's label (pair losses) or the rank of the positive, 1 = first (MNRL).
    public var label: Double?
    /// A tuple the reference built by a fallback rule (semi-hard with no semi-hard negative).
    public var fallback: Bool

    public init(anchor: Int, positive: Int, negative: Int? = nil, positiveScore: Double,
                negativeScore: Double? = nil, loss: Double, hardness: Hardness? = nil,
                label: Double? = nil, fallback: Bool = false) {
        self.anchor = anchor
        self.positive = positive
        self.negative = negative
        self.positiveScore = positiveScore
        self.negativeScore = negativeScore
        self.loss = loss
        self.hardness = hardness
        self.label = label
        self.fallback = fallback
    }
}

/// Counts over the batch. `valid` counts every tuple the loss could form; `used` the ones its
/// rule picked; `active` the used ones with a non-zero term. For triplet losses `easy`,
/// `semiHard` and `hard` classify every valid triplet against the margin (a census).
public struct MiningCounts: Sendable, Equatable {
    public var valid = 0
    public var used = 0
    public var active = 0
    public var easy = 0
    public var semiHard = 0
    public var hard = 0
    public init(valid: Int = 0, used: Int = 0, active: Int = 0, easy: Int = 0, semiHard: Int = 0, hard: Int = 0) {
        self.valid = valid
        self.used = used
        self.active = active
        self.easy = easy
        self.semiHard = semiHard
        self.hard = hard
    }
}

public enum TupleKind: String, Sendable {
    case triplet, pair, ranking, item
}

public struct MiningReport: Sendable, Equatable {
    public var kind: TupleKind
    public var tuples: [MinedTuple]
    public var counts: MiningCounts
    /// Ranking losses on small batches (at most `scoreLimit` entries): every anchor's
    /// similarity to each candidate, before the scale, row-major (anchors × `scoreColumns`),
    /// for the softmax inspector.
    public var scores: [Double]?
    public var scoreColumns = 0
    /// Whether the loss has a fallback rule (semi-hard mining without a semi-hard negative),
    /// so that a count of 0 fallbacks is news too.
    public var hasFallbackRule = false
    public static let scoreLimit = 65_536
    public init(kind: TupleKind, tuples: [MinedTuple] = [], counts: MiningCounts = MiningCounts()) {
        self.kind = kind
        self.tuples = tuples
        self.counts = counts
    }
}
