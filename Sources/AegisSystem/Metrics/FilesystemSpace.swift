import AegisCore
import Glibc

/// Free and total space of the filesystems holding aegisd's directories (statvfs).
public enum FilesystemSpace {
    /// Figures for each path that exists, in order; a path that cannot be read is left out.
    public static func figures(of paths: [String]) -> [FilesystemFigures] {
        var seen = Set<String>()
        return paths.compactMap { path in
            guard seen.insert(path).inserted else { return nil }
            var info = statvfs()
            guard statvfs(path, &info) == 0 else { return nil }
            let block = Double(info.f_frsize)
            return FilesystemFigures(
                path: path, availableBytes: Double(info.f_bavail) * block, sizeBytes: Double(info.f_blocks) * block)
        }
    }
}
