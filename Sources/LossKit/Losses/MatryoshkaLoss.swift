/// sentence-transformers 6.2's `MatryoshkaLoss`: another loss computed on the first d
/// dimensions of every embedding, for each d of `matryoshka_dims`, the results weighted by
/// `matryoshka_weights` and summed. Each truncation is L2-normalised (for every wrapped loss,
/// whatever its metric), and the gradient flows back through the normalisation into the first
/// d columns; the columns past the largest d get none.
///
/// How 6.2.0 truncates, reproduced exactly:
/// - The dimensions run largest first. For a loss without gradient caching, 6.2.0 caches the
///   encoder's output and truncates it in place, so from the second dimension on the input is
///   the previous truncation's normalised output, cut again and normalised again (equal in value
///   to normalising the raw prefix, but a zero prefix is divided by eps once per link, and the
///   gradient runs back along the chain). A dimension equal to the first re-runs the encoder, so
///   it normalises the raw prefix and does not extend the chain.
/// - A loss with gradient caching (the Cached* losses, MegaBatchMarginLoss mini-batched) gets
///   each dimension normalised straight from the raw embeddings.
/// - Teacher embeddings (MSELoss's labels), and soft labels, as wide as the embeddings are cut
///   to each dimension too (not normalised), as 6.2.0 does for any 2-D or 3-D label array whose
///   last axis is the model's width; only for a loss without gradient caching.
/// - `n_dims_per_step` between 1 and the number of dimensions samples that many dimensions per
///   batch from `LossBatch.samplingSeed` (6.2.0 draws from Python's `random`); other values use
///   every dimension.
/// - The wrapped loss's own weights (SoftmaxLoss's classifier) are shared by every dimension and
///   get the weighted sum of the gradients; a classifier sized for the full width refuses a
///   narrower dimension, as 6.2.0 fails on the matrix shapes there.
public struct MatryoshkaLoss: EmbeddingLoss {
    public static let className = "MatryoshkaLoss"
    public static let summary = "the wrapped loss on the first d dimensions (L2-normalised) for each d, weighted and summed"
    static let defaultInner: any EmbeddingLoss.Type = MultipleNegativesRankingLoss.self
    static let innerName = "loss"

    /// Every sentence-transformers loss but itself, those returning named terms, which
    /// 6.2.0 cannot weight (it fails with a TypeError), and the layer losses, which wrap it.
    static var wrappableNames: [String] {
        let names = LossCatalog.sentenceTransformersNames
        return LossCatalog.all.compactMap { type -> String? in
            let name = type.className
            return type.returnsTerms || type.inputSpec.needsLayers || name == className || !names.contains(name) ? nil : name
        }
    }

    public static let parameters: [LossParameter] = [
        LossParameter(innerName, .choice(wrappableNames), default: defaultInner.className,
                      "the loss computed at every dimension; its own settings as loss.NAME=value (loss.scale=10)"),
        LossParameter("matryoshka_dims", .numberList(whole: true), default: nil,
                      "the dimensions to truncate to (default: the embedding width, its half, quarter and eighth)"),
        LossParameter("matryoshka_weights", .numberList(whole: false), default: "none",
                      "one weight per dimension (none: 1 each)"),
        LossParameter("n_dims_per_step", .wholeNumber(minimum: -1), default: "-1",
                      "how many dimensions a batch samples, seeded (-1: all of them)"),
    ]

    public static var inputSpec: LossInputSpec {
        var spec = defaultInner.inputSpec
        spec.wrapsLoss = true
        return spec
    }

    public var inner: any EmbeddingLoss
    /// As given; nil: from the embeddings' width (`defaultDimensions`).
    public var dimensions: [Int]?
    /// As given, in the order of `dimensions`; nil: 1 each.
    public var weights: [Double]?
    public var dimensionsPerStep: Int

    public init(inner: any EmbeddingLoss, dimensions: [Int]?, weights: [Double]? = nil, dimensionsPerStep: Int = -1) throws {
        if inner is MatryoshkaLoss { throw LossError("MatryoshkaLoss cannot wrap another MatryoshkaLoss") }
        if let dimensions, dimensions.isEmpty { throw LossError("MatryoshkaLoss: matryoshka_dims needs at least one dimension") }
        if let dimensions, let bad = dimensions.first(where: { $0 <= 0 }) {
            throw LossError("MatryoshkaLoss: every dimension in matryoshka_dims must be > 0, got \(bad)")
        }
        if let weights, let dimensions {
            if weights.count != dimensions.count {
                throw LossError("MatryoshkaLoss: matryoshka_weights has \(weights.count) values but matryoshka_dims has \(dimensions.count); give one weight per dimension")
            }
        }
        self.inner = inner
        self.dimensions = dimensions
        self.weights = weights
        self.dimensionsPerStep = dimensionsPerStep
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        let innerSettings = settings.nested(under: Self.innerName)
        let name = try settings.choice(Self.innerName, accepted: Self.wrappableNames.joined(separator: ", ")) { text -> String? in
            LossCatalog.type(named: text)?.className
        }
        if name == Self.className { throw LossError("MatryoshkaLoss cannot wrap another MatryoshkaLoss") }
        if let type = LossCatalog.type(named: name), type.returnsTerms {
            throw LossError("MatryoshkaLoss cannot wrap \(name): it returns named terms, which 6.2.0's MatryoshkaLoss cannot weight (it fails with a TypeError)")
        }
        if !Self.wrappableNames.contains(name) {
            throw LossError("MatryoshkaLoss wraps sentence-transformers losses; \(name) is LossLab's own")
        }
        let dimensions = try settings.intList("matryoshka_dims", minimum: 1)
        let weights = try settings.numberList("matryoshka_weights")
        let perStep = try settings.int("n_dims_per_step")
        try settings.finish()
        let inner: any EmbeddingLoss
        do {
            inner = try LossCatalog.make(name, settings: innerSettings, reference: reference)
        } catch let error as LossError {
            throw LossError("MatryoshkaLoss's loss=\(name): \(error.message)")
        }
        try self.init(inner: inner, dimensions: dimensions, weights: weights, dimensionsPerStep: perStep)
    }

    public var settings: [(name: String, value: String)] {
        var list: [(name: String, value: String)] = [(Self.innerName, inner.className)]
        list += inner.settings.map { ("\(Self.innerName).\($0.name)", $0.value) }
        if let dimensions { list.append(("matryoshka_dims", dimensions.map(String.init).joined(separator: ","))) }
        list.append(("matryoshka_weights", weights.map { $0.map { "\($0)" }.joined(separator: ",") } ?? "none"))
        list.append(("n_dims_per_step", "\(dimensionsPerStep)"))
        return list
    }

    public var inputSpec: LossInputSpec { inner.inputSpec }

    public func parameterTable(in reference: LossReference) -> [LossParameter] {
        Self.parameters(in: reference) + inner.parameterTable(in: reference).nested(under: Self.innerName)
    }

    /// `losses.MatryoshkaLoss(model, loss=losses.X(model, ...), matryoshka_dims=[...])`.
    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss {
        let wrapped = inner.scriptLoss(context)
        var call = ScriptLoss(callee: "losses." + Self.className)
        call.arguments.append(ScriptLoss.Argument(Self.innerName, wrapped.call))
        var dims = dimensions.map { "[" + $0.map(String.init).joined(separator: ", ") + "]" }
            // LossLab's default, from the model's width as the script's model has it.
            ?? "[d for d in dict.fromkeys(model.get_embedding_dimension() // k for k in (1, 2, 4, 8)) if d > 0]"
        if !inner.weightNames.isEmpty, let dimensions {
            // Weights sized for the full width take only the full width: the script's model's.
            dims = "[model.get_embedding_dimension()] * \(dimensions.count)"
            call.notes.append("\(inner.className)'s weights take only the full width, so every dimension is the model's")
        }
        call.arguments.append(ScriptLoss.Argument("matryoshka_dims", dims))
        if let weights { call.arguments.append(ScriptLoss.Argument("matryoshka_weights", "[" + weights.map(ScriptLoss.pythonNumber).joined(separator: ", ") + "]")) }
        if dimensionsPerStep != -1 {
            call.arguments.append(ScriptLoss.Argument("n_dims_per_step", "\(dimensionsPerStep)"))
            call.notes.append("n_dims_per_step=\(dimensionsPerStep): 6.2 samples the dimensions with Python's random, LossLab with its own seeded generator")
        }
        call.imports = wrapped.imports
        call.definitions = wrapped.definitions
        call.notes = wrapped.notes + call.notes
        call.prepareDataset = wrapped.prepareDataset
        return call
    }

    // MARK: - What the session asks of the wrapped loss

    /// The wrapped loss's weights under their PyTorch names in the wrapper (`loss.classifier.weight`).
    public var weightNames: [String] { inner.weightNames.map(Self.nestedName) }
    public func teacherWidth(dimension: Int) -> Int { inner.teacherWidth(dimension: dimension) }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Float>] {
        nested(inner.initialWeights(dimension: dimension, classes: classes, seed: seed))
    }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Double>] {
        nested(inner.initialWeights(dimension: dimension, classes: classes, seed: seed))
    }

    static func nestedName(_ name: String) -> String { innerName + "." + name }

    private func nested<T>(_ weights: [String: Matrix<T>]) -> [String: Matrix<T>] {
        Dictionary(uniqueKeysWithValues: weights.map { (Self.nestedName($0.key), $0.value) })
    }

    /// The wrapper's names back to the wrapped loss's.
    private func unnested<T>(_ weights: [String: Matrix<T>]) -> [String: Matrix<T>] {
        let prefix = Self.innerName + "."
        return Dictionary(uniqueKeysWithValues: weights.map { ($0.key.hasPrefix(prefix) ? String($0.key.dropFirst(prefix.count)) : $0.key, $0.value) })
    }
    public func ownedWeightCount(dimension: Int, classes: Int) -> Int { inner.ownedWeightCount(dimension: dimension, classes: classes) }
    public func check(classes: Int) throws { try inner.check(classes: classes) }
    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        inner.scratchBytes(rows: rows, columns: columns, scalarBytes: scalarBytes, classes: classes)
    }

    /// LossLab's default for `matryoshka_dims`: the width, its half, quarter and eighth.
    public static func defaultDimensions(width: Int) -> [Int] {
        var list: [Int] = []
        for divisor in [1, 2, 4, 8] where width / divisor > 0 && !list.contains(width / divisor) { list.append(width / divisor) }
        return list
    }

    /// The (dimension, weight) pairs a batch of this width uses, largest first, as 6.2.0
    /// orders them (a stable sort, so equal dimensions keep their order).
    public func schedule(width: Int) throws -> [(dimension: Int, weight: Double)] {
        let dims = dimensions ?? Self.defaultDimensions(width: width)
        if let weights, weights.count != dims.count {
            throw LossError("MatryoshkaLoss: matryoshka_weights has \(weights.count) values for the \(dims.count) default dimensions \(dims.map(String.init).joined(separator: ",")); give one weight per dimension (and matryoshka_dims)")
        }
        if let bad = dims.first(where: { $0 > width }) {
            throw LossError("MatryoshkaLoss: dimension \(bad) in matryoshka_dims is larger than the embeddings' \(width)")
        }
        let pairs = zip(dims, weights ?? dims.map { _ in 1 }).map { (dimension: $0, weight: $1) }
        return pairs.enumerated().sorted { ($0.element.dimension, -$0.offset) > ($1.element.dimension, -$1.offset) }.map(\.element)
    }

    /// The positions in `schedule` a batch computes, in order.
    func chosen(count: Int, seed: UInt64) -> [Int] {
        guard dimensionsPerStep > 0 && dimensionsPerStep < count else { return Array(0..<count) }
        var random = SeededRandom(seed: seed)
        var pool = Array(0..<count)
        for k in 0..<dimensionsPerStep { pool.swapAt(k, k + Int(random.next() % UInt64(count - k))) }
        return pool[..<dimensionsPerStep].sorted()
    }

    /// The name of one dimension's weighted term in `LossResult.breakdown`: `loss@32`, as the
    /// held-out metrics at a dimension are named (`recall_at_1@32`).
    public static func termName(dimension: Int) -> String { "loss@\(dimension)" }

    /// The dimensions this loss trains for embeddings of `width`, largest first (none when its
    /// settings do not fit the width).
    public func truncationDimensions(width: Int) -> [Int] {
        var dimensions: [Int] = []
        for entry in (try? schedule(width: width)) ?? [] where !dimensions.contains(entry.dimension) { dimensions.append(entry.dimension) }
        return dimensions
    }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    /// One truncation: which embeddings it normalised (the raw ones or an earlier step's
    /// output), and what came out.
    private struct Truncation<T: Scalar> {
        var dimension: Int
        var weight: Double
        /// nil: the raw embeddings; else the index of the step whose output was cut.
        var source: Int?
        var outputs: [Matrix<T>]
        var norms: [[T]]
    }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        guard let first = batch.columns.first else { return try inner.evaluate(generic: batch) }
        let width = first.cols
        if let narrow = batch.columns.firstIndex(where: { $0.cols != width }) {
            throw LossError("MatryoshkaLoss: column \(narrow) has dimension \(batch.columns[narrow].cols) but column 0 has \(width)")
        }
        let schedule = try schedule(width: width)
        let picked = chosen(count: schedule.count, seed: batch.samplingSeed)
        let chained = !inner.usesGradientCache
        if chained, let ranking = (inner as? CosineMatrixLoss)?.cosineRanking,
           var shared = sharedProducts(batch, ranking: ranking, schedule: schedule, picked: picked) {
            if picked.count < schedule.count { shared.notes.append(samplingNote(picked.map { schedule[$0].dimension }, schedule, batch.samplingSeed)) }
            return shared
        }

        var steps: [Truncation<T>] = []
        var chain: Int? = nil
        var value = T(0)
        var dOutputs: [[Matrix<T>]] = []
        var parameterGradients: [String: Matrix<T>] = [:]
        var mining: MiningReport? = nil
        var breakdown: [(name: String, value: T)] = []
        var minings: [MiningReport] = []
        for position in picked {
            let (dimension, weight) = schedule[position]
            // Which embeddings are cut: see the type's comment.
            let source = chained && !steps.isEmpty && dimension != steps[0].dimension ? chain : nil
            let raw = source.map { steps[$0].outputs } ?? batch.columns
            // The first d columns normalised where they lie, with no copy of them first.
            let normalised = raw.map { L2Normalization.forward($0, prefix: dimension) }
            if chained && (steps.isEmpty || source != nil) { chain = steps.count }
            steps.append(Truncation(dimension: dimension, weight: weight, source: source,
                                    outputs: normalised.map(\.output), norms: normalised.map(\.norms)))

            var truncated = batch
            truncated.columns = normalised.map(\.output)
            truncated.parameters = unnested(batch.parameters)
            if chained {
                truncated.targets = batch.targets.map { $0.cols == width ? prefix($0, dimension) : $0 }
                truncated.columnTargets = batch.columnTargets.map { $0.map { $0.cols == width ? prefix($0, dimension) : $0 } }
                truncated.softLabels = batch.softLabels.map { $0.cols == width ? prefix($0, dimension) : $0 }
            }
            let result: LossResult<T>
            do {
                result = try inner.evaluate(generic: truncated)
            } catch let error as LossError {
                let sized = !inner.weightNames.isEmpty && dimension < width
                    ? " (its weights are sized for the full \(width) dimensions, where 6.2.0 fails too; use matryoshka_dims=\(width))" : ""
                throw LossError("MatryoshkaLoss at dimension \(dimension): \(error.message)\(sized)")
            }
            value += T(weight) * result.value
            // A dimension listed twice is one term of the view, its two weighted values added.
            let name = Self.termName(dimension: dimension)
            if let seen = breakdown.firstIndex(where: { $0.name == name }) { breakdown[seen].value += T(weight) * result.value }
            else {
                breakdown.append((name, T(weight) * result.value))
                if batch.explain { minings.append(result.mining) }
            }
            dOutputs.append(result.columnGradients.map { scaled($0, by: T(weight)) })
            for (innerName, gradient) in result.parameterGradients {
                let name = Self.nestedName(innerName)
                let weighted = scaled(gradient, by: T(weight))
                parameterGradients[name] = parameterGradients[name].map {
                    Matrix(rows: $0.rows, cols: $0.cols, values: zip($0.values, weighted.values).map(+))
                } ?? weighted
            }
            if mining == nil { mining = result.mining }
        }

        // Back along the truncations, latest first: each step's gradient reaches its source.
        // Each column's gradient starts as the first full-width part to reach it (0 + x is x).
        // A part that reaches a wider gradient is added into its first d columns as it is
        // computed (`backward(_:output:norms:addingInto:)`), never held in a matrix of its own.
        var columnGradients = [Matrix<T>?](repeating: nil, count: batch.columns.count)
        for index in steps.indices.reversed() {
            let step = steps[index]
            for c in step.outputs.indices {
                let dOutput = dOutputs[index][c]
                if let source = step.source {
                    L2Normalization.backward(dOutput, output: step.outputs[c], norms: step.norms[c], addingInto: &dOutputs[source][c])
                } else if columnGradients[c] == nil && step.dimension == width {
                    columnGradients[c] = L2Normalization.backward(dOutput, output: step.outputs[c], input: step.outputs[c], norms: step.norms[c])
                } else {
                    var total = columnGradients[c] ?? Matrix<T>(zeros: dOutput.rows, width)
                    columnGradients[c] = nil  // so that `total` is the only reference, added into in place
                    L2Normalization.backward(dOutput, output: step.outputs[c], norms: step.norms[c], addingInto: &total)
                    columnGradients[c] = total
                }
                dOutputs[index][c] = Matrix(zeros: 0, 0)  // spent: its memory goes back before the next one is made
            }
        }
        let gradients = zip(columnGradients, batch.columns).map { $0 ?? Matrix<T>(zeros: $1.rows, $1.cols) }
        var result = LossResult(value: value, columnGradients: gradients, parameterGradients: parameterGradients,
                                mining: mining ?? MiningReport(kind: .item))
        result.breakdown = breakdown
        result.breakdownMinings = minings
        if picked.count < schedule.count { result.notes.append(samplingNote(steps.map(\.dimension), schedule, batch.samplingSeed)) }
        return result
    }

    private func samplingNote(_ dimensions: [Int], _ schedule: [(dimension: Int, weight: Double)], _ seed: UInt64) -> String {
        "MatryoshkaLoss: n_dims_per_step=\(dimensionsPerStep) sampled dimensions \(dimensions.map(String.init).joined(separator: ", ")) of \(schedule.map { String($0.dimension) }.joined(separator: ", ")) with seed \(seed) (LossLab's generator; 6.2.0 samples with Python's random, so only n_dims_per_step=-1 matches it number for number)"
    }

    // MARK: - Products shared across the prefixes

    /// The most entries (prefixes × queries × documents) the shared path holds in upstream
    /// matrices at once; a larger batch goes the general way, one prefix at a time.
    static let sharedProductLimit = 1 << 25

    /// The loss around an inner loss that sees only the cosine matrix (`CosineMatrixLoss`): every
    /// prefix's similarities from one full-width set of products instead of three products per
    /// prefix. The Gram matrix of the first d columns is the sum of the band products below d
    /// (a band runs between consecutive dimensions), and a band's share of the gradients is the
    /// band times the sum of the upstream matrices of the dimensions that contain it. 6.2.0's
    /// chained normalisation computes the same function (a normalised row's prefix, normalised, is
    /// the row's prefix normalised), so only rounding differs from the general path. nil, for the
    /// general path: a batch a view shows (it reports each dimension's mining), a shape the inner
    /// loss would refuse, too large a batch, or a row whose prefix norm is small enough that eps
    /// changes the function along the chain.
    func sharedProducts<T: Scalar>(_ batch: LossBatch<T>, ranking: InBatchRanking,
                                           schedule: [(dimension: Int, weight: Double)], picked: [Int]) -> LossResult<T>? {
        let columns = batch.columns
        guard columns.count >= 2, batch.parameters.isEmpty, !batch.explain, let firstPosition = picked.first else { return nil }
        let queries = columns[0]
        let b = queries.rows, width = queries.cols
        guard b > 0, columns.allSatisfy({ $0.rows == b && $0.cols == width }) else { return nil }
        let docs = columns.count == 2 ? columns[1] : Matrix.vstack(Array(columns.dropFirst()))
        let m = docs.rows
        var weightOf: [Int: Double] = [:]
        for position in picked { weightOf[schedule[position].dimension, default: 0] += schedule[position].weight }
        let dims = weightOf.keys.sorted()
        guard let smallest = dims.first, smallest >= 1, dims.count * b * m <= Self.sharedProductLimit,
              let queryNorms = Self.prefixNorms(queries, dims), let docNorms = Self.prefixNorms(docs, dims) else { return nil }
        let reported = schedule[firstPosition].dimension

        // Forward, narrowest first: the Gram matrix grows by a band per dimension.
        var gram = Matrix<T>(zeros: b, m)
        var upstreams: [Matrix<T>] = [], queryShifts: [[T]] = [], docShifts: [[T]] = []
        var values: [Int: T] = [:]
        var mining: MiningReport? = nil
        let alpha = T(ranking.scale)
        for (k, d) in dims.enumerated() {
            let band = (k == 0 ? 0 : dims[k - 1])..<d
            Self.bandProduct(queries, docs, band, into: &gram, adding: k > 0)
            let queryInverse = queryNorms[k].map { 1 / $0 }, docInverse = docNorms[k].map { 1 / $0 }
            // The logits scale · S, S the prefix's cosines.
            var logits = gram.scalingRowsAndColumns(queryInverse.map { alpha * $0 }, docInverse)
            var out = ranking.cosineLoss(logits: logits, report: d == reported)
            values[d] = out.value
            if d == reported { mining = out.mining }
            // dL/dq_i over the prefix = Σ_j E_ij (p_j / (|q_i||p_j|) - S_ij q_i / |q_i|²), E = w · dL/dS
            // = w · scale · dL/dlogits: the first part goes through the products, the second is a
            // shift along q_i itself (E ∘ S = w · dL/dlogits ∘ logits).
            let weight = T(weightOf[d]!)
            logits.multiply(by: out.gradient)
            let rowSums = logits.rowSums(), columnSums = logits.columnSums().values
            logits = Matrix(zeros: 0, 0)
            queryShifts.append((0..<b).map { weight * rowSums[$0] * queryInverse[$0] * queryInverse[$0] })
            docShifts.append((0..<m).map { weight * columnSums[$0] * docInverse[$0] * docInverse[$0] })
            out.gradient.scaleRowsAndColumns(queryInverse.map { weight * alpha * $0 }, docInverse)
            upstreams.append(out.gradient)
        }

        // Backward, widest first: each band takes the sum of the upstreams of the dimensions
        // that contain it.
        var queryGradient = Matrix<T>(zeros: b, width), docGradient = Matrix<T>(zeros: m, width)
        var total = upstreams.removeLast()
        var queryShift = queryShifts.removeLast(), docShift = docShifts.removeLast()
        for k in dims.indices.reversed() {
            if k < dims.count - 1 {
                total.add(upstreams.removeLast())
                for (i, shift) in queryShifts.removeLast().enumerated() { queryShift[i] += shift }
                for (j, shift) in docShifts.removeLast().enumerated() { docShift[j] += shift }
            }
            let band = (k == 0 ? 0 : dims[k - 1])..<dims[k]
            Self.bandGradient(total, transposed: false, docs, band, shift: queryShift, own: queries, into: &queryGradient)
            Self.bandGradient(total, transposed: true, queries, band, shift: docShift, own: docs, into: &docGradient)
        }

        var value = T(0)
        var breakdown: [(name: String, value: T)] = []
        for position in picked {
            let (dimension, weight) = schedule[position]
            let term = T(weight) * values[dimension]!
            value += term
            let name = Self.termName(dimension: dimension)
            if let seen = breakdown.firstIndex(where: { $0.name == name }) { breakdown[seen].value += term } else { breakdown.append((name, term)) }
        }
        let documentGradients = columns.count == 2 ? [docGradient] : docGradient.splitRows(columns.dropFirst().map(\.rows))
        var result = LossResult(value: value, columnGradients: [queryGradient] + documentGradients, mining: mining ?? MiningReport(kind: .item))
        result.breakdown = breakdown
        return result
    }

    /// Each row's norm over its first d columns, for each d of dims (ascending); nil when one is
    /// not finite, or so small (alone, or against the row's widest) that eps would matter.
    static func prefixNorms<T: Scalar>(_ x: Matrix<T>, _ dims: [Int]) -> [[T]]? {
        var norms = dims.map { _ in [T](repeating: 0, count: x.rows) }
        var usable = true
        x.values.withUnsafeBufferPointer { v in
            guard let base = v.baseAddress else { return }
            for i in 0..<x.rows {
                let row = base + i * x.cols
                var squares = T(0), start = 0
                for (k, d) in dims.enumerated() {
                    squares += VectorKernels.sumOfSquares(row + start, count: d - start)
                    norms[k][i] = squares.squareRoot()
                    start = d
                }
                let widest = norms[dims.count - 1][i]
                for k in dims.indices where !(widest.isFinite && norms[k][i] > T(1e-10) && norms[k][i] >= T(1e-6) * widest) { usable = false }
            }
        }
        return usable ? norms : nil
    }

    /// gram (b, m) = (or +=) x[:, band] · y[:, band]ᵀ.
    private static func bandProduct<T: Scalar>(_ x: Matrix<T>, _ y: Matrix<T>, _ band: Range<Int>, into gram: inout Matrix<T>, adding: Bool) {
        let b = x.rows, m = y.rows, width = x.cols
        x.values.withUnsafeBufferPointer { px in
            y.values.withUnsafeBufferPointer { py in
                gram.values.withUnsafeMutableBufferPointer { pg in
                    T.gemm(transA: false, transB: true, m: b, n: m, k: band.count, alpha: 1, a: px.baseAddress! + band.lowerBound, lda: width,
                           b: py.baseAddress! + band.lowerBound, ldb: width, beta: adding ? 1 : 0, c: pg.baseAddress!, ldc: m)
                }
            }
        }
    }

    /// gradient[:, band] = op(upstream) · other[:, band] - shift_i · own[i, band], op transposing
    /// when asked: one band's share of a column's gradient, through the normalisations.
    private static func bandGradient<T: Scalar>(_ upstream: Matrix<T>, transposed: Bool, _ other: Matrix<T>, _ band: Range<Int>,
                                                shift: [T], own: Matrix<T>, into gradient: inout Matrix<T>) {
        let rows = gradient.rows, width = gradient.cols
        upstream.values.withUnsafeBufferPointer { pu in
            other.values.withUnsafeBufferPointer { po in
                gradient.values.withUnsafeMutableBufferPointer { pg in
                    T.gemm(transA: transposed, transB: false, m: rows, n: band.count, k: other.rows, alpha: 1, a: pu.baseAddress!,
                           lda: upstream.cols, b: po.baseAddress! + band.lowerBound, ldb: width, beta: 0,
                           c: pg.baseAddress! + band.lowerBound, ldc: width)
                    own.values.withUnsafeBufferPointer { pown in
                        for i in 0..<rows {
                            let factor = -shift[i]
                            VectorKernels.addScaled(pown.baseAddress! + i * width + band.lowerBound, factor,
                                                    into: pg.baseAddress! + i * width + band.lowerBound, count: band.count)
                        }
                    }
                }
            }
        }
    }

    private func scaled<T: Scalar>(_ matrix: Matrix<T>, by factor: T) -> Matrix<T> {
        if factor == 1 { return matrix }
        return Matrix(rows: matrix.rows, cols: matrix.cols, values: matrix.values.map { factor * $0 })
    }

    /// The first `count` columns of every row.
    private func prefix<T: Scalar>(_ matrix: Matrix<T>, _ count: Int) -> Matrix<T> {
        if count == matrix.cols { return matrix }
        return Matrix(rows: matrix.rows, cols: count) { out in
            matrix.values.withUnsafeBufferPointer { input in
                for i in 0..<matrix.rows {
                    for k in 0..<count { out[i * count + k] = input[i * matrix.cols + k] }
                }
            }
        }
    }
}
