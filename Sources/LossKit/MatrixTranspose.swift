/// Transposes done in 32 × 32 tiles (a naive column-stride loop misses the cache on every
/// write once a matrix outgrows it), bands of output rows in parallel.
extension Matrix {
    /// The first `columns` columns, transposed: (columns, rows).
    public func transposed(firstColumns columns: Int? = nil) -> Matrix {
        let width = columns ?? cols
        precondition(width >= 0 && width <= cols, "cannot transpose \(width) of \(cols) columns")
        let sourceRows = rows, sourceCols = cols
        return Matrix(rows: width, cols: sourceRows) { out in
            values.withUnsafeBufferPointer { source in
                let from = SharedReadPointer(source), to = SharedPointer(out)
                Self.tiles(outputRows: width, outputCols: sourceRows) { js, is_ in
                    for j in js { for i in is_ { to[j * sourceRows + i] = from[i * sourceCols + j] } }
                }
            }
        }
    }

    /// self[0..<g.cols, 0..<g.rows] += gᵀ.
    public mutating func addTransposed(_ g: Matrix) {
        precondition(g.cols <= rows && g.rows <= cols, "a (\(g.rows), \(g.cols)) transpose does not fit in (\(rows), \(cols))")
        let width = cols, gCols = g.cols
        values.withUnsafeMutableBufferPointer { target in
            g.values.withUnsafeBufferPointer { source in
                let from = SharedReadPointer(source), to = SharedPointer(target)
                Self.tiles(outputRows: g.cols, outputCols: g.rows) { js, is_ in
                    for j in js { for i in is_ { to[j * width + i] += from[i * gCols + j] } }
                }
            }
        }
    }

    /// Calls body(output rows, output columns) for every tile; each band of 32 output rows
    /// belongs to one thread.
    private static func tiles(outputRows: Int, outputCols: Int, _ body: @Sendable (Range<Int>, Range<Int>) -> Void) {
        let tile = 32
        let bands = (outputRows + tile - 1) / tile
        ParallelRows.run(rows: bands, elementsPerRow: tile * outputCols) { range in
            for band in range {
                let j0 = band * tile, j1 = Swift.min(j0 + tile, outputRows)
                for i0 in stride(from: 0, to: outputCols, by: tile) {
                    body(j0..<j1, i0..<Swift.min(i0 + tile, outputCols))
                }
            }
        }
    }
}
