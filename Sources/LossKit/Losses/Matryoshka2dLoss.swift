/// sentence-transformers 6.2's `Matryoshka2dLoss`: AdaptiveLayerLoss around a MatryoshkaLoss
/// of the given loss, so that every layer learns to embed in every truncation dimension. It is
/// built as 6.2.0 builds it, from the two: the layers, their sampling and the KL term are
/// AdaptiveLayerLoss's (the KL term compares the full-width embeddings), the truncations and
/// their sampling MatryoshkaLoss's, which samples its dimensions anew at every layer.
/// Unlike MatryoshkaLoss alone, it samples by default: one earlier layer and one dimension
/// per batch (`n_layers_per_step=1`, `n_dims_per_step=1`, the 2DMSE paper's choice).
/// One corner is left out: when `matryoshka_dims` repeats the largest dimension a call uses,
/// 6.2.0 runs the model once more per repeat, so its KL term sees each row that many times.
/// LossLab counts each row once, which gives the same value and gradient whenever the last
/// layer's call and the earlier layer's call repeat alike (with sampled dimensions they may not,
/// and 6.2.0 then compares tensors of different lengths).
public struct Matryoshka2dLoss: EmbeddingLoss {
    public static let className = "Matryoshka2dLoss"
    public static let summary = "AdaptiveLayerLoss around MatryoshkaLoss: every layer trained at every truncation dimension"

    public static let parameters: [LossParameter] = [
        LossParameter(AdaptiveLayerLoss.innerName, .choice(AdaptiveLayerLoss.layerWrappable), default: MultipleNegativesRankingLoss.className,
                      "the loss computed at every layer and dimension; its own settings as loss.NAME=value (loss.scale=10)"),
        LossParameter("matryoshka_dims", .numberList(whole: true), default: nil,
                      "the dimensions to truncate to (default: the embedding width, its half, quarter and eighth)"),
        LossParameter("matryoshka_weights", .numberList(whole: false), default: "none", "one weight per dimension (none: 1 each)"),
        AdaptiveLayerLoss.Options.nLayersPerStep,
        LossParameter("n_dims_per_step", .wholeNumber(minimum: -1), default: "1", "how many dimensions a layer samples per batch, seeded (-1: all of them)"),
    ] + AdaptiveLayerLoss.Options.rest

    public static var inputSpec: LossInputSpec { AdaptiveLayerLoss.inputSpec }

    /// The computation: AdaptiveLayerLoss whose wrapped loss is the MatryoshkaLoss.
    let adaptive: AdaptiveLayerLoss
    var matryoshka: MatryoshkaLoss { adaptive.inner as! MatryoshkaLoss }

    public init(settings values: [String: String], reference: LossReference) throws {
        var settings = LossSettings(values, for: Self.self, reference: reference)
        let baseSettings = settings.nested(under: AdaptiveLayerLoss.innerName)
        let wrappable = AdaptiveLayerLoss.layerWrappable
        let name = try settings.choice(AdaptiveLayerLoss.innerName, accepted: wrappable.joined(separator: ", ")) { text -> String? in
            LossCatalog.type(named: text)?.className
        }
        guard wrappable.contains(name) else { throw LossError("Matryoshka2dLoss cannot wrap \(name); it wraps \(wrappable.joined(separator: ", "))") }
        let dimensions = try settings.intList("matryoshka_dims", minimum: 1)
        let weights = try settings.numberList("matryoshka_weights")
        let dimensionsPerStep = try settings.int("n_dims_per_step")
        let options = try AdaptiveLayerLoss.Options(reading: &settings)
        try settings.finish()
        let base: any EmbeddingLoss
        do {
            base = try LossCatalog.make(name, settings: baseSettings, reference: reference)
        } catch let error as LossError {
            throw LossError("Matryoshka2dLoss's loss=\(name): \(error.message)")
        }
        let matryoshka: MatryoshkaLoss
        do {
            matryoshka = try MatryoshkaLoss(inner: base, dimensions: dimensions, weights: weights, dimensionsPerStep: dimensionsPerStep)
        } catch let error as LossError {
            throw LossError(error.message.replacingOccurrences(of: "MatryoshkaLoss", with: Self.className))
        }
        adaptive = try AdaptiveLayerLoss(inner: matryoshka, options: options, owner: Self.className)
    }

    public var settings: [(name: String, value: String)] {
        let own = matryoshka.settings.filter { $0.name != "n_dims_per_step" }
        let layers = adaptive.options.settings
        return own + [layers[0], ("n_dims_per_step", "\(matryoshka.dimensionsPerStep)")] + layers.dropFirst()
    }

    public var inputSpec: LossInputSpec { adaptive.inputSpec }

    public func parameterTable(in reference: LossReference) -> [LossParameter] {
        Self.parameters(in: reference) + matryoshka.inner.parameterTable(in: reference).nested(under: AdaptiveLayerLoss.innerName)
    }

    /// `losses.Matryoshka2dLoss(model, loss=losses.X(model, ...), matryoshka_dims=[...], ...)`:
    /// MatryoshkaLoss's arguments, then the layers'.
    public func scriptLoss(_ context: ScriptContext) -> ScriptLoss {
        var call = matryoshka.scriptLoss(context)
        call.callee = "losses." + Self.className
        call.arguments.removeAll { $0.name == "n_dims_per_step" }
        var layers = adaptive.options.scriptArguments
        if matryoshka.dimensionsPerStep != 1 {
            layers.insert(ScriptLoss.Argument("n_dims_per_step", "\(matryoshka.dimensionsPerStep)"), at: layers.first?.name == "n_layers_per_step" ? 1 : 0)
        }
        call.arguments += layers
        call.notes.removeAll { $0.hasPrefix("n_dims_per_step=") }
        if matryoshka.dimensionsPerStep > 0 || adaptive.options.layersPerStep > 0 {
            call.notes.append("n_layers_per_step and n_dims_per_step: 6.2 samples with Python's random, LossLab with its own seeded generator")
        }
        return call
    }

    public var lossAtEachLayer: any EmbeddingLoss { matryoshka }
    /// Its Matryoshka dimensions, which every layer trains (the held-out evaluation and
    /// `show dimensions` measure the last layer's embeddings at each).
    public func truncationDimensions(width: Int) -> [Int] { matryoshka.truncationDimensions(width: width) }
    public var weightNames: [String] { adaptive.weightNames }
    public func teacherWidth(dimension: Int) -> Int { adaptive.teacherWidth(dimension: dimension) }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Float>] {
        adaptive.initialWeights(dimension: dimension, classes: classes, seed: seed)
    }
    public func initialWeights(dimension: Int, classes: Int, seed: UInt64) -> [String: Matrix<Double>] {
        adaptive.initialWeights(dimension: dimension, classes: classes, seed: seed)
    }
    public func ownedWeightCount(dimension: Int, classes: Int) -> Int { adaptive.ownedWeightCount(dimension: dimension, classes: classes) }
    public func check(classes: Int) throws { try adaptive.check(classes: classes) }
    public func scratchBytes(rows: Int, columns: Int, scalarBytes: Int, classes: Int) -> Double {
        adaptive.scratchBytes(rows: rows, columns: columns, scalarBytes: scalarBytes, classes: classes)
    }

    public func layersRead(count: Int, samplingSeed: UInt64) -> Set<Int> { adaptive.layersRead(count: count, samplingSeed: samplingSeed) }

    public func evaluate(_ batch: LossBatch<Float>) throws -> LossResult<Float> { try adaptive.compute(batch) }
    public func evaluate(_ batch: LossBatch<Double>) throws -> LossResult<Double> { try adaptive.compute(batch) }

    /// With the earlier layers `chosen` (6.2.0's indices), for the golden cases.
    func compute<T: Scalar>(_ batch: LossBatch<T>, layers chosen: [Int]) throws -> LossResult<T> {
        try adaptive.compute(batch, layers: chosen)
    }
}
