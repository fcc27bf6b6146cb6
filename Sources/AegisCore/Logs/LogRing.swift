/// The last `capacity` entries of one service, numbered, for `aegisctl logs SERVICE [-n N] [-f]`:
/// `-f` asks again and again for what came after the last number it printed.
public struct LogRing: Sendable {
    public struct Item: Sendable, Equatable {
        /// 1 for the first entry ever added; never reused, so a follower notices what it missed.
        public var sequence: Int
        public var entry: LogEntry
        public var stream: String
    }

    public let capacity: Int
    private var items: [Item] = []
    private var head = 0
    public private(set) var lastSequence = 0

    public init(capacity: Int) {
        self.capacity = max(capacity, 0)
        items.reserveCapacity(min(self.capacity, 4096))
    }

    public mutating func append(_ entry: LogEntry, stream: String) {
        lastSequence += 1
        guard capacity > 0 else { return }
        let item = Item(sequence: lastSequence, entry: entry, stream: stream)
        if items.count < capacity {
            items.append(item)
        } else {
            items[head] = item
            head = (head + 1) % capacity
        }
    }

    /// The newest `count` entries, oldest first.
    public func last(_ count: Int) -> [Item] {
        Array(ordered.suffix(max(count, 0)))
    }

    /// Entries numbered above `sequence`, oldest first, at most `limit`.
    public func after(_ sequence: Int, limit: Int) -> [Item] {
        Array(ordered.drop { $0.sequence <= sequence }.prefix(limit))
    }

    private var ordered: [Item] { Array(items[head...] + items[..<head]) }
}
