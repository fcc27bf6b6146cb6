/// Turns a parsed configuration document into an `AegisConfig`.
///
/// Missing keys keep the model's defaults. Every problem is collected, not just the first, so an
/// operator fixes the file in one round: unknown keys and sections (with a "did you mean" when a
/// known key is close) and values of the wrong type. Whether the values make sense is
/// `ConfigValidator`'s job; `decodeValidated(_:file:)` runs both.
public enum ConfigDecoder {
    /// Decodes `document` (the file's top-level table). Keys with problems keep their defaults.
    public static func decode(_ document: [String: ConfigValue]) -> (config: AegisConfig, issues: [ConfigIssue]) {
        var config = AegisConfig.defaults()
        var reader = Reader()
        let root = document

        if let table = reader.section("aegisd", in: root, at: "") {
            reader.read(ConfigSchema.daemon, from: table, at: "aegisd", into: &config.daemon)
        }
        if let table = reader.section("supervision", in: root, at: "") {
            reader.read(ConfigSchema.supervision, from: table, at: "supervision", into: &config.supervision)
        }
        if let table = reader.section("postgres", in: root, at: "") {
            reader.read(
                ConfigSchema.postgres, from: table, at: "postgres", into: &config.postgres,
                subsections: PostgresInstance.allCases.map(\.rawValue))
            for instance in PostgresInstance.allCases {
                guard let instanceTable = reader.section(instance.rawValue, in: table, at: "postgres") else { continue }
                var settings = config.postgres.instances[instance]
                    ?? PostgresSettings.standardInstances[instance]!
                reader.read(
                    ConfigSchema.postgresInstance, from: instanceTable, at: "postgres.\(instance.rawValue)",
                    into: &settings)
                config.postgres.instances[instance] = settings
            }
        }
        if let table = reader.section("redis", in: root, at: "") {
            reader.read(ConfigSchema.redis, from: table, at: "redis", into: &config.redis)
        }
        if let table = reader.section("loki", in: root, at: "") {
            reader.read(ConfigSchema.loki, from: table, at: "loki", into: &config.loki)
        }
        if let table = reader.section("metrics", in: root, at: "") {
            reader.read(ConfigSchema.metrics, from: table, at: "metrics", into: &config.metrics)
        }
        if let table = reader.section("backup", in: root, at: "") {
            reader.read(ConfigSchema.backup, from: table, at: "backup", into: &config.backup)
        }
        if let table = reader.section("offsite", in: root, at: "") {
            reader.read(ConfigSchema.offsite, from: table, at: "offsite", into: &config.offsite)
        }
        if let table = reader.section("maintenance", in: root, at: "") {
            reader.read(ConfigSchema.maintenance, from: table, at: "maintenance", into: &config.maintenance)
        }
        if let table = reader.section("tls", in: root, at: "") {
            reader.read(ConfigSchema.tls, from: table, at: "tls", into: &config.tls)
        }
        if let table = reader.section("logs", in: root, at: "") {
            reader.read(ConfigSchema.logs, from: table, at: "logs", into: &config.logs, subsections: ["source"])
            config.logs.sources = reader.logSources(in: table)
        }
        if let table = reader.section("alerts", in: root, at: "") {
            reader.read(ConfigSchema.alerts, from: table, at: "alerts", into: &config.alerts, subsections: ["notify"])
            config.alerts.notify = reader.tables("notify", in: table, at: "alerts", fields: ConfigSchema.alertNotify, empty: AlertNotifySettings())
        }
        if let table = reader.section("pitr", in: root, at: "") {
            reader.read(ConfigSchema.pitr, from: table, at: "pitr", into: &config.pitr)
        }
        if let table = reader.section("replication", in: root, at: "") {
            reader.read(ConfigSchema.replication, from: table, at: "replication", into: &config.replication)
        }
        reader.reportUnknown(in: root, at: "", keys: [], sections: ConfigSchema.sectionNames)
        return (config, reader.issues)
    }

    /// Decodes and validates; throws every issue of both steps at once.
    /// - Parameter file: the file name the error names (the document's origin).
    public static func decodeValidated(_ document: [String: ConfigValue], file: String) throws(ConfigError) -> AegisConfig {
        let (config, issues) = decode(document)
        let all = issues + ConfigValidator.validate(config)
        guard all.isEmpty else { throw ConfigError(file: file, issues: all) }
        return config
    }
}

extension ConfigDecoder {
    /// Collects issues while walking the document.
    private struct Reader {
        var issues: [ConfigIssue] = []

        static func join(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }

        /// The sub-table `key` of `table`, or nil when it is absent or not a table (an issue).
        mutating func section(_ key: String, in table: [String: ConfigValue], at path: String) -> [String: ConfigValue]? {
            switch table[key] {
            case nil:
                return nil
            case .table(let sub):
                return sub
            case let other?:
                issues.append(ConfigIssue(
                    path: Self.join(path, key),
                    reason: "expected a table ([\(Self.join(path, key))]), found \(other.kindDescription)"))
                return nil
            }
        }

        /// Reads `fields` from `table` into `section` and reports keys that are none of them
        /// (nor one of `subsections`, which the caller reads itself).
        mutating func read<Section>(
            _ fields: [ConfigField<Section>], from table: [String: ConfigValue], at path: String,
            into section: inout Section, subsections: [String] = []
        ) {
            for field in fields {
                guard let value = table[field.key] else { continue }
                if let problem = field.assign(value, to: &section) {
                    issues.append(ConfigIssue(path: Self.join(path, field.key), reason: problem))
                }
            }
            reportUnknown(in: table, at: path, keys: fields.map(\.key), sections: subsections)
        }

        /// `[[<path>.<key>]]`: an array of tables, each read with `fields` over `empty`.
        mutating func tables<Item>(
            _ key: String, in section: [String: ConfigValue], at path: String, fields: [ConfigField<Item>], empty: Item
        ) -> [Item] {
            guard let value = section[key] else { return [] }
            let name = "\(path).\(key)"
            guard case .array(let items) = value else {
                issues.append(ConfigIssue(path: name, reason: "expected [[\(name)]] tables, found \(value.kindDescription)"))
                return []
            }
            var result: [Item] = []
            for (index, item) in items.enumerated() {
                guard case .table(let table) = item else {
                    issues.append(ConfigIssue(path: "\(name)[\(index)]", reason: "expected a table, found \(item.kindDescription)"))
                    continue
                }
                var entry = empty
                read(fields, from: table, at: "\(name)[\(index)]", into: &entry)
                result.append(entry)
            }
            return result
        }

        /// `[[logs.source]]`: an array of tables.
        mutating func logSources(in logs: [String: ConfigValue]) -> [LogSourceSettings] {
            guard let value = logs["source"] else { return [] }
            guard case .array(let items) = value else {
                issues.append(ConfigIssue(path: "logs.source", reason: "expected [[logs.source]] tables, found \(value.kindDescription)"))
                return []
            }
            var sources: [LogSourceSettings] = []
            for (index, item) in items.enumerated() {
                guard case .table(let table) = item else {
                    issues.append(ConfigIssue(path: "logs.source[\(index)]", reason: "expected a table, found \(item.kindDescription)"))
                    continue
                }
                var source = LogSourceSettings()
                read(ConfigSchema.logSource, from: table, at: "logs.source[\(index)]", into: &source)
                sources.append(source)
            }
            return sources
        }

        mutating func reportUnknown(in table: [String: ConfigValue], at path: String, keys: [String], sections: [String]) {
            for key in table.keys.sorted() where !keys.contains(key) && !sections.contains(key) {
                let isTable = if case .table = table[key] { true } else { false }
                let kind = isTable ? "section" : "key"
                var reason = "unknown \(kind)"
                if let suggestion = ConfigSuggestion.closest(to: key, among: keys + sections) {
                    reason += "; did you mean \(Self.join(path, suggestion))?"
                } else if isTable, !sections.isEmpty {
                    reason += "; known sections here: " + sections.map { Self.join(path, $0) }.joined(separator: ", ")
                }
                issues.append(ConfigIssue(path: Self.join(path, key), reason: reason))
            }
        }
    }
}
