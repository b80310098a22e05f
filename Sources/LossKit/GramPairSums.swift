import CBatchKernels

/// Sums over the distinct pairs (i < j) of a batch, from its Gram matrix in double and the
/// rows' norms: of the cosines, of the euclidean distances and of exp(-2 · squared distance
/// between the normalised rows) (the embedding health's means and uniformity). In AVX-512 or
/// AVX2 where the machine has it, summed lane by lane; the portable sums go pair by pair.
public enum GramPairSums {
    public static func of(gram: Matrix<Double>, norms: [Double], kernel: BatchKernelLevel = .best)
        -> (cosines: Double, distances: Double, uniform: Double) {
        precondition(gram.rows == gram.cols && norms.count == gram.rows, "pair sums need a square Gram matrix and a norm per row")
        var sums = [0.0, 0.0, 0.0]
        gram.values.withUnsafeBufferPointer { g in
            norms.withUnsafeBufferPointer { n in
                sums.withUnsafeMutableBufferPointer { s in
                    guard let gp = g.baseAddress, let np = n.baseAddress else { return }
                    batch_pair_sums(gp, np, Int64(gram.rows), s.baseAddress!, kernel.argument)
                }
            }
        }
        return (sums[0], sums[1], sums[2])
    }
}
