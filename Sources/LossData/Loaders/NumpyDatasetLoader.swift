import LossKit

/// Loads item vectors from a `.npy` file or an `.npz` archive (see `DatasetLoader`).
enum NumpyDatasetLoader {
    /// `.npz` keys tried, in order, for the item vectors.
    static let vectorKeys = ["embeddings", "vectors", "items", "features", "x", "X"]
    /// `.npz` keys with a meaning of their own, never taken for the item vectors.
    static let reservedKeys: Set<String> = ["labels", "teacher"]

    static func load(path: String, format: DatasetFormat, labelsPath: String?, options: LoadOptions, name: String) throws -> Dataset {
        let unchecked: ReadOnlyRows<Float>
        let source: String
        var labelArray: NumpyArray?
        var teacherArray: NumpyArray?
        var notes: [String] = []
        if format == .npy {
            // float32 in the machine's byte order is read where it lies: no copy of a file that may be gigabytes.
            unchecked = try NumpyFile.mappedFloatRows(path: path) ?? ReadOnlyRows(NumpyFile.read(path: path).embeddingMatrix(Float.self))
            source = path
        } else {
            let arrays = try NumpyArchive.read(path: path)
            let keys = arrays.keys.sorted()
            var labelKey: String?
            guard !arrays.isEmpty else { throw DataError.file(path, "the archive holds no arrays") }
            let key: String
            if let wanted = options.arrayKey {
                guard arrays[wanted] != nil else {
                    throw DataError.file(path, "the archive has no array '\(wanted)'; it holds \(keys.map { "'\($0)'" }.joined(separator: ", "))")
                }
                key = wanted
            } else if let known = vectorKeys.first(where: { arrays[$0] != nil }) {
                key = known
            } else if let unnamed = unnamedVectorsAndLabels(arrays) {
                // np.savez(path, vectors, labels) names its arrays arr_0, arr_1: the shapes tell them apart.
                key = unnamed.vectors
                labelKey = unnamed.labels
                let (vectors, labels) = (arrays[unnamed.vectors]!, arrays[unnamed.labels]!)
                notes.append(
                    "read '\(unnamed.vectors)' (\(vectors.shape.map(String.init).joined(separator: " x "))) as the vectors and '\(unnamed.labels)' (\(labels.count)) as their labels: np.savez without names")
            } else {
                let candidates = keys.filter { !reservedKeys.contains($0) && arrays[$0]!.rank == 2 }
                guard candidates.count == 1 else {
                    let which = candidates.isEmpty ? "no 2-D array" : "several 2-D arrays"
                    throw DataError.file(
                        path, "cannot tell which array holds the item vectors: the archive holds \(keys.map { "'\($0)'" }.joined(separator: ", ")) (\(which) besides labels/teacher); name it 'embeddings' or choose it with the array-key option")
                }
                key = candidates[0]
            }
            let vectors = arrays[key]!
            unchecked = ReadOnlyRows(try vectors.embeddingMatrix(Float.self))
            source = vectors.source
            if labelKey == nil && key != "labels" && arrays["labels"] != nil { labelKey = "labels" }
            labelArray = labelKey.map { arrays[$0]! }
            teacherArray = key == "teacher" ? nil : arrays["teacher"]
            let used = [key, labelKey, teacherArray == nil ? nil : "teacher"]
            let ignored = keys.filter { !used.contains($0) }
            if !ignored.isEmpty {
                let names = ignored.map { "'\($0)'" }
                notes.append("warning: ignored the array\(ignored.count == 1 ? "" : "s") \(names.joined(separator: ", ")) (LossLab reads the vectors, 'labels' and 'teacher')")
            }
        }

        let items = try DatasetLoader.checkVectors(unchecked, path: source) { "row \($0), column \($1)" }

        var classes: LabelMapping.Classes?
        var texts: [String]?
        if let labelsPath {
            if let labelArray {
                throw DataError.file(path, "the archive has its own labels (\(labelArray.source)), and a labels file (\(labelsPath)) was given too; use one or the other")
            }
            let file = try LabelFileReader.read(path: labelsPath, options: options)
            try file.checkCount(items.rows, of: source)
            classes = try LabelMapping.classes(file.labels, source: file.path, place: file.place)
            texts = file.texts
        } else if let labelArray {
            let raw = try LabelMapping.raw(from: labelArray)
            if raw.count != items.rows {
                throw DataError.file(
                    labelArray.source, "\(raw.count) labels for the \(items.rows) rows of \(source); there must be one label per item")
            }
            classes = try LabelMapping.classes(raw, source: labelArray.source) { "element \($0)" }
        }

        if let teacherArray {
            let teacher = try teacherArray.embeddingMatrix(Float.self)
            _ = try DatasetLoader.checkVectors(ReadOnlyRows(teacher), path: teacherArray.source) { "row \($0), column \($1)" }
            if teacher.rows != items.rows {
                throw DataError.file(
                    teacherArray.source, "the teacher matrix has \(teacher.rows) rows for the \(items.rows) rows of \(source); there must be one per item")
            }
            var dataset = Dataset(
                name: name, shape: .teacherItems, items: .vectors(items), texts: texts,
                examples: (0..<items.rows).map { [$0] }, labelNames: classes?.names ?? [], teacher: teacher,
                itemClasses: classes?.ids)
            dataset.notes = notes + [classes?.note].compactMap { $0 }
            return dataset
        }
        guard let classes else {
            let how = format == .npz
                ? "add a 'labels' array to the archive or give a labels file (a .npy, or a .txt/.tsv/.csv with one label per line)"
                : "give a labels file (a .npy, or a .txt/.tsv/.csv with one label per line, like the Embedding Projector's metadata)"
            throw DatasetLoader.missingLabels(path, how: how)
        }
        var dataset = DatasetLoader.labelledItems(name: name, items: .vectors(items), texts: texts, classes: classes)
        dataset.notes = notes + [classes.note].compactMap { $0 }
        return dataset
    }

    /// The names `np.savez` gives unnamed arrays (arr_0, arr_1...), when they are one 2-D
    /// array and one 1-D array with a value per row: vectors and their labels.
    static func unnamedVectorsAndLabels(_ arrays: [String: NumpyArray]) -> (vectors: String, labels: String)? {
        guard arrays.count == 2, arrays.keys.allSatisfy({ $0.hasPrefix("arr_") && Int($0.dropFirst(4)) != nil }) else { return nil }
        let keys = arrays.keys.sorted()
        guard let vectors = keys.first(where: { arrays[$0]!.rank == 2 }),
              let labels = keys.first(where: { $0 != vectors && arrays[$0]!.rank == 1 }),
              arrays[labels]!.count == arrays[vectors]!.shape[0] else { return nil }
        return (vectors, labels)
    }
}
