// The encoder's forward and backward bodies. They are reached through `Encoder.forward` and
// `Encoder.backward` with a concrete scalar type, so they compile specialised.

extension Encoder {
    /// gathered: the items' input vectors when the caller already holds them (`gatherInputs`).
    /// reading: the earlier layers whose embeddings to make (nil: every one); the others are
    /// left empty and listed in the pass's `skippedLayers`.
    func forwardKernel(_ items: [Int], gathered: Matrix<T>? = nil, reading: Set<Int>? = nil) -> EncoderPass<T> {
        for item in items {
            precondition(item >= 0 && item < itemCount, "encoder item \(item) is outside 0..<\(itemCount)")
        }
        precondition(gathered.map { $0.rows == items.count } ?? true, "encoder: \(gathered?.rows ?? 0) gathered inputs for \(items.count) items")
        var inputs: Matrix<T>? = nil
        var hidden: [Matrix<T>] = []
        var layerRaw: [Matrix<T>] = []
        var skipped = Set<Int>()
        let raw: Matrix<T>
        switch kind {
        case .table:
            raw = parameters["table"]!.gatherRows(items)
        case .linear:
            let x = gathered ?? inputVectors.gatherRows(items)
            raw = Self.affine(x, parameters["linear.weight"]!, parameters["linear.bias"]!)
            inputs = x
        case .mlp(_, _, let layers):
            let x = gathered ?? inputVectors.gatherRows(items)
            var h = x
            for layer in 0..<layers {
                h = Self.affine(h, parameters["mlp.\(2 * layer).weight"]!, parameters["mlp.\(2 * layer).bias"]!)
                ReLUKernels.forward(&h)
                hidden.append(h)
            }
            let outWeight = parameters["mlp.\(2 * layers).weight"]!, outBias = parameters["mlp.\(2 * layers).bias"]!
            skipped = reading.map { Set(0..<(layers - 1)).subtracting($0) } ?? []
            layerRaw = hidden.dropLast().enumerated().map { k, h in
                skipped.contains(k) ? Matrix(zeros: 0, outWeight.cols) : Self.affine(h, outWeight, outBias)
            }
            raw = Self.affine(h, outWeight, outBias)
            inputs = x
        case .bagOfWords:
            raw = meanPool(items)
        }
        guard normalize else {
            return EncoderPass(items: items, embeddings: raw, inputs: inputs, hidden: hidden, unnormalized: nil, norms: nil,
                               layerEmbeddings: layerRaw, layerUnnormalized: [], layerNorms: [], skippedLayers: skipped)
        }
        let (output, norms) = L2Normalization.forward(raw)
        let layers = layerRaw.map(L2Normalization.forward)
        return EncoderPass(items: items, embeddings: output, inputs: inputs, hidden: hidden, unnormalized: raw, norms: norms,
                           layerEmbeddings: layers.map(\.output), layerUnnormalized: layerRaw, layerNorms: layers.map(\.norms),
                           skippedLayers: skipped)
    }

    /// dLayers: nil for a layer that sends no gradient.
    func backwardKernel(_ pass: EncoderPass<T>, _ dEmbeddings: Matrix<T>, _ dLayers: [Matrix<T>?]) -> [String: Matrix<T>] {
        precondition(dEmbeddings.rows == pass.items.count && dEmbeddings.cols == outputDimension,
                     "encoder backward: gradient is \(dEmbeddings.rows)x\(dEmbeddings.cols), the pass gave \(pass.items.count)x\(outputDimension)")
        precondition(dLayers.isEmpty || dLayers.count == pass.layerEmbeddings.count,
                     "encoder backward: \(dLayers.count) layer gradients for \(pass.layerEmbeddings.count) earlier layers")
        for k in pass.skippedLayers {
            precondition(dLayers.isEmpty || dLayers[k].map(Self.allZero) ?? true, "encoder backward: a gradient for layer \(k + 1), which the pass skipped")
        }
        var d = dEmbeddings
        var dLayerRaw = dLayers
        if normalize {
            d = L2Normalization.backward(dEmbeddings, output: pass.embeddings, input: pass.unnormalized!, norms: pass.norms!)
            for k in dLayerRaw.indices {
                guard let dLayer = dLayers[k], !pass.skippedLayers.contains(k) else { continue }
                dLayerRaw[k] = L2Normalization.backward(dLayer, output: pass.layerEmbeddings[k], input: pass.layerUnnormalized[k],
                                                        norms: pass.layerNorms[k])
            }
        }
        switch kind {
        case .table:
            let table = parameters["table"]!
            var gradient = Matrix<T>(zeros: table.rows, table.cols)
            let width = table.cols
            d.values.withUnsafeBufferPointer { g in
                gradient.values.withUnsafeMutableBufferPointer { out in
                    for (row, item) in pass.items.enumerated() {
                        let from = row * width, to = item * width
                        for k in 0..<width { out[to + k] += g[from + k] }
                    }
                }
            }
            return ["table": gradient]
        case .linear:
            let x = pass.inputs!
            return [
                "linear.weight": Matrix.product(x, transposeA: true, d),
                "linear.bias": d.columnSums(),
            ]
        case .mlp(_, _, let layers):
            return mlpBackward(pass, d, dLayerRaw, layers: layers)
        case .bagOfWords:
            return ["tokens.weight": meanPoolBackward(pass.items, d)]
        }
    }

    /// The mlp's backward pass: the output layer collects the gradient of every layer's
    /// embedding, then the gradient runs down the ReLU layers, each adding what the output
    /// layer sent it from its own embedding.
    private func mlpBackward(_ pass: EncoderPass<T>, _ d: Matrix<T>, _ dLayers: [Matrix<T>?], layers: Int) -> [String: Matrix<T>] {
        let x = pass.inputs!, h = pass.hidden
        let out = 2 * layers
        let outWeight = parameters["mlp.\(out).weight"]!
        var gradients: [String: Matrix<T>] = [:]
        var dOutWeight = Matrix.product(h[layers - 1], transposeA: true, d)
        var dOutBias = d.columnSums()
        var dh = Matrix.product(d, outWeight, transposeB: true)
        var fromOutput: [Matrix<T>?] = Array(repeating: nil, count: layers)
        // A layer the loss did not sample this batch (AdaptiveLayerLoss's n_layers_per_step)
        // sends no gradient (nil) or zeros: its two products would add nothing, so they are
        // skipped.
        for (k, sent) in dLayers.enumerated() {
            guard let dLayer = sent, !Self.allZero(dLayer) else { continue }
            Matrix.multiplyAdd(h[k], transposeA: true, dLayer, into: &dOutWeight)
            dOutBias.addScaled(dLayer.columnSums(), 1)
            fromOutput[k] = Matrix.product(dLayer, outWeight, transposeB: true)
        }
        gradients["mlp.\(out).weight"] = dOutWeight
        gradients["mlp.\(out).bias"] = dOutBias
        for layer in stride(from: layers - 1, through: 0, by: -1) {
            if let extra = fromOutput[layer] { dh.addScaled(extra, 1) }
            // ReLU passes gradient only where its output was positive (torch's threshold_backward).
            ReLUKernels.backward(&dh, output: h[layer])
            let below = layer == 0 ? x : h[layer - 1]
            gradients["mlp.\(2 * layer).weight"] = Matrix.product(below, transposeA: true, dh)
            gradients["mlp.\(2 * layer).bias"] = dh.columnSums()
            if layer > 0 { dh = Matrix.product(dh, parameters["mlp.\(2 * layer).weight"]!, transposeB: true) }
        }
        return gradients
    }

    /// Every item through a linear encoder: each chunk's product reads the input rows where
    /// they lie (a mapped file's pages), instead of gathering a copy of them first. The same
    /// products as `forward` on the same chunks, so the same values.
    func embedAllLinear(_ vectors: ReadOnlyRows<T>) -> Matrix<T> {
        let weight = parameters["linear.weight"]!, bias = parameters["linear.bias"]!
        let width = weight.cols, inputWidth = vectors.cols, chunk = Self.embedChunk
        precondition(vectors.rows == itemCount && weight.rows == inputWidth, "linear encoder: the input does not match the weight")
        var raw = Matrix<T>(rows: itemCount, cols: width) { out in
            bias.values.withUnsafeBufferPointer { b in
                for row in 0..<itemCount { (out.baseAddress! + row * width).update(from: b.baseAddress!, count: width) }
            }
        }
        if inputWidth > 0 && width > 0 {
            vectors.withUnsafeBufferPointer { x in
                weight.values.withUnsafeBufferPointer { w in
                    raw.values.withUnsafeMutableBufferPointer { y in
                        for start in stride(from: 0, to: itemCount, by: chunk) {
                            T.gemm(transA: false, transB: false, m: min(chunk, itemCount - start), n: width, k: inputWidth, alpha: 1,
                                   a: x.baseAddress! + start * inputWidth, lda: inputWidth, b: w.baseAddress!, ldb: width,
                                   beta: 1, c: y.baseAddress! + start * width, ldc: width)
                        }
                    }
                }
            }
        }
        return normalize ? L2Normalization.forward(raw).output : raw
    }

    /// Whether every value is zero (the scan stops at the first that is not).
    static func allZero(_ matrix: Matrix<T>) -> Bool {
        matrix.values.withUnsafeBufferPointer { values in
            let count = values.count
            guard let base = values.baseAddress else { return true }
            var k = 0
            if T.self == Float.self { k = firstNonzeroBlock(UnsafeRawPointer(base).assumingMemoryBound(to: Float.self), count: count) }
            while k < count {
                if base[k] != 0 { return false }
                k += 1
            }
            return true
        }
    }

    var inputVectors: ReadOnlyRows<T> {
        guard case .vectors(let vectors) = input else { preconditionFailure("this encoder kind reads vectors") }
        return vectors
    }

    /// x · W + b, with b broadcast over the rows.
    static func affine(_ x: Matrix<T>, _ weight: Matrix<T>, _ bias: Matrix<T>) -> Matrix<T> {
        precondition(bias.count == weight.cols, "bias width does not match the weight")
        let width = weight.cols
        // Every row is written, so the storage is not zeroed first.
        var y = Matrix<T>(rows: x.rows, cols: width) { out in
            bias.values.withUnsafeBufferPointer { b in
                let shared = SharedPointer(out), source = SharedReadPointer(b)
                ParallelRows.run(rows: x.rows, elementsPerRow: width) { range in
                    for row in range { (shared.base + row * width).initialize(from: source.base, count: width) }
                }
            }
        }
        Matrix.multiplyAdd(x, weight, into: &y, beta: 1)
        return y
    }

    /// Sum of the item's token rows divided by the token count. An item made only of padding
    /// has nothing to average; like sentence-transformers (which divides a zero sum by a count
    /// clamped to 1e-9) its embedding is zero and it passes no gradient.
    func meanPool(_ items: [Int]) -> Matrix<T> {
        let weight = parameters["tokens.weight"]!
        let packed = packedTokens!
        let width = weight.cols
        var out = Matrix<T>(zeros: items.count, width)
        weight.values.withUnsafeBufferPointer { w in
            packed.ids.withUnsafeBufferPointer { ids in
                packed.offsets.withUnsafeBufferPointer { offsets in
                    out.values.withUnsafeMutableBufferPointer { o in
                        for (row, item) in items.enumerated() {
                            let start = offsets[item], end = offsets[item + 1]
                            if start == end { continue }
                            let base = row * width
                            for p in start..<end {
                                let source = ids[p] * width
                                for k in 0..<width { o[base + k] += w[source + k] }
                            }
                            let count = T(end - start)
                            for k in 0..<width { o[base + k] /= count }
                        }
                    }
                }
            }
        }
        return out
    }

    func meanPoolBackward(_ items: [Int], _ d: Matrix<T>) -> Matrix<T> {
        let weight = parameters["tokens.weight"]!
        let packed = packedTokens!
        let width = weight.cols
        var gradient = Matrix<T>(zeros: weight.rows, width)
        var share = [T](repeating: 0, count: width)
        d.values.withUnsafeBufferPointer { g in
            packed.ids.withUnsafeBufferPointer { ids in
                packed.offsets.withUnsafeBufferPointer { offsets in
                    gradient.values.withUnsafeMutableBufferPointer { out in
                        share.withUnsafeMutableBufferPointer { share in
                            for (row, item) in items.enumerated() {
                                let start = offsets[item], end = offsets[item + 1]
                                if start == end { continue }
                                let count = T(end - start)
                                for k in 0..<width { share[k] = g[row * width + k] / count }
                                for p in start..<end {
                                    let target = ids[p] * width
                                    for k in 0..<width { out[target + k] += share[k] }
                                }
                            }
                        }
                    }
                }
            }
        }
        return gradient
    }
}

/// The index of the first block of eight values that holds one other than ±0 (a NaN
/// counts), or the start of the tail. Float only: generic SIMD comparisons compile lane by lane.
@inline(__always)
private func firstNonzeroBlock(_ values: UnsafePointer<Float>, count: Int) -> Int {
    let zero = SIMD8<Float>()
    var k = 0
    while k + 8 <= count {
        if any(UnsafeRawPointer(values + k).loadUnaligned(as: SIMD8<Float>.self) .!= zero) { return k }
        k += 8
    }
    return k
}
