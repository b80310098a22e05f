import LossKit

/// Seeded synthetic labelled datasets: the same parameters and seed give the same dataset,
/// bit for bit. Every generator returns shape `.labelledItems` with one example `[i]` per
/// item, items grouped by class (all of class 0, then class 1, ...), `labels` the class ids as
/// Double, `labelNames` one per class and `itemClasses` equal to the labels.
///
/// Bad parameters (counts below their minimum, non-finite or negative scales, sizes past
/// `maxItems` / `maxValues`) throw a `DataError` naming the generator and the argument.
public enum ToyDatasets {
    /// The most items a generator or transform will make.
    public static let maxItems = 1_000_000
    /// The most vector values (items x dimension) a generator will make.
    public static let maxValues = 50_000_000

    // MARK: - Gaussian blobs

    /// `classes` Gaussian blobs in `dimension`-D: each centre is `normal() * spread` per
    /// coordinate, each point its centre plus `normal() * noise` per coordinate. With the
    /// defaults two centres sit about spread·√(2D) ≈ 16 apart and a blob's points about
    /// noise·√(2D) ≈ 4 apart, so the classes separate cleanly; raise `noise` to make them overlap.
    public static func blobs(
        classes: Int = 6, perClass: Int = 30, dimension: Int = 8,
        spread: Double = 4, noise: Double = 1, seed: UInt64 = 1
    ) throws -> Dataset {
        let context = "blobs"
        try ToyCheck.atLeast(classes, 2, "classes", in: context)
        try ToyCheck.atLeast(perClass, 1, "perClass", in: context)
        try ToyCheck.atLeast(dimension, 1, "dimension", in: context)
        try ToyCheck.nonNegative(spread, "spread", in: context)
        try ToyCheck.nonNegative(noise, "noise", in: context)
        let count = try ToyCheck.product([classes, perClass], limit: maxItems, "items", in: context)
        _ = try ToyCheck.product([count, dimension], limit: maxValues, "vector values", in: context)

        var random = ToyRandom(seed: seed)
        var values = [Float]()
        values.reserveCapacity(count * dimension)
        var classOfItem = [Int]()
        classOfItem.reserveCapacity(count)
        for label in 0..<classes {
            let centre = (0..<dimension).map { _ in random.normal() * spread }
            for _ in 0..<perClass {
                for coordinate in centre { values.append(Float(coordinate + random.normal() * noise)) }
                classOfItem.append(label)
            }
        }
        return labelled(
            name: "blobs (\(classes) classes x \(perClass), \(dimension)-D, seed \(seed))",
            matrix: Matrix(rows: count, cols: dimension, values: values),
            classes: classOfItem, labelNames: classNames(classes))
    }

    // MARK: - Rings and spirals

    /// Concentric circles in 2-D: class k lies on the circle of radius k + 1 around the origin,
    /// at uniform random angles, plus `normal() * noise` per coordinate. Neighbouring rings are
    /// 1 apart, so noise well under 0.5 keeps them apart; no straight line separates them.
    public static func rings(classes: Int = 3, perClass: Int = 60, noise: Double = 0.05, seed: UInt64 = 1) throws -> Dataset {
        let context = "rings"
        try ToyCheck.atLeast(classes, 2, "classes", in: context)
        try ToyCheck.atLeast(perClass, 1, "perClass", in: context)
        try ToyCheck.nonNegative(noise, "noise", in: context)
        let count = try ToyCheck.product([classes, perClass], limit: maxItems, "items", in: context)

        var random = ToyRandom(seed: seed)
        var values = [Float]()
        values.reserveCapacity(count * 2)
        var classOfItem = [Int]()
        classOfItem.reserveCapacity(count)
        for label in 0..<classes {
            let radius = Double(label + 1)
            for _ in 0..<perClass {
                let angle = random.uniform(0, 2 * Double.pi)
                let x = radius * toyCos(angle) + random.normal() * noise
                let y = radius * toySin(angle) + random.normal() * noise
                values += [Float(x), Float(y)]
                classOfItem.append(label)
            }
        }
        return labelled(
            name: "rings (\(classes) classes x \(perClass), noise \(noise), seed \(seed))",
            matrix: Matrix(rows: count, cols: 2, values: values),
            classes: classOfItem, labelNames: classNames(classes))
    }

    /// Interleaved spiral arms in 2-D, one per class. Point i of arm k sits at radius
    /// t = 0.1 + 0.9·i/(perClass−1) (so 0.1 to 1) and angle 2π·k/classes + 3π·t (one and a half
    /// turns from the centre out), plus `normal() * noise` per coordinate. Arms are about
    /// 2π·t/classes apart at radius t, tightest near the centre.
    public static func spirals(classes: Int = 3, perClass: Int = 60, noise: Double = 0.02, seed: UInt64 = 1) throws -> Dataset {
        let context = "spirals"
        try ToyCheck.atLeast(classes, 2, "classes", in: context)
        try ToyCheck.atLeast(perClass, 1, "perClass", in: context)
        try ToyCheck.nonNegative(noise, "noise", in: context)
        let count = try ToyCheck.product([classes, perClass], limit: maxItems, "items", in: context)

        var random = ToyRandom(seed: seed)
        var values = [Float]()
        values.reserveCapacity(count * 2)
        var classOfItem = [Int]()
        classOfItem.reserveCapacity(count)
        for label in 0..<classes {
            let offset = 2 * Double.pi * Double(label) / Double(classes)
            for index in 0..<perClass {
                let t = 0.1 + 0.9 * Double(index) / Double(max(perClass - 1, 1))
                let angle = offset + 3 * Double.pi * t
                let x = t * toyCos(angle) + random.normal() * noise
                let y = t * toySin(angle) + random.normal() * noise
                values += [Float(x), Float(y)]
                classOfItem.append(label)
            }
        }
        return labelled(
            name: "spirals (\(classes) classes x \(perClass), noise \(noise), seed \(seed))",
            matrix: Matrix(rows: count, cols: 2, values: values),
            classes: classOfItem, labelNames: classNames(classes))
    }

    // MARK: - Hierarchical blobs

    /// Blobs within blobs: `superClasses` centres at `normal() * superSpread`, around each
    /// `subClassesPer` sub-centres at super-centre + `normal() * subSpread`, and around each
    /// sub-centre `perSubClass` points at `normal() * noise`. The labels are the sub-class ids
    /// (super s, sub p → s·subClassesPer + p), named "A.1", "A.2", ..., "B.1", ...; the super-class
    /// of label l is `l / subClassesPer` (see `superClass(of:subClassesPer:)`).
    ///
    /// Which margin separates what: in D dimensions the typical distance between two points is
    /// about noise·√(2D) inside a sub-class (2 with the defaults), √(2D·(subSpread² + noise²))
    /// between sibling sub-classes (≈ 8.2) and √(2D·(superSpread² + subSpread² + noise²)) between
    /// super-classes (≈ 33). A margin on the scale of subSpread·√(2D) is enough to pull sub-classes
    /// apart; one near superSpread·√(2D) only asks the super-classes to separate, and a margin far
    /// beyond both keeps pushing everything without adding structure.
    public static func hierarchical(
        superClasses: Int = 3, subClassesPer: Int = 3, perSubClass: Int = 15, dimension: Int = 8,
        superSpread: Double = 8, subSpread: Double = 2, noise: Double = 0.5, seed: UInt64 = 1
    ) throws -> Dataset {
        let context = "hierarchical"
        try ToyCheck.atLeast(superClasses, 1, "superClasses", in: context)
        try ToyCheck.atLeast(subClassesPer, 1, "subClassesPer", in: context)
        try ToyCheck.atLeast(perSubClass, 1, "perSubClass", in: context)
        try ToyCheck.atLeast(dimension, 1, "dimension", in: context)
        try ToyCheck.nonNegative(superSpread, "superSpread", in: context)
        try ToyCheck.nonNegative(subSpread, "subSpread", in: context)
        try ToyCheck.nonNegative(noise, "noise", in: context)
        let subClasses = try ToyCheck.product([superClasses, subClassesPer], limit: maxItems, "items", in: context)
        if subClasses < 2 {
            throw DataError("\(context): superClasses x subClassesPer must give at least 2 sub-classes, got 1")
        }
        let count = try ToyCheck.product([subClasses, perSubClass], limit: maxItems, "items", in: context)
        _ = try ToyCheck.product([count, dimension], limit: maxValues, "vector values", in: context)

        var random = ToyRandom(seed: seed)
        var values = [Float]()
        values.reserveCapacity(count * dimension)
        var classOfItem = [Int]()
        classOfItem.reserveCapacity(count)
        var names = [String]()
        names.reserveCapacity(subClasses)
        for superIndex in 0..<superClasses {
            let superCentre = (0..<dimension).map { _ in random.normal() * superSpread }
            for subIndex in 0..<subClassesPer {
                let label = superIndex * subClassesPer + subIndex
                names.append("\(letters(superIndex)).\(subIndex + 1)")
                let subCentre = superCentre.map { $0 + random.normal() * subSpread }
                for _ in 0..<perSubClass {
                    for coordinate in subCentre { values.append(Float(coordinate + random.normal() * noise)) }
                    classOfItem.append(label)
                }
            }
        }
        return labelled(
            name: "hierarchical (\(superClasses) x \(subClassesPer) classes x \(perSubClass), \(dimension)-D, seed \(seed))",
            matrix: Matrix(rows: count, cols: dimension, values: values),
            classes: classOfItem, labelNames: names)
    }

    /// The super-class of a `hierarchical` label.
    public static func superClass(of label: Int, subClassesPer: Int) -> Int {
        label / max(subClassesPer, 1)
    }

    // MARK: - Helpers

    /// "class 0", "class 1", ...
    static func classNames(_ count: Int) -> [String] {
        (0..<count).map { "class \($0)" }
    }

    /// Spreadsheet-style letters: 0 → "A", 25 → "Z", 26 → "AA", ...
    static func letters(_ index: Int) -> String {
        var scalars: [Character] = []
        var rest = index + 1
        while rest > 0 {
            rest -= 1
            scalars.append(Character(Unicode.Scalar(UInt8(65 + rest % 26))))
            rest /= 26
        }
        return String(scalars.reversed())
    }

    static func labelled(name: String, matrix: Matrix<Float>, classes: [Int], labelNames: [String]) -> Dataset {
        Dataset(
            name: name, shape: .labelledItems, items: .vectors(ReadOnlyRows(matrix)),
            examples: (0..<classes.count).map { [$0] },
            labels: classes.map(Double.init), labelNames: labelNames, itemClasses: classes)
    }
}
