/// Where a tailed file was read up to: its inode (a renamed-away file is told from its
/// successor by it) and the offset after the last complete line handed over.
public struct TailPosition: Codable, Sendable, Equatable {
    public var inode: UInt64
    public var offset: Int

    public init(inode: UInt64, offset: Int) {
        self.inode = inode
        self.offset = offset
    }
}
