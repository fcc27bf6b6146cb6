/// `[alerts]`: what aegisd does with its own alerts besides the journald entries.
public struct AlertsSettings: Sendable, Equatable {
    /// While an alert stays firing, it is notified again after this many seconds; 0 never
    /// (`repeat_interval_s`).
    public var repeatIntervalS: Int = 14_400
    /// `[[alerts.notify]]`: where each alert is sent, firing and resolved.
    public var notify: [AlertNotifySettings] = []

    public init() {}
}

/// One `[[alerts.notify]]` table: a command that gets the alert as JSON on standard input,
/// and/or a webhook the JSON is POSTed to.
public struct AlertNotifySettings: Sendable, Equatable {
    /// The program and its arguments (no shell), e.g. `["/usr/local/bin/page", "--team", "db"]`
    /// (`command`).
    public var command: [String] = []
    /// `http://` or `https://` URL the JSON is POSTed to (`url`).
    public var url: String = ""
    /// PEM bundle verifying an https `url`; empty means the system's CA store (`ca_file`).
    public var caFile: String = ""
    /// A delivery that has not finished within this many seconds is stopped and counted as
    /// failed (`timeout_s`).
    public var timeoutS: Int = 10

    public init(command: [String] = [], url: String = "", caFile: String = "", timeoutS: Int = 10) {
        self.command = command
        self.url = url
        self.caFile = caFile
        self.timeoutS = timeoutS
    }

    /// How this target is named in logs and metrics: the program, or the URL.
    public var name: String { command.first ?? url }
}
