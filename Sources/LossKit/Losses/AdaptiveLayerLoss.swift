import RealModule

/// sentence-transformers 6.2's `AdaptiveLayerLoss`: another loss on the last layer's embeddings
/// and on those of earlier layers, so that a model cut after an early layer still embeds well.
/// It needs an encoder whose layers give embeddings (`encoder mlp layers=N`): the batch brings
/// every earlier layer's embeddings in `LossBatch.layers`, and the gradient of each comes back
/// in `LossResult.layerGradients`.
///
/// As 6.2.0 computes it, with L the wrapped loss:
///   last_layer_weight · L(last)
///   + Σ over the chosen earlier layers i of  L(layer i) · w(i) / (number chosen) · prior_layers_weight
///   + (kl_temperature > 0) Σ over the same layers of
///       KL(softmax(last / t) ‖ softmax(layer i / t)), batch-mean over every row of every column,
///       · t · kl_div_weight
/// The last layer's softmax is the teacher of the KL term and passes it no gradient.
/// Layer indices are 6.2.0's: index 0 is the first layer (for a transformer, the embedding
/// layer's output), so LossLab's layer k is index k - 1; w(i) is 1 (uniform), 1 / (1 + ln(1 + i))
/// (log) or 1 / (1 + i) (linear). With `n_layers_per_step` between 1 and the number of earlier
/// layers, that many are drawn per batch without repeats, in the drawn order (6.2.0's
/// `random.sample`), from `LossBatch.samplingSeed`; otherwise every earlier layer is used.
public struct AdaptiveLayerLoss: EmbeddingLoss {
    public static let className = "AdaptiveLayerLoss"
    public static let summary = "the wrapped loss on the last layer and on earlier ones (plus a KL term to the last), so early layers embed on their own"
    static let innerName = "loss"

    /// Every loss MatryoshkaLoss wraps that can be trained layer by layer (`layerWrappable`),
    /// and MatryoshkaLoss itself; Matryoshka2dLoss is this loss around MatryoshkaLoss.
    static var wrappableNames: [String] { layerWrappable + [MatryoshkaLoss.className] }

    /// MatryoshkaLoss's wrappable losses but those `checkWrappable` refuses with their defaults:
    /// the gradient-caching ones and those with a second model.
    static let layerWrappable: [String] = MatryoshkaLoss.wrappableNames.filter { name in
        guard let loss = try? LossCatalog.make(name) else { return false }
        return (try? checkWrappable(loss, owner: className)) != nil
    }

    public enum LayerWeighting: String, Sendable, CaseIterable {
        case uniform, log, linear

        /// The weight of 6.2.0's layer index `index` (0: the first layer).
        func weight(_ index: Int) -> Double {
            switch self {
            case .uniform: return 1
            case .log: return 1 / (1 + Double.log(Double(1 + index)))
            case .linear: return 1 / Double(1 + index)
            }
        }
    }

    /// The layer parameters, which Matryoshka2dLoss shares.
    struct Options: Sendable {
        var layersPerStep = 1
        var lastLayerWeight = 1.0
        var priorLayersWeight = 1.0
        var klDivWeight = 1.0
        var klTemperature = 0.3
        var layerWeighting = LayerWeighting.uniform

        static let nLayersPerStep = LossParameter("n_layers_per_step", .wholeNumber(minimum: -1), default: "1",
                                                  "how many earlier layers a batch samples, seeded (-1: all of them; the last layer always counts)")
        static let rest: [LossParameter] = [
            LossParameter("last_layer_weight", .number, default: "1.0", "the weight of the last layer's loss"),
            LossParameter("prior_layers_weight", .number, default: "1.0", "the weight of the earlier layers' mean loss"),
            LossParameter("kl_div_weight", .number, default: "1.0", "the weight of the KL term pulling each earlier layer towards the last"),
            LossParameter("kl_temperature", .number, default: "0.3", "the softmax temperature of the KL term (0 or less: no KL term)"),
            LossParameter("layer_weighting", .choice(LayerWeighting.allCases.map(\.rawValue)), default: "uniform",
                          "each earlier layer's weight by its index i from 0: uniform 1, log 1/(1+ln(1+i)), linear 1/(1+i)"),
        ]

        init() {}

        init(reading settings: inout LossSettings) throws {
            layersPerStep = try settings.int("n_layers_per_step")
            lastLayerWeight = try settings.double("last_layer_weight")
            priorLayersWeight = try settings.double("prior_layers_weight")
            klDivWeight = try settings.double("kl_div_weight")
            klTemperature = try settings.double("kl_temperature")
            layerWeighting = try settings.choice("layer_weighting") { LayerWeighting(rawValue: $0.lowercased()) }
        }

        var settings: [(name: String, value: String)] {
            [("n_layers_per_step", "\(layersPerStep)"), ("last_layer_weight", "\(lastLayerWeight)"),
             ("prior_layers_weight", "\(priorLayersWeight)"), ("kl_div_weight", "\(klDivWeight)"),
             ("kl_temperature", "\(klTemperature)"), ("layer_weighting", layerWeighting.rawValue)]
        }

        /// Script arguments for the settings that differ from 6.2.0's defaults.
        var scriptArguments: [ScriptLoss.Argument] {
            var list: [ScriptLoss.Argument] = []
            let defaults = Options()
            if layersPerStep != defaults.layersPerStep { list.append(ScriptLoss.Argument("n_layers_per_step", "\(layersPerStep)")) }
            for (name, value, fallback) in [("last_layer_weight", lastLayerWeight, defaults.lastLayerWeight),
                                            ("prior_layers_weight", priorLayersWeight, defaults.priorLayersWeight),
                                            ("kl_div_weight", klDivWeight, defaults.klDivWeight),
                                            ("kl_temperature", klTemperature, defaults.klTemperature)] where value != fallback {
                list.append(ScriptLoss.Argument(name, ScriptLoss.pythonNumber(value)))
            }
            if layerWeighting != defaults.layerWeighting { list.append(ScriptLoss.Argument("layer_weighting", "\"\(layerWeighting.rawValue)\"")) }
            return list
        }
    }

    public static let parameters: [LossParameter] = [
        LossParameter(innerName, .choice(wrappableNames), default: MultipleNegativesRankingLoss.className,
                      "the loss computed at every layer; its own settings as loss.NAME=value (loss.scale=10)"),
        Options.nLayersPerStep,
    ] + Options.rest

    public static var inputSpec: LossInputSpec {
        var spec = MultipleNegativesRankingLoss.inputSpec
        spec.wrapsLoss = true
        spec.needsLayers = true
        return spec
    }

    public var inner: any EmbeddingLoss
    var options: Options
    /// The name the errors and notes give (Matryoshka2dLoss is this loss around MatryoshkaLoss).
    var owner = Self.className

    init(inner: any EmbeddingLoss, options: Options, owner: String = Self.className) throws {
        try Self.checkWrappable(inner, owner: owner)
        self.inner = inner
        self.options = options
        self.owner = owner
    }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        let innerSettings = settings.nested(under: Self.innerName)
        let name = try settings.choice(Self.innerName, accepted: Self.wrappableNames.joined(separator: ", ")) { text -> String? in
            LossCatalog.type(named: text)?.className
        }
        guard Self.wrappableNames.contains(name) else {
            throw LossError("AdaptiveLayerLoss cannot wrap \(name); it wraps \(Self.wrappableNames.joined(separator: ", "))")
        }
        let options = try Options(reading: &settings)
        try settings.finish()
        let inner: any EmbeddingLoss
        do {
            inner = try LossCatalog.make(name, settings: innerSettings, reference: reference)
        } catch let error as LossError {
            throw LossError("AdaptiveLayerLoss's loss=\(name): \(error.message)")
        }
        try self.init(inner: inner, options: options)
    }

    /// Refuses what 6.2.0 cannot train layer by layer.
    static func checkWrappable(_ inner: any EmbeddingLoss, owner: String) throws {
        let base = (inner as? MatryoshkaLoss)?.inner ?? inner
        if base.usesGradientCache {
            throw LossError("\(owner) cannot wrap \(base.className): it back-propagates from a hook after the layers' embeddings are gone, and 6.2.0 warns that the two are not compatible; use its uncached form")
        }
        if base.inputSpec.embedsColumnZeroWithModelCopy {
            throw LossError("\(owner) cannot wrap \(base.className): its second model has no layers of its own to train")
        }
        if base.inputSpec.needsLayers { throw LossError("\(owner) cannot wrap \(base.className), which trains the layers itself") }
    }

    public var settings: [(name: String, value: String)] {
        [(Self.innerName, inner.className)] + inner.settings.map { ("\(Self.innerName).\($0.name)", $0.value) } + options.settings
    }

    public var inputSpec: LossInputSpec {
        var spec = inner.inputSpec
        spec.needsLayers = true
        return spec
    }

    public func parameterTable(in reference: LossReference) -> [LossParameter] {
        Self.parameters(in: reference) + inner.parameterTable(in: reference).nested(under: Self.innerName)
    }

    /// `losses.AdaptiveLayerLoss(model, loss=losses.X(model, ...), ...)`.
    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss {
        let wrapped = inner.scriptLoss(context)
        var call = ScriptLoss(callee: "losses." + Self.className)
        call.arguments.append(ScriptLoss.Argument(Self.innerName, wrapped.call))
        call.arguments += options.scriptArguments
        if options.layersPerStep > 0 {
            call.notes.append("n_layers_per_step=\(options.layersPerStep): 6.2 samples the layers with Python's random, LossLab with its own seeded generator")
        }
        call.imports = wrapped.imports
        call.definitions = wrapped.definitions
        call.notes = wrapped.notes + call.notes
        call.prepareDataset = wrapped.prepareDataset
        return call
    }

    // MARK: - What the session asks of the wrapped loss

    public var lossAtEachLayer: any EmbeddingLoss { inner }
    /// A wrapped MatryoshkaLoss's dimensions: every layer trains them.
    public func truncationDimensions(width: Int) -> [Int] { inner.truncationDimensions(width: width) }
    public var weightNames: [String] { inner.weightNames.map(Self.nestedName) }
    public func teacherWidth(dimension: Int) -> Int { inner.teacherWidth(dimension: dimension) }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Float>] {
        Self.renamed(inner.initialWeights(dimension: dimension, classes: classes, seed: seed), Self.nestedName)
    }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Double>] {
        Self.renamed(inner.initialWeights(dimension: dimension, classes: classes, seed: seed), Self.nestedName)
    }
    public func ownedWeightCount(dimension: Int, classes: Int) -> Int { inner.ownedWeightCount(dimension: dimension, classes: classes) }
    public func check(classes: Int) throws { try inner.check(classes: classes) }
    /// The layers run one after another: the wrapped loss's scratch once, plus every earlier
    /// layer's gradient, which waits for the encoder's backward pass.
    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        inner.scratchBytes(rows: rows, columns: columns, scalarBytes: scalarBytes, classes: classes)
    }

    static func nestedName(_ name: String) -> String { innerName + "." + name }

    static func renamed<T>(_ weights: [String: Matrix<T>], _ rename: (String) -> String) -> [String: Matrix<T>] {
        Dictionary(uniqueKeysWithValues: weights.map { (rename($0.key), $0.value) })
    }

    // MARK: - The computation

    /// The earlier layers a batch uses, as 6.2.0 indexes them, in the order they are computed.
    func chosenLayers(count: Int, seed: UInt64) -> [Int] {
        let wanted = options.layersPerStep
        guard wanted > 0 && wanted < count else { return Array(0..<count) }
        var random = SeededRandom(seed: Self.seed(seed, part: 0x4C41_5952))
        var pool = Array(0..<count)
        for k in 0..<wanted { pool.swapAt(k, k + Int(random.next() % UInt64(count - k))) }
        return Array(pool[..<wanted])
    }

    /// The sampling seed of one call of the wrapped loss (a wrapped MatryoshkaLoss samples its
    /// dimensions anew at every layer, as 6.2.0's does).
    static func seed(_ seed: UInt64, part: UInt64) -> UInt64 {
        var random = SeededRandom(seed: seed ^ (part &* 0x9E37_79B9_7F4A_7C15))
        return random.next()
    }

    /// The layers `compute` samples for this seed.
    public func layersRead(count: Int, samplingSeed: UInt64) -> Set<Int> { Set(chosenLayers(count: count, seed: samplingSeed)) }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try compute(batch) }

    func compute<T: Scalar>(_ batch: LossBatch<T>) throws -> LossResult<T> {
        try compute(batch, layers: chosenLayers(count: batch.layers.count, seed: batch.samplingSeed))
    }

    /// The loss with the earlier layers `chosen` (6.2.0's indices, in order).
    func compute<T: Scalar>(_ batch: LossBatch<T>, layers chosen: [Int]) throws -> LossResult<T> {
        if batch.layers.isEmpty {
            throw LossError("\(owner) trains every layer of the encoder, and this one gives one layer: use `encoder mlp layers=N` with N of 2 or more")
        }
        if let skipped = chosen.first(where: batch.skippedLayers.contains) {
            throw LossError("\(owner) reads layer \(skipped + 1), which the encoder was told to skip for this batch")
        }
        for (index, layer) in batch.layers.enumerated() where !batch.skippedLayers.contains(index) {
            guard layer.count == batch.columns.count,
                  zip(layer, batch.columns).allSatisfy({ $0.rows == $1.rows && $0.cols == $1.cols }) else {
                throw LossError("\(owner): layer \(index + 1)'s embeddings are not shaped as the last layer's columns")
            }
        }
        let last = try evaluateInner(batch, columns: batch.columns, seed: Self.seed(batch.samplingSeed, part: 1), explain: batch.explain)
        let lastWeight = T(options.lastLayerWeight)
        var result = LossResult(value: lastWeight * last.value, columnGradients: last.columnGradients.map { $0.scaled(by: lastWeight) },
                                parameterGradients: last.parameterGradients.mapValues { $0.scaled(by: lastWeight) }, mining: last.mining)
        // The layers not chosen share one zero matrix per column (shaped as the layers', checked
        // above); a chosen layer's gradient is made when it is first written.
        let zeros = batch.columns.map { Matrix<T>(zeros: $0.rows, $0.cols) }
        result.layerGradients = batch.layers.map { _ in zeros }
        result.untouchedLayers = Set(batch.layers.indices).subtracting(chosen)
        var written = Set<Int>()
        result.notes = last.notes
        var layerLosses: [Int: Double] = [:], divergences: [Int: Double] = [:]
        let temperature = options.klTemperature
        let teacher = temperature > 0 ? batch.columns.map { Self.softmaxRows($0, temperature: T(temperature)) } : []
        let rows = batch.columns.reduce(0) { $0 + $1.rows }
        for index in chosen {
            let layer = try evaluateInner(batch, columns: batch.layers[index], seed: Self.seed(batch.samplingSeed, part: UInt64(index + 2)),
                                          explain: false)
            let factor = T(options.layerWeighting.weight(index) / Double(chosen.count) * options.priorLayersWeight)
            result.value += layer.value * factor
            for c in layer.columnGradients.indices {
                if written.contains(index) { result.layerGradients[index][c].addScaled(layer.columnGradients[c], factor) }
                else { result.layerGradients[index][c] = Self.zeroPlusScaled(layer.columnGradients[c], factor) }
            }
            written.insert(index)
            for (name, gradient) in layer.parameterGradients {
                if result.parameterGradients[name] == nil { result.parameterGradients[name] = Matrix(zeros: gradient.rows, gradient.cols) }
                result.parameterGradients[name]!.addScaled(gradient, factor)
            }
            layerLosses[index] = Double(layer.value)
            if temperature > 0 {
                var divergence = T(0)
                for c in batch.columns.indices {
                    divergence += Self.klDivergence(teacher: teacher[c], student: batch.layers[index][c], temperature: T(temperature),
                                                    rows: rows, weight: T(options.klDivWeight), gradient: &result.layerGradients[index][c])
                }
                result.value += divergence * T(temperature) * T(options.klDivWeight)
                divergences[index] = Double(divergence)
            }
        }
        // Every layer each batch, so that the step metrics keep one set of names: a layer not
        // sampled this batch reads NaN.
        for index in batch.layers.indices {
            result.mining.namedCounts.append(NamedCount("layer_\(index + 1)_loss", layerLosses[index] ?? .nan))
            if temperature > 0 { result.mining.namedCounts.append(NamedCount("layer_\(index + 1)_kl", divergences[index] ?? .nan)) }
        }
        result.mining.namedCounts.append(NamedCount("layer_\(batch.layers.count + 1)_loss", Double(last.value)))
        if chosen.count < batch.layers.count {
            result.notes.append("\(owner): n_layers_per_step=\(options.layersPerStep) sampled layers \(chosen.map { String($0 + 1) }.joined(separator: ", ")) of the \(batch.layers.count) earlier ones with seed \(batch.samplingSeed) (LossLab's generator; 6.2.0 samples with Python's random)")
        }
        return result
    }

    /// 0 + factor · gradient, what adding the scaled gradient into zeros gives (a -0 becomes
    /// +0), without making the zeros first.
    static func zeroPlusScaled<T: Scalar>(_ gradient: Matrix<T>, _ factor: T) -> Matrix<T> {
        let width = gradient.cols
        return Matrix(rows: gradient.rows, cols: width) { out in
            gradient.values.withUnsafeBufferPointer { input in
                let read = SharedReadPointer(input), shared = SharedPointer(out)
                ParallelRows.run(rows: gradient.rows, elementsPerRow: width) { range in
                    for row in range {
                        let start = row * width
                        (shared.base + start).initialize(repeating: 0, count: width)
                        VectorKernels.addScaled(read.base + start, factor, into: shared.base + start, count: width)
                    }
                }
            }
        }
    }

    /// The wrapped loss on one layer's embeddings, its weights under their own names.
    private func evaluateInner<T: Scalar>(_ batch: LossBatch<T>, columns: [Matrix<T>], seed: UInt64, explain: Bool) throws -> LossResult<T> {
        var own = batch
        own.columns = columns
        own.layers = []
        own.skippedLayers = []
        own.explain = explain
        own.samplingSeed = seed
        let prefix = Self.innerName + "."
        own.parameters = Self.renamed(batch.parameters) { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : $0 }
        do {
            return Self.renamedGradients(try inner.evaluate(generic: own))
        } catch let error as LossError {
            throw LossError("\(owner): \(error.message)")
        }
    }

    private static func renamedGradients<T>(_ result: LossResult<T>) -> LossResult<T> {
        var renamed = result
        renamed.parameterGradients = Self.renamed(result.parameterGradients, nestedName)
        return renamed
    }
}

/// AdaptiveLayerLoss's KL term: the row softmaxes of the last layer (the teacher) and the
/// divergence of an earlier layer's from them, with its gradient.
///
/// Rows are independent, so the cores take disjoint blocks of them; within a row every value is
/// computed as a plain row-by-row loop computes it, and the divergence is summed in that loop's
/// order, so the results are the same bit for bit.
extension AdaptiveLayerLoss {
    /// softmax(x / t) of every row, computed stably.
    static func softmaxRows<T: Scalar>(_ x: Matrix<T>, temperature: T) -> Matrix<T> {
        let width = x.cols
        return Matrix(rows: x.rows, cols: width) { out in
            x.values.withUnsafeBufferPointer { input in
                let source = SharedReadPointer(input), target = SharedPointer(out)
                ParallelRows.run(rows: x.rows, elementsPerRow: 4 * width) { range in
                    for r in range {
                        let row = source.base + r * width, probabilities = target.base + r * width
                        var largest = -T.infinity
                        for k in 0..<width { largest = max(largest, row[k] / temperature) }
                        var total = T(0)
                        for k in 0..<width {
                            let e = T.exp(row[k] / temperature - largest)
                            (probabilities + k).initialize(to: e)
                            total += e
                        }
                        for k in 0..<width { probabilities[k] /= total }
                    }
                }
            }
        }
    }

    /// torch's kl_div(log_softmax(student / t), teacher, reduction "batchmean") over `rows`
    /// rows in all, for one column; adds the gradient of weight · t · (that) to `gradient`.
    /// A teacher probability of 0 adds nothing (torch's xlogy).
    static func klDivergence<T: Scalar>(teacher: Matrix<T>, student: Matrix<T>, temperature: T, rows: Int, weight: T,
                                        gradient: inout Matrix<T>) -> T {
        precondition(teacher.rows == student.rows && teacher.cols == student.cols && gradient.rows == student.rows && gradient.cols == student.cols,
                     "KL term: the teacher, the student and the gradient differ in shape")
        let scale = weight / T(rows)
        let width = student.cols
        // Each value's term of the sum, +0 where the teacher's probability is not > 0: the sum
        // starts at +0 and so never reaches -0, and adding +0 to it changes nothing.
        let terms = Matrix<T>(rows: student.rows, cols: width) { out in
            teacher.values.withUnsafeBufferPointer { teacherBuffer in
                student.values.withUnsafeBufferPointer { studentBuffer in
                    gradient.values.withUnsafeMutableBufferPointer { gradientBuffer in
                        let p = SharedReadPointer(teacherBuffer), s = SharedReadPointer(studentBuffer)
                        let g = SharedPointer(gradientBuffer), term = SharedPointer(out)
                        ParallelRows.run(rows: student.rows, elementsPerRow: 4 * width) { range in
                            for r in range {
                                divergenceRow(teacher: p.base + r * width, student: s.base + r * width, width: width, temperature: temperature,
                                              scale: scale, terms: term.base + r * width, gradient: g.base + r * width)
                            }
                        }
                    }
                }
            }
        }
        var total = T(0)
        terms.values.withUnsafeBufferPointer { values in
            for value in values { total += value }
        }
        return total / T(rows)
    }

    /// One row of `klDivergence`: its terms (written, not added) and its gradient (added).
    @inline(__always)
    private static func divergenceRow<T: Scalar>(teacher: UnsafePointer<T>, student: UnsafePointer<T>, width: Int, temperature: T, scale: T,
                                                 terms: UnsafeMutablePointer<T>, gradient: UnsafeMutablePointer<T>) {
        var largest = -T.infinity
        for k in 0..<width { largest = max(largest, student[k] / temperature) }
        var sum = T(0)
        for k in 0..<width { sum += T.exp(student[k] / temperature - largest) }
        let logSum = largest + T.log(sum)
        var teacherSum = T(0)
        for k in 0..<width {
            let p = teacher[k]
            teacherSum += p
            (terms + k).initialize(to: p > 0 ? p * (T.log(p) - (student[k] / temperature - logSum)) : 0)
        }
        // d/d(student) of weight · t · Σ p (log p - log q) / rows = weight / rows · (q Σp - p).
        for k in 0..<width {
            let q = T.exp(student[k] / temperature - logSum)
            gradient[k] += scale * (q * teacherSum - teacher[k])
        }
    }
}
