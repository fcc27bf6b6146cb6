import Glibc

/// Writes one backup file the only safe way: under a temporary name in the target directory
/// (`.name.partial`, never taken for a backup), fsynced, then renamed into place and the
/// directory fsynced. Until `commit()` the final name does not exist; if anything fails, or
/// the writer is dropped without a commit, the temporary file is removed and older backups are
/// never touched.
public final class BackupFileWriter {
    public let finalPath: String
    public let temporaryPath: String
    private var fd: Int32
    private var committed = false
    public private(set) var bytesWritten: Int64 = 0

    /// Creates the temporary file (mode 0600: a backup holds every row of a database). A stale
    /// temporary file of the same name, left by a crash, is replaced.
    public init(directory: String, fileName: String, temporaryName: String) throws(SystemError) {
        finalPath = "\(directory)/\(fileName)"
        temporaryPath = "\(directory)/\(temporaryName)"
        guard !FileSystem.exists(finalPath) else {
            throw SystemError("\(finalPath) already exists; refusing to overwrite a backup")
        }
        unlink(temporaryPath)
        fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .errno("cannot create \(temporaryPath)") }
    }

    deinit {
        if !committed { abandon() }
    }

    /// Appends `bytes`. A full disk is reported as such, with the path, so the operator knows
    /// which file system to free.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                let code = errno
                if code == EINTR { continue }
                throw Self.failure(writing: temporaryPath, code: code)
            }
            offset += written
        }
        bytesWritten += Int64(bytes.count)
    }

    /// fsync, rename into place, fsync the directory. After this the backup exists.
    public func commit() throws(SystemError) {
        precondition(!committed && fd >= 0, "commit twice")
        guard fsync(fd) == 0 else { throw Self.failure(writing: temporaryPath, code: errno) }
        close(fd)
        fd = -1
        // link + unlink rather than rename: link fails if the final name appeared meanwhile,
        // so a backup is never replaced behind our back.
        guard link(temporaryPath, finalPath) == 0 else { throw .errno("cannot move \(temporaryPath) to \(finalPath)") }
        committed = true
        unlink(temporaryPath)
        FileSystem.syncDirectory(of: finalPath)
    }

    /// Closes and removes the temporary file.
    public func abandon() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        unlink(temporaryPath)
    }

    static func failure(writing path: String, code: Int32) -> SystemError {
        switch code {
        case ENOSPC, EDQUOT:
            SystemError("the disk is full while writing \(path) (\(String(cString: strerror(code)))); "
                + "free space in that file system or move backup.directory; older backups are untouched")
        default:
            .errno("cannot write \(path)", code)
        }
    }
}
