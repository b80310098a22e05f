// The decoder's forward and backward bodies, reached through `DenoisingDecoder.loss` with a
// concrete scalar type so that they compile specialised.
//
// Layout: every per-step buffer is time-major, row t·B + b for step t and sequence b, so that
// one step's rows are contiguous and the hidden-state products run as one GEMM per step on a
// slice of the buffer (no copies). The input-side products, the output projection and the
// weight gradients run as single GEMMs over all steps at once.

extension DenoisingDecoder {
    func lossKernel(embeddings: Matrix<T>, targets: [[Int]], tokenTable: Matrix<T>) -> DenoisingResult<T> {
        let batch = targets.count, width = dimension, vocabulary = vocabularySize, gates = 3 * width
        precondition(embeddings.rows == batch && embeddings.cols == width,
                     "decoder: embeddings are \(embeddings.rows)x\(embeddings.cols), expected \(batch)x\(width)")
        precondition(tokenTable.rows == vocabulary && tokenTable.cols == width,
                     "decoder: token table is \(tokenTable.rows)x\(tokenTable.cols), expected \(vocabulary)x\(width)")
        let weightIH = parameters["decoder.weight_ih"]!, weightHH = parameters["decoder.weight_hh"]!
        let biasIH = parameters["decoder.bias_ih"]!, biasHH = parameters["decoder.bias_hh"]!
        let outputBias = parameters["decoder.output_bias"]!
        precondition(weightIH.shape == [gates, width] && weightHH.shape == [gates, width]
                     && biasIH.shape == [1, gates] && biasHH.shape == [1, gates] && outputBias.shape == [1, vocabulary],
                     "decoder parameters do not have the shapes of a \(width)-dimensional decoder over \(vocabulary) tokens")

        // Inputs (start token, then the targets shifted by one) and the scored positions.
        let steps = targets.reduce(0) { max($0, $1.count) }
        var inputIDs = [Int](repeating: Self.startToken, count: steps * batch)
        var scoredRows: [Int] = []
        var scoredTargets: [Int] = []
        for (b, sequence) in targets.enumerated() {
            for (t, id) in sequence.enumerated() {
                precondition(id >= 0 && id < vocabulary, "decoder: target \(b) has token id \(id), outside 0..<\(vocabulary)")
                if t + 1 < steps { inputIDs[(t + 1) * batch + b] = id }
                if id != 0 {
                    scoredRows.append(t * batch + b)
                    scoredTargets.append(id)
                }
            }
        }
        let scored = scoredRows.count
        var gradients: [String: Matrix<T>] = [
            "decoder.weight_ih": Matrix(zeros: gates, width), "decoder.weight_hh": Matrix(zeros: gates, width),
            "decoder.bias_ih": Matrix(zeros: 1, gates), "decoder.bias_hh": Matrix(zeros: 1, gates),
            "decoder.output_bias": Matrix(zeros: 1, vocabulary),
        ]
        if scored == 0 {
            return DenoisingResult(value: 0, dEmbeddings: Matrix(zeros: batch, width), dTokenTable: Matrix(zeros: vocabulary, width),
                                   parameterGradients: gradients, tokenAccuracy: 0, targetCount: 0)
        }
        let rows = steps * batch, stateSize = batch * width

        // ---- Forward ----
        // Input-side gate pre-activations for every step at once: X W_ihᵀ + b_ih.
        let inputs = tokenTable.gatherRows(inputIDs)
        var inputGates = Self.broadcastRows(biasIH, count: rows)
        Matrix.multiplyAdd(inputs, weightIH, transposeB: true, into: &inputGates, beta: 1)

        // states: h₀ … h_steps, each (B, D); reset, update, candidate and W_hn h + b_hn per step.
        var states = [T](repeating: 0, count: (steps + 1) * stateSize)
        var reset = [T](repeating: 0, count: rows * width)
        var update = [T](repeating: 0, count: rows * width)
        var candidate = [T](repeating: 0, count: rows * width)
        var hiddenCandidate = [T](repeating: 0, count: rows * width)
        var hiddenGates = [T](repeating: 0, count: batch * gates)
        states.withUnsafeMutableBufferPointer { h in
            embeddings.values.withUnsafeBufferPointer { e in
                for k in 0..<stateSize { h[k] = e[k] }
            }
            inputGates.values.withUnsafeBufferPointer { gi in
            weightHH.values.withUnsafeBufferPointer { whh in
            biasHH.values.withUnsafeBufferPointer { bhh in
            hiddenGates.withUnsafeMutableBufferPointer { gh in
            reset.withUnsafeMutableBufferPointer { r in
            update.withUnsafeMutableBufferPointer { z in
            candidate.withUnsafeMutableBufferPointer { n in
            hiddenCandidate.withUnsafeMutableBufferPointer { hn in
                for t in 0..<steps {
                    // Hidden-side pre-activations: h_t W_hhᵀ + b_hh, (B, 3D).
                    for b in 0..<batch {
                        for g in 0..<gates { gh[b * gates + g] = bhh[g] }
                    }
                    T.gemm(transA: false, transB: true, m: batch, n: gates, k: width,
                           alpha: 1, a: h.baseAddress! + t * stateSize, lda: width,
                           b: whh.baseAddress!, ldb: width,
                           beta: 1, c: gh.baseAddress!, ldc: gates)
                    for b in 0..<batch {
                        let row = t * batch + b
                        let inBase = row * gates, hidBase = b * gates
                        let cell = row * width, previous = t * stateSize + b * width, next = previous + stateSize
                        for k in 0..<width {
                            let rk = Self.sigmoid(gi[inBase + k] + gh[hidBase + k])
                            let zk = Self.sigmoid(gi[inBase + width + k] + gh[hidBase + width + k])
                            let hnk = gh[hidBase + 2 * width + k]
                            let nk = T.tanh(gi[inBase + 2 * width + k] + rk * hnk)
                            r[cell + k] = rk
                            z[cell + k] = zk
                            n[cell + k] = nk
                            hn[cell + k] = hnk
                            h[next + k] = (1 - zk) * nk + zk * h[previous + k]
                        }
                    }
                }
            }}}}}}}}
        }

        // Logits of the scored positions only: h_{t+1} Eᵀ + output_bias. (State row t·B + b + B
        // is the output of step t for sequence b.)
        var selected = Matrix<T>(zeros: scored, width)
        states.withUnsafeBufferPointer { h in
            selected.values.withUnsafeMutableBufferPointer { out in
                for (i, row) in scoredRows.enumerated() {
                    let source = (row + batch) * width
                    for k in 0..<width { out[i * width + k] = h[source + k] }
                }
            }
        }
        var logits = Self.broadcastRows(outputBias, count: scored)
        Matrix.multiplyAdd(selected, tokenTable, transposeB: true, into: &logits, beta: 1)

        // Cross-entropy (mean over scored positions), turning the logits into dL/dlogits in place.
        var total: T = 0
        var correct = 0
        let scale = 1 / T(scored)
        logits.values.withUnsafeMutableBufferPointer { z in
            for i in 0..<scored {
                let base = i * vocabulary
                var top = z[base], best = 0
                for j in 1..<vocabulary where z[base + j] > top {
                    top = z[base + j]
                    best = j
                }
                let target = scoredTargets[i]
                if best == target { correct += 1 }
                let targetLogit = z[base + target]
                // One exp per entry: e^(z - top), then scaled by 1/sum below.
                var sum: T = 0
                for j in 0..<vocabulary {
                    let e = T.exp(z[base + j] - top)
                    z[base + j] = e
                    sum += e
                }
                total += (T.log(sum) + top) - targetLogit
                let inverse = scale / sum
                for j in 0..<vocabulary { z[base + j] *= inverse }
                z[base + target] -= scale
            }
        }
        let value = total * scale

        // ---- Backward ----
        let dLogits = logits
        // Output projection: logits = H_sel Eᵀ + b, so dE += dLogitsᵀ H_sel and dH_sel = dLogits E.
        var dTokenTable = Matrix.product(dLogits, transposeA: true, selected)
        gradients["decoder.output_bias"] = dLogits.columnSums()
        let dSelected = Matrix.product(dLogits, tokenTable)
        var dOutputs = [T](repeating: 0, count: rows * width)
        dSelected.values.withUnsafeBufferPointer { d in
            for (i, row) in scoredRows.enumerated() {
                for k in 0..<width { dOutputs[row * width + k] = d[i * width + k] }
            }
        }

        // Through time, last step first. `carry` holds dL/dh_t from the later steps.
        var carry = [T](repeating: 0, count: stateSize)
        var dInputGates = Matrix<T>(zeros: rows, gates)
        var dHiddenGates = Matrix<T>(zeros: rows, gates)
        states.withUnsafeBufferPointer { h in
        dOutputs.withUnsafeBufferPointer { dOut in
        weightHH.values.withUnsafeBufferPointer { whh in
        reset.withUnsafeBufferPointer { r in
        update.withUnsafeBufferPointer { z in
        candidate.withUnsafeBufferPointer { n in
        hiddenCandidate.withUnsafeBufferPointer { hn in
        carry.withUnsafeMutableBufferPointer { c in
        dInputGates.values.withUnsafeMutableBufferPointer { dgi in
        dHiddenGates.values.withUnsafeMutableBufferPointer { dgh in
            for t in stride(from: steps - 1, through: 0, by: -1) {
                for b in 0..<batch {
                    let row = t * batch + b
                    let cell = row * width, previous = t * stateSize + b * width, gateBase = row * gates
                    for k in 0..<width {
                        let dh = dOut[cell + k] + c[b * width + k]
                        let rk = r[cell + k], zk = z[cell + k], nk = n[cell + k], hnk = hn[cell + k]
                        let dCandidate = dh * (1 - zk) * (1 - nk * nk)
                        let dUpdate = dh * (h[previous + k] - nk) * zk * (1 - zk)
                        let dReset = dCandidate * hnk * rk * (1 - rk)
                        dgi[gateBase + k] = dReset
                        dgi[gateBase + width + k] = dUpdate
                        dgi[gateBase + 2 * width + k] = dCandidate
                        dgh[gateBase + k] = dReset
                        dgh[gateBase + width + k] = dUpdate
                        dgh[gateBase + 2 * width + k] = dCandidate * rk
                        c[b * width + k] = dh * zk
                    }
                }
                // dL/dh_{t-1} = dh ⊙ z + dGh_t W_hh.
                T.gemm(transA: false, transB: false, m: batch, n: width, k: gates,
                       alpha: 1, a: UnsafePointer(dgh.baseAddress! + t * batch * gates), lda: gates,
                       b: whh.baseAddress!, ldb: width,
                       beta: 1, c: c.baseAddress!, ldc: width)
            }
        }}}}}}}}}}

        // Weight gradients over all steps at once.
        gradients["decoder.weight_ih"] = Matrix.product(dInputGates, transposeA: true, inputs)
        gradients["decoder.bias_ih"] = dInputGates.columnSums()
        gradients["decoder.bias_hh"] = dHiddenGates.columnSums()
        var dWeightHH = Matrix<T>(zeros: gates, width)
        dHiddenGates.values.withUnsafeBufferPointer { dgh in
            states.withUnsafeBufferPointer { h in
                dWeightHH.values.withUnsafeMutableBufferPointer { out in
                    // Σ_t dGh_tᵀ h_t: the first `steps` states are the previous states of the steps.
                    T.gemm(transA: true, transB: false, m: gates, n: width, k: rows,
                           alpha: 1, a: dgh.baseAddress!, lda: gates,
                           b: h.baseAddress!, ldb: width,
                           beta: 0, c: out.baseAddress!, ldc: width)
                }
            }
        }
        gradients["decoder.weight_hh"] = dWeightHH

        // The input embeddings are rows of E: scatter their gradient back onto the table.
        let dInputs = Matrix.product(dInputGates, weightIH)
        dInputs.values.withUnsafeBufferPointer { d in
            dTokenTable.values.withUnsafeMutableBufferPointer { out in
                for (row, id) in inputIDs.enumerated() {
                    for k in 0..<width { out[id * width + k] += d[row * width + k] }
                }
            }
        }

        return DenoisingResult(value: value, dEmbeddings: Matrix(rows: batch, cols: width, values: carry),
                               dTokenTable: dTokenTable, parameterGradients: gradients,
                               tokenAccuracy: Double(correct) / Double(scored), targetCount: scored)
    }

    @inline(__always)
    static func sigmoid(_ x: T) -> T { 1 / (1 + T.exp(-x)) }

    /// `count` copies of a (1, n) row.
    static func broadcastRows(_ row: Matrix<T>, count: Int) -> Matrix<T> {
        var out = Matrix<T>(zeros: count, row.cols)
        let width = row.cols
        row.values.withUnsafeBufferPointer { source in
            out.values.withUnsafeMutableBufferPointer { o in
                for i in 0..<count {
                    for k in 0..<width { o[i * width + k] = source[k] }
                }
            }
        }
        return out
    }
}
