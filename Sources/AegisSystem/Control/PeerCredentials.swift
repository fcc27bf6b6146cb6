import Foundation
import Glibc

/// Who is on the other end of a Unix socket, as the kernel reports it: the credentials the
/// peer had when it connected, which it cannot forge.
struct PeerCredentials: Equatable, CustomStringConvertible {
    var pid: Int32
    var uid: UInt32
    var gid: UInt32
    /// Supplementary groups.
    var groups: [UInt32]

    var description: String { "pid \(pid) uid \(uid) gid \(gid) groups \(groups)" }

    /// Reads SO_PEERCRED (and the groups) of a connected socket; nil if the kernel will not say.
    static func of(_ fd: Int32) -> PeerCredentials? {
        // `struct ucred` is hidden behind _GNU_SOURCE in Swift's Glibc module; its layout
        // (pid_t, uid_t, gid_t) is fixed by the Linux ABI.
        var raw: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout.size(ofValue: raw))
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &raw, &length) == 0 else { return nil }
        let (pid, uid, gid) = raw
        let groups = peerGroups(fd) ?? procGroups(pid: pid, uid: uid) ?? accountGroups(uid: uid, gid: gid)
        return PeerCredentials(pid: pid, uid: uid, gid: gid, groups: groups)
    }

    /// SO_PEERGROUPS (Linux 4.13+): the groups captured at connect time, free of pid-reuse races.
    private static func peerGroups(_ fd: Int32) -> [UInt32]? {
        var groups = [UInt32](repeating: 0, count: 64)
        for _ in 0..<2 {
            var length = socklen_t(groups.count * MemoryLayout<UInt32>.size)
            if getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, &groups, &length) == 0 {
                return Array(groups.prefix(Int(length) / MemoryLayout<UInt32>.size))
            }
            // ERANGE reports the size it needs in `length`.
            guard errno == ERANGE else { return nil }
            groups = [UInt32](repeating: 0, count: Int(length) / MemoryLayout<UInt32>.size + 1)
        }
        return nil
    }

    /// The `Groups:` line of /proc/PID/status, trusted only while that pid still has the
    /// peer's effective uid (the process may have exited and its pid been reused).
    private static func procGroups(pid: Int32, uid: UInt32) -> [UInt32]? {
        guard pid > 0, let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
            return nil
        }
        var groups: [UInt32]?
        var uidMatches = false
        for line in status.split(separator: "\n") {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.first == "Uid:", fields.count > 2 { uidMatches = UInt32(fields[2]) == uid }
            if fields.first == "Groups:" { groups = fields.dropFirst().compactMap { UInt32($0) } }
        }
        return uidMatches ? groups : nil
    }

    /// The groups the peer's account is in per the group database (the last resort).
    private static func accountGroups(uid: UInt32, gid: UInt32) -> [UInt32] {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var storage = [CChar](repeating: 0, count: 4096)
        guard getpwuid_r(uid, &entry, &storage, storage.count, &result) == 0, result != nil,
            let name = entry.pw_name
        else { return [] }
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, gid, &groups, &count) >= 0 else { return [] }
        }
        return Array(groups.prefix(Int(count)))
    }
}
