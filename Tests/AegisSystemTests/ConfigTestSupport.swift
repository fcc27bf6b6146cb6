import Foundation
import Glibc

/// A fresh directory under /tmp for one test, removed by `remove()`.
struct ConfigTestDirectory {
    let path: String

    init(_ prefix: String = "aegis-config") throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        path = String(cString: made)
    }

    /// Writes `contents` to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ name: String, _ contents: String, mode: mode_t = 0o644) throws -> String {
        let file = "\(path)/\(name)"
        try FileManager.default.createDirectory(
            atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try contents.write(toFile: file, atomically: false, encoding: .utf8)
        chmod(file, mode)
        return file
    }

    func makeDirectory(_ name: String, mode: mode_t) throws -> String {
        let directory = "\(path)/\(name)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        chmod(directory, mode)
        return directory
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The package's root, for the checked-in example and documentation.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// An account to test the service-user checks with: `aegis` when the Makefile created it.
    static var serviceUser: String { getpwnam("aegis") != nil ? "aegis" : "nobody" }
}
