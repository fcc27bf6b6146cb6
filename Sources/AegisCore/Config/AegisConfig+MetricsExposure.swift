extension AegisConfig {
    /// What `config check` says about a `/metrics` endpoint other hosts can reach: who can get
    /// in through the systemd unit, and what crosses the network unprotected. Warnings, not
    /// errors: a firewall or a private network may make each of them fine.
    public var metricsExposureWarnings: [ConfigIssue] {
        guard case .success(let endpoint) = MetricsEndpoint.of(metrics), !endpoint.isLoopback else { return [] }
        var warnings: [ConfigIssue] = []
        if metrics.scraperNetworks.isEmpty {
            warnings.append(ConfigIssue(path: "metrics.scraper_networks", reason: "is empty, so the systemd unit "
                + "(IPAddressDeny=any) drops every scrape from another host although /metrics listens on \(endpoint); "
                + "list your Prometheus servers' networks (CIDR) and add the drop-in config check then prints"))
        }
        if !metrics.tls {
            warnings.append(ConfigIssue(path: "metrics.tls", reason: "is off while /metrics listens on \(endpoint): scrapes, "
                + "and any token or password they send, cross the network in clear text; set tls = true"))
        }
        if metrics.bearerTokenFile.isEmpty, metrics.basicAuthUser.isEmpty {
            warnings.append(ConfigIssue(path: "metrics.basic_auth_user", reason: "/metrics listens on \(endpoint) without "
                + "authentication: whoever reaches the port reads it; set basic_auth_user (or bearer_token_file)"))
        }
        return warnings
    }
}
