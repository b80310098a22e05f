import Foundation
import LossKit
import Testing

@testable import LossData

/// Numbers in data files are decimal too: Swift's Float would read "0x10" as 16 (issue 11).
@Suite struct DecimalDataTests {
    @Test func aHexadecimalValueInANumberColumnIsNotANumber() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let csv = try scratch.write("t.csv", "x,y,label\n1,2,a\n0x10,4,b\n5,6,a\n")
        expectMessage(loaderError(startsWith: csv) { try DatasetLoader.load(path: csv) }, contains: "line 3", "'0x10' is not a number")
    }

    @Test func decimalSpellingsStillRead() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.cleanUp() }
        let csv = try scratch.write("t.csv", "x,y,label\n1e-3,.5,a\n-2.,+4,b\n")
        let dataset = try DatasetLoader.load(path: csv)
        #expect(dataset.vectorRows() == [[0.001, 0.5], [-2, 4]])
        let nan = try scratch.write("n.csv", "x,y,label\n1,nan,a\n2,3,b\n")
        expectMessage(loaderError(startsWith: nan) { try DatasetLoader.load(path: nan) }, contains: "nan", "not a finite number")
    }
}
