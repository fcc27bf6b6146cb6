/// Writes metric families in the Prometheus text format or OpenMetrics.
///
/// Written by hand rather than through swift-prometheus's `PrometheusCollectorRegistry`: every
/// figure here is a snapshot mapped afresh on each scrape (a service that disappears must vanish
/// from the output, a backup that never happened must be absent), while the registry holds
/// long-lived metric objects that would have to be created, set and unregistered to mirror each
/// snapshot; it also writes only the text format, not OpenMetrics. The formats are small and
/// fully specified, and AegisCore stays free of dependencies. `promtool check metrics` checks
/// the output in the tests.
public enum MetricsExposition {
    public static func render(_ families: [MetricFamily], format: MetricsFormat) -> String {
        var out = ""
        for family in families where !family.samples.isEmpty {
            let (familyName, type) = header(family, format)
            out += "# HELP \(familyName) \(escapeHelp(family.help))\n"
            out += "# TYPE \(familyName) \(type)\n"
            for sample in family.samples {
                out += family.name + sample.suffix
                if !sample.labels.isEmpty {
                    out += "{" + sample.labels.map { "\($0.name)=\"\(escapeLabel($0.value))\"" }.joined(separator: ",") + "}"
                }
                out += " " + number(sample.value) + "\n"
            }
        }
        if format == .openMetrics { out += "# EOF\n" }
        return out
    }

    /// The family's name and type as the format writes them on `# HELP` and `# TYPE`.
    static func header(_ family: MetricFamily, _ format: MetricsFormat) -> (name: String, type: String) {
        switch (format, family.kind) {
        case (.prometheusText, .info): return (family.name, "gauge")
        case (.prometheusText, _): return (family.name, family.kind.rawValue)
        case (.openMetrics, .counter) where family.name.hasSuffix("_total"): return (String(family.name.dropLast(6)), "counter")
        case (.openMetrics, .info) where family.name.hasSuffix("_info"): return (String(family.name.dropLast(5)), "info")
        case (.openMetrics, _): return (family.name, family.kind.rawValue)
        }
    }

    /// Go's ParseFloat spellings: `+Inf`, `-Inf`, `NaN`; whole numbers without a fraction.
    public static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    static func escapeLabel(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeHelp(_ text: String) -> String {
        text.replacing("\\", with: "\\\\").replacing("\n", with: "\\n")
    }
}
