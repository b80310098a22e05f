import LossKit

/// A mined tuple with the dataset items its rows stand for.
public struct MinedTupleRow: Sendable {
    public var index: Int
    public var tuple: MinedTuple
    public var anchorItem: Int
    public var positiveItem: Int
    public var negativeItem: Int?

    public init(index: Int, tuple: MinedTuple, batch: BatchOutcome) {
        self.index = index
        self.tuple = tuple
        let columns = batch.items.count
        func item(_ row: Int, _ column: Int) -> Int {
            let c = min(column, columns - 1)
            return row < batch.items[c].count ? batch.items[c][row] : row
        }
        anchorItem = item(tuple.anchor, 0)
        if batch.mining.kind == .ranking {
            // MNRL: candidates are the non-anchor columns stacked; candidate j is row j % n of column 1 + j / n.
            let n = max(batch.items[0].count, 1)
            positiveItem = item(tuple.positive % n, 1 + tuple.positive / n)
            negativeItem = tuple.negative.map { item($0 % n, 1 + $0 / n) }
        } else if batch.mining.kind == .pair && columns > 2 {
            // AnglE over (anchor, candidates...): pair p is anchor p % n against column 1 + p / n.
            let n = max(batch.items[0].count, 1)
            positiveItem = item(tuple.positive % n, 1 + tuple.positive / n)
            negativeItem = nil
        } else {
            positiveItem = item(tuple.positive, columns > 1 ? 1 : 0)
            negativeItem = tuple.negative.map { item($0, columns > 2 ? 2 : (columns > 1 ? 1 : 0)) }
        }
    }
}

