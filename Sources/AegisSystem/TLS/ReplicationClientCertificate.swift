import AegisCore

/// A standby's replication client certificate, the one its primary's CA issued in the pairing
/// bundle (`[tls] leaf_validity_days` of the primary), as a `certs status` entry: read, and
/// checked against the primary's CA stored beside it. This host cannot renew it (the CA key
/// stays on the primary), so what is wrong with it says how to replace it.
public enum ReplicationClientCertificate {
    /// What the operator does before it expires.
    public static let replacement = "make a new bundle on the primary (aegisctl replication bundle --out FILE) "
        + "and apply it here with aegisctl replication rejoin --bundle FILE"

    /// The entry of the certificate in `credentials`; nil when there is none (a primary, or a
    /// standby paired by hand with files elsewhere).
    public static func status(_ credentials: ReplicationCredentials, now: UTCTimestamp) -> CertificateStatus? {
        let path = credentials.clientCertificate
        guard FileSystem.exists(path) else { return nil }
        var info: CertificateInfo?
        var problem: String?
        do {
            let certificate = try PEMFile.certificate(path)
            info = certificate.info
            let ca = try PEMFile.certificate(credentials.caCertificate)
            if let reason = CertificateChain.failure(of: certificate, anchors: [ca]) {
                problem = "\(path) was not issued by the primary's CA in \(credentials.caCertificate) (\(reason))"
            }
        } catch {
            problem = error.message
        }
        if problem == nil, let info {
            if info.notAfter < now {
                problem = CertificateProblem.expired(path: path, notAfter: info.notAfter).description
            } else if now < info.notBefore {
                problem = CertificateProblem.notYetValid(path: path, notBefore: info.notBefore).description
            }
        }
        return CertificateStatus(
            role: .replicationClient, certificatePath: path, keyPath: credentials.clientKey, info: info,
            daysLeft: info?.daysLeft(now: now), problem: problem.map { "\($0): \(replacement)" })
    }
}
