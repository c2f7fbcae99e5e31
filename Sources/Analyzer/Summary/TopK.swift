/// Elements with a strict total order for "worst/largest first" lists.
protocol Ranked {
    /// True when `a` ranks below `b`.
    static func ranksBelow(_ a: Self, _ b: Self) -> Bool
}

/// The `capacity` best elements (by `Element.ranksBelow`), in a min-heap, so memory stays
/// bounded however many flows a capture has; `seen` counts every offer. Generic over the
/// ranking (specialised, no closure call per comparison).
struct TopK<Element: Ranked> {
    let capacity: Int
    private(set) var heap: [Element] = []
    private(set) var seen = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    private func ranksBelow(_ a: Element, _ b: Element) -> Bool { Element.ranksBelow(a, b) }

    mutating func offer(_ element: Element) {
        seen += 1
        guard capacity > 0 else { return }
        if heap.count < capacity {
            heap.append(element)
            siftUp(heap.count - 1)
        } else if ranksBelow(heap[0], element) {
            heap[0] = element
            siftDown(0)
        }
    }

    /// Whether an element ranked like `probe` would enter the list now: a caller whose
    /// element is costly to build (a TLS session row: fingerprints, certificate text) builds
    /// it only then, and counts the others with `pass()`.
    func admits(_ probe: Element) -> Bool {
        capacity > 0 && (heap.count < capacity || ranksBelow(heap[0], probe))
    }

    /// An element seen but not offered (`admits` said no).
    mutating func pass() { seen += 1 }

    /// Keeps the best of both lists (the ranking is a total order, so the result is what
    /// one list offered everything would hold) and counts everything either saw.
    mutating func merge(_ other: TopK) {
        for element in other.heap { offer(element) }
        seen += other.seen - other.heap.count
    }

    /// Best first.
    func sorted() -> [Element] { heap.sorted { ranksBelow($1, $0) } }

    private mutating func siftUp(_ i: Int) {
        var child = i
        while child > 0 {
            let parent = (child - 1) / 2
            guard ranksBelow(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ i: Int) {
        var parent = i
        while true {
            let l = 2 * parent + 1, r = l + 1
            var smallest = parent
            if l < heap.count && ranksBelow(heap[l], heap[smallest]) { smallest = l }
            if r < heap.count && ranksBelow(heap[r], heap[smallest]) { smallest = r }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}

extension Flow: Ranked {
    /// Conversations rank by bytes, then packets, then first seen.
    static func ranksBelow(_ a: Flow, _ b: Flow) -> Bool {
        if a.bytes != b.bytes { return a.bytes < b.bytes }
        if a.packets != b.packets { return a.packets < b.packets }
        return a.serial > b.serial
    }
}
