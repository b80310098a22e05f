/// What turns an item id into its embedding: the trainable part of a training run.
public enum EncoderKind: Sendable, Equatable {
    /// One free embedding per item: training moves the points themselves.
    case table
    /// y = x W + b on frozen input vectors (an adapter on top of fixed embeddings).
    case linear(output: Int)
    /// y = relu(x W1 + b1) W2 + b2 on frozen input vectors. With `layers` N > 1 the ReLU layers
    /// stack, h_k = relu(h_(k-1) W_k + b_k), all `hidden` wide, and the output layer reads each:
    /// layer k's embedding is h_k W_out + b_out (normalised when the encoder normalises), as a
    /// sentence-transformers model pools and projects any of its transformer's hidden states.
    /// The last layer's is the encoder's output.
    case mlp(hidden: Int, output: Int, layers: Int = 1)
    /// Mean of the item's token embeddings, padding (id 0) left out, as sentence-transformers'
    /// mean pooling under an attention mask. An item with no real token embeds as zero (the
    /// reference divides a zero sum by a clamped count) and passes no gradient.
    case bagOfWords(dimension: Int)
}

/// What the encoder reads for each item. Never trained.
public enum EncoderInput<T: Scalar>: Sendable {
    /// (items, Din) fixed vectors, possibly a mapped file's.
    case vectors(ReadOnlyRows<T>)
    /// Token ids per item; 0 is padding and never counted; every id < vocabularySize.
    case tokens([[Int]], vocabularySize: Int)
}

/// A small trainable encoder with a hand-written backward pass.
///
/// Parameters are keyed by PyTorch-like names so that optimiser state, logs and checkpoints can
/// refer to them the same way: "table" (items, D); "linear.weight" (Din, Dout) and
/// "linear.bias" (1, Dout); "mlp.0.*" and "mlp.2.*" (the two Linear layers of a
/// Sequential(Linear, ReLU, Linear)), with N layers "mlp.0.*", "mlp.2.*" ... "mlp.(2N-2).*" for
/// the ReLU layers and "mlp.(2N).*" for the output layer; "tokens.weight" (vocab, D). Weights are stored (in, out),
/// the transpose of nn.Linear, so that forward is a plain x · W.
public struct Encoder<T: Scalar>: Sendable {
    public let kind: EncoderKind
    /// Whether an L2 normalisation layer (torch `normalize`, eps 1e-12) follows the encoder.
    public let normalize: Bool
    public var parameters: [String: Matrix<T>]
    public let input: EncoderInput<T>
    public let itemCount: Int
    public let outputDimension: Int
    /// The token lists in compressed form with padding removed, for `.tokens` input.
    let packedTokens: PackedTokens?

    /// Rows per forward call in `embedAll`, which bounds the memory of the intermediate layers.
    static var embedChunk: Int { 4096 }

    /// Builds the encoder with seeded initial parameters.
    ///
    /// - `table` starts from the input vectors themselves (token input is rejected).
    /// - `linear` and `mlp` need vector input; weights and biases start uniform in
    ///   ±1/sqrt(fan_in) like nn.Linear, except that a `linear` layer with Dout == Din starts as
    ///   the identity with zero bias, so that an adapter begins by changing nothing.
    /// - `bagOfWords` needs token input; token embeddings start normal(0, 0.1), with the padding
    ///   row zero (as nn.Embedding's padding_idx; it is never read anyway).
    public init(kind: EncoderKind, input: EncoderInput<T>, normalize: Bool = false, seed: UInt64) throws {
        var random = SeededRandom(seed: seed)
        func uniform(_ rows: Int, _ cols: Int, fanIn: Int) -> Matrix<T> {
            let bound = 1 / Double(fanIn).squareRoot()
            return Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in T(random.uniform(-bound, bound)) })
        }
        var parameters: [String: Matrix<T>] = [:]
        var packed: PackedTokens? = nil
        let items: Int
        let output: Int

        switch input {
        case .vectors(let vectors):
            items = vectors.rows
            if vectors.cols == 0 { throw LossError("encoder input vectors have no columns; each item needs a vector of dimension 1 or more") }
            // Rows a loader checked are not scanned again: at a million items that pass costs seconds.
            if case .failure(let bad) = vectors.checkedFinite() {
                throw LossError("encoder input vector of item \(bad.row) holds a NaN or infinity")
            }
        case .tokens(let lists, let vocabularySize):
            items = lists.count
            if vocabularySize < 1 { throw LossError("encoder token vocabulary size must be at least 1 (id 0 is padding), got \(vocabularySize)") }
            packed = try PackedTokens(lists, vocabularySize: vocabularySize)
        }

        switch (kind, input) {
        case (.table, .vectors(let vectors)):
            parameters["table"] = vectors.matrix
            output = vectors.cols
        case (.table, .tokens):
            throw LossError("a table encoder starts from one vector per item and cannot read tokens; use bagOfWords for token input")
        case (.linear(let dOut), .vectors(let vectors)):
            guard dOut > 0 else { throw LossError("linear encoder output dimension must be at least 1, got \(dOut)") }
            let dIn = vectors.cols
            if dOut == dIn {
                var identity = Matrix<T>(zeros: dIn, dIn)
                for i in 0..<dIn { identity[i, i] = 1 }
                parameters["linear.weight"] = identity
                parameters["linear.bias"] = Matrix(zeros: 1, dOut)
            } else {
                parameters["linear.weight"] = uniform(dIn, dOut, fanIn: dIn)
                parameters["linear.bias"] = uniform(1, dOut, fanIn: dIn)
            }
            output = dOut
        case (.mlp(let hidden, let dOut, let layers), .vectors(let vectors)):
            guard hidden > 0, dOut > 0 else {
                throw LossError("mlp encoder hidden and output dimensions must be at least 1, got hidden \(hidden), output \(dOut)")
            }
            guard layers > 0 else { throw LossError("mlp encoder needs at least 1 layer, got \(layers)") }
            // Drawn layer by layer, weight before bias: one layer draws what it always drew.
            for layer in 0..<layers {
                let fanIn = layer == 0 ? vectors.cols : hidden
                parameters["mlp.\(2 * layer).weight"] = uniform(fanIn, hidden, fanIn: fanIn)
                parameters["mlp.\(2 * layer).bias"] = uniform(1, hidden, fanIn: fanIn)
            }
            parameters["mlp.\(2 * layers).weight"] = uniform(hidden, dOut, fanIn: hidden)
            parameters["mlp.\(2 * layers).bias"] = uniform(1, dOut, fanIn: hidden)
            output = dOut
        case (.linear, .tokens), (.mlp, .tokens):
            throw LossError("linear and mlp encoders read frozen input vectors, not tokens; use bagOfWords for token input")
        case (.bagOfWords(let dimension), .tokens(_, let vocabularySize)):
            guard dimension > 0 else { throw LossError("bagOfWords encoder dimension must be at least 1, got \(dimension)") }
            var weight = Matrix<T>(zeros: vocabularySize, dimension)
            for k in dimension..<weight.count { weight.values[k] = T(0.1 * random.normal()) }
            parameters["tokens.weight"] = weight
            output = dimension
        case (.bagOfWords, .vectors):
            throw LossError("a bagOfWords encoder reads token ids, not vectors; use table, linear or mlp for vector input")
        }

        self.init(kind: kind, normalize: normalize, parameters: parameters, input: input,
                  itemCount: items, outputDimension: output, packedTokens: packed)
    }

    init(kind: EncoderKind, normalize: Bool, parameters: [String: Matrix<T>], input: EncoderInput<T>,
         itemCount: Int, outputDimension: Int, packedTokens: PackedTokens?) {
        self.kind = kind
        self.normalize = normalize
        self.parameters = parameters
        self.input = input
        self.itemCount = itemCount
        self.outputDimension = outputDimension
        self.packedTokens = packedTokens
    }

    /// The parameter names in a fixed order (layer by layer, weight before bias).
    public var parameterNames: [String] {
        switch kind {
        case .table: return ["table"]
        case .linear: return ["linear.weight", "linear.bias"]
        case .mlp(_, _, let layers): return (0...layers).flatMap { ["mlp.\(2 * $0).weight", "mlp.\(2 * $0).bias"] }
        case .bagOfWords: return ["tokens.weight"]
        }
    }

    /// Embeddings of the given items in order; repeats are allowed.
    public func forward(items: [Int]) -> EncoderPass<T> {
        // The public generic entry runs unspecialised when called from another module, so hand
        // the work to a copy typed concretely: inside LossKit that compiles specialised.
        if T.self == Float.self {
            let pass = unsafeBitCast(self, to: Encoder<Float>.self).forwardKernel(items)
            return unsafeBitCast(pass, to: EncoderPass<T>.self)
        }
        if T.self == Double.self {
            let pass = unsafeBitCast(self, to: Encoder<Double>.self).forwardKernel(items)
            return unsafeBitCast(pass, to: EncoderPass<T>.self)
        }
        return forwardKernel(items)
    }

    /// `forward(items:)` that makes only the earlier layers' embeddings in `layers` (what the
    /// loss reads, `EmbeddingLoss.layersRead`): each of the others would cost one product of
    /// the output layer. Every value it makes is the one `forward(items:)` makes.
    public func forward(items: [Int], readingLayers layers: Set<Int>) -> EncoderPass<T> {
        if T.self == Float.self {
            let pass = unsafeBitCast(self, to: Encoder<Float>.self).forwardKernel(items, reading: layers)
            return unsafeBitCast(pass, to: EncoderPass<T>.self)
        }
        if T.self == Double.self {
            let pass = unsafeBitCast(self, to: Encoder<Double>.self).forwardKernel(items, reading: layers)
            return unsafeBitCast(pass, to: EncoderPass<T>.self)
        }
        return forwardKernel(items, reading: layers)
    }

    /// The items' input vectors, for `forward(items:inputs:)`; nil for the encoders that read
    /// none (table, bagOfWords).
    public func gatherInputs(_ items: [Int]) -> Matrix<T>? {
        switch (kind, input) {
        case (.linear, .vectors(let vectors)), (.mlp, .vectors(let vectors)): return vectors.gatherRows(items)
        default: return nil
        }
    }

    /// `forward(items:)` from input vectors the caller gathered once with `gatherInputs` and
    /// keeps (the explorer's display sample): the same pass, without reading the data again.
    public func forward(items: [Int], inputs: Matrix<T>) -> EncoderPass<T> {
        if T.self == Float.self {
            let pass = unsafeBitCast(self, to: Encoder<Float>.self).forwardKernel(items, gathered: unsafeBitCast(inputs, to: Matrix<Float>.self))
            return unsafeBitCast(pass, to: EncoderPass<T>.self)
        }
        return forwardKernel(items, gathered: inputs)
    }

    /// dL/d(parameter) for every parameter, from dL/d(embeddings) of a pass made by this
    /// encoder with its current parameters, and dL/d(`pass.layerEmbeddings`) when the loss read
    /// the earlier layers (empty: it did not). Parameters the pass did not touch get zeros; an
    /// item seen several times accumulates.
    /// A layer whose gradient holds only zeros (a layer loss did not sample it) costs nothing
    /// but the scan that finds it so; `backward(_:_:layers:)` with nil for it skips the scan too.
    public func backward(_ pass: EncoderPass<T>, _ dEmbeddings: Matrix<T>, layers dLayers: [Matrix<T>] = []) -> [String: Matrix<T>] {
        backward(pass, dEmbeddings, layers: dLayers.map(Optional.some))
    }

    /// `backward` with nil for an earlier layer that sends no gradient (`LossResult.stackedLayerGradients`).
    public func backward(_ pass: EncoderPass<T>, _ dEmbeddings: Matrix<T>, layers dLayers: [Matrix<T>?]) -> [String: Matrix<T>] {
        if T.self == Float.self {
            let gradients = unsafeBitCast(self, to: Encoder<Float>.self).backwardKernel(
                unsafeBitCast(pass, to: EncoderPass<Float>.self), unsafeBitCast(dEmbeddings, to: Matrix<Float>.self),
                unsafeBitCast(dLayers, to: [Matrix<Float>?].self))
            return unsafeBitCast(gradients, to: [String: Matrix<T>].self)
        }
        if T.self == Double.self {
            let gradients = unsafeBitCast(self, to: Encoder<Double>.self).backwardKernel(
                unsafeBitCast(pass, to: EncoderPass<Double>.self), unsafeBitCast(dEmbeddings, to: Matrix<Double>.self),
                unsafeBitCast(dLayers, to: [Matrix<Double>?].self))
            return unsafeBitCast(gradients, to: [String: Matrix<T>].self)
        }
        return backwardKernel(pass, dEmbeddings, dLayers)
    }

    /// How many layers give embeddings: an mlp's `layers`, 1 for every other kind.
    public var layerCount: Int {
        if case .mlp(_, _, let layers) = kind { return layers }
        return 1
    }

    /// Every item's embedding at every layer, first layer first (the last is `embedAll()`).
    public func embedAllLayers() -> [Matrix<T>] {
        guard layerCount > 1 else { return [embedAll()] }
        var parts: [[Matrix<T>]] = Array(repeating: [], count: layerCount)
        for start in stride(from: 0, to: itemCount, by: Self.embedChunk) {
            let pass = forward(items: Array(start..<min(start + Self.embedChunk, itemCount)))
            for (layer, embeddings) in (pass.layerEmbeddings + [pass.embeddings]).enumerated() { parts[layer].append(embeddings) }
        }
        return parts.map { $0.isEmpty ? Matrix<T>(zeros: 0, outputDimension) : $0.count == 1 ? $0[0] : Matrix<T>.vstack($0) }
    }

    /// Every item's embedding, (itemCount, outputDimension), computed a chunk at a time.
    public func embedAll() -> Matrix<T> {
        if kind == .table && !normalize { return parameters["table"]! }
        if case .linear = kind, case .vectors(let vectors) = input, T.self == Float.self {
            let all = unsafeBitCast(self, to: Encoder<Float>.self).embedAllLinear(unsafeBitCast(vectors, to: ReadOnlyRows<Float>.self))
            return unsafeBitCast(all, to: Matrix<T>.self)
        }
        return embedAllByChunks()
    }

    /// `embedAll` as `forward` computes it, a chunk of items at a time (the tests' reference).
    func embedAllByChunks() -> Matrix<T> {
        var parts: [Matrix<T>] = []
        for start in stride(from: 0, to: itemCount, by: Self.embedChunk) {
            parts.append(forward(items: Array(start..<min(start + Self.embedChunk, itemCount))).embeddings)
        }
        if parts.isEmpty { return Matrix(zeros: 0, outputDimension) }
        return parts.count == 1 ? parts[0] : Matrix.vstack(parts)
    }

    /// The same encoder (parameters and input) in another precision, e.g. Double for gradient checks.
    public func converted<U: Scalar>(to _: U.Type) -> Encoder<U> {
        let newInput: EncoderInput<U>
        switch input {
        case .vectors(let vectors): newInput = .vectors(vectors.converted(to: U.self))
        case .tokens(let lists, let vocabularySize): newInput = .tokens(lists, vocabularySize: vocabularySize)
        }
        return Encoder<U>(kind: kind, normalize: normalize, parameters: parameters.mapValues { $0.converted(to: U.self) },
                          input: newInput, itemCount: itemCount, outputDimension: outputDimension,
                          packedTokens: packedTokens)
    }
}

/// One forward pass: the embeddings and what its backward pass needs.
public struct EncoderPass<T: Scalar>: Sendable {
    public let items: [Int]
    /// (items.count, outputDimension), after normalisation when the encoder normalises.
    public let embeddings: Matrix<T>
    /// The gathered input vectors (linear, mlp).
    let inputs: Matrix<T>?
    /// The mlp's hidden activations after each ReLU, first layer first.
    let hidden: [Matrix<T>]
    /// The output before normalisation and its row norms (normalising encoders only).
    let unnormalized: Matrix<T>?
    let norms: [T]?
    /// An mlp with layers: the embeddings of every layer but the last, first layer first, each
    /// shaped as `embeddings`; empty for one layer.
    public let layerEmbeddings: [Matrix<T>]
    /// Those layers' output before normalisation and its row norms (normalising encoders only).
    let layerUnnormalized: [Matrix<T>]
    let layerNorms: [[T]]
    /// The earlier layers `forward(items:readingLayers:)` left out: their `layerEmbeddings`
    /// entries are empty (0 rows), and they take no gradient.
    public let skippedLayers: Set<Int>
}

extension LossBatch {
    /// The pass's earlier layers as `layers`, split into columns of `sizes` rows; a layer the
    /// pass skipped stays empty and is listed in `skippedLayers`.
    public mutating func setLayers(from pass: EncoderPass<T>, columnSizes sizes: [Int]) {
        layers = pass.layerEmbeddings.enumerated().map { pass.skippedLayers.contains($0.offset) ? [] : $0.element.splitRows(sizes) }
        skippedLayers = pass.skippedLayers
    }
}

/// Token lists in CSR form with padding dropped: item i's ids are ids[offsets[i]..<offsets[i+1]].
struct PackedTokens: Sendable {
    let offsets: [Int]
    let ids: [Int]

    init(_ lists: [[Int]], vocabularySize: Int) throws {
        var offsets = [0]
        var ids: [Int] = []
        offsets.reserveCapacity(lists.count + 1)
        for (item, list) in lists.enumerated() {
            for id in list {
                guard id >= 0 && id < vocabularySize else {
                    throw LossError("item \(item) has token id \(id), outside the vocabulary 0..<\(vocabularySize)")
                }
                if id != 0 { ids.append(id) }
            }
            offsets.append(ids.count)
        }
        self.offsets = offsets
        self.ids = ids
    }
}
