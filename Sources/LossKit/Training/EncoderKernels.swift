// The encoder's forward and backward bodies. They are reached through `Encoder.forward` and
// `Encoder.backward` with a concrete scalar type, so they compile specialised.

extension Encoder {
    func forwardKernel(_ items: [Int]) -> EncoderPass<T> {
        for item in items {
            precondition(item >= 0 && item < itemCount, "encoder item \(item) is outside 0..<\(itemCount)")
        }
        var inputs: Matrix<T>? = nil
        var hidden: Matrix<T>? = nil
        let raw: Matrix<T>
        switch kind {
        case .table:
            raw = parameters["table"]!.gatherRows(items)
        case .linear:
            let x = inputVectors.gatherRows(items)
            raw = Self.affine(x, parameters["linear.weight"]!, parameters["linear.bias"]!)
            inputs = x
        case .mlp:
            let x = inputVectors.gatherRows(items)
            var h = Self.affine(x, parameters["mlp.0.weight"]!, parameters["mlp.0.bias"]!)
            h.values.withUnsafeMutableBufferPointer { v in
                for k in v.indices where !(v[k] > 0) { v[k] = 0 }
            }
            raw = Self.affine(h, parameters["mlp.2.weight"]!, parameters["mlp.2.bias"]!)
            inputs = x
            hidden = h
        case .bagOfWords:
            raw = meanPool(items)
        }
        guard normalize else {
            return EncoderPass(items: items, embeddings: raw, inputs: inputs, hidden: hidden, unnormalized: nil, norms: nil)
        }
        let (output, norms) = L2Normalization.forward(raw)
        return EncoderPass(items: items, embeddings: output, inputs: inputs, hidden: hidden, unnormalized: raw, norms: norms)
    }

    func backwardKernel(_ pass: EncoderPass<T>, _ dEmbeddings: Matrix<T>) -> [String: Matrix<T>] {
        precondition(dEmbeddings.rows == pass.items.count && dEmbeddings.cols == outputDimension,
                     "encoder backward: gradient is \(dEmbeddings.rows)x\(dEmbeddings.cols), the pass gave \(pass.items.count)x\(outputDimension)")
        var d = dEmbeddings
        if normalize {
            d = L2Normalization.backward(dEmbeddings, output: pass.embeddings, input: pass.unnormalized!, norms: pass.norms!)
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
        case .mlp:
            let x = pass.inputs!, h = pass.hidden!
            var dh = Matrix.product(d, parameters["mlp.2.weight"]!, transposeB: true)
            // ReLU passes gradient only where its output was positive (torch's threshold_backward).
            h.values.withUnsafeBufferPointer { hv in
                dh.values.withUnsafeMutableBufferPointer { g in
                    for k in g.indices where !(hv[k] > 0) { g[k] = 0 }
                }
            }
            return [
                "mlp.0.weight": Matrix.product(x, transposeA: true, dh),
                "mlp.0.bias": dh.columnSums(),
                "mlp.2.weight": Matrix.product(h, transposeA: true, d),
                "mlp.2.bias": d.columnSums(),
            ]
        case .bagOfWords:
            return ["tokens.weight": meanPoolBackward(pass.items, d)]
        }
    }

    var inputVectors: Matrix<T> {
        guard case .vectors(let vectors) = input else { preconditionFailure("this encoder kind reads vectors") }
        return vectors
    }

    /// x · W + b, with b broadcast over the rows.
    static func affine(_ x: Matrix<T>, _ weight: Matrix<T>, _ bias: Matrix<T>) -> Matrix<T> {
        precondition(bias.count == weight.cols, "bias width does not match the weight")
        var y = Matrix<T>(zeros: x.rows, weight.cols)
        let width = weight.cols
        bias.values.withUnsafeBufferPointer { b in
            y.values.withUnsafeMutableBufferPointer { out in
                for row in 0..<x.rows {
                    for k in 0..<width { out[row * width + k] = b[k] }
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
