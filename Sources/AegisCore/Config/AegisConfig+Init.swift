extension AegisConfig {
    /// The standard ports of the Aegis platform, in `--port-base` order: backend, ai, executor, redis, loki http,
    /// loki grpc, metrics.
    public static let standardPorts = [5432, 5433, 5434, 6379, 3100, 9095, 9464]

    /// The configuration `aegisd config init` writes: all state under
    /// `root`, the control socket in `root/run`, and either the standard ports or seven consecutive
    /// ports from `portBase` (N backend, N+1 ai, N+2 executor, N+3 redis, N+4 loki http,
    /// N+5 loki grpc, N+6 metrics). `user` is both the service account and the socket group.
    ///
    /// Throws when `root` is not absolute, the ports do not fit, or the result does not validate.
    public static func forInit(root: String, portBase: Int? = nil, user: String = "aegis") throws(ConfigError) -> AegisConfig {
        let layout = StateLayout(root: root)
        let file = "\(layout.root)/aegisd.toml"
        var issues: [ConfigIssue] = []
        if let problem = ConfigRules.absolutePathProblem(root) {
            issues.append(ConfigIssue(path: "--root", reason: problem))
        }
        let ports: [Int]
        if let base = portBase {
            if base < 1 || base > 65535 - 6 {
                issues.append(ConfigIssue(
                    path: "--port-base",
                    reason: "\(base) is out of range: the seven ports \(base)…\(base + 6) must lie within 1–65535"))
            }
            ports = (0..<7).map { base + $0 }
        } else {
            ports = standardPorts
        }
        guard issues.isEmpty else { throw ConfigError(file: file, issues: issues) }

        var config = AegisConfig.defaults(stateDir: layout.root)
        config.daemon.socket = layout.defaultSocket
        config.daemon.user = user
        config.daemon.socketGroup = user
        for (index, instance) in PostgresInstance.allCases.enumerated() {
            config.postgres.instances[instance]?.port = ports[index]
        }
        config.redis.port = ports[3]
        config.loki.httpPort = ports[4]
        config.loki.grpcPort = ports[5]
        config.metrics.port = ports[6]

        let problems = ConfigValidator.validate(config).map { issue in
            // Name the flag the operator can change, not a key of a file not yet written.
            issue.path.hasPrefix("aegisd.user") || issue.path.hasPrefix("aegisd.socket_group")
                ? ConfigIssue(path: "--user", reason: issue.reason) : issue
        }
        guard problems.isEmpty else { throw ConfigError(file: file, issues: problems) }
        return config
    }
}

extension AegisConfig {
    /// The configuration `aegisd config init --standby-of BUNDLE` writes: `forInit`'s, with
    /// `[replication] role = "standby"` following the bundle's primary, and Redis replicating
    /// when the bundle has its user. The credentials go to files, not here.
    public static func forStandbyInit(
        root: String, portBase: Int? = nil, user: String = "aegis", bundle: ReplicationBundle, slotName: String
    ) throws(ConfigError) -> AegisConfig {
        var config = try forInit(root: root, portBase: portBase, user: user)
        config.replication.role = "standby"
        config.replication.primaryHost = bundle.primaryHost
        config.replication.slotName = slotName
        for service in ServiceID.allCases where service != .loki {
            let port = service == .redis && bundle.redisUser == nil ? 0 : bundle.ports[service.rawValue] ?? 0
            config.replication.setPrimaryPort(port, of: service)
        }
        let problems = ConfigValidator.validate(config)
        guard problems.isEmpty else { throw ConfigError(file: "\(config.layout.root)/aegisd.toml", issues: problems) }
        return config
    }

    /// A standby's slot name from its host name: `standby_` and the name in the characters a
    /// slot name may hold (`db-2.example.com` → `standby_db_2_example_com`).
    public static func standbySlotName(hostName: String) -> String {
        let cleaned = String(hostName.lowercased().unicodeScalars.map { scalar -> Character in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
        })
        return String(("standby_" + cleaned).prefix(63))
    }
}
