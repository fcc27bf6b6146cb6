import AegisCore

extension CertificateStore {
    /// `aegisctl certs status`: the CA, then each service's server certificate (and the metrics
    /// endpoint's, when `metrics`) and each app's client certificate, with what it says and,
    /// when it cannot be used, why.
    public func status(
        services: [ServiceID] = ServiceID.allCases, metrics: Bool = false, apps: [PostgresInstance] = PostgresInstance.allCases,
        now: UTCTimestamp
    ) -> [CertificateStatus] {
        let caPair = layout.ca
        var entries: [CertificateStatus] = []
        var ca: CertificateAuthority?
        if !FileSystem.exists(caPair.certificate) {
            entries.append(entry(.ca, pair: caPair, info: nil, now: now, problem: "missing"))
        } else {
            do {
                let loaded = try CertificateAuthority.load(caPair)
                ca = loaded
                entries.append(entry(.ca, pair: caPair, info: loaded.certificate.info, now: now, problem: nil))
            } catch {
                let info = try? PEMFile.certificate(caPair.certificate).info
                entries.append(entry(.ca, pair: caPair, info: info, now: now, problem: error.message))
            }
        }
        let roles = services.map(CertificateRole.server) + (metrics ? [.metrics] : []) + apps.map(CertificateRole.client)
        for role in roles {
            let pair = layout.pair(for: role)
            guard FileSystem.exists(pair.certificate) else {
                entries.append(entry(role, pair: pair, info: nil, now: now, problem: "missing"))
                continue
            }
            switch loadLeaf(pair, ca: ca) {
            case let .success(certificate):
                entries.append(entry(role, pair: pair, info: certificate.info, now: now, problem: nil))
            case let .failure(error):
                let info = try? PEMFile.certificate(pair.certificate).info
                entries.append(entry(role, pair: pair, info: info, now: now, problem: error.message))
            }
        }
        return entries
    }

    private func entry(_ role: CertificateRole, pair: CertificateLayout.Pair, info: CertificateInfo?, now: UTCTimestamp, problem: String?) -> CertificateStatus {
        var problem = problem
        if problem == nil, let info {
            if info.notAfter < now {
                problem = CertificateProblem.expired(path: pair.certificate, notAfter: info.notAfter).description
            } else if now < info.notBefore {
                problem = CertificateProblem.notYetValid(path: pair.certificate, notBefore: info.notBefore).description
            }
        }
        return CertificateStatus(
            role: role, certificatePath: pair.certificate, keyPath: pair.key,
            info: info, daysLeft: info?.daysLeft(now: now), problem: problem)
    }
}
