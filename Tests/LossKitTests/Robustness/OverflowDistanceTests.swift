import LossKit
import Testing

/// An overflowed distance is not a zero distance (issue 11: float32 overflow looked clean).
@Suite struct OverflowDistanceTests {
    @Test func overflowedDistancesStayNaNAsInTheReference() {
        // |x|² overflows float32: the reference's (|b|² - 2ab) + |a|² is inf - inf = NaN there,
        // and a NaN must not read as a zero distance.
        let rows = Matrix<Float>(rows: 2, cols: 2, values: [3e19, 3e19, -3e19, 3e19])
        let distances = BatchDistanceMetric.euclidean.forward(rows).distances
        #expect(distances[0, 0].isNaN)
        #expect(distances[1, 1].isNaN)
    }
}
