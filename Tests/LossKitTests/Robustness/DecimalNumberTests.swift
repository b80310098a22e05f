import LossKit
import Testing

/// Numbers typed by users are decimal only: `margin=0x10` is not 16 (issue 11).
@Suite struct DecimalNumberTests {
    @Test func decimalNotationIsRead() {
        #expect(DecimalNumber.double("16") == 16)
        #expect(DecimalNumber.double("-0.5") == -0.5)
        #expect(DecimalNumber.double("+.5") == 0.5)
        #expect(DecimalNumber.double("5.") == 5)
        #expect(DecimalNumber.double("1e-3") == 0.001)
        #expect(DecimalNumber.double("2.5E+2") == 250)
        #expect(DecimalNumber.integer("-42") == -42)
        #expect(DecimalNumber.unsigned("18446744073709551615") == .max)
    }

    @Test(arguments: ["0x10", "0X10", "0x1p4", "inf", "-infinity", "nan", "", " 1", "1 ", "1e", "e5", ".", "+", "1_000", "1,5", "١٢"])
    func otherNotationsAreNot(_ text: String) {
        #expect(DecimalNumber.double(text) == nil)
        #expect(DecimalNumber.integer(text) == nil)
        #expect(DecimalNumber.unsigned(text) == nil)
    }

    @Test func integersRefuseFractionsSignsAndOverflow() {
        #expect(DecimalNumber.integer("1.0") == nil)
        #expect(DecimalNumber.integer("1e3") == nil)
        #expect(DecimalNumber.integer("99999999999999999999") == nil)
        #expect(DecimalNumber.unsigned("-1") == nil)
        #expect(DecimalNumber.unsigned("+1") == nil)
    }

    func message(_ name: String, _ settings: [String: String]) -> String {
        do {
            _ = try LossCatalog.make(name, settings: settings)
            return ""
        } catch {
            return "\(error)"
        }
    }

    @Test func lossSettingsRefuseHexadecimal() throws {
        #expect(message("BatchHardTripletLoss", ["margin": "0x10"]).contains("margin must be a finite decimal number, got '0x10'"))
        #expect(message("MultipleNegativesRankingLoss", ["scale": "0x14"]).contains("scale"))
        #expect(message("SoftmaxLoss", ["num_labels": "0x3"]).contains("num_labels must be a whole decimal number, got '0x3'"))
        #expect(message("MegaBatchMarginLoss", ["mini_batch_size": "0x32"]).contains("mini_batch_size"))
        let margin = try LossCatalog.make("BatchHardTripletLoss", settings: ["margin": "1e1"]).settings.first { $0.name == "margin" }
        #expect(margin?.value == "10.0")
    }
}
