import AegisCore
import Glibc

/// Checks certificates an operator supplied instead of the built-in CA's: aegisd uses them as
/// they are and never overwrites them, so everything that would make a server fail to start
/// or a client refuse it is reported up front, worded for the person who has to fix it.
public enum CertificateValidator {
    /// The problems of the certificate in `certificatePath` with the key in `keyPath`, checked
    /// against the CA certificates in `caBundlePath` at `now`; empty means usable.
    ///
    /// - Parameter requiredNames: names clients will dial (DNS names or IP addresses); each must
    ///   be covered by a subjectAltName.
    public static func problems(
        certificatePath: String, keyPath: String, caBundlePath: String, now: UTCTimestamp, requiredNames: [String] = []
    ) -> [CertificateProblem] {
        var problems: [CertificateProblem] = []
        let chain: [Certificate]?
        do {
            chain = try PEMFile.certificates(at: certificatePath)
        } catch {
            problems.append(PEMFile.problem(error, path: certificatePath, expected: PEMFile.certificateKind))
            chain = nil
        }
        var key: PrivateKey?
        do {
            key = try PEMFile.key(at: keyPath)
            if let mode = permissions(of: keyPath), mode & 0o007 != 0 {
                problems.append(.keyReadableByOthers(path: keyPath, mode: mode))
            }
        } catch {
            problems.append(PEMFile.problem(error, path: keyPath, expected: PEMFile.keyKind))
        }
        var anchors: [Certificate]?
        do {
            anchors = try PEMFile.certificates(at: caBundlePath)
        } catch {
            problems.append(PEMFile.problem(error, path: caBundlePath, expected: "PEM CA certificates"))
        }
        guard let chain, let leaf = chain.first else { return problems }

        if let key, !key.matches(leaf) {
            problems.append(.keyMismatch(certificate: certificatePath, key: keyPath))
        }
        let info = leaf.info
        if info.notAfter < now { problems.append(.expired(path: certificatePath, notAfter: info.notAfter)) }
        if now < info.notBefore { problems.append(.notYetValid(path: certificatePath, notBefore: info.notBefore)) }
        if let anchors, let reason = CertificateChain.failure(of: leaf, intermediates: Array(chain.dropFirst()), anchors: anchors) {
            problems.append(.untrusted(path: certificatePath, bundle: caBundlePath, reason: reason))
        }
        for name in requiredNames where !leaf.covers(name) {
            problems.append(.missingName(path: certificatePath, name: name))
        }
        return problems
    }

    private static func permissions(of path: String) -> UInt32? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return UInt32(info.st_mode & 0o7777)
    }
}
