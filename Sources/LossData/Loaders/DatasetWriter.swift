import LossKit

/// Writes embeddings and metrics through `SafeWriter`, so a failed or interrupted write
/// leaves any earlier file untouched. Failures throw a DataError whose message starts with
/// the path. The `...File` forms return the file unwritten, to be written with others as one set.
public enum DatasetWriter {
    /// Embeddings as a float32 `.npy` array of shape (rows, cols).
    public static func writeEmbeddings(_ vectors: Matrix<Float>, to path: String) throws {
        try NumpyFile.write(vectors, to: path)
    }

    public static func embeddingsFile(_ vectors: Matrix<Float>, path: String) throws -> PendingFile {
        try NumpyFile.pendingFile(NumpyArray(vectors, source: path), path: path)
    }

    /// A CSV table (RFC 4180: fields holding a comma, a quote, a line break or surrounding
    /// spaces are quoted, quotes doubled; lines end in "\n"). An empty header writes no
    /// header line; otherwise every row must have as many fields as the header.
    public static func writeCSV(header: [String], rows: [[String]], to path: String) throws {
        try SafeWriter.write([csvFile(header: header, rows: rows, path: path)])
    }

    public static func csvFile(header: [String], rows: [[String]], path: String) throws -> PendingFile {
        let width = header.isEmpty ? rows.first?.count ?? 0 : header.count
        if let index = rows.firstIndex(where: { $0.count != width }) {
            let against = header.isEmpty ? "the first row has" : "the header has"
            throw DataError.file(path, "cannot write row \(index): it has \(rows[index].count) fields, \(against) \(width)")
        }
        return PendingFile(path: path) { sink in
            var buffer = OutputBuffer(sink: sink)
            if !header.isEmpty { try buffer.appendRow(header, delimiter: 0x2C) }
            for row in rows { try buffer.appendRow(row, delimiter: 0x2C) }
            try buffer.flush()
        }
    }

    /// The TensorFlow Embedding Projector's pair of files: `vectorsPath` holds one row of
    /// tab-separated values per item, `metadataPath` one row of metadata per item. With one
    /// metadata column no header is written (the projector reads a single column as data);
    /// with several a header is required. Tabs and line breaks inside metadata become
    /// spaces (the projector has no quoting); a field starting with a quote is quoted, so
    /// `DatasetLoader` reads it back intact. Everything is checked before either file is
    /// written, and the two are written as one set: both new files, or both old ones.
    public static func writeProjector(vectors: Matrix<Float>, metadata: [[String]], header: [String]?,
                                      vectorsPath: String, metadataPath: String) throws {
        try SafeWriter.write(projectorFiles(vectors: vectors, metadata: metadata, header: header,
                                            vectorsPath: vectorsPath, metadataPath: metadataPath))
    }

    public static func projectorFiles(vectors: Matrix<Float>, metadata: [[String]], header: [String]?,
                                      vectorsPath: String, metadataPath: String) throws -> [PendingFile] {
        if vectors.rows == 0 || vectors.cols == 0 {
            throw DataError.file(vectorsPath, "cannot write \(vectors.rows) x \(vectors.cols) vectors: the projector needs at least one value per row")
        }
        if let bad = vectors.values.firstIndex(where: { !$0.isFinite }) {
            throw DataError.file(
                vectorsPath, "cannot write row \(bad / vectors.cols), column \(bad % vectors.cols): \(vectors.values[bad]) is not a finite number")
        }
        if metadata.count != vectors.rows {
            throw DataError.file(metadataPath, "\(metadata.count) metadata rows for \(vectors.rows) vectors; there must be one per vector")
        }
        let width = header?.count ?? metadata.first?.count ?? 0
        if width == 0 {
            throw DataError.file(metadataPath, "the metadata has no columns")
        }
        if let index = metadata.firstIndex(where: { $0.count != width }) {
            throw DataError.file(metadataPath, "cannot write metadata row \(index): it has \(metadata[index].count) fields, expected \(width)")
        }
        if width > 1 && header == nil {
            throw DataError.file(metadataPath, "metadata with \(width) columns needs a header (the projector takes the first row of a multi-column file for column names)")
        }
        let vectorsFile = PendingFile(path: vectorsPath) { sink in
            var buffer = OutputBuffer(sink: sink)
            for row in 0..<vectors.rows {
                for col in 0..<vectors.cols {
                    if col > 0 { buffer.bytes.append(0x09) }
                    buffer.bytes.append(contentsOf: "\(vectors[row, col])".utf8)
                }
                buffer.bytes.append(0x0A)
                try buffer.flushIfFull()
            }
            try buffer.flush()
        }
        let metadataFile = PendingFile(path: metadataPath) { sink in
            var buffer = OutputBuffer(sink: sink)
            if let header, width > 1 { try buffer.appendProjectorRow(header) }
            for row in metadata { try buffer.appendProjectorRow(row) }
            try buffer.flush()
        }
        return [vectorsFile, metadataFile]
    }
}

/// Collects output and hands it to the sink in large pieces.
private struct OutputBuffer {
    let sink: FileSink
    var bytes: [UInt8] = []

    init(sink: FileSink) {
        self.sink = sink
        bytes.reserveCapacity(1 << 16)
    }

    mutating func flushIfFull() throws {
        if bytes.count >= 1 << 16 { try flush() }
    }

    mutating func flush() throws {
        guard !bytes.isEmpty else { return }
        try sink.write(bytes)
        bytes.removeAll(keepingCapacity: true)
    }

    mutating func appendRow(_ fields: [String], delimiter: UInt8) throws {
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(delimiter) }
            if index == 0 && fields.count == 1 && field.isEmpty {
                bytes.append(contentsOf: [0x22, 0x22])  // a blank line would be skipped
            } else {
                appendQuotedIfNeeded(field, delimiter: delimiter)
            }
        }
        bytes.append(0x0A)
        try flushIfFull()
    }

    /// RFC 4180 quoting for fields the reader would otherwise split or trim.
    mutating func appendQuotedIfNeeded(_ field: String, delimiter: UInt8) {
        let utf8 = field.utf8
        let needsQuotes = utf8.contains { $0 == delimiter || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D }
            || utf8.first == 0x20 || utf8.first == 0x09 || utf8.last == 0x20 || utf8.last == 0x09
        guard needsQuotes else {
            bytes.append(contentsOf: utf8)
            return
        }
        bytes.append(0x22)
        for byte in utf8 {
            if byte == 0x22 { bytes.append(0x22) }
            bytes.append(byte)
        }
        bytes.append(0x22)
    }

    mutating func appendProjectorRow(_ fields: [String]) throws {
        let blank = fields.allSatisfy { $0.utf8.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D } }
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(0x09) }
            if index == 0 && blank {
                // A line of nothing but spaces and tabs would read back as a blank line.
                bytes.append(contentsOf: [0x22] + Array(field.utf8).map { $0 == 0x20 ? 0x20 : 0x20 } + [0x22])
                continue
            }
            var clean = Array(field.utf8)
            for i in clean.indices where clean[i] == 0x09 || clean[i] == 0x0A || clean[i] == 0x0D { clean[i] = 0x20 }
            let text = String(decoding: clean, as: UTF8.self)
            if clean.first == 0x22 || clean.first == 0x20 || clean.last == 0x20 {
                appendQuotedIfNeeded(text, delimiter: 0x09)
            } else {
                bytes.append(contentsOf: clean)
            }
        }
        bytes.append(0x0A)
        try flushIfFull()
    }
}
