import Foundation
import Glibc

extension ControlServer {
    /// Makes the directory, clears a stale socket, binds, sets mode and owner, then listens.
    /// Mode and owner are set before `listen()`: until then nobody can connect, so there is no
    /// window in which the socket is reachable with the umask's permissions.
    func openListener() throws(ControlServerError) -> Listener {
        guard path.utf8.count <= UnixSocket.maxPathBytes, !path.isEmpty else {
            throw ControlServerError(
                code: .unusablePath,
                message: "control socket path \(path) is \(path.utf8.count) bytes; Unix sockets allow at most \(UnixSocket.maxPathBytes)")
        }
        try makeParentDirectory()
        try removeStaleSocket()

        let fd: Int32
        do { fd = try UnixSocket.makeStream() } catch { throw systemError(error) }
        do throws(ControlServerError) {
            let bound = UnixSocket.withAddress(path) { bind(fd, $0, $1) } ?? -1
            if bound != 0 {
                let code = errno
                if code == EADDRINUSE {
                    // Someone created the path between our check and bind: most likely a second
                    // aegisd starting at the same moment.
                    throw ControlServerError(code: .alreadyRunning, message: "control socket \(path) appeared while starting; is another aegisd starting?")
                }
                throw systemError(UnixSocket.Failure(operation: "bind \(path)", code: code))
            }
            guard chmod(path, 0o660) == 0 else { throw systemError(UnixSocket.Failure(operation: "chmod 0660 \(path)", code: errno)) }
            try setOwner()
            guard Glibc.listen(fd, 64) == 0 else { throw systemError(UnixSocket.Failure(operation: "listen \(path)", code: errno)) }
            guard let info = UnixSocket.status(of: path) else {
                throw systemError(UnixSocket.Failure(operation: "stat \(path)", code: errno))
            }
            let stop: StopPipe
            do { stop = try StopPipe() } catch { throw ControlServerError(code: .system, message: "control socket: \(error)") }
            logger.info("control socket listening", metadata: ["path": "\(path)"])
            return Listener(fd: fd, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), stop: stop)
        } catch {
            Glibc.close(fd)
            throw error
        }
    }

    private func makeParentDirectory() throws(ControlServerError) {
        let parent = (path as NSString).deletingLastPathComponent
        guard !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) else { return }
        do {
            try FileManager.default.createDirectory(
                atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        } catch {
            throw ControlServerError(code: .unusablePath, message: "cannot create the control socket directory \(parent): \(error)")
        }
    }

    /// A socket file left by a daemon that died is removed; one that still answers belongs to a
    /// running daemon, and starting a second one on top of it would steal its socket.
    private func removeStaleSocket() throws(ControlServerError) {
        guard let info = UnixSocket.status(of: path) else { return }
        guard UnixSocket.isSocket(info) else {
            throw ControlServerError(
                code: .unusablePath, message: "\(path) exists and is not a socket; remove it or set daemon.socket to another path")
        }
        let probe: Int32
        do { probe = try UnixSocket.makeStream() } catch { throw systemError(error) }
        defer { Glibc.close(probe) }
        let result = UnixSocket.withAddress(path) { connect(probe, $0, $1) == 0 ? 0 : errno } ?? ENAMETOOLONG
        switch result {
        case 0, EAGAIN:
            // EAGAIN: a listener with a full backlog — still very much alive.
            throw ControlServerError(
                code: .alreadyRunning,
                message: "another process is already serving the control socket \(path) (is aegisd already running? see `systemctl status aegisd`)")
        case ECONNREFUSED:
            guard unlink(path) == 0 || errno == ENOENT else {
                throw systemError(UnixSocket.Failure(operation: "remove stale socket \(path)", code: errno))
            }
            logger.notice("removed stale control socket left by a previous run", metadata: ["path": "\(path)"])
        case ENOENT:
            return
        default:
            throw systemError(UnixSocket.Failure(operation: "probe existing socket \(path)", code: result))
        }
    }

    /// root:socketGroup when root (the group is how operators get in). As another user we can
    /// only hand the socket to a group we belong to; failing that is worth a warning, not a stop.
    /// A socket that already has its group is left alone: under systemd (User=aegis, whose
    /// primary group is the socket group) chown(2) is denied by the unit's system call filter.
    private func setOwner() throws(ControlServerError) {
        guard let socketGroup else { return }
        var info = stat()
        if geteuid() != 0, stat(path, &info) == 0, info.st_gid == socketGroup { return }
        if geteuid() == 0 {
            guard chown(path, 0, socketGroup) == 0 else {
                throw systemError(UnixSocket.Failure(operation: "chown root:\(socketGroup) \(path)", code: errno))
            }
        } else if chown(path, uid_t.max, socketGroup) != 0 {
            logger.warning(
                "cannot give the control socket to its group; only this user can use it",
                metadata: ["path": "\(path)", "gid": "\(socketGroup)", "error": "\(String(cString: strerror(errno)))"])
        }
    }

    private func systemError(_ failure: UnixSocket.Failure) -> ControlServerError {
        ControlServerError(code: .system, message: "control socket: \(failure)")
    }
}
