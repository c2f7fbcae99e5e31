/// The `capacity` largest finished flows (by bytes, then packets, then first seen), kept
/// in a min-heap so memory stays bounded however many flows a capture has.
struct TopFlows {
    let capacity: Int
    private(set) var heap: [Flow] = []
    private(set) var seen = 0

    init(capacity: Int) { self.capacity = max(0, capacity) }

    /// True when `a` ranks below `b`.
    static func ranksBelow(_ a: Flow, _ b: Flow) -> Bool {
        if a.bytes != b.bytes { return a.bytes < b.bytes }
        if a.packets != b.packets { return a.packets < b.packets }
        return a.serial > b.serial
    }

    mutating func offer(_ flow: Flow) {
        seen += 1
        guard capacity > 0 else { return }
        if heap.count < capacity {
            heap.append(flow)
            siftUp(heap.count - 1)
        } else if Self.ranksBelow(heap[0], flow) {
            heap[0] = flow
            siftDown(0)
        }
    }

    /// Best first.
    func sorted() -> [Flow] { heap.sorted { Self.ranksBelow($1, $0) } }

    private mutating func siftUp(_ i: Int) {
        var child = i
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.ranksBelow(heap[child], heap[parent]) else { return }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ i: Int) {
        var parent = i
        while true {
            let l = 2 * parent + 1, r = l + 1
            var smallest = parent
            if l < heap.count && Self.ranksBelow(heap[l], heap[smallest]) { smallest = l }
            if r < heap.count && Self.ranksBelow(heap[r], heap[smallest]) { smallest = r }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
