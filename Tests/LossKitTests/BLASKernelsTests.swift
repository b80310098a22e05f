@testable import LossKit
import Testing

/// When LossLab asks OpenBLAS for other kernels than the ones it detected.
@Suite struct BLASKernelsTests {
    static let avx512: Set<String> = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq"]

    @Test func aGenericFallbackOnAnAVX512CPUGetsSkylakeX() {
        #expect(BLASKernels.better(than: "Prescott", flags: Self.avx512) == "SkylakeX")
    }

    @Test func aGenericFallbackOnAnAVX2CPUGetsHaswell() {
        #expect(BLASKernels.better(than: "Prescott", flags: ["avx", "avx2", "fma"]) == "Haswell")
        #expect(BLASKernels.better(than: "Sandybridge", flags: ["avx", "avx2", "fma"]) == "Haswell")
    }

    @Test func aCPUWithoutAVX2KeepsWhatOpenBLASChose() {
        #expect(BLASKernels.better(than: "Prescott", flags: ["sse4_2", "avx"]) == nil)
        #expect(BLASKernels.better(than: "Prescott", flags: []) == nil)
    }

    @Test func aSpecificDetectionIsNeverOverridden() {
        for core in ["Haswell", "SkylakeX", "Cooperlake", "Zen", "SapphireRapids"] {
            #expect(BLASKernels.better(than: core, flags: Self.avx512) == nil, "\(core)")
        }
    }

    @Test func theRunningLibraryNamesItsKernels() {
        #expect(!BLASKernels.coreName.isEmpty)
    }
}
