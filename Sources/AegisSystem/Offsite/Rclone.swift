import AegisCore
import Foundation
import Glibc
import Synchronization

/// rclone as a subprocess: aegisd never speaks S3 itself. Every command runs with
/// `--config FILE`, a clean environment (no inherited `AWS_*` or proxy variables: this
/// environment's `AWS_CA_BUNDLE`, for one, makes rclone 1.60 fail every S3 call) and a deadline
/// after which its process group is killed.
public struct Rclone: Sendable {
    public let executable: String
    public let configFile: String
    public let bandwidthLimit: String
    public let timeout: Duration

    /// Checks the configuration file before any command: it holds the store's credentials, so it
    /// must be a regular file that only its owner can read (0600).
    public init(configFile: String, bandwidthLimit: String = "", timeout: Duration) throws(SystemError) {
        guard let executable = FileSystem.findExecutable("rclone") else {
            throw SystemError("rclone is not installed (apt-get install rclone): off-host copies need it")
        }
        guard let mode = fileMode(configFile) else {
            throw SystemError.errno("offsite.rclone_config \(configFile) cannot be read")
        }
        guard mode & S_IFMT == S_IFREG else {
            throw SystemError("offsite.rclone_config \(configFile) is not a regular file")
        }
        guard mode & 0o077 == 0 else {
            throw SystemError(
                "offsite.rclone_config \(configFile) is readable by others (mode \(String(mode & 0o777, radix: 8))): "
                    + "it holds the store's credentials; run chmod 600 \(configFile)")
        }
        self.executable = executable
        self.configFile = configFile
        self.bandwidthLimit = bandwidthLimit
        self.timeout = timeout
    }

    /// One object in the store, as `rclone lsjson --hash` reports it.
    public struct Object: Sendable, Equatable, Decodable {
        public var name: String
        public var size: Int64
        public var md5: String?

        enum CodingKeys: String, CodingKey {
            case name = "Name", size = "Size", hashes = "Hashes", isDir = "IsDir"
        }

        public init(name: String, size: Int64, md5: String?) {
            self.name = name
            self.size = size
            self.md5 = md5
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            size = try container.decode(Int64.self, forKey: .size)
            md5 = try container.decodeIfPresent([String: String].self, forKey: .hashes)?["md5"]
        }
    }

    /// Uploads `localFile` to `remotePath` (the object's full path). rclone's own retries are
    /// cut down to one: aegisd retries with its own backoff, and a deadline must bound the try.
    public func upload(_ localFile: String, to remotePath: String) async throws(SystemError) {
        var arguments = ["copyto", localFile, remotePath, "--retries", "1", "--low-level-retries", "2"]
        if !bandwidthLimit.isEmpty { arguments += ["--bwlimit", bandwidthLimit] }
        _ = try await run(arguments, what: "upload of \(localFile)")
    }

    /// The objects directly under `remoteDirectory` (empty when it does not exist yet).
    public func list(_ remoteDirectory: String) async throws(SystemError) -> [Object] {
        let output = try await run(
            ["lsjson", "--hash", "--hash-type", "MD5", "--files-only", "--low-level-retries", "2", remoteDirectory],
            what: "listing of \(remoteDirectory)")
        do {
            return try JSONDecoder().decode([Object].self, from: Data(output.utf8))
        } catch {
            throw SystemError("rclone lsjson printed something that is not its JSON listing: \(error)")
        }
    }

    /// One object's size and MD5 as the store reports them; nil when it does not exist.
    public func object(at remotePath: String) async throws(SystemError) -> Object? {
        let output = try await run(
            ["lsjson", "--hash", "--hash-type", "MD5", "--files-only", "--low-level-retries", "2", remotePath],
            what: "listing of \(remotePath)")
        do {
            return try JSONDecoder().decode([Object].self, from: Data(output.utf8)).first
        } catch {
            throw SystemError("rclone lsjson printed something that is not its JSON listing: \(error)")
        }
    }

    /// A small object's contents (a manifest).
    public func read(_ remotePath: String) async throws(SystemError) -> String {
        try await run(["cat", "--low-level-retries", "2", remotePath], what: "download of \(remotePath)")
    }

    /// Streams an object into `fd` (closed once rclone has it), without a local copy. The
    /// deadline covers the whole transfer.
    public func stream(_ remotePath: String, into fd: Int32) async throws(SystemError) {
        _ = try await run(["cat", "--low-level-retries", "2", remotePath], rawStdout: fd, what: "download of \(remotePath)")
    }

    public func delete(_ remotePath: String) async throws(SystemError) {
        _ = try await run(["deletefile", "--retries", "1", remotePath], what: "removal of \(remotePath)")
    }

    /// The environment rclone gets: nothing of aegisd's own.
    public static let environment: [String: String] = LaunchSpec.baseEnvironment.merging(["HOME": "/nonexistent"]) { $1 }

    /// Runs one rclone command; returns its standard output (unless `rawStdout` takes it).
    /// Throws with rclone's own error lines when it fails, and kills it at the deadline or when
    /// the calling task is cancelled (aegisd stopping).
    func run(_ arguments: [String], rawStdout: Int32? = nil, what: String) async throws(SystemError) -> String {
        let spec = LaunchSpec(
            executable: executable, arguments: ["--config", configFile, "--contimeout", "10s"] + arguments,
            environment: Self.environment, workingDirectory: "/",
            account: ServiceAccount(name: "aegisd", uid: getuid(), gid: getgid(), switchesUser: false))
        let output = CollectedOutput()
        let child = ChildWatch()
        let timeout = timeout
        let status: ExitStatus
        do {
            status = try await withThrowingTaskGroup(of: ExitStatus?.self) { group in
                group.addTask {
                    defer { child.finished() }
                    return try await ChildProcess.run(
                        spec, rawStdout: rawStdout,
                        onLines: { stream, lines in output.add(lines, from: stream) },
                        onSpawn: { pid in child.spawned(pid) })
                }
                group.addTask {
                    // Ends at the deadline, or at once when the group is cancelled: either
                    // way a child still running is killed with its process group.
                    try? await Task.sleep(for: timeout)
                    if !Task.isCancelled { child.timedOut() }
                    child.kill()
                    return nil
                }
                while let result = try await group.next() {
                    if let result {
                        group.cancelAll()
                        return result
                    }
                }
                throw CancellationError()
            }
        } catch let error as SystemError {
            throw error
        } catch {
            throw SystemError("rclone \(what) was stopped: \(error)")
        }
        if child.didTimeOut {
            throw SystemError("rclone \(what) did not finish within \(timeout.components.seconds) s (offsite.upload_timeout_s) and was killed")
        }
        guard status == .exited(0) else {
            let lines = output.stderr.withLock { $0 }
            throw SystemError("rclone \(what) failed (\(status)): \(advice(lines) ?? "")\(Self.reason(lines))")
        }
        return output.stdout.withLock { $0 }.joined(separator: "\n")
    }

    /// What the failure means for the operator (a refusal of the credentials, which rclone shows
    /// only as "Forbidden"; a full store; a server error), put before rclone's own words.
    func advice(_ lines: [String]) -> String? {
        StoreErrorAdvice.classify(lines.joined(separator: "\n")).map { "\($0.text(configFile: configFile)); rclone said: " }
    }

    /// rclone's last error lines, without their time stamps; what the operator needs to see.
    static func reason(_ lines: [String]) -> String {
        let errors = lines.filter { $0.contains("ERROR") || $0.contains("Failed") || $0.contains("error") || $0.contains("NOTICE") }
        let chosen = (errors.isEmpty ? lines : errors).suffix(3).map { line -> String in
            // "2026/12/01 00:17:50 ERROR : f.txt: Failed to copy: …"
            let parts = line.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
            return parts.count == 3 && parts[0].count == 10 && parts[0].contains("/") ? String(parts[2]) : line
        }
        return chosen.isEmpty ? "no message" : chosen.joined(separator: " | ")
    }
}

/// What one rclone run printed: all of stdout (a listing, a manifest), the end of stderr.
private final class CollectedOutput: Sendable {
    let stdout = Mutex<[String]>([])
    let stderr = Mutex<[String]>([])

    func add(_ lines: [String], from stream: OutputStreamKind) {
        switch stream {
        case .stdout: stdout.withLock { $0 += lines }
        case .stderr: stderr.withLock { $0 = Array(($0 + lines).suffix(40)) }
        }
    }
}

/// The mode of `path` (type and permission bits), nil when it cannot be read.
private func fileMode(_ path: String) -> mode_t? {
    var info = stat()
    return stat(path, &info) == 0 ? info.st_mode : nil
}

/// The pid of one rclone run, for the watchdog: killed only while it still runs, so a pid
/// reused after the child was reaped is never hit.
private final class ChildWatch: Sendable {
    private struct State {
        var pid: Int32?
        var finished = false
        var timedOut = false
    }

    private let state = Mutex(State())

    func spawned(_ pid: Int32) { state.withLock { $0.pid = pid } }
    func finished() { state.withLock { $0.finished = true } }
    func timedOut() { state.withLock { $0.timedOut = true } }
    var didTimeOut: Bool { state.withLock { $0.timedOut } }

    func kill() {
        state.withLock { state in
            guard !state.finished, let pid = state.pid else { return }
            // Its own process group (ChildProcess): rclone's helpers go with it.
            _ = Glibc.kill(-pid, SIGKILL)
        }
    }
}
