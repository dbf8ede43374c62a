/// An element that knows its own priority order, for `Heap`.
protocol HeapElement {
    /// True when `a` must be popped before `b`.
    static func precedes(_ a: Self, _ b: Self) -> Bool
}

/// A minimal binary heap; `pop` returns the element that precedes all others.
struct Heap<Element: HeapElement> {
    private(set) var elements: [Element] = []

    init() {}

    init(_ items: [Element]) {
        elements = items
        var i = elements.count / 2 - 1
        while i >= 0 { siftDown(i); i -= 1 }
    }

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }

    mutating func push(_ e: Element) {
        elements.append(e)
        var i = elements.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Element.precedes(elements[i], elements[parent]) else { break }
            elements.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Element? {
        guard !elements.isEmpty else { return nil }
        let top = elements[0]
        let last = elements.removeLast()
        if !elements.isEmpty {
            elements[0] = last
            siftDown(0)
        }
        return top
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let n = elements.count
        while true {
            let l = 2 * i + 1
            guard l < n else { return }
            var best = l
            if l + 1 < n, Element.precedes(elements[l + 1], elements[l]) { best = l + 1 }
            guard Element.precedes(elements[best], elements[i]) else { return }
            elements.swapAt(i, best)
            i = best
        }
    }
}
