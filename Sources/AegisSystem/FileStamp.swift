import Glibc

/// What tells one version of a file from the next without reading it: its device and inode (a
/// file replaced by a rename is a new inode), its size, mode and owner, and its modification
/// and change times to the nanosecond (a file written in place).
public struct FileStamp: Sendable, Equatable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int64
    public let mode: UInt32
    public let owner: UInt32
    public let group: UInt32
    /// st_mtim and st_ctim in nanoseconds since the epoch.
    public let modified: Int64
    public let changed: Int64

    /// The stamp of the file at `path` (symbolic links followed); nil when there is none or it
    /// cannot be looked at.
    public static func of(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        func nanoseconds(_ time: timespec) -> Int64 { Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec) }
        return FileStamp(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            mode: UInt32(info.st_mode), owner: UInt32(info.st_uid), group: UInt32(info.st_gid),
            modified: nanoseconds(info.st_mtim), changed: nanoseconds(info.st_ctim))
    }
}
