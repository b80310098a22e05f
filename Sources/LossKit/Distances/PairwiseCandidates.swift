/// A query column scored against several candidate columns (a positive and negatives), row by
/// row, in one pass over the rows: the query row is read once for all its candidates, and the
/// backward writes each gradient once, with no zeroed matrices and no sums of whole matrices.
/// These losses move little arithmetic and much memory, so the passes are what they cost.
extension PairwiseSimilarity {
    /// scores[c][i] = S(query_i, candidates[c]_i).
    public func forward<T: Scalar>(_ query: Matrix<T>, candidates: [Matrix<T>]) -> [[T]] {
        let n = query.rows, d = query.cols, k = candidates.count
        precondition(candidates.allSatisfy { $0.rows == n && $0.cols == d }, "candidate columns must have the query's shape")
        let flat = [T](unsafeUninitializedCapacity: n * k) { out, initialized in
            query.values.withUnsafeBufferPointer { q in
                Matrix.withReadPointers(candidates) { columns in
                    let qs = SharedReadPointer(q), cs = columns.map(SharedRead.init), result = SharedPointer(out)
                    ParallelRows.run(rows: n, elementsPerRow: (k + 1) * d) { rows in
                        for i in rows {
                            for c in 0..<k {
                                (result.base + c * n + i).initialize(to: rowForward(qs.base + i * d, cs[c].base + i * d, count: d))
                            }
                        }
                    }
                }
            }
            initialized = n * k
        }
        return (0..<k).map { c in Array(flat[(c * n)..<((c + 1) * n)]) }
    }

    /// dL/d(query), summed over the candidates, and dL/d(each candidate), from
    /// upstream[c][i] = dL/d(scores[c][i]). The query's parts are added in candidate order.
    public func backward<T: Scalar>(_ query: Matrix<T>, candidates: [Matrix<T>], _ upstream: [[T]]) -> (query: Matrix<T>, candidates: [Matrix<T>]) {
        let n = query.rows, d = query.cols, k = candidates.count
        precondition(candidates.allSatisfy { $0.rows == n && $0.cols == d } && upstream.count == k && upstream.allSatisfy { $0.count == n },
                     "candidate columns and their upstream gradients must match the query")
        let g = upstream.flatMap { $0 }
        // Rows of these two may be left unwritten by rowBackward (a zero distance, a zero |cos + sin|).
        let mayLeaveRows = self == .euclideanSim || self == .angleSim
        var outputs = Matrix<T>.uninitialized(count: k + 1, rows: n, cols: d) { targets in
            query.values.withUnsafeBufferPointer { q in
                g.withUnsafeBufferPointer { gb in
                    Matrix.withReadPointers(candidates) { columns in
                        let qs = SharedReadPointer(q), gs = SharedReadPointer(gb), cs = columns.map(SharedRead.init)
                        let outs = targets.map(SharedWrite.init)
                        ParallelRows.run(rows: n, elementsPerRow: (2 * k + 1) * d) { rows in
                            let scratch = UnsafeMutablePointer<T>.allocate(capacity: max(d, 1))
                            defer { scratch.deallocate() }
                            for i in rows {
                                let qi = qs.base + i * d, dq = outs[0].base + i * d
                                var written = false
                                for c in 0..<k {
                                    let weight = gs[c * n + i], ci = cs[c].base + i * d, dc = outs[c + 1].base + i * d
                                    let into = written ? scratch : dq
                                    if weight == 0 || mayLeaveRows {
                                        dc.update(repeating: 0, count: d)
                                        into.update(repeating: 0, count: d)
                                    }
                                    if weight != 0 { rowBackward(qi, ci, count: d, upstream: weight, into, dc) }
                                    if written {
                                        for t in 0..<d { dq[t] += scratch[t] }
                                    }
                                    written = true
                                }
                                if !written { dq.update(repeating: 0, count: d) }
                            }
                        }
                    }
                }
            }
        }
        let queryGradient = outputs.removeFirst()
        return (queryGradient, outputs)
    }
}

/// Read and write addresses handed to the row loops' threads.
private struct SharedRead<T>: @unchecked Sendable {
    let base: UnsafePointer<T>
}

private struct SharedWrite<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

extension Matrix {
    /// `count` matrices of (rows, cols), every value of which `fill` must write; `fill` gets
    /// their storage. Nested so that each array's storage stays valid while `fill` runs.
    static func uninitialized(count: Int, rows: Int, cols: Int, _ fill: ([UnsafeMutablePointer<T>]) -> Void) -> [Matrix] {
        var addresses: [UnsafeMutablePointer<T>] = []
        func make(_ remaining: Int) -> [Matrix] {
            if remaining == 0 {
                fill(addresses)
                return []
            }
            var rest: [Matrix] = []
            let first = Matrix(rows: rows, cols: cols) { buffer in
                addresses.append(buffer.baseAddress ?? UnsafeMutablePointer(bitPattern: MemoryLayout<T>.alignment)!)
                rest = make(remaining - 1)
            }
            return [first] + rest
        }
        return make(count)
    }

    /// Calls body with the storage of each matrix, valid for the call.
    static func withReadPointers<R>(_ matrices: [Matrix], _ body: ([UnsafePointer<T>]) -> R) -> R {
        var addresses: [UnsafePointer<T>] = []
        func visit(_ index: Int) -> R {
            if index == matrices.count { return body(addresses) }
            return matrices[index].values.withUnsafeBufferPointer { buffer in
                addresses.append(buffer.baseAddress ?? UnsafePointer(bitPattern: MemoryLayout<T>.alignment)!)
                return visit(index + 1)
            }
        }
        return visit(0)
    }
}
