import Glibc

/// Passwords live in files of their own (0600), never in the configuration, argv or logs.
public enum SecretFile {
    /// Reads the secret at `path`, generating a new random one first when the file does not exist.
    /// Creation is exclusive: when several callers find the file missing at once (the three
    /// PostgreSQL instances and pgBackRest's one cipher passphrase), the first to link its file
    /// into place wins and the others read that secret, so no one keeps a secret that was
    /// overwritten.
    public static func readOrCreate(_ path: String, length: Int = 32) throws(SystemError) -> String {
        if let existing = try read(path) { return existing }
        let secret = generate(length: length)
        let staged = try FileSystem.stage(path, contents: secret + "\n", mode: 0o600)
        defer { FileSystem.remove(staged) }
        if link(staged, path) == 0 {
            FileSystem.syncDirectory(of: path)
            return secret
        }
        guard errno == EEXIST, let existing = try read(path) else { throw .errno("cannot create \(path)") }
        return existing
    }

    /// Writes a new secret file (mode 0600) by staging and linking it into place, so that a
    /// reader never sees half of it and an existing file is refused rather than replaced.
    public static func createExclusively(_ path: String, contents: String) throws(SystemError) {
        if FileSystem.exists(path) { throw SystemError("\(path) already exists; choose another file or remove it first") }
        let staged = try FileSystem.stage(path, contents: contents, mode: 0o600)
        defer { FileSystem.remove(staged) }
        guard link(staged, path) == 0 else {
            throw errno == EEXIST
                ? SystemError("\(path) already exists; choose another file or remove it first") : .errno("cannot create \(path)")
        }
        FileSystem.syncDirectory(of: path)
    }

    /// The secret in an existing file, or nil when there is none; refuses a file others can read.
    private static func read(_ path: String) throws(SystemError) -> String? {
        if let existing = try FileSystem.read(path) {
            var info = stat()
            if stat(path, &info) == 0, info.st_mode & 0o077 != 0 {
                throw SystemError(
                    "\(path) is readable by group or others (mode \(String(info.st_mode & 0o777, radix: 8))); "
                        + "run `chmod 600 \(path)`")
            }
            let secret = existing.trimmingTrailingWhitespace
            guard !secret.isEmpty else { throw SystemError("\(path) is empty; delete it to have a new secret generated") }
            return secret
        }
        return nil
    }

    /// 32 random characters from [A-Za-z0-9]: about 190 bits, and nothing that needs quoting in
    /// a URL, a redis.conf or a shell.
    public static func generate(length: Int = 32) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet.randomElement(using: &generator)! })
    }
}
