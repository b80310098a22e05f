import Testing
import LossKit
@testable import LossSession

/// The embeddings pane's sample: bounded, stratified by class with a floor, the same for the
/// same seed, and counted per class.
@Suite struct DisplaySampleTests {
    @Test func dataThatFitsIsDrawnWhole() {
        let groups = (0..<300).map { $0 % 3 }
        let sample = DisplaySample(groups: groups, limit: 300, seed: 1)
        #expect(sample.items == Array(0..<300) && sample.isWhole)
        #expect(sample.counts == (0..<3).map { DisplaySample.GroupCount(group: $0, shown: 100, total: 100) })
    }

    @Test func quotasAreAFloorThenProportionalByLargestRemainder() {
        // Floors 10 (all of it), 50, 50; 890 more shared 950 : 89950 → 9.30 and 880.70, and
        // the one left over goes to the larger remainder.
        #expect(DisplaySample.quotas(sizes: [10, 1000, 90000], limit: 1000) == [10, 59, 931])
        // Equal remainders go to the earlier group.
        #expect(DisplaySample.quotas(sizes: [200, 200, 200], limit: 301) == [101, 100, 100])
        #expect(DisplaySample.quotas(sizes: [5, 7], limit: 100) == [5, 7], "everything fits")
        // More groups than the floors allow: the floor halves until they fit, here to 1.
        let many = DisplaySample.quotas(sizes: Array(repeating: 3, count: 600), limit: 1000)
        #expect(many.reduce(0, +) == 1000 && many.allSatisfy { $0 >= 1 && $0 <= 3 })
        // Past one item per group the floor is none, and the sample still has `limit` items.
        let tiny = DisplaySample.quotas(sizes: Array(repeating: 2, count: 3000), limit: 1000)
        #expect(tiny.reduce(0, +) == 1000 && tiny.allSatisfy { $0 <= 1 })
    }

    /// A million items in 50 unequal classes and one class of 3: the sample has exactly the
    /// limit, every class at least its floor, the small one whole, each within one item of
    /// its share, and every item drawn from its own class.
    @Test func aMillionItemsGiveABoundedStratifiedSample() {
        var groups: [Int] = []
        for c in 0..<50 { groups += Array(repeating: c, count: 2000 + 300 * c) }
        groups += [50, 50, 50]
        groups += Array(repeating: 7, count: 1_000_000 - groups.count)
        let n = groups.count
        let sample = DisplaySample(groups: groups, seed: 3)
        #expect(sample.items.count == DisplaySample.defaultLimit && sample.itemCount == n && !sample.isWhole)
        #expect(sample.items == sample.items.sorted() && Set(sample.items).count == sample.items.count)
        #expect(sample.counts.map(\.group) == Array(0...50))
        var totals = [Int](repeating: 0, count: 51)
        for group in groups { totals[group] += 1 }
        for count in sample.counts {
            #expect(count.total == totals[count.group])
            #expect(count.shown >= min(count.total, DisplaySample.groupFloor))
            #expect(sample.items.filter { groups[$0] == count.group }.count == count.shown)
        }
        #expect(sample.counts.last == DisplaySample.GroupCount(group: 50, shown: 3, total: 3), "a small class shows whole")
        let floors = sample.counts.map { min($0.total, DisplaySample.groupFloor) }
        let room = Double(DisplaySample.defaultLimit - floors.reduce(0, +))
        let beyond = Double(n - floors.reduce(0, +))
        for (count, floor) in zip(sample.counts, floors) {
            let share = Double(floor) + room * Double(count.total - floor) / beyond
            #expect(abs(Double(count.shown) - share) < 1)
        }
    }

    @Test func theSeedChoosesTheSampleAndTheSameSeedTheSameOne() {
        let groups = (0..<50_000).map { ($0 * 7) % 11 }
        let first = DisplaySample(groups: groups, limit: 2000, seed: 9)
        #expect(DisplaySample(groups: groups, limit: 2000, seed: 9) == first)
        let other = DisplaySample(groups: groups, limit: 2000, seed: 10)
        #expect(other.counts == first.counts && other.items != first.items)
        // Spread over the data, not its first rows.
        #expect(first.items.last! > 45_000 && first.items.first! < 5_000)
        #expect(first.contains(first.items[17]) && !first.contains(-1) && !first.contains(50_000))
    }

    @Test func groupsFarApartAreHashedNotTabled() {
        let groups = (0..<1000).map { $0 % 2 == 0 ? Int.min + 5 : Int.max }
        let sample = DisplaySample(groups: groups, limit: 100, seed: 0)
        #expect(sample.counts == [DisplaySample.GroupCount(group: Int.min + 5, shown: 50, total: 500),
                                  DisplaySample.GroupCount(group: Int.max, shown: 50, total: 500)])
        #expect(DisplaySample(groups: [], seed: 0).items.isEmpty)
    }

    /// The items looked at come after the sample, once each; the view finds every item.
    @Test func itemsLookedAtAreAddedAfterTheSample() {
        let sample = DisplaySample(groups: (0..<1000).map { $0 % 4 }, limit: 40, seed: 2)
        let outside = (0..<1000).first { !sample.contains($0) }!
        let inside = sample.items[3]
        let items = EmbeddingView.items(sample: sample, lookedAt: [outside, inside, outside, 5000, -2])
        #expect(items == sample.items + [outside], "an item already sampled, repeats and items past the data add nothing")
        let view = EmbeddingView(items: items, groups: items.map { $0 % 4 }, positions: items.map { _ in (x: 0.0, y: 0.0) },
                                 sampleCount: sample.items.count, itemCount: 1000, axes: Projection.Axes(), directions: [])
        #expect(view.index(of: outside) == 40 && view.index(of: inside) == 3 && view.index(of: 999_999) == nil)
        for (index, item) in items.enumerated() { #expect(view.index(of: item) == index) }
    }
}
