extension Matrix {
    /// Multiplies every entry by factor, in place.
    public mutating func scale(by factor: T) {
        if factor == 1 { return }
        values.withUnsafeMutableBufferPointer { v in
            for k in 0..<v.count { v[k] *= factor }
        }
    }

    /// self[i, j] *= rowFactors[i] · columnFactors[j], in place (the row factor applied first).
    mutating func scaleRowsAndColumns(_ rowFactors: [T], _ columnFactors: [T]) {
        precondition(rowFactors.count == rows && columnFactors.count == cols, "scaleRowsAndColumns needs a factor per row and per column")
        let width = cols
        values.withUnsafeMutableBufferPointer { v in
            rowFactors.withUnsafeBufferPointer { r in
                columnFactors.withUnsafeBufferPointer { c in
                    let out = SharedPointer(v), rs = SharedReadPointer(r), cs = SharedReadPointer(c)
                    ParallelRows.run(rows: rows, elementsPerRow: width) { range in
                        for i in range {
                            let row = out.base + i * width, factor = rs[i]
                            for j in 0..<width { row[j] = row[j] * factor * cs.base[j] }
                        }
                    }
                }
            }
        }
    }

    /// A copy with entry (i, j) multiplied by rowFactors[i] · columnFactors[j] (the row factor first).
    func scalingRowsAndColumns(_ rowFactors: [T], _ columnFactors: [T]) -> Matrix {
        precondition(rowFactors.count == rows && columnFactors.count == cols, "scalingRowsAndColumns needs a factor per row and per column")
        let width = cols
        return Matrix(rows: rows, cols: cols) { out in
            values.withUnsafeBufferPointer { v in
                rowFactors.withUnsafeBufferPointer { r in
                    columnFactors.withUnsafeBufferPointer { c in
                        let target = SharedPointer(out), input = SharedReadPointer(v), rs = SharedReadPointer(r), cs = SharedReadPointer(c)
                        ParallelRows.run(rows: rows, elementsPerRow: width) { range in
                            for i in range {
                                let row = input.base + i * width, o = target.base + i * width, factor = rs[i]
                                for j in 0..<width { o[j] = row[j] * factor * cs.base[j] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// self[i, j] *= other[i, j], in place.
    mutating func multiply(by other: Matrix) {
        precondition(rows == other.rows && cols == other.cols, "multiply(by:) needs equal shapes")
        let width = cols
        values.withUnsafeMutableBufferPointer { v in
            other.values.withUnsafeBufferPointer { o in
                let out = SharedPointer(v), input = SharedReadPointer(o)
                ParallelRows.run(rows: rows, elementsPerRow: width) { range in
                    for k in (range.lowerBound * width)..<(range.upperBound * width) { out[k] *= input[k] }
                }
            }
        }
    }

    /// self += other, in place.
    mutating func add(_ other: Matrix) {
        precondition(rows == other.rows && cols == other.cols, "add needs equal shapes")
        let width = cols
        values.withUnsafeMutableBufferPointer { v in
            other.values.withUnsafeBufferPointer { o in
                let out = SharedPointer(v), input = SharedReadPointer(o)
                ParallelRows.run(rows: rows, elementsPerRow: width) { range in
                    for i in range { VectorKernels.add(input.base + i * width, into: out.base + i * width, count: width) }
                }
            }
        }
    }

    /// Each row's sum, in column order.
    func rowSums() -> [T] {
        var sums = [T](repeating: 0, count: rows)
        let width = cols
        values.withUnsafeBufferPointer { v in
            sums.withUnsafeMutableBufferPointer { s in
                let input = SharedReadPointer(v), out = SharedPointer(s)
                ParallelRows.run(rows: rows, elementsPerRow: width) { range in
                    for i in range { out[i] = VectorKernels.sum(input.base + i * width, count: width) }
                }
            }
        }
        return sums
    }

    /// Elementwise sum of two matrices of the same shape.
    @inlinable
    public func adding(_ other: Matrix) -> Matrix {
        precondition(rows == other.rows && cols == other.cols, "adding needs equal shapes")
        return Matrix(rows: rows, cols: cols) { out in
            values.withUnsafeBufferPointer { a in
                other.values.withUnsafeBufferPointer { b in
                    for k in 0..<out.count { out[k] = a[k] + b[k] }
                }
            }
        }
    }

    /// scale · (self + selfᵀ) for a square matrix, in cache-sized tiles.
    public func symmetrized(scale: T) -> Matrix {
        precondition(rows == cols, "symmetrized needs a square matrix")
        let n = rows, tile = 32
        var out = Matrix(zeros: n, n)
        values.withUnsafeBufferPointer { a in
            out.values.withUnsafeMutableBufferPointer { s in
                for i0 in stride(from: 0, to: n, by: tile) {
                    for j0 in stride(from: 0, to: n, by: tile) {
                        for i in i0..<min(i0 + tile, n) {
                            for j in j0..<min(j0 + tile, n) {
                                s[i * n + j] = scale * (a[i * n + j] + a[j * n + i])
                            }
                        }
                    }
                }
            }
        }
        return out
    }

    /// The (1, cols) sum of every row: a bias's gradient. Each column adds its rows in order
    /// from 0, as a plain loop does, eight columns to a vector; the cores take disjoint blocks
    /// of columns, so the sums are the plain loop's bit for bit.
    public func columnSums() -> Matrix {
        var sums = Matrix(zeros: 1, cols)
        let width = cols, height = rows
        values.withUnsafeBufferPointer { v in
            sums.values.withUnsafeMutableBufferPointer { out in
                let read = SharedReadPointer(v), shared = SharedPointer(out)
                ParallelRows.run(rows: (width + 7) / 8, elementsPerRow: 8 * height) { groups in
                    let first = groups.lowerBound * 8, end = min(groups.upperBound * 8, width)
                    for row in 0..<height {
                        VectorKernels.add(read.base + row * width + first, into: shared.base + first, count: end - first)
                    }
                }
            }
        }
        return sums
    }

    /// Rows [start, end) as a new matrix.
    public func rows(_ range: Range<Int>) -> Matrix {
        Matrix(rows: range.count, cols: cols, values: Array(values[(range.lowerBound * cols)..<(range.upperBound * cols)]))
    }

    /// Splits the rows into consecutive blocks of the given sizes.
    public func splitRows(_ sizes: [Int]) -> [Matrix] {
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return rows(start..<(start + size))
        }
    }
}

extension MiningCounts {
    mutating func add(_ hardness: Hardness) {
        switch hardness {
        case .easy: easy += 1
        case .semiHard: semiHard += 1
        case .hard: hard += 1
        }
    }
}
