import AegisCore
import Glibc

/// Certificates an operator supplied (`[tls] operator_dir`) instead of the built-in CA's, laid
/// out like its tree: `ca/ca.crt` (the CA bundle clients trust; no key), `postgres/<instance>/`,
/// `redis/` with `server.crt` (leaf first, then any intermediates) and `server.key`, optionally
/// `clients/<app>/client.crt|key`. aegisd never writes there. It checks the files before the
/// servers start and in `config check`, so a server never fails on them half-way, shows them in
/// `certs status`, and reloads the servers when asked (`certs rotate`) after the operator has
/// replaced them.
public struct OperatorCertificates: Sendable {
    public let layout: CertificateLayout

    /// What clients dial: `aegisctl connect-info` gives `host=localhost` with `verify-full`.
    public static let requiredNames = ["localhost"]

    public init(layout: CertificateLayout) {
        self.layout = layout
    }

    /// One thing to fix, with the certificate it concerns.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public var role: CertificateRole
        public var problem: String
        public var description: String { "certificate \(role): \(problem)" }
    }

    /// Everything that would make a server refuse its certificate or a client refuse the server:
    /// every server's pair is required; an app's client pair is checked when it is there.
    ///
    /// - Parameter keyReader: the account the servers run as; when given, each server key must
    ///   be usable by it the way PostgreSQL demands (owned by it, mode 0600 or less; or owned by
    ///   root, its group, mode 0640 or less).
    public func findings(
        services: [ServiceID], apps: [PostgresInstance] = PostgresInstance.allCases, now: UTCTimestamp,
        keyReader: ServiceAccount? = nil
    ) -> [Finding] {
        var findings: [Finding] = []
        let bundle = layout.ca.certificate
        if let problem = bundleProblem(now: now) { findings.append(Finding(role: .ca, problem: problem)) }
        for service in services {
            let pair = layout.server(service)
            let problems = CertificateValidator.problems(
                certificatePath: pair.certificate, keyPath: pair.key, caBundlePath: bundle, now: now,
                requiredNames: Self.requiredNames)
            findings += problems.map { Finding(role: .server(service), problem: $0.description) }
            if let keyReader, let problem = Self.keyOwnershipProblem(pair.key, reader: keyReader) {
                findings.append(Finding(role: .server(service), problem: problem))
            }
        }
        for app in apps where FileSystem.exists(layout.client(app).certificate) {
            let pair = layout.client(app)
            let problems = CertificateValidator.problems(
                certificatePath: pair.certificate, keyPath: pair.key, caBundlePath: bundle, now: now)
            findings += problems.map { Finding(role: .client(app), problem: $0.description) }
        }
        return findings
    }

    /// `aegisctl certs status` for the operator's files: the CA bundle's first certificate, the
    /// servers, and the client pairs that exist.
    public func status(services: [ServiceID], apps: [PostgresInstance] = PostgresInstance.allCases, now: UTCTimestamp) -> [CertificateStatus] {
        let findings = findings(services: services, apps: apps, now: now)
        func entry(_ role: CertificateRole, _ pair: CertificateLayout.Pair, keyPath: String) -> CertificateStatus {
            let info = try? PEMFile.certificate(pair.certificate).info
            let problems = findings.filter { $0.role == role }.map(\.problem)
            return CertificateStatus(
                role: role, certificatePath: pair.certificate, keyPath: keyPath, info: info,
                daysLeft: info?.daysLeft(now: now), problem: problems.isEmpty ? nil : problems.joined(separator: "; "))
        }
        return [entry(.ca, layout.ca, keyPath: "")]
            + services.map { entry(.server($0), layout.server($0), keyPath: layout.server($0).key) }
            + apps.filter { FileSystem.exists(layout.client($0).certificate) }
                .map { entry(.client($0), layout.client($0), keyPath: layout.client($0).key) }
    }

    private func bundleProblem(now: UTCTimestamp) -> String? {
        let path = layout.ca.certificate
        let anchors: [Certificate]
        do {
            anchors = try PEMFile.certificates(at: path)
        } catch {
            return PEMFile.problem(error, path: path, expected: "PEM CA certificates").description
        }
        guard let first = anchors.first else { return "\(path) holds no certificate" }
        if first.info.notAfter < now { return CertificateProblem.expired(path: path, notAfter: first.info.notAfter).description }
        return nil
    }

    /// PostgreSQL's own rule for `ssl_key_file` (it refuses to start otherwise), which also
    /// guarantees Redis can read the key.
    static func keyOwnershipProblem(_ path: String, reader: ServiceAccount) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }  // reported as unreadable already
        let mode = UInt32(info.st_mode & 0o7777)
        if info.st_uid == reader.uid, mode & 0o077 == 0 { return nil }
        if info.st_uid == 0, info.st_gid == reader.gid, mode & 0o037 == 0 { return nil }
        return "\(path) must be owned by \(reader.name) with mode 0600, or by root with group \(reader.name) and mode 0640, "
            + "so that the servers (running as \(reader.name)) can use it: "
            + "chown \(reader.name) '\(path)' && chmod 600 '\(path)'"
    }
}
