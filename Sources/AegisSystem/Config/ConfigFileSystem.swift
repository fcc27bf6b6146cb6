import Glibc

/// File-system questions of the environment check, answered with `stat(2)`.
enum ConfigFileSystem {
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The user's primary and supplementary groups.
    static func groups(of user: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 32
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, primary, &groups, &count) < 0 {
            // Too small: `count` now holds the size needed.
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(user, primary, &groups, &count) >= 0 else { return [primary] }
        }
        return Array(groups.prefix(Int(count)))
    }

    /// A directory on the way to a path that a user cannot pass through.
    struct Blockage: Equatable {
        var directory: String
        var mode: mode_t
        var isDirectory: Bool

        func explanation(user: String, target: String) -> String {
            guard isDirectory else { return "\(directory) is not a directory, so \(target) cannot be created" }
            let octal = String(mode & 0o7777, radix: 8)
            return "\(directory) is mode \(String(repeating: "0", count: max(0, 4 - octal.count)) + octal): "
                + "the service user \(user) cannot reach \(target); move state_dir or chmod o+x \(directory)"
        }
    }

    /// The first existing ancestor of `path` (`path` itself excluded: aegisd prepares it) that a
    /// process with `uid` and `groups` cannot search, using the owner/group/other bits the way
    /// the kernel does (the first class that matches decides; ACLs are not considered).
    static func firstUntraversableAncestor(of path: String, uid: uid_t, groups: [gid_t]) -> Blockage? {
        for ancestor in ancestors(of: path) {
            var info = stat()
            guard stat(ancestor, &info) == 0 else { return nil }  // the rest is created by aegisd
            guard (info.st_mode & S_IFMT) == S_IFDIR else {
                return Blockage(directory: ancestor, mode: info.st_mode, isDirectory: false)
            }
            if uid == 0 { continue }
            let searchable: Bool =
                if info.st_uid == uid { info.st_mode & S_IXUSR != 0 }
                else if groups.contains(info.st_gid) { info.st_mode & S_IXGRP != 0 }
                else { info.st_mode & S_IXOTH != 0 }
            if !searchable { return Blockage(directory: ancestor, mode: info.st_mode, isDirectory: true) }
        }
        return nil
    }

    /// `/a/b/c` → `/`, `/a`, `/a/b`, resolving `.` and `..` lexically.
    static func ancestors(of path: String) -> [String] {
        var components: [Substring] = []
        for component in path.split(separator: "/") where component != "." {
            if component == ".." { _ = components.popLast() } else { components.append(component) }
        }
        return (0..<components.count).map { "/" + components.prefix($0).joined(separator: "/") }
    }
}
