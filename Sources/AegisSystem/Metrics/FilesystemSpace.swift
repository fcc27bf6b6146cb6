import AegisCore
import Glibc

/// Free and total space of the filesystems holding aegisd's directories (statvfs).
public enum FilesystemSpace {
    /// Figures for each path, in order. A directory not made yet (the backup directory before
    /// the first backup) is reported by its nearest existing parent, which is where it will be;
    /// a path that cannot be read at all is left out.
    public static func figures(of paths: [String]) -> [FilesystemFigures] {
        var seen = Set<String>()
        return paths.compactMap { path in
            guard seen.insert(path).inserted else { return nil }
            var info = statvfs()
            var probe = path
            while statvfs(probe, &info) != 0 {
                guard errno == ENOENT, probe != "/", !probe.isEmpty else { return nil }
                probe = parent(of: probe)
            }
            let block = Double(info.f_frsize)
            return FilesystemFigures(
                path: path, availableBytes: Double(info.f_bavail) * block, sizeBytes: Double(info.f_blocks) * block)
        }
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "/" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
