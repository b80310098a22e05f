/// A weighted sum of batch losses over the same batch, Σ w_k L_k, as a sentence-transformers 6.2
/// user writes it: an `nn.Module` whose forward returns `{name: w_k * L_k}`, which the trainer
/// sums (and logs term by term). The gradient is Σ w_k ∇L_k. A bare loss is a sum of one term of
/// weight 1 whose result passes through untouched.
///
/// Weights a term owns (SoftmaxLoss's classifier) are named as the summing module's
/// `nn.ModuleList` names them, `losses.<k>.classifier.weight`, so two terms never collide.
public struct LossSum: Sendable {
    public struct Term: Sendable {
        public var weight: Double
        public var loss: any EmbeddingLoss

        public init(weight: Double, loss: any EmbeddingLoss) {
            self.weight = weight
            self.loss = loss
        }
    }

    public let terms: [Term]
    /// One loss on its own: its weights and terms keep their own names.
    public let isBare: Bool

    /// The loss alone.
    public init(_ loss: any EmbeddingLoss) {
        terms = [Term(weight: 1, loss: loss)]
        isBare = true
    }

    /// A weighted sum; throws when a weight is not a finite non-zero number or the terms cannot
    /// share a batch (their columns or labels do not fit together).
    public init(terms: [Term]) throws {
        guard !terms.isEmpty else { throw LossError("a loss sum needs at least one term") }
        for term in terms where !term.weight.isFinite || term.weight == 0 {
            throw LossError("the weight of \(term.loss.className) is \(term.weight); a term's weight is a finite number other than 0")
        }
        for (index, term) in terms.enumerated() {
            for other in terms[..<index] {
                if let conflict = Self.conflict(other.loss.inputSpec, other.loss.className, term.loss.inputSpec, term.loss.className) {
                    throw LossError(conflict)
                }
            }
        }
        self.terms = terms
        isBare = false
    }

    /// Why two losses cannot train on one batch, or nil when they can.
    static func conflict(_ a: LossInputSpec, _ aName: String, _ b: LossInputSpec, _ bName: String) -> String? {
        let low = max(a.minColumns, b.minColumns)
        let high = [a.maxColumns, b.maxColumns].compactMap { $0 }.min()
        if let high, high < low {
            return "\(aName) and \(bName) cannot share a batch: \(aName) takes \(a.columnsDescription) column(s), \(bName) \(b.columnsDescription)"
        }
        if a.labels != .none && b.labels != .none && a.labels != b.labels {
            return "\(aName) and \(bName) cannot share a batch: \(aName) needs \(a.dataDescription), \(bName) \(b.dataDescription)"
        }
        return nil
    }

    /// The prefix of term `index`'s owned weights (none for a bare loss).
    public func weightPrefix(_ index: Int) -> String { isBare ? "" : "losses.\(index)." }

    /// The data every term takes: the columns all of them accept, the labels the labelled ones need.
    public var inputSpec: LossInputSpec {
        let specs = terms.map(\.loss.inputSpec)
        if isBare { return specs[0] }
        let labelled = specs.first { $0.labels != .none }
        var spec = LossInputSpec(minColumns: specs.map(\.minColumns).max()!, maxColumns: specs.compactMap(\.maxColumns).min(),
                                 labels: labelled?.labels ?? .none, rowsMatchAcrossColumns: specs.contains { $0.rowsMatchAcrossColumns })
        spec.takesSoftLabels = specs.allSatisfy { $0.labels == .none || $0.takesSoftLabels }
        spec.needsGuide = specs.contains(where: \.needsGuide)
        spec.labelsOptionalFrom = specs.filter { $0.labels != .none }.map { $0.labelsOptionalFrom }
            .reduce(Optional(0)) { a, b in a.flatMap { x in b.map { max(x, $0) } } }
        return spec
    }

    /// "MultipleNegativesRankingLoss + 0.1 * GlobalOrthogonalRegularizationLoss".
    public var className: String {
        terms.enumerated().map { index, term in
            (index == 0 ? "" : "+ ") + (isBare ? "" : Self.weightText(term.weight)) + term.loss.className
        }.joined(separator: " ")
    }

    /// "0.1 * " (nothing for a weight of 1).
    public static func weightText(_ weight: Double) -> String { weight == 1 ? "" : "\(weight) * " }

    public var usesInBatchNegatives: Bool { terms.contains { type(of: $0.loss).usesInBatchNegatives } }

    public var weightNames: [String] {
        terms.indices.flatMap { index in terms[index].loss.weightNames.map { weightPrefix(index) + $0 } }
    }

    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Float>] {
        prefixed { $0.initialWeights(dimension: dimension, classes: classes, seed: seed) }
    }

    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Double>] {
        prefixed { $0.initialWeights(dimension: dimension, classes: classes, seed: seed) }
    }

    private func prefixed<T>(_ weights: (any EmbeddingLoss) -> [String: Matrix<T>]) -> [String: Matrix<T>] {
        var all: [String: Matrix<T>] = [:]
        for (index, term) in terms.enumerated() {
            for (name, matrix) in weights(term.loss) { all[weightPrefix(index) + name] = matrix }
        }
        return all
    }

    /// The teacher width of the term that regresses onto a teacher (all terms agree otherwise).
    public func teacherWidth(dimension: Int) -> Int {
        terms.map { $0.loss.teacherWidth(dimension: dimension) }.first { $0 != dimension } ?? dimension
    }

    public func check(classes: Int) throws {
        for term in terms { try term.loss.check(classes: classes) }
    }

    /// The terms run one after another: the largest one's scratch, plus the gradients of the
    /// term being added to the running sum.
    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        let largest = terms.map { $0.loss.scratchBytes(rows: rows, columns: columns, scalarBytes: scalarBytes, classes: classes) }.max() ?? 0
        return isBare ? largest : largest + Double(rows * columns) * Double(scalarBytes)
    }

    /// The earlier layers any term reads (every term sees the same sampling seed).
    public func layersRead(count: Int, samplingSeed: UInt64) -> Set<Int> {
        terms.reduce(into: Set<Int>()) { $0.formUnion($1.loss.layersRead(count: count, samplingSeed: samplingSeed)) }
    }

    /// The sum's result and each term's own (for its view); `total.terms` lists every weighted
    /// term under the name the summing module's dict gives it (see `termNames`), and
    /// `total.mining` is the first term's that mined tuples.
    public func evaluate<T: Scalar>(_ batch: LossBatch<T>) throws -> (total: LossResult<T>, parts: [LossResult<T>]) {
        if isBare {
            let result = try terms[0].loss.evaluate(generic: batch)
            return (result, [result])
        }
        var parts: [LossResult<T>] = []
        var total: LossResult<T>?
        var named: [(name: String, value: T)] = []
        let names = termNames
        for (index, term) in terms.enumerated() {
            var own = batch
            let prefix = weightPrefix(index)
            own.parameters = [:]
            for (name, matrix) in batch.parameters where name.hasPrefix(prefix) { own.parameters[String(name.dropFirst(prefix.count))] = matrix }
            let part: LossResult<T>
            do { part = try term.loss.evaluate(generic: own) } catch let error as LossError {
                throw terms.count == 1 ? error : LossError("term \(index + 1) of the sum: \(error.message)")
            }
            let weight = T(term.weight)
            let subterms = part.terms.isEmpty ? [(name: "", value: part.value)] : part.terms
            for (offset, subterm) in subterms.enumerated() { named.append((names[index][offset], weight * subterm.value)) }
            let gradients = part.parameterGradients.map { (prefix + $0.key, $0.value.scaled(by: weight)) }
            if var running = total {
                running.value += weight * part.value
                for column in running.columnGradients.indices {
                    running.columnGradients[column].addScaled(part.columnGradients[column], weight)
                }
                for (name, gradient) in gradients { running.parameterGradients[name] = gradient }
                if running.layerGradients.isEmpty {
                    running.layerGradients = part.layerGradients.map { $0.map { $0.scaled(by: weight) } }
                    running.untouchedLayers = part.untouchedLayers
                } else if !part.layerGradients.isEmpty {
                    for (layer, columns) in part.layerGradients.enumerated() {
                        for (column, gradient) in columns.enumerated() { running.layerGradients[layer][column].addScaled(gradient, weight) }
                    }
                    // A layer stays untouched only if no term read it.
                    running.untouchedLayers.formIntersection(part.untouchedLayers)
                }
                total = running
            } else {
                total = LossResult(value: weight * part.value, columnGradients: part.columnGradients.map { $0.scaled(by: weight) },
                                   parameterGradients: Dictionary(uniqueKeysWithValues: gradients), mining: part.mining)
                total!.layerGradients = part.layerGradients.map { $0.map { $0.scaled(by: weight) } }
                total!.untouchedLayers = part.untouchedLayers
            }
            total!.targets += part.targets.map { ($0.name, $0.value, $0.target) }
            parts.append(part)
        }
        total!.terms = named
        // What the sum mined is its first term's that mines anything (a regulariser mines nothing).
        total!.mining = parts.first { !$0.mining.tuples.isEmpty }?.mining ?? parts[0].mining
        return (total!, parts)
    }

    /// Each term's entries in the summing module's dict: a loss's own term names (GOR's
    /// `gor_mean`, `gor_second_moment`), else its class name; a name that repeats gets `_2`, `_3`...
    public var termNames: [[String]] {
        var seen: [String: Int] = [:]
        return terms.map { term in
            let own = Self.ownTermNames(term.loss)
            return own.map { name in
                seen[name, default: 0] += 1
                return seen[name]! == 1 ? name : "\(name)_\(seen[name]!)"
            }
        }
    }

    /// The names of the terms a loss reports itself, or its class name when it has one value.
    static func ownTermNames(_ loss: any EmbeddingLoss) -> [String] {
        loss.termNames.isEmpty ? [loss.className] : loss.termNames
    }
}

extension Matrix {
    func scaled(by factor: T) -> Matrix {
        var copy = self
        if factor != 1 { for k in copy.values.indices { copy.values[k] *= factor } }
        return copy
    }

    mutating func addScaled(_ other: Matrix, _ factor: T) {
        precondition(values.count == other.values.count, "gradients of one column have one shape")
        let width = cols
        values.withUnsafeMutableBufferPointer { out in
            other.values.withUnsafeBufferPointer { input in
                let shared = SharedPointer(out), read = SharedReadPointer(input)
                ParallelRows.run(rows: rows, elementsPerRow: width) { range in
                    let start = range.lowerBound * width
                    VectorKernels.addScaled(read.base + start, factor, into: shared.base + start, count: range.count * width)
                }
            }
        }
    }
}
