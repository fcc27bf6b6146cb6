import AegisCore
import Glibc

/// The built-in CA's files under the state directory (`CertificateLayout`): reads what is
/// there, asks `CertificatePlan` what to issue, and writes the result atomically.
///
/// Holds no state of its own; the daemon calls it from one place at a time (the start-up path,
/// the renewal timer and `certs rotate` must not run concurrently, or two writers would race
/// on the same files).
public struct CertificateStore: Sendable {
    public let layout: CertificateLayout

    public init(layout: CertificateLayout) {
        self.layout = layout
    }

    /// The host's own name, for server subjectAltNames; empty when it cannot be read.
    public static var defaultHostNames: [String] {
        HostName.current().map { [$0] } ?? []
    }

    /// Creates the CA when it is missing, issues missing certificates, and re-issues those that
    /// are expired, due for renewal, or whose names differ from what is wanted. Returns what it
    /// changed, CA first; an empty list means nothing was touched.
    ///
    /// - Parameters:
    ///   - services: services that get a server certificate (CN = service name).
    ///   - apps: app services that get a client certificate (CN = `clientCommonNames[app]` or
    ///     the app's login role, `aegis_<app>_user`).
    ///   - hostNames: names of this host for the server SANs, after localhost, 127.0.0.1, ::1.
    ///   - extraNames: further SANs from the configuration.
    ///   - serverKeyOwner: the account that reads the server keys (the services' user); the
    ///     CA and client keys stay with aegisd's own user.
    public func ensure(
        services: [ServiceID], apps: [PostgresInstance], hostNames: [String] = defaultHostNames, extraNames: [String] = [],
        clientCommonNames: [PostgresInstance: String] = [:], metricsEndpoint: MetricsEndpoint? = nil,
        policy: CertificatePolicy = CertificatePolicy(), now: UTCTimestamp, serverKeyOwner: ServiceAccount? = nil
    ) throws(SystemError) -> [CertificateChange] {
        let requests = Self.requests(
            services: services, apps: apps, hostNames: hostNames, extraNames: extraNames, clientCommonNames: clientCommonNames,
            metricsEndpoint: metricsEndpoint)
        return try run(requests, policy: policy, now: now, rotation: .none, serverKeyOwner: serverKeyOwner)
    }

    /// `aegisctl certs rotate`: re-issues every leaf with a new key and serial. The CA is kept
    /// unless `includingCA`, because a new CA must be handed to every app.
    public func rotate(
        services: [ServiceID], apps: [PostgresInstance], hostNames: [String] = defaultHostNames, extraNames: [String] = [],
        clientCommonNames: [PostgresInstance: String] = [:], metricsEndpoint: MetricsEndpoint? = nil,
        policy: CertificatePolicy = CertificatePolicy(), now: UTCTimestamp, serverKeyOwner: ServiceAccount? = nil,
        includingCA: Bool = false
    ) throws(SystemError) -> [CertificateChange] {
        let requests = Self.requests(
            services: services, apps: apps, hostNames: hostNames, extraNames: extraNames, clientCommonNames: clientCommonNames,
            metricsEndpoint: metricsEndpoint)
        return try run(requests, policy: policy, now: now, rotation: includingCA ? .all : .leaves, serverKeyOwner: serverKeyOwner)
    }

    /// What `ensure` would issue for these services (and the metrics endpoint, when it serves
    /// HTTPS with an issued certificate), with names in the form certificates hold them, so that
    /// `0:0::1` in the configuration does not look like a change from `::1`.
    static func requests(
        services: [ServiceID], apps: [PostgresInstance], hostNames: [String], extraNames: [String],
        clientCommonNames: [PostgresInstance: String], metricsEndpoint: MetricsEndpoint? = nil
    ) -> [CertificateRequest] {
        // Canonical before the request drops duplicates, so `0:0::1` and `::1` count as one.
        let hostNames = hostNames.map(SubjectAltName.canonical)
        let extraNames = extraNames.map(SubjectAltName.canonical)
        // A wildcard listen address is no name a scraper can verify.
        let metricsAddress = metricsEndpoint.map(\.address).flatMap { ["0.0.0.0", "::"].contains($0) ? nil : SubjectAltName.canonical($0) }
        let metrics = metricsEndpoint.map { _ in
            CertificateRequest.metrics(hostNames: hostNames, extraNames: extraNames, listenAddress: metricsAddress)
        }
        return services.map { CertificateRequest.server($0, hostNames: hostNames, extraNames: extraNames) }
            + (metrics.map { [$0] } ?? [])
            + apps.map { CertificateRequest.client($0, role: clientCommonNames[$0]) }
    }

    private func run(
        _ requests: [CertificateRequest], policy: CertificatePolicy, now: UTCTimestamp,
        rotation: CertificatePlan.Rotation, serverKeyOwner: ServiceAccount?
    ) throws(SystemError) -> [CertificateChange] {
        let (caCondition, existingCA) = inspectCA()
        let leaves = requests.map { (request: $0, condition: inspect(layout.pair(for: $0.role), ca: existingCA)) }
        let changes: [CertificateChange]
        do {
            changes = try CertificatePlan.make(ca: caCondition, leaves: leaves, policy: policy, now: now, rotation: rotation)
        } catch {
            throw SystemError(error.message)
        }
        guard !changes.isEmpty else { return [] }

        try FileSystem.makeDirectory(layout.root, mode: 0o755)
        var ca = existingCA
        if changes.first?.role == .ca {
            ca = try crypto { () throws(CryptoError) in
                try CertificateAuthority.create(validity: .days(policy.caValidityDays, from: now))
            }
            try write(ca!.certificate, key: ca!.key, to: layout.ca, keyOwner: nil)
        }
        guard let ca else { preconditionFailure("the plan issues leaves without a usable CA") }
        let requestsByRole = Dictionary(uniqueKeysWithValues: requests.map { ($0.role, $0) })
        for change in changes where change.role != .ca {
            let request = requestsByRole[change.role]!
            let (certificate, key) = try crypto { () throws(CryptoError) in
                let key = try PrivateKey.generateP256()
                return (try ca.issue(request, key: key, validity: .days(policy.leafValidityDays, from: now)), key)
            }
            try write(certificate, key: key, to: layout.pair(for: change.role), keyOwner: change.role.service == nil ? nil : serverKeyOwner)
        }
        return changes
    }

    /// Both files are written and fsynced first, then put in place certificate first and key
    /// right after, microseconds apart. Every server reads a pair in that order too (PostgreSQL,
    /// Redis and Go's tls.LoadX509KeyPair: certificate, then key): a server starting during a
    /// renewal would need both of its reads inside those microseconds to see a new certificate
    /// with the old key, where writing the files one after the other (milliseconds apart) made a
    /// starting postmaster fail with "key values mismatch" now and then. A crash between the two
    /// renames leaves a pair that does not match, which the next `ensure` sees as unusable and
    /// re-issues before any server starts. Running servers are reloaded only after both are in
    /// place.
    private func write(_ certificate: Certificate, key: PrivateKey, to pair: CertificateLayout.Pair, keyOwner: ServiceAccount?) throws(SystemError) {
        let directory = String(pair.certificate[..<pair.certificate.lastIndex(of: "/")!])
        try FileSystem.makeDirectory(directory, mode: 0o755)
        let keyPEM = try crypto { () throws(CryptoError) in try key.pemEncoded() }
        let certificatePEM = try crypto { () throws(CryptoError) in try certificate.pemEncoded() }
        // 0600 and owned by its reader: PostgreSQL refuses a key that others can read.
        let stagedKey = try FileSystem.stage(pair.key, contents: keyPEM, mode: 0o600, owner: keyOwner)
        let stagedCertificate: String
        do {
            stagedCertificate = try FileSystem.stage(pair.certificate, contents: certificatePEM, mode: 0o644)
        } catch {
            FileSystem.remove(stagedKey)
            throw error
        }
        do {
            try FileSystem.commit(stagedCertificate, to: pair.certificate)
        } catch {
            FileSystem.remove(stagedKey)
            throw error
        }
        try FileSystem.commit(stagedKey, to: pair.key)
        FileSystem.syncDirectory(of: pair.key)
    }

    private func crypto<T>(_ body: () throws(CryptoError) -> T) throws(SystemError) -> T {
        do {
            return try body()
        } catch {
            throw SystemError(error.description)
        }
    }
}
