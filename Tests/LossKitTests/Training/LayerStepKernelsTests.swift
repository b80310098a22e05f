@testable import LossKit
import Testing

/// The vector and multi-core kernels of the layer losses' training step against the plain
/// loops they replace, bit for bit. The large shapes (over `ParallelRows.minimumWork`
/// elements, odd widths) take the split paths and the scalar tails; the small ones the
/// single-thread path.
@Suite struct LayerStepKernelsTests {
    static let shapes = [(3, 5), (17, 29), (257, 515)]

    /// Random values with the awkward ones mixed in: both zeros, NaN, infinities, tiny ones.
    static func matrix<T: Scalar>(_ rows: Int, _ cols: Int, seed: UInt64, as _: T.Type = T.self) -> Matrix<T> {
        var random = SeededRandom(seed: seed)
        let specials: [T] = [0, -0.0, .nan, .infinity, -.infinity, T.leastNonzeroMagnitude, -T.leastNonzeroMagnitude]
        return Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in
            random.next() % 7 == 0 ? specials[Int(random.next() % UInt64(specials.count))] : T(random.normal())
        })
    }

    static func same<T: Scalar>(_ a: Matrix<T>, _ b: Matrix<T>) -> Bool {
        a.rows == b.rows && a.cols == b.cols && zip(a.values, b.values).allSatisfy { identical($0, $1) }
    }

    /// The same bits: +0 and -0 differ, NaN equals NaN.
    static func identical<T: Scalar>(_ a: T, _ b: T) -> Bool {
        a.sign == b.sign && (a.isNaN ? b.isNaN : a == b)
    }

    @Test(arguments: shapes)
    func reluForwardIsThePlainLoop(_ shape: (Int, Int)) {
        check(shape, Float.self)
        check(shape, Double.self)
        func check<T: Scalar>(_ shape: (Int, Int), _: T.Type) {
            let input: Matrix<T> = Self.matrix(shape.0, shape.1, seed: 3)
            var plain = input
            for k in plain.values.indices where !(plain.values[k] > 0) { plain.values[k] = 0 }
            var fast = input
            ReLUKernels.forward(&fast)
            #expect(Self.same(fast, plain))
            // The plain loop's zeros are +0, whatever came in (a -0, a NaN).
            #expect(fast.values.allSatisfy { $0 > 0 || ($0 == 0 && $0.sign == .plus) })
        }
    }

    @Test(arguments: shapes)
    func reluBackwardIsThePlainLoop(_ shape: (Int, Int)) {
        check(shape, Float.self)
        check(shape, Double.self)
        func check<T: Scalar>(_ shape: (Int, Int), _: T.Type) {
            // An output as the forward leaves it, plus a NaN and a -0 the mask must not pass.
            var output: Matrix<T> = Self.matrix(shape.0, shape.1, seed: 5)
            ReLUKernels.forward(&output)
            output.values[0] = .nan
            if output.count > 1 { output.values[1] = -0.0 }
            let gradient: Matrix<T> = Self.matrix(shape.0, shape.1, seed: 7)
            var plain = gradient
            for k in plain.values.indices where !(output.values[k] > 0) { plain.values[k] = 0 }
            var fast = gradient
            ReLUKernels.backward(&fast, output: output)
            #expect(Self.same(fast, plain))
        }
    }

    @Test(arguments: shapes)
    func columnSumsAddEachColumnInRowOrder(_ shape: (Int, Int)) {
        check(shape, Float.self)
        check(shape, Double.self)
        func check<T: Scalar>(_ shape: (Int, Int), _: T.Type) {
            var random = SeededRandom(seed: 9)
            // Finite values of mixed scales, where any other order of the additions rounds differently.
            let input = Matrix<T>(rows: shape.0, cols: shape.1, values: (0..<(shape.0 * shape.1)).map { _ in
                T(random.normal() * [1e-4, 1e-2, 1, 1e2, 1e4][Int(random.next() % 5)])
            })
            var plain = Matrix<T>(zeros: 1, shape.1)
            for r in 0..<shape.0 { for c in 0..<shape.1 { plain.values[c] += input[r, c] } }
            #expect(Self.same(input.columnSums(), plain))
            // A column of negative zeros sums to +0 (0 + -0), as the plain loop's does.
            let negativeZeros = Matrix<T>(rows: shape.0, cols: shape.1, values: Array(repeating: -0.0, count: shape.0 * shape.1))
            #expect(negativeZeros.columnSums().values.allSatisfy { $0 == 0 && $0.sign == .plus })
        }
    }

    @Test(arguments: shapes)
    func addScaledMultipliesThenAdds(_ shape: (Int, Int)) {
        check(shape, Float.self)
        check(shape, Double.self)
        func check<T: Scalar>(_ shape: (Int, Int), _: T.Type) {
            let base: Matrix<T> = Self.matrix(shape.0, shape.1, seed: 13), other: Matrix<T> = Self.matrix(shape.0, shape.1, seed: 17)
            let factor = T(0.3)
            var plain = base
            for k in plain.values.indices { plain.values[k] += factor * other.values[k] }
            var fast = base
            fast.addScaled(other, factor)
            #expect(Self.same(fast, plain))
            var fromZero = Matrix<T>(zeros: shape.0, shape.1)
            fromZero.addScaled(other, factor)
            #expect(Self.same(AdaptiveLayerLoss.zeroPlusScaled(other, factor), fromZero))
        }
    }

    @Test func allZeroFindsAnyNonzeroValue() {
        for count in [0, 1, 7, 63, 64, 65, 200] {
            var values = [Float](repeating: 0, count: count)
            #expect(Encoder<Float>.allZero(Matrix(rows: 1, cols: count, values: values)))
            for position in 0..<count {
                values[position] = -0.0
                #expect(Encoder<Float>.allZero(Matrix(rows: 1, cols: count, values: values)), "-0 is a zero")
                for bad: Float in [1e-45, .nan, -.infinity] {
                    values[position] = bad
                    #expect(!Encoder<Float>.allZero(Matrix(rows: 1, cols: count, values: values)), "\(bad) at \(position) of \(count)")
                }
                values[position] = 0
            }
        }
    }

    // MARK: - The KL term

    /// The plain row-by-row softmax the kernel replaces.
    static func plainSoftmax<T: Scalar>(_ x: Matrix<T>, temperature: T) -> Matrix<T> {
        var out = Matrix<T>(zeros: x.rows, x.cols)
        for r in 0..<x.rows {
            var largest = -T.infinity
            for k in 0..<x.cols { largest = max(largest, x[r, k] / temperature) }
            var total = T(0)
            for k in 0..<x.cols {
                let e = T.exp(x[r, k] / temperature - largest)
                out[r, k] = e
                total += e
            }
            for k in 0..<x.cols { out[r, k] /= total }
        }
        return out
    }

    /// The plain loop the kernel replaces, one running total over every row.
    static func plainDivergence<T: Scalar>(teacher: Matrix<T>, student: Matrix<T>, temperature: T, rows: Int, weight: T,
                                           gradient: inout Matrix<T>) -> T {
        var total = T(0)
        let scale = weight / T(rows)
        for r in 0..<student.rows {
            var largest = -T.infinity
            for k in 0..<student.cols { largest = max(largest, student[r, k] / temperature) }
            var sum = T(0)
            for k in 0..<student.cols { sum += T.exp(student[r, k] / temperature - largest) }
            let logSum = largest + T.log(sum)
            var teacherSum = T(0)
            for k in 0..<student.cols {
                let p = teacher[r, k]
                teacherSum += p
                if p > 0 { total += p * (T.log(p) - (student[r, k] / temperature - logSum)) }
            }
            for k in 0..<student.cols {
                let q = T.exp(student[r, k] / temperature - logSum)
                gradient[r, k] += scale * (q * teacherSum - teacher[r, k])
            }
        }
        return total / T(rows)
    }

    @Test(arguments: shapes)
    func klTermIsThePlainLoop(_ shape: (Int, Int)) {
        check(shape, Float.self)
        check(shape, Double.self)
        func check<T: Scalar>(_ shape: (Int, Int), _: T.Type) {
            var random = SeededRandom(seed: 21)
            func finite(_ scale: Double) -> Matrix<T> {
                Matrix(rows: shape.0, cols: shape.1, values: (0..<(shape.0 * shape.1)).map { _ in T(scale * random.normal()) })
            }
            let last = finite(1), layer = finite(1)
            let t = T(0.3)
            let teacher = AdaptiveLayerLoss.softmaxRows(last, temperature: t)
            #expect(Self.same(teacher, Self.plainSoftmax(last, temperature: t)))
            // A teacher with underflowed probabilities (exact zeros, which add nothing) and one a
            // NaN row, as an overflowed layer would give.
            let sharp = AdaptiveLayerLoss.softmaxRows(finite(600), temperature: t)
            #expect(sharp.values.contains(0))
            var poisoned = layer
            poisoned.values[0] = .nan
            for (probabilities, student) in [(teacher, layer), (sharp, layer), (teacher, poisoned)] {
                let start = finite(0.01)
                var plainGradient = start, fastGradient = start
                let plain = Self.plainDivergence(teacher: probabilities, student: student, temperature: t, rows: 2 * shape.0, weight: 0.7,
                                                 gradient: &plainGradient)
                let fast = AdaptiveLayerLoss.klDivergence(teacher: probabilities, student: student, temperature: t, rows: 2 * shape.0,
                                                          weight: 0.7, gradient: &fastGradient)
                #expect(Self.identical(fast, plain), "\(fast) vs \(plain)")
                #expect(Self.same(fastGradient, plainGradient))
            }
        }
    }

    // MARK: - Untouched layers

    /// nil for a layer that sends nothing gives the gradients that zeros for it give.
    @Test func anUntouchedLayerCostsNothingAndChangesNothing() throws {
        for normalize in [false, true] {
            var random = SeededRandom(seed: 31)
            let vectors = Matrix<Float>(rows: 12, cols: 6, values: (0..<72).map { _ in Float(random.normal()) })
            let encoder = try Encoder(kind: .mlp(hidden: 8, output: 5, layers: 3), input: .vectors(ReadOnlyRows(vectors)),
                                      normalize: normalize, seed: 2)
            let pass = encoder.forward(items: Array(0..<12))
            let d = Matrix<Float>(rows: 12, cols: 5, values: (0..<60).map { _ in Float(random.normal()) })
            let sampled = Matrix<Float>(rows: 12, cols: 5, values: (0..<60).map { _ in Float(random.normal()) })
            let zeros = encoder.backward(pass, d, layers: [Matrix(zeros: 12, 5), sampled])
            let skipped = encoder.backward(pass, d, layers: [nil, sampled])
            #expect(zeros.keys.sorted() == skipped.keys.sorted())
            for (name, gradient) in zeros { #expect(Self.same(gradient, skipped[name]!), "\(name), normalize \(normalize)") }
        }
    }

    @Test func theLayerLossNamesTheLayersItDidNotSample() throws {
        var random = SeededRandom(seed: 41)
        func column() -> Matrix<Float> { Matrix(rows: 8, cols: 6, values: (0..<48).map { _ in Float(random.normal()) }) }
        var batch = LossBatch(columns: [column(), column()])
        batch.layers = (0..<3).map { _ in [column(), column()] }
        let loss = try LossCatalog.make(AdaptiveLayerLoss.className) as! AdaptiveLayerLoss
        let result = try loss.compute(batch, layers: [2])
        #expect(result.untouchedLayers == [0, 1])
        for layer in [0, 1] { #expect(result.layerGradients[layer].allSatisfy { $0.values.allSatisfy { $0 == 0 } }) }
        #expect(result.layerGradients[2].contains { $0.values.contains { $0 != 0 } })
        let stacked = result.stackedLayerGradients
        #expect(stacked[0] == nil && stacked[1] == nil)
        #expect(stacked[2] == Matrix.vstack(result.layerGradients[2]))
        // Every layer: none untouched.
        #expect(try loss.compute(batch, layers: [0, 1, 2]).untouchedLayers.isEmpty)

        // A sum: a layer stays untouched only when no term read it; a term without layers counts for none.
        batch.samplingSeed = 9
        let one = try LossCatalog.make(AdaptiveLayerLoss.className)
        let all = try LossCatalog.make(AdaptiveLayerLoss.className, settings: ["n_layers_per_step": "-1"])
        let plain = try LossCatalog.make(MultipleNegativesRankingLoss.className)
        let alone = try one.evaluate(batch).untouchedLayers
        #expect(alone.count == 2)
        #expect(try LossSum(terms: [.init(weight: 1, loss: plain), .init(weight: 0.5, loss: one)]).evaluate(batch).total.untouchedLayers == alone)
        #expect(try LossSum(terms: [.init(weight: 1, loss: one), .init(weight: 2, loss: one)]).evaluate(batch).total.untouchedLayers == alone)
        #expect(try LossSum(terms: [.init(weight: 1, loss: one), .init(weight: 1, loss: all)]).evaluate(batch).total.untouchedLayers.isEmpty)
    }

    /// A step that embeds only the sampled earlier layer and passes nil for the others gives
    /// the value and every gradient of the step that embeds them all and passes zeros.
    @Test(arguments: [AdaptiveLayerLoss.className, Matryoshka2dLoss.className])
    func aStepThatSkipsTheUnsampledLayersIsTheSameStep(_ name: String) throws {
        for normalize in [false, true] {
            var random = SeededRandom(seed: 51)
            let vectors = Matrix<Float>(rows: 16, cols: 6, values: (0..<96).map { _ in Float(random.normal()) })
            let encoder = try Encoder(kind: .mlp(hidden: 7, output: 8, layers: 4), input: .vectors(ReadOnlyRows(vectors)),
                                      normalize: normalize, seed: 3)
            let loss = try LossCatalog.make(name)
            let sizes = [8, 8]
            for seed: UInt64 in 1...4 {
                let full = encoder.forward(items: Array(0..<16))
                var everything = LossBatch(columns: full.embeddings.splitRows(sizes))
                everything.layers = full.layerEmbeddings.map { $0.splitRows(sizes) }
                everything.samplingSeed = seed
                let expected = try loss.evaluate(everything)
                let expectedGradients = encoder.backward(full, Matrix.vstack(expected.columnGradients),
                                                         layers: expected.layerGradients.map { Matrix.vstack($0) })

                let read = loss.layersRead(count: 3, samplingSeed: seed)
                #expect(read.count == 1)
                let pass = encoder.forward(items: Array(0..<16), readingLayers: read)
                #expect(pass.skippedLayers == Set(0..<3).subtracting(read))
                for k in read { #expect(Self.same(pass.layerEmbeddings[k], full.layerEmbeddings[k])) }
                var batch = LossBatch(columns: pass.embeddings.splitRows(sizes))
                batch.setLayers(from: pass, columnSizes: sizes)
                batch.samplingSeed = seed
                let result = try loss.evaluate(batch)
                #expect(Self.identical(result.value, expected.value))
                #expect(result.untouchedLayers == pass.skippedLayers)
                let gradients = encoder.backward(pass, Matrix.vstack(result.columnGradients), layers: result.stackedLayerGradients)
                #expect(gradients.keys.sorted() == expectedGradients.keys.sorted())
                for (key, gradient) in expectedGradients { #expect(Self.same(gradient, gradients[key]!), "\(key), seed \(seed)") }

                // A loss that reads a skipped layer says so.
                var wrong = batch
                wrong.samplingSeed = (1...50).first { loss.layersRead(count: 3, samplingSeed: $0) != read }!
                #expect(throws: LossError.self) { try loss.evaluate(wrong) }
            }
        }
    }
}
