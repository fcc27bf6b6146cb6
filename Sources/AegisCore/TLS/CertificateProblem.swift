/// Something wrong with a certificate an operator supplied, worded so that they can fix it.
public enum CertificateProblem: Sendable, Equatable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    /// The file exists but holds no PEM object of the expected kind; `expected` reads like
    /// "a PEM certificate".
    case notPEM(path: String, expected: String)
    /// Others may read the key; PostgreSQL refuses to start with such a key.
    case keyReadableByOthers(path: String, mode: UInt32)
    case keyMismatch(certificate: String, key: String)
    case expired(path: String, notAfter: UTCTimestamp)
    case notYetValid(path: String, notBefore: UTCTimestamp)
    /// Chain verification against the bundle failed; `reason` is OpenSSL's verify error text.
    case untrusted(path: String, bundle: String, reason: String)
    case missingName(path: String, name: String)

    public var description: String {
        switch self {
        case let .unreadable(path, reason): "\(path) is not readable: \(reason)"
        case let .notPEM(path, expected): "\(path) does not hold \(expected)"
        case let .keyReadableByOthers(path, mode):
            "\(path) is readable by other users (mode \(String(mode, radix: 8))); run `chmod 600 \(path)`"
        case let .keyMismatch(certificate, key): "the key \(key) does not match the certificate \(certificate)"
        case let .expired(path, notAfter): "\(path) expired on \(notAfter)"
        case let .notYetValid(path, notBefore): "\(path) is not valid before \(notBefore)"
        case let .untrusted(path, bundle, reason): "\(path) does not chain to the CA in \(bundle): \(reason)"
        case let .missingName(path, name): "\(path) has no subjectAltName for \(name)"
        }
    }
}
