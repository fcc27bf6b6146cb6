import AegisCore
import Glibc

/// Reads the backup passphrase file the way every secret is read: it must be a regular file
/// that only its owner can read or write (0600 or 0400); its bytes become a passphrase by the
/// one rule of `BackupPassphrase`. Sealing, restore, drills and `config check` all come here.
public enum PassphraseFile {
    /// Longer than any passphrase anyone types; a bigger file is the wrong file.
    public static let sizeLimit = 64 * 1024

    /// Why the file gives no passphrase. The description names the file and what to do, and
    /// never quotes its contents.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        case missing(path: String)
        case unreadable(path: String, reason: String)
        case notRegularFile(path: String)
        case tooOpen(path: String, mode: mode_t)
        case tooLarge(path: String)
        case invalid(path: String, BackupPassphrase.Problem)

        /// The file is there but wrong (a configuration error), rather than absent or out of
        /// this user's reach (aegisd still runs; each backup fails until it is fixed).
        public var isMisconfiguration: Bool {
            switch self {
            case .missing, .unreadable: false
            case .notRegularFile, .tooOpen, .tooLarge, .invalid: true
            }
        }

        public var description: String {
            switch self {
            case .missing(let path):
                "the backup passphrase file \(path) does not exist; write the passphrase into it (one line, mode 0600) "
                    + "or set backup.passphrase_file"
            case .unreadable(let path, let reason):
                "cannot read the backup passphrase file \(path): \(reason)"
            case .notRegularFile(let path):
                "the backup passphrase file \(path) is not a regular file; write the passphrase into a file (mode 0600)"
            case .tooOpen(let path, let mode):
                "the backup passphrase file \(path) is readable or writable by group or others "
                    + "(mode \(String(mode & 0o777, radix: 8))); run `chmod 600 \(path)`"
            case .tooLarge(let path):
                "the backup passphrase file \(path) is larger than \(PassphraseFile.sizeLimit / 1024) KiB, too large "
                    + "for a passphrase; write the passphrase alone into it, on one line"
            case .invalid(let path, let problem):
                problem.explanation(path: path)
            }
        }
    }

    /// The passphrase in `path`.
    public static func read(_ path: String) throws(Failure) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { throw .missing(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(code)))
        }
        defer { close(fd) }
        // The checks are made on the file that was opened, not on the name a moment earlier.
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notRegularFile(path: path) }
        guard info.st_mode & 0o077 == 0 else { throw .tooOpen(path: path, mode: info.st_mode) }
        let bytes: [UInt8]?
        do {
            bytes = try SmallFileReader.readAll(fd, limit: sizeLimit, what: "read")
        } catch {
            throw .unreadable(path: path, reason: error.message)
        }
        guard let bytes else { throw .tooLarge(path: path) }
        do {
            return try BackupPassphrase.parse(bytes)
        } catch {
            throw .invalid(path: path, error)
        }
    }
}
