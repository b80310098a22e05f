import Foundation
import LossKit

/// One timing case of `losslab bench`: a loss at a batch size and embedding dimension, on
/// random Float data shaped the way the loss wants it (label losses: classes of 4 rows;
/// SoftmaxLoss: 3 classes; MNRL and MegaBatch: anchor and positive columns).
public struct BenchCase: Sendable, CustomStringConvertible {
    public var loss: String
    public var batch: Int
    public var dim: Int
    /// The release whose behaviour is timed.
    public var reference: LossReference

    public init(loss: String, batch: Int, dim: Int, reference: LossReference = .latest) {
        self.loss = loss
        self.batch = batch
        self.dim = dim
        self.reference = reference
    }

    public var description: String { "\(loss),\(batch),\(dim),\(reference.rawValue)" }

    /// "loss,batch,dim[,reference]", as `description` writes it.
    public init?(_ text: String) {
        let parts = text.split(separator: ",")
        guard parts.count == 3 || parts.count == 4, let batch = Int(parts[1]), let dim = Int(parts[2]) else { return nil }
        let reference = parts.count == 4 ? LossReference(text: String(parts[3])) : .latest
        guard let reference else { return nil }
        self.init(loss: String(parts[0]), batch: batch, dim: dim, reference: reference)
    }

    /// The random inputs for this case, seeded by its shape.
    public func makeBatch(for loss: any EmbeddingLoss) -> LossBatch<Float> {
        var random = SeededRandom(seed: UInt64(batch * 7919 + dim))
        func matrix(_ rows: Int) -> Matrix<Float> {
            Matrix(rows: rows, cols: dim, values: (0..<(rows * dim)).map { _ in Float(random.normal()) })
        }
        let spec = loss.inputSpec
        let owned = !loss.weightNames.isEmpty
        var result = LossBatch(columns: (0..<spec.minColumns).map { _ in matrix(batch) })
        switch spec.labels {
        // A classifier gets 3 classes (NLI's); the mining losses classes of 4 rows each.
        case .classes: result.labels = (0..<batch).map { Double(owned ? $0 % 3 : $0 / 4) }
        case .binary: result.labels = (0..<batch).map { Double($0 % 2) }
        case .scores: result.labels = (0..<batch).map { _ in random.uniform(0, 1) }
        case .teacher: result.targets = matrix(batch)
        // The teacher's score of every column past the query.
        case .teacherScores:
            let k = spec.minColumns - 1
            result.teacherScores = Matrix(rows: batch, cols: k, values: (0..<(batch * k)).map { _ in Float(random.normal()) })
        case .none: break
        }
        if owned { result.parameters = loss.initialWeights(dimension: dim, classes: 3, seed: 1) }
        // Guided losses: a guide of the same dimension, independent of the columns.
        if spec.needsGuide { result.guides = result.columns.map { _ in matrix(batch) } }
        return result
    }
}

/// What one case measured.
public struct BenchMeasurement: Sendable {
    public var benchCase: BenchCase
    public var medianMilliseconds: Double
    /// The fastest run: on a busy machine, the closest to what the case costs undisturbed.
    public var fastestMilliseconds: Double
    public var repeats: Int
    /// Peak resident memory of the process that ran the case, in MiB (0 when not measured).
    public var peakMegabytes: Double
    /// Median of the three GEMMs of an all-pairs loss at this shape (the scores E·Eᵀ, then
    /// both sides' gradients U·E and Uᵀ·E): the floor for the losses built on that matrix.
    public var gemmFloorMilliseconds: Double
    /// For a loss that computes its batch in mini-batches (the cached losses): the same three
    /// products made as it makes them, a mini-batch of query rows at a time (its scores against
    /// every candidate, its rows' gradient, and its share of the candidates' gradient added into
    /// one accumulator); 0 for a loss that computes the batch whole.
    public var miniBatchFloorMilliseconds: Double = 0
}

public enum BenchRunner {
    /// Times forward + backward: one warm-up, then repeats until `budget` seconds or 50 runs
    /// (at least 3); the median.
    /// A layer loss (`inputSpec.needsLayers`) is timed as one training step of an mlp encoder
    /// (`LayeredBenchStep`), each run with its own sampling seed.
    public static func measure(_ benchCase: BenchCase, budget: Double, floor: Bool = true) throws -> BenchMeasurement {
        let lossTime: (median: Double, fastest: Double, repeats: Int)
        let embeddings: Matrix<Float>
        // A cached loss's mini-batch size, for its mini-batch floor.
        var miniBatch: Int? = nil
        if LossCatalog.type(named: benchCase.loss)?.inputSpec.needsLayers == true {
            let step = try LayeredBenchStep(benchCase)
            var seed: UInt64 = 0
            lossTime = try medianTime(budget: budget) {
                seed += 1
                try step.run(samplingSeed: seed)
            }
            // The floor of a layer loss's step is the encoder's own passes, whatever the loss.
            var encoderTime = 0.0
            if floor { encoderTime = try medianTime(budget: budget / 2) { _ = step.encoderAlone() }.median }
            return BenchMeasurement(benchCase: benchCase, medianMilliseconds: lossTime.median, fastestMilliseconds: lossTime.fastest,
                                    repeats: lossTime.repeats, peakMegabytes: 0, gemmFloorMilliseconds: encoderTime)
        } else {
            let loss = try LossCatalog.make(benchCase.loss, reference: benchCase.reference)
            let batch = benchCase.makeBatch(for: loss)
            lossTime = try medianTime(budget: budget) { _ = try loss.evaluate(batch) }
            embeddings = batch.columns[0]
            if loss.usesGradientCache, let text = loss.settings.first(where: { $0.name == "mini_batch_size" })?.value {
                miniBatch = Int(text)
            }
        }
        if !floor {
            return BenchMeasurement(benchCase: benchCase, medianMilliseconds: lossTime.median, fastestMilliseconds: lossTime.fastest,
                                    repeats: lossTime.repeats, peakMegabytes: 0, gemmFloorMilliseconds: 0)
        }
        // Made only for the floor, so that a run without it measures the loss's own peak memory.
        let upstream = Matrix<Float>(rows: benchCase.batch, cols: benchCase.batch,
                                     values: (0..<(benchCase.batch * benchCase.batch)).map { Float($0 % 7) })
        let floorTime = try medianTime(budget: budget / 4) {
            _ = Matrix.product(embeddings, embeddings, transposeB: true)
            _ = Matrix.product(upstream, embeddings)
            _ = Matrix.product(upstream, transposeA: true, embeddings)
        }
        var measurement = BenchMeasurement(benchCase: benchCase, medianMilliseconds: lossTime.median, fastestMilliseconds: lossTime.fastest,
                                           repeats: lossTime.repeats, peakMegabytes: 0, gemmFloorMilliseconds: floorTime.median)
        if let chunk = miniBatch, chunk >= 1, chunk < benchCase.batch {
            var accumulated = Matrix<Float>(zeros: embeddings.rows, embeddings.cols)
            measurement.miniBatchFloorMilliseconds = try medianTime(budget: budget / 4) {
                for start in stride(from: 0, to: embeddings.rows, by: chunk) {
                    let range = start..<min(start + chunk, embeddings.rows)
                    let rows = embeddings.rows(range), share = upstream.rows(range)
                    _ = Matrix.product(rows, embeddings, transposeB: true)
                    _ = Matrix.product(share, embeddings)
                    Matrix.multiplyAdd(share, transposeA: true, rows, into: &accumulated)
                }
            }.median
        }
        return measurement
    }

    static func medianTime(budget: Double, _ body: () throws -> Void) throws -> (median: Double, fastest: Double, repeats: Int) {
        try body()
        var times: [Double] = []
        let start = DispatchTime.now().uptimeNanoseconds
        repeat {
            let t0 = DispatchTime.now().uptimeNanoseconds
            try body()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        } while times.count < 3 || (times.count < 50 && Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 < budget)
        times.sort()
        return (times[times.count / 2], times[0], times.count)
    }

    /// Peak resident set size of this process so far, in MiB.
    public static func peakResidentMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}

/// The layer losses' case (AdaptiveLayerLoss, Matryoshka2dLoss): they train an encoder's
/// layers, so a batch of embeddings is not enough. Their case is one whole training step
/// without the update: `encoder mlp hidden=dim dim=dim layers=3` on random (rows, dim) input
/// vectors, its forward pass, the loss, and the backward pass into every weight.
/// benchmarks/torch62_new_losses.py builds the same model for 6.2.0 (as the layer losses'
/// golden cases do) and times the same step.
public struct LayeredBenchStep {
    /// The mlp's ReLU layers: two earlier layers to sample from, and the last.
    public static let layers = 3
    public let loss: any EmbeddingLoss
    public let encoder: Encoder<Float>
    /// The items of each column: anchors, then positives.
    public let columns: [[Int]]

    /// The loss as the case times it: 6.2.0's defaults, except that Matryoshka2dLoss takes
    /// every dimension at each layer (`n_dims_per_step=-1`), so that both sides do the same
    /// work whichever dimensions a sampler would draw. One earlier layer per step is sampled,
    /// seeded, on each side: all are as wide, so which one does not change the cost.
    public static func makeLoss(_ name: String, reference: LossReference) throws -> any EmbeddingLoss {
        let settings = name == Matryoshka2dLoss.className ? ["n_dims_per_step": "-1"] : [:]
        return try LossCatalog.make(name, settings: settings, reference: reference)
    }

    public init(_ benchCase: BenchCase) throws {
        loss = try Self.makeLoss(benchCase.loss, reference: benchCase.reference)
        let dim = benchCase.dim, rows = 2 * benchCase.batch
        var random = SeededRandom(seed: UInt64(benchCase.batch * 7919 + dim))
        let vectors = Matrix<Float>(rows: rows, cols: dim, values: (0..<(rows * dim)).map { _ in Float(random.normal()) })
        encoder = try Encoder(kind: .mlp(hidden: dim, output: dim, layers: Self.layers), input: .vectors(ReadOnlyRows(vectors)), seed: 1)
        columns = [Array(0..<benchCase.batch), Array(benchCase.batch..<rows)]
    }

    /// The encoder's part of a step alone, the floor of any layer loss's step: the forward pass
    /// and the backward pass of a gradient on the last layer and on one earlier layer (what a
    /// loss sampling one earlier layer sends back), no loss in between.
    @discardableResult
    public func encoderAlone() -> [String: Matrix<Float>] {
        let pass = encoder.forward(items: columns.flatMap { $0 })
        let gradient = Matrix<Float>(rows: pass.embeddings.rows, cols: pass.embeddings.cols,
                                     values: pass.embeddings.values.map { 1e-3 * $0 })
        let layers = pass.layerEmbeddings.indices.map { $0 == 0 ? gradient : Matrix<Float>(zeros: gradient.rows, gradient.cols) }
        return encoder.backward(pass, gradient, layers: layers)
    }

    /// One step: forward, loss, backward; the gradients of every encoder weight.
    @discardableResult
    public func run(samplingSeed: UInt64) throws -> [String: Matrix<Float>] {
        let sizes = columns.map(\.count)
        // Only the earlier layers the loss samples are embedded, as in a session's step.
        let pass = encoder.forward(items: columns.flatMap { $0 },
                                   readingLayers: loss.layersRead(count: encoder.layerCount - 1, samplingSeed: samplingSeed))
        var batch = LossBatch(columns: pass.embeddings.splitRows(sizes))
        batch.setLayers(from: pass, columnSizes: sizes)
        batch.samplingSeed = samplingSeed
        let result = try loss.evaluate(batch)
        return encoder.backward(pass, Matrix.vstack(result.columnGradients), layers: result.stackedLayerGradients)
    }
}
