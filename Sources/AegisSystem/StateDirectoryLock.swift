import Glibc

/// One aegisd per state directory, for as long as the process lives.
///
/// The control socket alone cannot guarantee it: a second aegisd would find out only after it
/// had prepared certificates and cleared what it took for an interrupted restore's leftovers,
/// which, with the first one running, are that one's files in use. An `flock` on a file in the
/// state tree is taken before any of that and is released by the kernel when the holder dies
/// (`kill -9` included), so a restarted aegisd never finds a stale lock. The descriptor is
/// close-on-exec: a server left running by a killed aegisd must not keep holding it.
public final class StateDirectoryLock: Sendable {
    public let path: String
    private let descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Takes the lock at `path` (creating the file) and writes this process's pid into it, or
    /// throws naming the holder's pid when another process has it.
    public static func acquire(_ path: String) throws(SystemError) -> StateDirectoryLock {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .errno("cannot open the state directory's lock \(path)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let code = errno
            let holder = holderPid(fd)
            close(fd)
            guard code == EWOULDBLOCK else { throw .errno("cannot lock \(path)", code) }
            throw SystemError("another aegisd\(holder.map { " (pid \($0))" } ?? "") is running on this state directory "
                + "(it holds \(path)); stop it first (`systemctl stop aegisd`), or give this one its own daemon.state_dir")
        }
        // The pid is for the message above only; the lock itself is the flock.
        let pid = Array("\(getpid())\n".utf8)
        if ftruncate(fd, 0) == 0 {
            _ = pid.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        }
        return StateDirectoryLock(path: path, descriptor: fd)
    }

    /// The pid the holder wrote, when it is readable.
    private static func holderPid(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return Int32(String(decoding: buffer[..<count], as: UTF8.self).split(separator: "\n").first ?? "")
    }
}
