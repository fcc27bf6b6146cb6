extension ConfigValidator {
    /// Who may scrape `/metrics` and over what: one authentication scheme at most, files named
    /// by absolute paths, and a certificate that can exist.
    static func metricsAccessIssues(_ config: AegisConfig) -> [ConfigIssue] {
        let metrics = config.metrics
        var issues: [ConfigIssue] = []
        func check(_ key: String, _ problem: String?) {
            if let problem { issues.append(ConfigIssue(path: "metrics.\(key)", reason: problem)) }
        }
        for (key, path) in [("bearer_token_file", metrics.bearerTokenFile), ("basic_auth_password_file", metrics.basicAuthPasswordFile),
                            ("tls_cert_file", metrics.tlsCertFile), ("tls_key_file", metrics.tlsKeyFile)] {
            check(key, ConfigRules.absolutePathProblem(path, allowEmpty: true))
        }
        if metrics.basicAuthUser.isEmpty != metrics.basicAuthPasswordFile.isEmpty {
            check(metrics.basicAuthUser.isEmpty ? "basic_auth_user" : "basic_auth_password_file",
                  "basic authentication needs both basic_auth_user and basic_auth_password_file")
        }
        if metrics.basicAuthUser.contains(":") || metrics.basicAuthUser.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            check("basic_auth_user", "must not contain ':' or control characters (RFC 7617)")
        }
        if !metrics.bearerTokenFile.isEmpty, !metrics.basicAuthUser.isEmpty {
            check("basic_auth_user", "choose one scheme: bearer_token_file or basic authentication, not both")
        }
        for (index, network) in metrics.scraperNetworks.enumerated() {
            do { _ = try IPNetwork(network) } catch { check("scraper_networks[\(index)]", error.description) }
        }
        if metrics.tlsCertFile.isEmpty != metrics.tlsKeyFile.isEmpty {
            check(metrics.tlsCertFile.isEmpty ? "tls_cert_file" : "tls_key_file", "set both tls_cert_file and tls_key_file, or neither")
        }
        if !metrics.tls, !metrics.tlsCertFile.isEmpty || !metrics.tlsKeyFile.isEmpty {
            check("tls", "tls_cert_file and tls_key_file are set but metrics.tls is false: set tls = true to serve HTTPS")
        }
        if metrics.usesIssuedCertificate {
            if !config.tls.enabled {
                check("tls", "needs [tls] enabled = true for a certificate of aegisd's CA, or tls_cert_file and tls_key_file")
            } else if config.tls.usesOperatorCertificates {
                check("tls", "with [tls] operator_dir aegisd issues no certificates: set tls_cert_file and tls_key_file")
            }
        }
        return issues
    }
}
