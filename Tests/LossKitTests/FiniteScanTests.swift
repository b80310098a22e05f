import Testing
import LossKit

/// The block-wise scan for NaN and infinities finds the same first index as a plain search.
@Suite struct FiniteScanTests {
    @Test func findsTheFirstNonFiniteValueWhereverItIs() {
        let count = 3 * 4096 + 37
        #expect(FiniteScan.firstNonFinite([Float](repeating: 1.5, count: count)) == nil)
        #expect(FiniteScan.firstNonFinite([]) == nil)
        #expect(FiniteScan.firstNonFinite([-Float.greatestFiniteMagnitude, 0, -0.0, .leastNonzeroMagnitude]) == nil)
        for bad in [Float.nan, .infinity, -.infinity, .signalingNaN] {
            for index in [0, 15, 16, 4095, 4096, 4111, count - 37, count - 1] {
                var values = (0..<count).map { Float($0 % 13) - 6 }
                values[index] = bad
                if index + 100 < count { values[index + 100] = .nan }
                #expect(FiniteScan.firstNonFinite(values) == index, "\(bad) at \(index)")
            }
        }
    }

    @Test func doublesAreScannedTheSameWay() {
        let count = 2 * 4096 + 5
        for bad in [Double.nan, .infinity, -.infinity] {
            for index in [0, 7, 8, 4095, 4096, count - 1] {
                var values = (0..<count).map { Double($0 % 7) - 3 }
                values[index] = bad
                #expect(values.withUnsafeBufferPointer { FiniteScan.firstNonFinite($0) } == index, "\(bad) at \(index)")
            }
        }
        let finite = [Double](repeating: .greatestFiniteMagnitude, count: count)
        #expect(finite.withUnsafeBufferPointer { FiniteScan.firstNonFinite($0) } == nil)
    }
}
