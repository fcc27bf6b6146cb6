import AegisCore
import Glibc

/// The files `[metrics]` names for who may scrape and over what: the bearer token or the basic
/// password, and the certificate of HTTPS.
public enum MetricsAccessFiles {
    /// The access rule of `settings`, or why its file cannot be used (missing, unreadable, empty,
    /// or a password readable by group or others).
    public static func read(_ settings: MetricsSettings) -> Result<MetricsAccess, SystemError> {
        if !settings.bearerTokenFile.isEmpty {
            let file = settings.bearerTokenFile
            guard let token = (try? FileSystem.read(file)).flatMap({ $0 }).flatMap(BearerToken.init(fileContent:)) else {
                return .failure(SystemError("[metrics] bearer_token_file \(file) is missing, unreadable or empty"))
            }
            return .success(.bearer(token))
        }
        if !settings.basicAuthUser.isEmpty {
            let file = settings.basicAuthPasswordFile
            var info = stat()
            if stat(file, &info) == 0, info.st_mode & 0o077 != 0 {
                return .failure(SystemError(
                    "[metrics] basic_auth_password_file \(file) is readable by group or others "
                        + "(mode \(String(info.st_mode & 0o777, radix: 8))); run `chmod 600 \(file)`"))
            }
            guard let content = (try? FileSystem.read(file)).flatMap({ $0 }),
                  let credentials = BasicCredentials(user: settings.basicAuthUser, passwordFileContent: content)
            else {
                return .failure(SystemError("[metrics] basic_auth_password_file \(file) is missing, unreadable or empty"))
            }
            return .success(.basic(credentials))
        }
        return .success(.open)
    }

    /// The certificate and key HTTPS presents: the operator's files, or the ones aegisd's CA
    /// issues for the endpoint. Nil when `[metrics] tls` is off.
    public static func identity(_ config: AegisConfig) -> TLSServerIdentity? {
        guard config.metrics.tls else { return nil }
        if !config.metrics.tlsCertFile.isEmpty {
            return TLSServerIdentity(certificateFile: config.metrics.tlsCertFile, keyFile: config.metrics.tlsKeyFile)
        }
        let pair = CertificateLayout(config.layout).metrics
        return TLSServerIdentity(certificateFile: pair.certificate, keyFile: pair.key)
    }

    /// Which file of `identity` aegisd cannot read, if one.
    public static func unreadable(_ identity: TLSServerIdentity) -> String? {
        for file in [identity.certificateFile, identity.keyFile] where access(file, R_OK) != 0 {
            return "cannot read \(file): \(String(cString: strerror(errno)))"
        }
        return nil
    }
}
