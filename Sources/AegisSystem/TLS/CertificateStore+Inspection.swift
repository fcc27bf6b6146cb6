import AegisCore

extension CertificateStore {
    /// The CA's condition and, when usable, the CA. A missing `ca.crt` counts as a missing CA
    /// even if `ca.key` is there (a crash between writing the two), since nobody can trust a
    /// CA without its certificate; a `ca.crt` without its key is not replaced silently.
    func inspectCA() -> (CertificateCondition, CertificateAuthority?) {
        let pair = layout.ca
        guard FileSystem.exists(pair.certificate) else { return (.missing, nil) }
        do {
            let ca = try CertificateAuthority.load(pair)
            return (.present(ca.certificate.info), ca)
        } catch {
            return (.unusable(error.message), nil)
        }
    }

    /// A leaf's condition: present only when readable, matching its key, and issued by `ca`.
    /// Without a usable CA the issuer is not checked (the plan replaces every leaf then anyway).
    func inspect(_ pair: CertificateLayout.Pair, ca: CertificateAuthority?) -> CertificateCondition {
        guard FileSystem.exists(pair.certificate) else { return .missing }
        switch loadLeaf(pair, ca: ca) {
        case let .success(certificate): return .present(certificate.info)
        case let .failure(problem): return .unusable(problem.message)
        }
    }

    func loadLeaf(_ pair: CertificateLayout.Pair, ca: CertificateAuthority?) -> Result<Certificate, SystemError> {
        do {
            let certificate = try PEMFile.certificate(pair.certificate)
            let key = try PEMFile.privateKey(pair.key)
            guard key.matches(certificate) else {
                return .failure(SystemError(CertificateProblem.keyMismatch(certificate: pair.certificate, key: pair.key).description))
            }
            if let ca, let reason = CertificateChain.failure(of: certificate, anchors: [ca.certificate]) {
                return .failure(SystemError("\(pair.certificate) was not issued by the current CA (\(reason))"))
            }
            return .success(certificate)
        } catch {
            return .failure(error)
        }
    }
}
