import LossKit
import Testing

/// Every loss's parameter table agrees with what the loss does: the defaults are what a loss
/// built with no settings reports, every value the table offers is accepted and reported back,
/// and names outside the table are refused, under every reference the loss knows (with the
/// parameters and names that reference has).
@Suite struct LossCatalogTests {
    static let losses = LossCatalog.all.map { $0.className }

    @Test(arguments: losses)
    func defaultsAreWhatTheLossReports(_ name: String) throws {
        let type = try #require(LossCatalog.type(named: name))
        #expect(!type.summary.isEmpty)
        for reference in type.references {
        let loss = try type.init(settings: [:], reference: reference)
        let reported = Dictionary(loss.settings.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 })
        // The loss's own table: a wrapper's holds its inner loss's parameters too (loss.scale).
        let parameters = loss.parameterTable(in: reference)
        #expect(Array(parameters.prefix(type.parameters(in: reference).count)) == type.parameters(in: reference))
        for parameter in parameters {
            #expect(!parameter.doc.isEmpty, "\(name).\(parameter.name) has no doc line")
            guard let fallback = parameter.defaultValue else {
                #expect(reported[parameter.name] == nil, "\(name).\(parameter.name) defaults to the data's value")
                continue
            }
            let value = try #require(reported[parameter.name], "\(name) does not report \(parameter.name)")
            #expect(Self.same(value, fallback), "\(name).\(parameter.name): reports \(value), its table says \(fallback)")
        }
        #expect(Set(reported.keys).isSubset(of: Set(parameters.map(\.name))), "\(name) reports settings its table lacks under \(reference.rawValue)")
        }
    }

    @Test(arguments: losses)
    func everyOfferedValueRoundTrips(_ name: String) throws {
        let type = try #require(LossCatalog.type(named: name))
        for reference in type.references {
        for parameter in type.parameters(in: reference) {
            let values: [String]
            switch parameter.kind {
            case .choice(let choices): values = choices
            case .set: values = parameter.cycle ?? []
            case .flag: values = ["true", "false"]
            case .number: values = ["0.25", "3"]
            case .wholeNumber(let minimum): values = [String(max(minimum, 1)), String(max(minimum, 1) + 2)]
            case .fixed: values = [parameter.defaultValue ?? ""]
            case .numberList(let whole): values = whole ? ["4,2", "8"] : ["1,0.5", "2"]
            }
            for value in values {
                var settings = [parameter.name: value]
                // SoftmaxLoss needs at least one concatenation.
                if name == "SoftmaxLoss" && parameter.name == "concatenation_sent_rep" { settings["concatenation_sent_multiplication"] = "true" }
                let loss = try type.init(settings: settings, reference: reference)
                let back = loss.settings.first { $0.name == parameter.name }?.value
                #expect(back.map { Self.same($0, value) } == true, "\(name).\(parameter.name)=\(value) reads back as \(back ?? "nothing") under \(reference.rawValue)")
            }
        }
        #expect(throws: LossError.self) { try type.init(settings: ["no_such_parameter": "1"], reference: reference) }
        }
    }

    @Test func rolesAreOnePerKind() {
        for type in LossCatalog.all {
            for role in [LossParameter.Role.margin, .scale, .metric] {
                #expect(type.parameters.filter { $0.role == role }.count <= 1, "\(type.className) has two \(role) parameters")
            }
        }
    }

    /// Equal as numbers when both are numbers ("5" and "5.0"), else as text.
    static func same(_ a: String, _ b: String) -> Bool {
        if let x = Double(a), let y = Double(b) { return x == y }
        let (xs, ys) = (a.split(separator: ","), b.split(separator: ","))
        if xs.count > 1 && xs.count == ys.count { return zip(xs, ys).allSatisfy { same(String($0), String($1)) } }
        return a == b
    }
}
