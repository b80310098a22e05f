extension Matrix {
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
