/// Writes an `AegisConfig` as a complete, commented `aegisd.toml`: every key present, each with
/// a one-line comment. `ConfigDecoder` reads the result back to the same configuration.
public enum ConfigRenderer {
    public static func render(_ config: AegisConfig) -> String {
        var out = """
            # aegisd configuration (written by `aegisd config init`).
            # Every key is optional: a missing key takes the default shown in docs/configuration.md.
            # Changes take effect on restart of aegisd. Check a change with:
            #   aegisd config check --config <this file>

            """
        section(&out, "aegisd", "The daemon itself", ConfigSchema.daemon, config.daemon)
        section(&out, "supervision", "Health checks and the restart policy, shared by every service",
                ConfigSchema.supervision, config.supervision)
        section(&out, "postgres", "PostgreSQL 15: three instances, one data directory each",
                ConfigSchema.postgres, config.postgres)
        for instance in PostgresInstance.allCases {
            let settings = config.postgres.instances[instance] ?? PostgresSettings.standardInstances[instance]!
            section(&out, "postgres.\(instance.rawValue)", "The \(instance.serviceID.rawValue) service",
                    ConfigSchema.postgresInstance, settings)
        }
        section(&out, "redis", "Redis 7: cache, rate limits, locks", ConfigSchema.redis, config.redis)
        section(&out, "loki", "Grafana Loki: the log store", ConfigSchema.loki, config.loki)
        section(&out, "metrics", "The Prometheus endpoint", ConfigSchema.metrics, config.metrics)
        section(&out, "backup", "Encrypted backups (age format) of every database and of Redis",
                ConfigSchema.backup, config.backup)
        section(&out, "offsite", "Copies of every backup off the host, through rclone (S3 and compatible stores, GCS, Azure, SFTP…)",
                ConfigSchema.offsite, config.offsite)
        section(&out, "maintenance", "Maintenance jobs: VACUUM ANALYZE, archiving of old rows, Redis BGSAVE",
                ConfigSchema.maintenance, config.maintenance)
        section(&out, "tls", "TLS everywhere: aegisd's own certificate authority", ConfigSchema.tls, config.tls)
        section(&out, "logs", "Children's lines to journald and Loki (what Promtail did), and aegisctl logs",
                ConfigSchema.logs, config.logs)
        if config.logs.sources.isEmpty {
            out += """
                # More sources for Loki, one [[logs.source]] table each (job, and paths or unit):
                # [[logs.source]]
                # job = "aegis-backend"
                # paths = ["/var/log/aegis/backend/*.log"]
                # [[logs.source]]
                # job = "aegis-executor"
                # unit = "aegis-executor.service"

                """
        }
        for source in config.logs.sources {
            out += "\n[[logs.source]]\n"
            for field in ConfigSchema.logSource {
                out += "# \(field.comment).\n\(field.key) = \(literal(field.value(in: source)))\n"
            }
        }
        section(&out, "alerts", "aegisd's own alerts: journald entries always; notifications here", ConfigSchema.alerts, config.alerts)
        if config.alerts.notify.isEmpty {
            out += """
                # Where alerts are sent, firing and resolved, one [[alerts.notify]] table each:
                # [[alerts.notify]]
                # command = ["/usr/local/bin/page-oncall"]
                # [[alerts.notify]]
                # url = "https://hooks.example.com/aegisd"

                """
        }
        for target in config.alerts.notify {
            out += "\n[[alerts.notify]]\n"
            for field in ConfigSchema.alertNotify {
                out += "# \(field.comment).\n\(field.key) = \(literal(field.value(in: target)))\n"
            }
        }
        section(&out, "pitr", "Point-in-time recovery with pgBackRest: WAL archiving and base backups", ConfigSchema.pitr, config.pitr)
        section(&out, "replication", "A standby host: streaming replication of the databases and Redis (docs/operations.md)",
                ConfigSchema.replication, config.replication)
        return out
    }

    private static func section<Section>(
        _ out: inout String, _ name: String, _ comment: String, _ fields: [ConfigField<Section>], _ value: Section
    ) {
        out += "\n# \(comment).\n[\(name)]\n"
        for field in fields {
            out += "# \(field.comment).\n\(field.key) = \(literal(field.value(in: value)))\n"
        }
    }

    /// The TOML literal of a scalar (only scalars occur in the schema).
    static func literal(_ value: ConfigValue) -> String {
        switch value {
        case .string(let text): quoted(text)
        case .integer(let number): String(number)
        case .bool(let flag): String(flag)
        case .float(let number): String(number)
        case .datetime(let text): text
        case .array(let items): "[" + items.map(literal).joined(separator: ", ") + "]"
        case .table(let table):
            "{ " + table.keys.sorted().map { "\($0) = \(literal(table[$0]!))" }.joined(separator: ", ") + " }"
        }
    }

    /// A TOML basic string: quotes, backslashes and control characters escaped.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || scalar.value == 0x7F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
