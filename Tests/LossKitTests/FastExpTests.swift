@testable import LossKit
import Foundation
import Testing

@Suite struct FastExpTests {
    @Test func agreesWithLibmWithinTwoUlp() {
        var worst: Float = 0
        var x: Float = -87
        while x < 88 {
            let exact = Foundation.exp(Double(x))
            let fast = Double(FastExp.exp(x))
            worst = max(worst, Float(abs(fast - exact) / exact))
            x += 0.0137
        }
        #expect(worst < 3e-7, "largest relative error \(worst)")
        #expect(FastExp.exp(-1000) >= 0 && FastExp.exp(-1000) < 1e-37)
        #expect(FastExp.exp(0) == 1)
    }

    @Test func eightLanesGiveTheScalarResults() {
        var x: Float = -100
        while x < 100 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.37 })
            let fast = FastExp.exp(lanes)
            for lane in 0..<8 { #expect(fast[lane] == FastExp.exp(lanes[lane]), "at \(lanes[lane])") }
            x += 2.9
        }
        #expect(FastExp.exp(SIMD8<Float>(repeating: .nan))[3].isNaN)
    }
}
